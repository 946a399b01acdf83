import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from './http.js';
import { cpuSecondsOf, memoryOf, spawnTracked, stopTracked, type Tracked } from './procs.js';
import { freePort, log, sleep } from './util.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCH_DIR = path.join(ROOT, 'bench');

/** The fixed secret of the built-in auth service in every bench run (never a real one). */
export const BENCH_AUTH_SECRET = 'bench-only-auth-secret-0123456789abcdefghijklmnop';

/** Variables the service reads; the bench sets its own and clears the rest from the inherited environment. */
const SERVICE_VARIABLES = [
  'PORT', 'HOST', 'PUBLIC_URL', 'DATA_DIR', 'DATABASE_URL', 'DATABASE_SCHEMA', 'DATABASE_POOL_SIZE', 'ACCESS_TOKEN_TTL',
  'LOG_LEVEL', 'BODY_LIMIT_BYTES', 'AUTH_BUILTIN', 'AUTH_SECRET', 'AUTH_TRUSTED_ORIGINS', 'AUTH_ISSUERS', 'AUTH_ALGORITHMS',
  'LOGIN_LOCKOUT_THRESHOLD', 'LOGIN_LOCKOUT_BASE', 'LOGIN_LOCKOUT_MAX', 'PIN_MIN_LENGTH', 'INVITE_ACCEPT_URL',
  'INVITES_MAX_PENDING', 'TENANTS_MAX_OWNED', 'PAIRING_CODE_TTL', 'PAIRING_MAX_FAILURES', 'PAIRING_WINDOW', 'SMTP_URL', 'MAIL_FROM',
  'AUTH_RATE_LIMIT', 'AUDIT_RETENTION_DAYS', 'TRUST_PROXY', 'SHUTDOWN_DRAIN',
];
/** Passed through from the bench's environment when set, so a run can try other bounds. */
const PASS_THROUGH = ['PASSWORD_HASH_CONCURRENCY', 'PASSWORD_HASH_QUEUE', 'DATABASE_POOL_SIZE', 'UV_THREADPOOL_SIZE'];

/** The hash concurrency the service will use: its own default (cores - 1, at least 1) unless set. */
export function serviceHashConcurrency(): number {
  const set = process.env.PASSWORD_HASH_CONCURRENCY;
  return set && /^\d+$/.test(set) ? Number(set) : Math.max(1, os.availableParallelism() - 1);
}
export function serviceHashQueue(): number {
  const set = process.env.PASSWORD_HASH_QUEUE;
  return set && /^\d+$/.test(set) ? Number(set) : 64;
}

export interface DbTarget {
  kind: 'sqlite' | 'postgres';
  /** postgres:// URL (postgres only). */
  url?: string;
}

/** A server process under load: the service or a baseline. */
export interface Server {
  name: string;
  url: string;
  pid: number;
  child: Tracked;
  /** Peak RSS (VmHWM) and RSS in KiB while it runs; the last reading after it stopped. */
  memory(): { peakRssKiB: number; rssKiB: number } | undefined;
  cpuSeconds(): number;
  stop(): Promise<{ peakRssKiB: number; rssKiB: number } | undefined>;
}

function serverOf(name: string, url: string, child: Tracked): Server {
  let last: { peakRssKiB: number; rssKiB: number } | undefined;
  return {
    name,
    url,
    pid: child.pid,
    child,
    memory: () => (last = memoryOf(child.pid) ?? last),
    cpuSeconds: () => cpuSecondsOf(child.pid),
    async stop() {
      last = memoryOf(child.pid) ?? last;
      await stopTracked(child);
      return last;
    },
  };
}

async function waitReady(name: string, child: Tracked, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.hasExited()) throw new Error(`${name} exited during start:\n${child.tail()}`);
    try {
      const res = await request('GET', url);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await stopTracked(child);
  throw new Error(`${name} was not ready within ${timeoutMs / 1000} s:\n${child.tail()}`);
}

export interface ServiceOptions {
  name: string;
  dataDir: string;
  db: DbTarget;
  /** PostgreSQL schema (fresh per run). */
  schema?: string;
  /** Start with --cpu-prof, writing the profile here on exit. */
  cpuProfDir?: string;
  /** Reuse a port (a restart on the same data). */
  port?: number;
}

export interface Service extends Server {
  port: number;
  options: ServiceOptions;
}

/** Starts `node dist/main.js` as `npm start` would, on its own data, and waits for /readyz. */
export async function startService(options: ServiceOptions): Promise<Service> {
  const port = options.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SERVICE_VARIABLES) delete env[name];
  for (const name of PASS_THROUGH) if (process.env[name]) env[name] = process.env[name];
  Object.assign(env, {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATA_DIR: options.dataDir,
    AUTH_RATE_LIMIT: 'false',
    AUTH_SECRET: BENCH_AUTH_SECRET,
  });
  if (options.db.kind === 'postgres') {
    env.DATABASE_URL = options.db.url;
    env.DATABASE_SCHEMA = options.schema;
  }
  const args: string[] = [];
  if (options.cpuProfDir) {
    fs.mkdirSync(options.cpuProfDir, { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  }
  args.push(path.join(ROOT, 'dist', 'main.js'));
  const child = spawnTracked(options.name, process.execPath, args, { cwd: ROOT, env });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(options.name, child, `${url}/readyz`);
  return { ...serverOf(options.name, url, child), port, options };
}

/** Baseline (a): bare Fastify answering GET /account with `body`, byte for byte. */
export async function startBareFastify(workDir: string, body: string): Promise<Server> {
  const port = await freePort();
  const bodyFile = path.join(workDir, 'account-body.json');
  fs.writeFileSync(bodyFile, body);
  const child = spawnTracked('bare-fastify', process.execPath, [path.join(BENCH_DIR, 'baselines', 'bare-fastify.mjs')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), BODY_FILE: bodyFile },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady('bare-fastify', child, `${url}/account`);
  return serverOf('bare-fastify', url, child);
}

/** Baseline (b): a standalone Better Auth server on its own SQLite file. */
export async function startBetterAuth(workDir: string): Promise<Server> {
  const port = await freePort();
  const child = spawnTracked('better-auth', process.execPath, [path.join(BENCH_DIR, 'baselines', 'better-auth-server.mjs')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DB_FILE: path.join(workDir, 'better-auth.sqlite'), BETTER_AUTH_SECRET: BENCH_AUTH_SECRET },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady('better-auth', child, `${url}/api/auth/ok`);
  return serverOf('better-auth', url, child);
}

/** Signs a user up at the standalone Better Auth server and returns its session token. */
export async function betterAuthSession(server: Server): Promise<string> {
  const res = await request('POST', `${server.url}/api/auth/sign-up/email`, {
    body: { name: 'Bench User', email: 'bench-user@example.com', password: 'bench password 123' },
  });
  if (res.status !== 200 || typeof res.json?.token !== 'string') {
    throw new Error(`better-auth sign-up failed: ${res.status} ${res.text.slice(0, 300)}`);
  }
  const token = res.json.token as string;
  const session = await request('GET', `${server.url}/api/auth/get-session`, { token });
  if (session.status !== 200 || !session.json?.session) {
    throw new Error(`better-auth get-session with the bearer token failed: ${session.status} ${session.text.slice(0, 300)}`);
  }
  log(`better-auth: session token works (${Buffer.byteLength(session.text)} byte get-session body)`);
  return token;
}
