import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { betterAuth, type BetterAuthOptions } from 'better-auth';
import { APIError } from 'better-auth/api';
import { verifyPassword as verifyScryptPassword } from 'better-auth/crypto';
import { getMigrations } from 'better-auth/db/migration';
import { bearer, jwt } from 'better-auth/plugins';
import type { Kysely } from 'kysely';
import type { JSONWebKeySet } from 'jose';
import type { Config } from '../config.js';
import type { PasswordHasher } from '../crypto/passwords.js';
import { AppError } from '../errors.js';
import { escapeHtml, type Mailer, type MailMessage } from '../mail/mailer.js';

/** How long the built-in auth service's JWTs live. */
const AUTH_TOKEN_LIFETIME = '15m';

/**
 * The built-in auth service: Better Auth with e-mail and password, bearer
 * sessions and EdDSA-signed JWTs, on the service's own database in auth_* tables.
 * The account service never reads those tables: it trusts this issuer only
 * through its JWKS, exactly like an external OIDC issuer.
 */
export interface BuiltinAuth {
  /** The `iss` (and `aud`) of its JWTs. */
  issuer: string;
  /** Answers a request; `clientIp` is the caller's address as Fastify sees it. */
  handler(request: Request, clientIp: string): Promise<Response>;
  getJwks(): Promise<JSONWebKeySet>;
}

/**
 * Its passwords are hashed like every other secret of the service: argon2id on the
 * service's one bounded hasher, instead of Better Auth's default scrypt (32 MiB
 * per hash, as many at once as libuv has threads). A sign-in storm then costs
 * bounded memory; each client address is one share of the hasher (as each tenant
 * is for device logins), so one client's flood cannot take every slot, and past
 * the bound a request gets 503 with Retry-After. Passwords are NFKC-normalised
 * first, as Better Auth's own hashing does. Hashes made by its scrypt still verify.
 */
function passwordHashing(passwords: PasswordHasher, share: () => string) {
  const busy = (error: unknown): never => {
    if (error instanceof AppError && error.code === 'service_unavailable') {
      throw new APIError('SERVICE_UNAVAILABLE', { code: 'SERVICE_UNAVAILABLE', message: error.message }, error.headers);
    }
    throw error;
  };
  const verifyScrypt = async (hash: string, password: string) => {
    try {
      return await verifyScryptPassword({ hash, password });
    } catch {
      return false; // not a hash this service can read
    }
  };
  return {
    hash: (password: string) => passwords.hash(password.normalize('NFKC'), share()).catch(busy),
    verify: ({ hash, password }: { hash: string; password: string }) =>
      (hash.startsWith('$argon2')
        ? passwords.verify(hash, password.normalize('NFKC'), share())
        : passwords.bounded(() => verifyScrypt(hash, password), share())
      ).catch(busy),
  };
}

function authOptions(
  config: Config,
  db: Kysely<any>,
  dialect: 'sqlite' | 'postgres',
  secret: string,
  hashing?: ReturnType<typeof passwordHashing>,
  mailer?: Mailer,
) {
  const verifies = mailer?.delivers === true;
  return {
    appName: 'POS accounts',
    baseURL: config.publicUrl,
    basePath: '/auth',
    secret,
    database: { db, type: dialect },
    telemetry: { enabled: false },
    trustedOrigins: [...config.auth.trustedOrigins],
    // The client address is set by the forwarding route from the socket (or the
    // proxy chain Fastify trusts), never taken from a client-sent header.
    // Origin checks stay on whatever NODE_ENV says (Better Auth turns them off under test).
    advanced: { ipAddress: { ipAddressHeaders: ['x-pos-client-ip'] }, disableOriginCheck: false },
    // Kept in the database so that every node counts the same attempts.
    rateLimit: { enabled: config.auth.rateLimit, storage: 'database', modelName: 'auth_rate_limits' },
    user: { modelName: 'auth_users' },
    session: { modelName: 'auth_sessions' },
    account: { modelName: 'auth_accounts' },
    verification: { modelName: 'auth_verifications' },
    // With SMTP, addresses are verified before sign-in; without, they are not (and
    // the JWTs carry no email_verified claim).
    emailAndPassword: {
      enabled: true,
      requireEmailVerification: verifies,
      password: hashing,
      sendResetPassword: async ({ user, url }) => {
        await mailer?.send(accountMail(user.email, 'Reset your password', 'Open this link to choose a new password:', url));
      },
    },
    emailVerification: verifies
      ? {
          sendOnSignUp: true,
          sendVerificationEmail: async ({ user, url }) => {
            await mailer!.send(accountMail(user.email, 'Verify your e-mail address', 'Open this link to verify your address:', url));
          },
        }
      : undefined,
    plugins: [
      bearer(),
      jwt({
        schema: { jwks: { modelName: 'auth_jwks' } },
        jwks: { keyPairConfig: { alg: 'EdDSA', crv: 'Ed25519' } },
        jwt: {
          issuer: config.publicUrl,
          audience: config.publicUrl,
          expirationTime: AUTH_TOKEN_LIFETIME,
          getSubject: ({ user }) => user.id,
          // Standard OIDC claims only; email_verified only where the address was verified.
          definePayload: ({ user }) => ({
            email: user.email,
            name: user.name,
            ...(user.emailVerified ? { email_verified: true } : {}),
          }),
        },
      }),
    ],
  } satisfies BetterAuthOptions;
}

/** Brings the built-in auth service's tables up to date (run under the migration lock). */
export async function migrateBuiltinAuth(config: Config, db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (!config.auth.builtin) return;
  const { runMigrations } = await getMigrations(authOptions(config, db, dialect, 'migrations-need-no-secret-0123456789abcdef'));
  await runMigrations();
}

/** Creates the built-in auth service on a database whose tables are up to date. */
export function createBuiltinAuth(
  config: Config,
  db: Kysely<any>,
  dialect: 'sqlite' | 'postgres',
  passwords: PasswordHasher,
  mailer: Mailer,
): BuiltinAuth {
  // The client of the request being answered, for the hasher's shares.
  const client = new AsyncLocalStorage<string>();
  const hashing = passwordHashing(passwords, () => `auth:${client.getStore() ?? 'unknown'}`);
  const auth = betterAuth(authOptions(config, db, dialect, config.auth.secret ?? loadOrCreateSecret(config.dataDir), hashing, mailer));
  return {
    issuer: config.publicUrl,
    handler: (request, clientIp) => client.run(clientIp, () => auth.handler(request)),
    getJwks: async () => (await auth.api.getJwks()) as JSONWebKeySet,
  };
}

/** The secret kept in the data folder, made on first start. */
function loadOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, 'auth-secret');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

function accountMail(to: string, subject: string, line: string, url: string): MailMessage {
  return { to, subject, text: `${line}\n\n${url}\n`, html: `<p>${escapeHtml(line)}</p>\n<p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>\n` };
}
