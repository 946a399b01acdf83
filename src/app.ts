import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AccountsService } from './accounts/accounts-service.js';
import { registerAccountsRoutes } from './accounts/accounts-routes.js';
import { AccountSchema } from './accounts/accounts-schemas.js';
import { registerAuditRoutes } from './audit/audit-routes.js';
import { AuditEventSchema } from './audit/audit-schemas.js';
import { AuditService } from './audit/audit-service.js';
import { createBuiltinAuth, migrateBuiltinAuth } from './auth-service/auth-service.js';
import { registerAuthServiceRoutes } from './auth-service/auth-service-routes.js';
import { isoAfter, systemClock, type Clock } from './clock.js';
import { purgeLoginThrottles } from './accounts/accounts-store.js';
import { purgePairingCodes } from './devices/devices-store.js';
import { purgeExpiredAccessTokens } from './sessions/sessions-store.js';
import type { Config } from './config.js';
import { AuthTokenVerifier, localIssuerKeys, remoteIssuerKeys, type IssuerKeys } from './crypto/auth-tokens.js';
import { PasswordHasher } from './crypto/passwords.js';
import { openDatabase, type Db, type OpenedDatabase } from './db/database.js';
import { AppError } from './errors.js';
import { DevicesService } from './devices/devices-service.js';
import { registerDevicesRoutes } from './devices/devices-routes.js';
import { DeviceSchema } from './devices/devices-schemas.js';
import { Authenticator, noCredentials } from './http/auth.js';
import { registerErrorHandling } from './http/error-handler.js';
import { registerHealthRoutes } from './http/health-routes.js';
import { registerMetrics } from './http/metrics.js';
import { ProblemSchema } from './http/schemas.js';
import { validatorCompiler } from './http/validation.js';
import { InvitationsService } from './invitations/invitations-service.js';
import { FailureWindows } from './limits/failure-windows.js';
import { createMailer } from './mail/mailer.js';
import { registerInvitationsRoutes } from './invitations/invitations-routes.js';
import { InvitationSchema } from './invitations/invitations-schemas.js';
import { MembersService } from './members/members-service.js';
import { registerMembersRoutes } from './members/members-routes.js';
import { TenantAccountSchema, TenantAccountWithTokenSchema } from './members/members-schemas.js';
import { SessionsService } from './sessions/sessions-service.js';
import { registerSessionsRoutes } from './sessions/sessions-routes.js';
import { StoresService } from './stores/stores-service.js';
import { registerStoresRoutes } from './stores/stores-routes.js';
import { StoreSchema } from './stores/stores-schemas.js';
import { TenantsService } from './tenants/tenants-service.js';
import { registerTenantsRoutes } from './tenants/tenants-routes.js';
import { TenantSchema } from './tenants/tenants-schemas.js';

export type App = FastifyInstance<
  import('fastify').RawServerDefault,
  import('fastify').RawRequestDefaultExpression,
  import('fastify').RawReplyDefaultExpression,
  import('fastify').FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface BuildAppOptions {
  config: Config;
  database: OpenedDatabase;
  clock?: Clock;
  /** false, or pino options added to the defaults (JSON logs at config.logLevel). */
  logger?: false | object;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Turns /readyz unready ahead of closing, so a load balancer stops sending requests. */
    drain(): void;
  }
  interface FastifyContextConfig {
    /** The route forwards its body untouched (the built-in auth service). */
    forwardsBody?: boolean;
  }
}

/** Opens the database and migrates the account service's and the built-in auth service's tables. */
export function openAppDatabase(config: Config): Promise<OpenedDatabase> {
  return openDatabase(config, (db, dialect) => migrateBuiltinAuth(config, db, dialect));
}

/**
 * Builds the whole service on an opened database. Every feature is wired here by
 * hand: routes → service → store.
 */
