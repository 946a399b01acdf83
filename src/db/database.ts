import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  Migrator,
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

export type Db = Kysely<Database>;

/** Migrations in order, listed by hand so the build carries them and grep finds them. */
const migrations: MigrationProvider = {
  async getMigrations() {
    return { '001-initial': m001 };
  },
};

export interface OpenedDatabase {
  db: Db;
  dialect: 'sqlite';
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the configured database and brings its schema up to date.
 * SQLite runs in WAL mode with foreign keys on and a busy timeout; its write
 * transactions start with BEGIN IMMEDIATE so a transaction that reads first
 * never fails with SQLITE_BUSY when it later writes.
 */
export async function openDatabase(config: Pick<Config, 'database'>): Promise<OpenedDatabase> {
  const { filename } = config.database;
  if (filename !== ':memory:') fs.mkdirSync(path.dirname(filename), { recursive: true });
  const sqlite = new SQLite(filename);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(sqlite) });
  await migrateToLatest(db);
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

/** Runs every pending migration; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrations, migrationTableName: 'schema_migrations', migrationLockTableName: 'schema_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${String((error as Error).message ?? error)}`, {
      cause: error,
    });
  }
}

class ImmediateSqliteDialect implements Dialect {
  readonly #inner: SqliteDialect;
  constructor(database: SQLite.Database) {
    this.#inner = new SqliteDialect({ database });
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

