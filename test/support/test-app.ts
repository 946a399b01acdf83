import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Clock } from '../../src/clock.js';
import { buildApp, openAppDatabase, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { OpenedDatabase } from '../../src/db/database.js';

/** A clock the test moves by hand; starts at the real time. */
export class TestClock implements Clock {
  #now = Date.now();
  now(): Date {
    return new Date(this.#now);
  }
  advance(seconds: number): void {
    this.#now += seconds * 1000;
  }
}

export interface TestApp {
  app: App;
  database: OpenedDatabase;
  config: Config;
  clock: TestClock;
  close(): Promise<void>;
}

export const TEST_PUBLIC_URL = 'http://accounts.test';

/** The database the suites run on: `TEST_DIALECT=postgres` (with TEST_DATABASE_URL) or SQLite. */
export const TEST_DIALECT = process.env.TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite';

/**
 * The whole service on a fresh database, built exactly as main.ts builds it:
 * in-memory SQLite, or on PostgreSQL a schema of its own that is dropped on
 * close. `env` adds or overrides configuration variables.
 */
export async function buildTestApp(env: Record<string, string> = {}, options: { logger?: object } = {}): Promise<TestApp> {
  const { databaseEnv, dropDatabase } = await freshDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-accounts-test-'));
  const config = loadConfig({
    ...databaseEnv,
    PUBLIC_URL: TEST_PUBLIC_URL,
    AUTH_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    DATA_DIR: dataDir,
    // Suites sign up many users from one address; the limit has tests of its own.
    AUTH_RATE_LIMIT: 'false',
    ...env,
  });
  const database = await openAppDatabase(config).catch(async (error: unknown) => {
    await dropDatabase();
    throw error;
  });
  const clock = new TestClock();
  const app = await buildApp({ config, database, clock, logger: options.logger ?? false });
  await app.ready();
  return {
    app,
    database,
    config,
    clock,
    async close() {
      await app.close();
      await database.close();
      await dropDatabase();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Configuration for a database no other suite uses, and how to remove it. */
export async function freshDatabase(): Promise<{ databaseEnv: Record<string, string>; dropDatabase: () => Promise<void> }> {
  if (TEST_DIALECT === 'sqlite') return { databaseEnv: { DATABASE_URL: ':memory:' }, dropDatabase: async () => {} };
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DIALECT=postgres needs TEST_DATABASE_URL');
  const schema = `test_${randomBytes(6).toString('hex')}`;
  return {
    databaseEnv: { DATABASE_URL: url, DATABASE_SCHEMA: schema, DATABASE_POOL_SIZE: '5' },
    async dropDatabase() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago, for a service process a test starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
