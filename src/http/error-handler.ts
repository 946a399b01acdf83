import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CODES } from '../errors.js';
import type { Problem } from './schemas.js';

/**
 * Writes every error as RFC 9457 problem+json with a stable `code`. Fastify's own
 * 4xx errors (bad JSON, schema violations, oversized bodies, wrong content type)
 * become `validation_failed` or `payload_too_large`; anything else is a 500 whose
 * details stay in the log.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: appError.code, detail: appError.detail }, 'request refused');
    return sendProblem(request, reply, appError, validationDetails(error));
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new AppError('not_found', `No route ${request.method} ${request.url.split('?')[0]}`)),
  );
}

function toAppError(error: FastifyError | AppError): AppError {
  if (error instanceof AppError) return error;
  if (error.validation) return new AppError('validation_failed', validationSummary(error));
  const status = error.statusCode ?? 500;
  if (status === 413) return new AppError('payload_too_large', `The body is larger than the limit`);
  if (status === 415) return new AppError('validation_failed', 'The body must be JSON (Content-Type: application/json)');
  if (status === 404) return new AppError('not_found');
  if (status >= 400 && status < 500) return new AppError('validation_failed', error.message);
  return new AppError('internal_error', 'An unexpected error occurred; it has been logged');
}

function validationSummary(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return error.message;
  const where = error.validationContext ?? 'body';
  const field = fieldOf(first);
  return `${where}${field ? `.${field}` : ''} ${first.message ?? 'is invalid'}`;
}

function fieldOf(issue: NonNullable<FastifyError['validation']>[number]): string {
  const params = issue.params as Record<string, unknown>;
  const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (typeof params.additionalProperty === 'string') return path ? `${path}.${params.additionalProperty}` : params.additionalProperty;
  if (typeof params.missingProperty === 'string') return path ? `${path}.${params.missingProperty}` : params.missingProperty;
  return path;
}

function validationDetails(error: FastifyError | AppError): Problem['errors'] {
  if (error instanceof AppError || !error.validation) return undefined;
  const where = error.validationContext ?? 'body';
  return error.validation.map((issue) => {
    const field = fieldOf(issue);
    const params = issue.params as Record<string, unknown>;
    let message = issue.message ?? 'is invalid';
    if (typeof params.additionalProperty === 'string') message = 'is not a known field';
    return { field: field ? `${where}.${field}` : where, message };
  });
}

/** Sends an AppError as problem+json, with WWW-Authenticate on 401s. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError, errors?: Problem['errors']) {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  if (error.status === 401 && !reply.hasHeader('www-authenticate')) {
    reply.header('www-authenticate', 'Bearer error="invalid_token"');
  }
  const problem: Problem = {
    type: `urn:pos-accounts:problem:${error.code}`,
    title: ERROR_CODES[error.code].title,
    status: error.status,
    detail: error.detail ?? ERROR_CODES[error.code].title,
    code: error.code,
    instance: request.url.split('?')[0],
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
  return reply.status(error.status).type('application/problem+json').send(problem);
}
