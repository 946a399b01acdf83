import type { Clock } from '../../src/clock.js';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase, type OpenedDatabase } from '../../src/db/database.js';

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

/**
 * The whole service on a fresh in-memory SQLite database, built exactly as
 * main.ts builds it. `env` adds or overrides configuration variables.
 */
export async function buildTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadConfig({
    DATABASE_URL: ':memory:',
    PUBLIC_URL: TEST_PUBLIC_URL,
    AUTH_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    DATA_DIR: '/nonexistent-test-data-dir',
    ...env,
  });
  const database = await openDatabase(config);
  const clock = new TestClock();
  const app = await buildApp({ config, database, clock, logger: false });
  await app.ready();
  return {
    app,
    database,
    config,
    clock,
    async close() {
      await app.close();
      await database.close();
    },
  };
}
