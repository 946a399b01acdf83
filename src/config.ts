import os from 'node:os';
import path from 'node:path';

/** A trusted OIDC issuer whose authTokens the service accepts. */
export interface TrustedIssuer {
  /** The exact `iss` claim. */
  issuer: string;
  /** Where its public keys are; discovered from `/.well-known/openid-configuration` when absent. */
  jwksUri?: string;
  /** The `aud` claim required. */
  audience: string;
}

export interface Config {
  port: number;
  host: string;
  /** The URL clients reach the service at, without a trailing slash. */
  publicUrl: string;
  dataDir: string;
  database:
    | { dialect: 'sqlite'; filename: string }
    | {
        dialect: 'postgres';
        url: string;
        /** Connections per node. */
        poolSize: number;
        /** The schema the service's tables live in (search_path), when not the default. */
        schema: string | undefined;
      };
  logLevel: string;
  accessTokenTtlSeconds: number;
  bodyLimitBytes: number;
  auth: {
    /** Mount the built-in auth service at /auth and trust its tokens. */
    builtin: boolean;
    /** Secret for the built-in auth service; generated in the data folder when absent. */
    secret: string | undefined;
    /** Browser origins the built-in auth service accepts besides PUBLIC_URL. */
    trustedOrigins: string[];
    issuers: TrustedIssuer[];
    /** Allowed JWS algorithms for authTokens: asymmetric only. */
    algorithms: string[];
    /** Rate-limit sign-in, sign-up and mail endpoints of the built-in auth service (shared by all nodes). */
    rateLimit: boolean;
  };
  passwords: {
    /** argon2 hashes running at once. */
    hashConcurrency: number;
    /** Hashes waiting for a slot before further logins get 503. */
    hashQueue: number;
  };
  /** On SIGTERM, how long /readyz answers 503 before the node stops accepting requests. */
  shutdownDrainSeconds: number;
  login: {
    lockoutThreshold: number;
    lockoutBaseSeconds: number;
    lockoutMaxSeconds: number;
    /** Minimum length of an all-digit PIN (4–6); other passwords need 6. */
    pinMinLength: number;
    /** Failed logins one device may have per window, over all user codes, before 429. */
    deviceMaxFailures: number;
    deviceWindowSeconds: number;
  };
  tenants: {
    /** POST /tenants is refused (409) once the caller owns this many tenants. */
    maxOwnedPerUser: number;
  };
  invitations: {
    /** The accept link is `${acceptUrl}?token=<inviteToken>`. */
    acceptUrl: string;
    /** Pending invitations a tenant may have at once. */
    maxPending: number;
  };
  devices: {
    pairingCodeTtlSeconds: number;
    /** Failed pairing attempts one client may make per window before 429. */
    pairingMaxFailures: number;
    pairingWindowSeconds: number;
  };
  audit: { retentionDays: number };
  mail: {
    /** nodemailer SMTP URL (smtp://user:pass@host:587, smtps://…); without it mail is written to files. */
    smtpUrl: string | undefined;
    from: string;
  };
  /** Trust X-Forwarded-For from these proxies or this many hops (Fastify's trustProxy), or not at all. */
  trustProxy: false | number | string[];
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

const ASYMMETRIC_ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

/**
 * Reads, validates and freezes the configuration. The only reader of `process.env`
 * (through its default argument). Throws ConfigError naming the bad variable.
 */
export function loadConfig(env: Env = process.env): Config {
  const port = readInteger(env, 'PORT', 3000, 0, 65535);
  const host = readString(env, 'HOST', '127.0.0.1');
  const publicUrl = readUrl(env, 'PUBLIC_URL', `http://localhost:${port}`);
  const dataDir = path.resolve(readString(env, 'DATA_DIR', './data'));
  const config: Config = {
    port,
    host,
    publicUrl,
    dataDir,
    database: readDatabase(env, dataDir),
    logLevel: readChoice(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    accessTokenTtlSeconds: readDuration(env, 'ACCESS_TOKEN_TTL', 3600, 60, 30 * 86400),
    bodyLimitBytes: readInteger(env, 'BODY_LIMIT_BYTES', 65536, 1024, 10 * 1024 * 1024),
    auth: {
      builtin: readBoolean(env, 'AUTH_BUILTIN', true),
      secret: readSecret(env, 'AUTH_SECRET'),
      trustedOrigins: readList(env, 'AUTH_TRUSTED_ORIGINS'),
      issuers: readIssuers(env, 'AUTH_ISSUERS'),
      algorithms: readAlgorithms(env, 'AUTH_ALGORITHMS'),
      rateLimit: readBoolean(env, 'AUTH_RATE_LIMIT', true),
    },
    shutdownDrainSeconds: readDuration(env, 'SHUTDOWN_DRAIN', 0, 0, 300),
    passwords: {
      // One core stays free for the event loop, so reads stay fast during a login storm.
      hashConcurrency: readInteger(env, 'PASSWORD_HASH_CONCURRENCY', Math.max(1, os.availableParallelism() - 1), 1, 256),
      hashQueue: readInteger(env, 'PASSWORD_HASH_QUEUE', 64, 0, 100000),
    },
    login: {
      lockoutThreshold: readInteger(env, 'LOGIN_LOCKOUT_THRESHOLD', 5, 1, 100),
      lockoutBaseSeconds: readDuration(env, 'LOGIN_LOCKOUT_BASE', 30, 1, 86400),
      lockoutMaxSeconds: readDuration(env, 'LOGIN_LOCKOUT_MAX', 900, 1, 7 * 86400),
      pinMinLength: readInteger(env, 'PIN_MIN_LENGTH', 6, 4, 6),
      deviceMaxFailures: readInteger(env, 'LOGIN_DEVICE_MAX_FAILURES', 30, 1, 100000),
      deviceWindowSeconds: readDuration(env, 'LOGIN_DEVICE_WINDOW', 600, 1, 86400),
    },
    tenants: {
      maxOwnedPerUser: readInteger(env, 'TENANTS_MAX_OWNED', 100, 1, 100000),
    },
    invitations: {
      acceptUrl: readUrl(env, 'INVITE_ACCEPT_URL', `${publicUrl}/invite`),
      maxPending: readInteger(env, 'INVITES_MAX_PENDING', 100, 1, 100000),
    },
    devices: {
      pairingCodeTtlSeconds: readDuration(env, 'PAIRING_CODE_TTL', 600, 60, 86400),
      pairingMaxFailures: readInteger(env, 'PAIRING_MAX_FAILURES', 10, 1, 10000),
      pairingWindowSeconds: readDuration(env, 'PAIRING_WINDOW', 600, 1, 86400),
    },
    audit: { retentionDays: readInteger(env, 'AUDIT_RETENTION_DAYS', 90, 1, 36500) },
    mail: { smtpUrl: readSmtpUrl(env, 'SMTP_URL'), from: readString(env, 'MAIL_FROM', 'POS accounts <no-reply@localhost>') },
    trustProxy: readTrustProxy(env, 'TRUST_PROXY'),
  };
  if (config.login.lockoutMaxSeconds < config.login.lockoutBaseSeconds) {
    throw new ConfigError('LOGIN_LOCKOUT_MAX', 'must not be shorter than LOGIN_LOCKOUT_BASE');
  }
  if (!config.auth.builtin && config.auth.issuers.length === 0) {
    throw new ConfigError('AUTH_ISSUERS', 'must name at least one issuer when AUTH_BUILTIN=false');
  }
  return deepFreeze(config);
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function readString(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** A duration in seconds: `90`, `90s`, `15m`, `1h` or `7d`. */
function readDuration(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(value);
  if (!match) throw new ConfigError(name, `must be a duration such as 3600, 90s, 15m, 1h or 7d, got "${value}"`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  if (seconds < min || seconds > max) {
    throw new ConfigError(name, `must be between ${min}s and ${max}s, got ${seconds}s`);
  }
  return seconds;
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(name, `must be true or false, got "${value}"`);
}

function readChoice(env: Env, name: string, fallback: string, choices: string[]): string {
  const value = raw(env, name) ?? fallback;
  if (!choices.includes(value)) throw new ConfigError(name, `must be one of ${choices.join(', ')}, got "${value}"`);
  return value;
}

function readUrl(env: Env, name: string, fallback: string): string {
  const value = raw(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

function readList(env: Env, name: string): string[] {
  const value = raw(env, name);
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function readSmtpUrl(env: Env, name: string): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  if (!/^smtps?:\/\/[^/]/i.test(value)) throw new ConfigError(name, 'must be an smtp:// or smtps:// URL');
  return value;
}

/**
 * Which proxies' X-Forwarded-For to believe: a hop count, or their addresses and
 * CIDRs. "Trust everyone" is refused: any client could then pick its own address.
 */
function readTrustProxy(env: Env, name: string): false | number | string[] {
  const value = raw(env, name);
  if (value === undefined || ['false', '0', 'no', 'off'].includes(value.toLowerCase())) return false;
  if (/^\d+$/.test(value)) return readInteger(env, name, 0, 1, 10);
  if (['true', 'yes', 'on', '*'].includes(value.toLowerCase())) {
    throw new ConfigError(name, 'must name the proxies (addresses or CIDRs, comma-separated) or a hop count: trusting every hop lets clients choose their own address');
  }
  return readList(env, name);
}

function readSecret(env: Env, name: string): string | undefined {
  const value = raw(env, name);
  if (value !== undefined && value.length < 32) throw new ConfigError(name, 'must be at least 32 characters long');
  return value;
}

function readDatabase(env: Env, dataDir: string): Config['database'] {
  const value = raw(env, 'DATABASE_URL');
  if (value === undefined) return { dialect: 'sqlite', filename: path.join(dataDir, 'accounts.sqlite') };
  if (/^postgres(ql)?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL');
    }
    const schema = raw(env, 'DATABASE_SCHEMA');
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new ConfigError('DATABASE_SCHEMA', `must be a lower-case SQL identifier, got "${schema}"`);
    }
    return { dialect: 'postgres', url: value, poolSize: readInteger(env, 'DATABASE_POOL_SIZE', 10, 1, 500), schema };
  }
  if (value === ':memory:' || value === 'sqlite::memory:') return { dialect: 'sqlite', filename: ':memory:' };
  const filename = value.replace(/^sqlite:(\/\/)?/i, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(filename)) {
    throw new ConfigError('DATABASE_URL', `must be a postgres:// URL, an SQLite file path or an sqlite: URL, got "${value}"`);
  }
  return { dialect: 'sqlite', filename: path.resolve(filename) };
}

function readIssuers(env: Env, name: string): TrustedIssuer[] {
  const value = raw(env, name);
  if (value === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError(name, 'must be a JSON array of {"issuer","jwksUri"?,"audience"?} objects');
  }
  if (!Array.isArray(parsed)) throw new ConfigError(name, 'must be a JSON array');
  return parsed.map((item, i) => {
    if (typeof item !== 'object' || item === null) throw new ConfigError(name, `entry ${i} must be an object`);
    const { issuer, jwksUri, audience, ...rest } = item as Record<string, unknown>;
    if (Object.keys(rest).length > 0) {
      throw new ConfigError(name, `entry ${i} has unknown fields: ${Object.keys(rest).join(', ')}`);
    }
    if (typeof issuer !== 'string' || !isHttpUrl(issuer)) {
      throw new ConfigError(name, `entry ${i} needs "issuer", an http(s) URL`);
    }
    if (jwksUri !== undefined && (typeof jwksUri !== 'string' || !isHttpUrl(jwksUri))) {
      throw new ConfigError(name, `entry ${i} "jwksUri" must be an http(s) URL`);
    }
    // Without an audience, any token the issuer mints for any of its applications would do.
    if (typeof audience !== 'string' || audience === '') {
      throw new ConfigError(name, `entry ${i} needs "audience", the API identifier its tokens are minted for`);
    }
    return { issuer, jwksUri: jwksUri as string | undefined, audience };
  });
}

function readAlgorithms(env: Env, name: string): string[] {
  const list = readList(env, name);
  if (list.length === 0) return ASYMMETRIC_ALGORITHMS;
  for (const alg of list) {
    if (!ASYMMETRIC_ALGORITHMS.includes(alg)) {
      throw new ConfigError(name, `may list only asymmetric algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')}), got "${alg}"`);
    }
  }
  return list;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
