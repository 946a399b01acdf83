import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  SqliteAdapter,
  SqliteDialect,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type MigrationProvider,
} from 'kysely';
import type { Config } from '../config.js';
import type { Database } from './tables.js';
import * as m001 from './migrations/001-initial.js';
import * as m002 from './migrations/002-administration.js';
import * as m003 from './migrations/003-membership-index.js';

export type Db = Kysely<Database>;

/** Migrations in order, listed by hand so the build carries them and grep finds them. */
const migrations: MigrationProvider = {
  async getMigrations() {
    return { '001-initial': m001, '002-administration': m002, '003-membership-index': m003 };
  },
};

export interface OpenedDatabase {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  /** The PostgreSQL schema the tables live in, when configured. */
  schema?: string;
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the configured database and brings its schema up to date; `migrate`
 * runs further migrations (the built-in auth service's) under the same lock.
 *
 * SQLite runs in WAL mode with foreign keys on and a busy timeout; its write
 * transactions start with BEGIN IMMEDIATE so a transaction that reads first
 * never fails with SQLITE_BUSY when it later writes.
 *
 * PostgreSQL is reached through a pool; when several nodes start at once, one
 * migrates while the others wait on an advisory lock.
 */
export async function openDatabase(
  config: Pick<Config, 'database'>,
  migrate: (db: Db, dialect: OpenedDatabase['dialect']) => Promise<void> = async () => {},
): Promise<OpenedDatabase> {
  const opened = config.database.dialect === 'postgres' ? openPostgres(config.database) : openSqlite(config.database.filename);
  try {
    await withMigrationLock(opened, async () => {
      await migrateToLatest(opened.db, opened.schema);
      await migrate(opened.db, opened.dialect);
    });
  } catch (error) {
    await opened.close();
    throw error;
  }
  return opened;
}

function openSqlite(filename: string): OpenedDatabase {
  if (filename !== ':memory:') fs.mkdirSync(path.dirname(filename), { recursive: true });
  const sqlite = new SQLite(filename);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(sqlite) });
  return {
    db,
    dialect: 'sqlite',
    async ping() {
      sqlite.prepare('select 1').get();
    },
    async close() {
      await db.destroy();
    },
  };
}

function openPostgres(config: Extract<Config['database'], { dialect: 'postgres' }>): OpenedDatabase {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize,
    connectionTimeoutMillis: 10_000,
    ...(config.schema ? { options: `-c search_path=${config.schema}` } : {}),
  });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    schema: config.schema,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

/** One migrating node at a time: a PostgreSQL advisory lock held on one connection. */
async function withMigrationLock(opened: OpenedDatabase, work: () => Promise<void>): Promise<void> {
  if (opened.dialect !== 'postgres') return work();
  await opened.db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(7262871)`.execute(connection);
    try {
      if (opened.schema) await sql`create schema if not exists ${sql.id(opened.schema)}`.execute(connection);
      await work();
    } finally {
      await sql`select pg_advisory_unlock(7262871)`.execute(connection);
    }
  });
}

/**
 * Runs every pending migration; throws with the failing migration's error. On
 * PostgreSQL the bookkeeping tables live in the service's own schema, so that
 * services in other schemas of the same database do not see each other's.
 */
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrations,
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${String((error as Error).message ?? error)}`, {
      cause: error,
    });
  }
}

/**
 * Kysely's SQLite dialect, with two changes: transactions BEGIN IMMEDIATE, and
 * prepared statements are kept and reused (Kysely prepares every query anew;
 * the service runs a few dozen distinct statements over and over).
 */
class ImmediateSqliteDialect implements Dialect {
  readonly #inner: SqliteDialect;
  constructor(database: SQLite.Database) {
    const statements = new Map<string, SQLite.Statement>();
    this.#inner = new SqliteDialect({
      database: {
        close: () => database.close(),
        prepare: (query: string) => {
          let statement = statements.get(query);
          if (!statement) {
            // Bounded: dynamic IN lists make new texts; start over rather than grow.
            if (statements.size >= 1000) statements.clear();
            statement = database.prepare(query);
            statements.set(query, statement);
          }
          return statement;
        },
      },
    });
  }
  createDriver(): Driver {
    const driver = this.#inner.createDriver();
    // Kysely's SQLite driver starts transactions with a deferred BEGIN.
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }
  createAdapter() {
    return new SqliteAdapter();
  }
  createIntrospector(db: Kysely<any>) {
    return new SqliteIntrospector(db);
  }
}

