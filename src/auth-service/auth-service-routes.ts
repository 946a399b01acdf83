import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fromNodeHeaders } from 'better-auth/node';
import { Type } from 'typebox';
import type { BuiltinAuth } from './auth-service.js';

const AUTH_TAG = ['auth service'];
const AuthUser = Type.Object({ id: Type.String(), email: Type.String(), name: Type.String(), emailVerified: Type.Boolean() });

/**
 * Mounts the built-in auth service at /auth. Its four main endpoints are declared
 * for the API document; every other Better Auth endpoint (sign-out, e-mail
 * verification, password reset) is forwarded by the catch-all. Its answers are
 * Better Auth's own JSON ({ code, message }), not problem+json: it is a separate
 * service that happens to share the process. Requests refused before they reach
 * it (bad JSON, too large) are problem+json like everywhere else.
 */
export function registerAuthServiceRoutes(app: FastifyInstance, auth: BuiltinAuth): void {
  const forward = (request: FastifyRequest, reply: FastifyReply) => forwardToAuth(auth, request, reply);
  const config = { forwardsBody: true };

  app.post('/auth/sign-up/email', {
    config,
    schema: {
      tags: AUTH_TAG,
      summary: 'Create an account at the built-in auth service and sign in',
      body: Type.Object({ name: Type.String(), email: Type.String(), password: Type.String() }),
      response: { 200: Type.Object({ token: Type.Union([Type.String(), Type.Null()]), user: AuthUser })},
    },
    handler: forward,
  });
  app.post('/auth/sign-in/email', {
    config,
    schema: {
      tags: AUTH_TAG,
      summary: 'Sign in with e-mail and password; `token` is a session token for GET /auth/token',
      body: Type.Object({ email: Type.String(), password: Type.String() }),
      response: { 200: Type.Object({ token: Type.String(), user: AuthUser })},
    },
    handler: forward,
  });
  app.get('/auth/token', {
    config,
    schema: {
      tags: AUTH_TAG,
      summary: 'Exchange a session token (Authorization: Bearer) for an authToken (a JWT)',
      security: [{ sessionToken: [] }],
      response: { 200: Type.Object({ token: Type.String() })},
    },
    handler: forward,
  });
  app.get('/auth/jwks', {
    config,
    schema: {
      tags: AUTH_TAG,
      summary: "The built-in auth service's public keys",
      response: { 200: Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) }) },
    },
    handler: forward,
  });
  app.route({ method: ['GET', 'POST'], url: '/auth/*', config, schema: { hide: true }, handler: forward });
}

async function forwardToAuth(auth: BuiltinAuth, request: FastifyRequest, reply: FastifyReply) {
  const headers = fromNodeHeaders(request.headers);
  headers.set('x-pos-client-ip', request.ip);
  // Node's fetch sends Sec-Fetch-Mode but never an Origin, which Better Auth takes
  // for a browser that hid its origin. Browsers send Origin on every POST, so
  // without Origin, Referer and cookies this is a script or a till: let it in.
  if (!headers.has('origin') && !headers.has('referer') && !headers.has('cookie')) {
    for (const name of ['sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user']) headers.delete(name);
  }
  let body: string | undefined;
  if (request.method !== 'GET' && request.body !== undefined && request.body !== null) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    headers.set('content-type', 'application/json');
    headers.delete('content-length');
  }
  const url = new URL(request.url, auth.issuer);
  const response = await auth.handler(new Request(url, { method: request.method, headers, body }), request.ip);
  reply.status(response.status);
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie' && name !== 'content-length') reply.header(name, value);
  }
  // Better Auth says X-Retry-After; HTTP clients look for Retry-After.
  const retryAfter = response.headers.get('x-retry-after');
  if (retryAfter !== null) reply.header('retry-after', retryAfter);
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) reply.header('set-cookie', cookies);
  const text = await response.text();
  // Better Auth's body is already JSON: send it as it is, past the response schemas.
  return reply.serializer((payload: unknown) => payload as string).send(text.length > 0 ? text : undefined);
}