export async function buildApp({ config, database, clock = systemClock, logger }: BuildAppOptions): Promise<App> {
  const app = Fastify({
    logger:
      logger === false ? false : { level: config.logLevel, serializers: { req: serializeRequest }, ...(typeof logger === 'object' ? logger : {}) },
    bodyLimit: config.bodyLimitBytes,
    // A hop count trusts that many proxies in front of the node.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler());
  refuseMissingCredentialsFirst(app);
  // Answers carry tokens and personal data: no cache may keep them.
  app.addHook('onSend', async (_request, reply) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  acceptEmptyJsonBodies(app);
  refuseBodiesWhereNoneIsExpected(app);
  registerErrorHandling(app);

  for (const schema of [ProblemSchema, TenantAccountSchema, TenantAccountWithTokenSchema, AccountSchema, TenantSchema, StoreSchema, DeviceSchema, InvitationSchema, AuditEventSchema]) {
    app.addSchema(schema);
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'POS account service',
        version: '0.1.0',
        description: 'Accounts for point-of-sale platforms: tenants, stores, devices, staff and invitations.',
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          accessToken: { type: 'http', scheme: 'bearer', description: 'acc_… from a login or token exchange' },
          deviceToken: { type: 'http', scheme: 'bearer', description: 'dev_… of an attached device' },
          authToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'JWT of a trusted auth service' },
          sessionToken: { type: 'http', scheme: 'bearer', description: 'Session token of the built-in auth service' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const db = database.db;
  const mailer = createMailer(config, app.log);
  const issuers: IssuerKeys[] = config.auth.issuers.map((i) => ({
    issuer: i.issuer,
    audience: i.audience,
    getKey: remoteIssuerKeys(i.issuer, i.jwksUri),
  }));
  const passwords = new PasswordHasher(config.passwords.hashConcurrency, config.passwords.hashQueue);
  if (config.auth.builtin) {
    const builtin = createBuiltinAuth(config, db, database.dialect, passwords, mailer);
    issuers.push({ issuer: builtin.issuer, audience: builtin.issuer, getKey: localIssuerKeys(builtin.getJwks) });
    registerAuthServiceRoutes(app, builtin);
  }

  const audit = new AuditService(db, clock, config.audit.retentionDays);
  const sessions = new SessionsService(db, config, clock, audit);
  const failures = new FailureWindows(db, clock);
  const devices = new DevicesService(db, config, clock, sessions, audit, failures, passwords);
  const authenticator = new Authenticator(sessions, devices, new AuthTokenVerifier(issuers, config.auth.algorithms, clock));
  const accounts = new AccountsService(db, config, clock, sessions, devices, audit, passwords, failures);
  const members = new MembersService(db, config, clock, sessions, audit, passwords);
  const tenants = new TenantsService(db, config, clock, accounts, sessions, audit);
  const stores = new StoresService(db, clock, audit);
  const invitations = new InvitationsService(db, config, clock, accounts, sessions, audit, mailer);
  schedulePurges(app, db, clock, audit, failures);

  const lifecycle = { draining: false };
  app.decorate('drain', () => {
    lifecycle.draining = true;
  });
  registerHealthRoutes(app, database, lifecycle);
  registerMetrics(app, passwords);
  registerAccountsRoutes(app, authenticator, accounts, members);
  registerSessionsRoutes(app, authenticator, sessions);
  registerTenantsRoutes(app, authenticator, tenants);
  registerStoresRoutes(app, authenticator, stores);
  registerDevicesRoutes(app, authenticator, devices);
  registerMembersRoutes(app, authenticator, members);
  registerInvitationsRoutes(app, authenticator, invitations);
  registerAuditRoutes(app, authenticator, audit);
  return app;
}

/**
 * Hourly housekeeping: audit events past retention, access tokens expired a day
 * ago, stale lockout and failure counters, used or expired pairing codes. Any
 * node may run it at any time; each step is one idempotent delete.
 */
function schedulePurges(app: App, db: Db, clock: Clock, audit: AuditService, failures: FailureWindows): void {
  const purge = async () => {
    const dayAgo = isoAfter(clock.now(), -86400);
    try {
      const deleted = await audit.purge();
      if (deleted > 0) app.log.info({ deleted }, 'audit events past retention deleted');
      await purgeExpiredAccessTokens(db, dayAgo);
      await purgeLoginThrottles(db, dayAgo);
      await purgePairingCodes(db, dayAgo);
      await failures.purge();
    } catch (error) {
      app.log.warn({ err: error }, 'housekeeping failed');
    }
  };
  const timer = setInterval(() => void purge(), 3600_000);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
}

function trustHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

/**
 * What a log line says of a request: method, path and client, never the query
 * string (invitation, verification and reset links carry tokens there) nor a
 * token in the path of the auth service's password-reset link, nor any header.
 */
function serializeRequest(request: { method: string; url: string; ip?: string; id?: string }) {
  const path = request.url.split('?')[0].replace(/^(\/auth\/reset-password\/)[^/]+/, '$1[redacted]');
  return { method: request.method, url: path, remoteAddress: request.ip };
}

/** `Content-Type: application/json` with an empty body is no body, not a parse error. */
function acceptEmptyJsonBodies(app: App): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) return done(null, undefined);
    return parseJson(request, body as string, done);
  });
}

/**
 * A call without credentials to a route that needs them is a 401 with a bare
 * `WWW-Authenticate: Bearer`, before its body is even looked at. (Which token
 * is valid is decided by the route's guard.)
 */
function refuseMissingCredentialsFirst(app: App): void {
  const refuse = async (request: FastifyRequest) => {
    if (!request.headers.authorization?.trim()) throw noCredentials();
  };
  // Decided once per route, not per request.
  app.addHook('onRoute', (route) => {
    const security = (route.schema as { security?: unknown[] } | undefined)?.security;
    if ((route.config as { forwardsBody?: boolean } | undefined)?.forwardsBody || !security?.length) return;
    route.onRequest = [...(route.onRequest ? [route.onRequest].flat() : []), refuse];
  });
}

/**
 * A route without a body schema takes no body: sending one is a 400, as an unknown
 * field would be. A route whose body fields are all optional may be called without one.
 */
function refuseBodiesWhereNoneIsExpected(app: App): void {
  app.addHook('preValidation', async (request) => {
    const { config, schema } = request.routeOptions;
    if (config.forwardsBody) return;
    const bodySchema = schema?.body as { required?: string[] } | undefined;
    if (bodySchema) {
      if (request.body === undefined && !bodySchema.required?.length) request.body = {};
      return;
    }
    const body = request.body;
    const empty = body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0);
    if (!empty) throw new AppError('validation_failed', 'This endpoint takes no body');
  });
}
