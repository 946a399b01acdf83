import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import type { RequestOrigin } from '../audit/audit-service.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';

/** Who an authToken speaks for. Users are keyed by issuer + subject, never by e-mail. */
export interface AuthIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  /** `true` or `false` when the issuer says; undefined when it does not. */
  emailVerified: boolean | undefined;
  name: string | null;
}

/** An authToken's identity and where the request came from. */
export interface AuthCaller extends AuthIdentity {
  origin: RequestOrigin;
}

export interface IssuerKeys {
  issuer: string;
  audience?: string;
  getKey: JWTVerifyGetKey;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const SKEW_SECONDS = 60;
/** Headers that would let a token choose its own verification key. */
const KEY_CARRYING_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

/**
 * Verifies authTokens against the configured issuers only: the key comes from the
 * issuer's JWKS (never from the token), the algorithm from an asymmetric allowlist,
 * and `iss`, `aud`, `exp` and `nbf` must hold within 60 s of skew.
 */
export class AuthTokenVerifier {
  readonly #issuers: Map<string, IssuerKeys>;

  constructor(
    issuers: IssuerKeys[],
    private readonly algorithms: string[],
    private readonly clock: Clock,
  ) {
    this.#issuers = new Map(issuers.map((i) => [i.issuer, i]));
  }

  /** Throws AppError `invalid_token` for anything but a valid authToken of a trusted issuer. */
  async verify(token: string): Promise<AuthIdentity> {
    if (!JWT_SHAPE.test(token)) throw new AppError('invalid_token');
    let issuer: IssuerKeys | undefined;
    try {
      const header = decodeProtectedHeader(token);
      if (KEY_CARRYING_HEADERS.some((h) => h in header)) throw new AppError('invalid_token');
      if (typeof header.alg !== 'string' || !this.algorithms.includes(header.alg)) throw new AppError('invalid_token');
      const iss = decodeJwt(token).iss;
      issuer = iss === undefined ? undefined : this.#issuers.get(iss);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('invalid_token');
    }
    if (!issuer) throw new AppError('invalid_token', 'The token was not issued by a trusted issuer');
    try {
      const { payload } = await jwtVerify(token, issuer.getKey, {
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: this.algorithms,
        clockTolerance: SKEW_SECONDS,
        currentDate: this.clock.now(),
        requiredClaims: ['sub', 'exp'],
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new AppError('invalid_token');
      const email = typeof payload.email === 'string' && payload.email !== '' ? payload.email : null;
      const verified = payload.email_verified;
      return {
        issuer: issuer.issuer,
        subject: payload.sub,
        email,
        emailVerified: typeof verified === 'boolean' ? verified : verified === 'false' ? false : verified === 'true' ? true : undefined,
        name: typeof payload.name === 'string' && payload.name !== '' ? payload.name : null,
      };
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new AppError('invalid_token', 'The token has expired');
      if (error instanceof joseErrors.JOSEError) throw new AppError('invalid_token');
      // A JWKS that cannot be fetched is the issuer's outage, not the client's fault.
      throw new AppError('invalid_token', 'The token could not be verified');
    }
  }
}

/**
 * Keys of an external issuer, from its JWKS, discovered through its OIDC
 * metadata when not configured. A failed discovery is retried at most once a
 * minute, so tokens naming the issuer cannot make every request wait on it.
 */
export function remoteIssuerKeys(issuer: string, jwksUri: string | undefined): JWTVerifyGetKey {
  if (jwksUri) return createRemoteJWKSet(new URL(jwksUri));
  let remote: Promise<JWTVerifyGetKey> | undefined;
  let failedAt = 0;
  return async (header, input) => {
    if (!remote) {
      if (Date.now() - failedAt < 60_000) throw new Error(`OIDC discovery for ${issuer} failed recently`);
      remote = discoverJwksUri(issuer).then((uri) => createRemoteJWKSet(new URL(uri)));
      remote.catch(() => {
        remote = undefined;
        failedAt = Date.now();
      });
    }
    return (await remote)(header, input);
  };
}

/** The issuer's jwks_uri, from metadata that names the same issuer, without following redirects. */
async function discoverJwksUri(issuer: string): Promise<string> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
    signal: AbortSignal.timeout(5000),
    redirect: 'error',
  });
  if (!response.ok) throw new Error(`OIDC discovery for ${issuer} answered ${response.status}`);
  const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (metadata.issuer !== issuer) throw new Error(`OIDC metadata of ${issuer} names another issuer`);
  if (typeof metadata.jwks_uri !== 'string') throw new Error(`OIDC discovery for ${issuer} has no jwks_uri`);
  const uri = new URL(metadata.jwks_uri);
  if (uri.protocol !== 'https:' && uri.protocol !== new URL(issuer).protocol) throw new Error(`jwks_uri of ${issuer} is not https`);
  return uri.toString();
}

/**
 * Keys of an in-process issuer: loads its JWKS through `load`, caches it, and
 * reloads when a token names a key it does not have (key rotation), at most
 * once every ten seconds.
 */
export function localIssuerKeys(load: () => Promise<JSONWebKeySet>): JWTVerifyGetKey {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  let loadedAt = 0;
  const reload = () => {
    loadedAt = Date.now();
    keys = load().then((jwks) => createLocalJWKSet(jwks));
    keys.catch(() => (keys = undefined));
    return keys;
  };
  return async (header, input) => {
    const current = await (keys ?? reload());
    try {
      return await current(header, input);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey) || Date.now() - loadedAt < 10_000) throw error;
      return (await reload())(header, input);
    }
  };
}
