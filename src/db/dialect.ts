import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * The one place that knows how the two databases differ: how they report
 * errors, and which one a query runs on where their SQL differs.
 */

/** True when the database is PostgreSQL (false: SQLite). */
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** True when the error is a unique or primary-key violation, on SQLite or PostgreSQL. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** The constraint or columns a unique violation names, to tell which 409 it is. */
export function violatedConstraint(error: unknown): string {
  const e = error as { constraint?: string; message?: string } | null;
  return e?.constraint ?? e?.message ?? '';
}
