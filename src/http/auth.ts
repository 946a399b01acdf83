import type { FastifyRequest } from 'fastify';
import type { RequestOrigin } from '../audit/audit-service.js';
import type { AuthCaller, AuthTokenVerifier } from '../crypto/auth-tokens.js';
import { tokenKind } from '../crypto/tokens.js';
import type { DevicesService, DeviceGrant } from '../devices/devices-service.js';
import { AppError } from '../errors.js';
import type { AccessGrant, SessionsService } from '../sessions/sessions-service.js';

/**
 * Turns the Authorization header into the caller. Each guard accepts exactly one
 * kind of token; a token of another kind is refused exactly like an invalid one.
 * Both `Bearer <token>` and the bare token are accepted.
 */
export class Authenticator {
  constructor(
    private readonly sessions: SessionsService,
    private readonly devices: DevicesService,
    private readonly authTokens: AuthTokenVerifier,
  ) {}

  /** The caller's access token grant; 401 `invalid_token` otherwise. */
  async access(request: FastifyRequest): Promise<AccessGrant> {
    const token = bearerToken(request);
    const grant = tokenKind(token) === 'access' ? await this.sessions.resolve(token, originOf(request)) : undefined;
    if (!grant) throw new AppError('invalid_token');
    return grant;
  }

  /** The access grant, which must belong to the tenant in the path: 403 `tenant_mismatch` otherwise. */
  async accessToTenant(request: FastifyRequest, tenantUid: string): Promise<AccessGrant> {
    const grant = await this.access(request);
    if (grant.tenantUid !== tenantUid) throw new AppError('tenant_mismatch', 'The access token belongs to another tenant');
    return grant;
  }

  /** The device behind a device token. */
  async device(request: FastifyRequest): Promise<DeviceGrant> {
    const token = bearerToken(request);
    const grant = tokenKind(token) === 'device' ? await this.devices.resolve(token, originOf(request)) : undefined;
    if (!grant) throw new AppError('invalid_token');
    return grant;
  }

  /** The identity behind an authToken (a JWT of a trusted issuer). */
  async authToken(request: FastifyRequest): Promise<AuthCaller> {
    const token = bearerToken(request);
    if (tokenKind(token) !== undefined) throw new AppError('invalid_token');
    return { ...(await this.authTokens.verify(token)), origin: originOf(request) };
  }
}

/** The client address (as Fastify's trustProxy setting sees it) and user agent. */
export function originOf(request: FastifyRequest): RequestOrigin {
  return { ip: request.ip ?? null, userAgent: request.headers['user-agent'] ?? null };
}

/** 401 for a call without credentials, with a bare `WWW-Authenticate: Bearer` (RFC 6750). */
export function noCredentials(): AppError {
  return new AppError('invalid_token', 'No credentials were sent', { 'www-authenticate': 'Bearer' });
}

/**
 * The token in the Authorization header: `Bearer <token>` (any case) or the bare
 * token. No header at all is a 401 with a bare `WWW-Authenticate: Bearer`.
 */
export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization?.trim();
  if (!header) throw noCredentials();
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (match) return match[1];
  if (/^\S+$/.test(header)) return header;
  throw new AppError('invalid_token', 'The Authorization header must be "Bearer <token>"');
}
