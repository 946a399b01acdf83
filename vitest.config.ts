import { defineConfig } from 'vitest/config';

/**
 * Every suite runs on SQLite, and again on PostgreSQL when TEST_DATABASE_URL is
 * set (each suite in a schema of its own). Without it the PostgreSQL run is
 * reported as not run, never as passed.
 */
const postgresUrl = process.env.TEST_DATABASE_URL;
if (!postgresUrl) {
  console.log('\nPostgreSQL suites: NOT RUN (set TEST_DATABASE_URL=postgres://… to run every suite on PostgreSQL too)\n');
}

const shared = {
  include: ['test/**/*.test.ts'],
  // Each suite builds the whole app on its own database; argon2 at OWASP
  // parameters makes some tests take a few hundred milliseconds.
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'sqlite', env: { TEST_DIALECT: 'sqlite' } } },
      ...(postgresUrl
        ? [
            {
              test: {
                ...shared,
                name: 'postgres',
                env: { TEST_DIALECT: 'postgres', TEST_DATABASE_URL: postgresUrl },
                globalSetup: ['test/support/postgres-reachable.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
