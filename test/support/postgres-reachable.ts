import pg from 'pg';

/** Fails the PostgreSQL run at once, with a clear message, when the server cannot be reached. */
export default async function postgresReachable(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(`PostgreSQL at TEST_DATABASE_URL cannot be reached: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}
