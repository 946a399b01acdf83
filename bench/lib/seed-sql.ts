import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { DbTarget } from './servers.js';

/** Totals the scale data set reaches, counting what the HTTP fixture already made. */
export interface ScaleTargets {
  tenants: number;
  /** Memberships, each of its own seeded user. */
  members: number;
  devices: number;
  /** The tenant whose member list is paged (a fixture tenant). */
  bigTenantUid: string;
  bigTenantMembers: number;
}

export interface SeedReport {
  seconds: number;
  counts: { tenants: number; members: number; users: number; devices: number; bigTenantMembers: number };
  /** Cursor of GET /tenants/{big}/users that starts ~90% into the list. */
  deepCursor: string;
  deepPosition: number;
  dbBytes: number;
}

const SEEDED_AT = '2025-01-01T00:00:00.000Z';

type Dialect = 'sqlite' | 'postgres';

/** `prefix` + zero-padded number, in each dialect's SQL. */
function id(dialect: Dialect, prefix: string, expr: string, width: number): string {
  return dialect === 'sqlite' ? `printf('${prefix}%0${width}d', ${expr})` : `('${prefix}' || lpad((${expr})::text, ${width}, '0'))`;
}

/** INSERT … SELECT over n = 1..count: a recursive CTE on SQLite, generate_series on PostgreSQL. */
function insertSeries(dialect: Dialect, count: number, table: string, columns: string[], values: string[]): string {
  const insert = `INSERT INTO ${table} (${columns.join(', ')})`;
  const select = `SELECT ${values.join(', ')}`;
  return dialect === 'sqlite'
    ? `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${count}) ${insert} ${select} FROM seq`
    : `${insert} ${select} FROM generate_series(1, ${count}) AS seq(n)`;
}

function lit(value: string | null): string {
  return value === null ? 'NULL' : `'${value.replace(/'/g, "''")}'`;
}

const MEMBER_COLUMNS = [
  'tenant_uid', 'uid', 'user_uid', 'role', 'status', 'user_code', 'password_hash', 'display_name', 'email',
  'firstname', 'lastname', 'mobile', 'language_code', 'default_store_uid', 'created_at', 'updated_at',
];
const USER_COLUMNS = ['uid', 'email', 'display_name', 'default_tenant_uid', 'created_at', 'updated_at'];

/** The statements that top the database up to `targets`, given what is there. */
function statements(dialect: Dialect, targets: ScaleTargets, have: { tenants: number; members: number; devices: number; big: number }, pinHash: string): string[] {
  const bigAdd = Math.max(0, targets.bigTenantMembers - have.big);
  const tenantsAdd = Math.max(0, targets.tenants - have.tenants);
  const otherAdd = Math.max(0, targets.members - have.members - bigAdd);
  const devicesAdd = Math.max(0, targets.devices - have.devices);
  const big = lit(targets.bigTenantUid);
  const at = lit(SEEDED_AT);
  const hash = lit(pinHash);
  const out: string[] = [];
  const member = (tenant: string, uid: string, user: string, code: string, n: string) => [
    tenant, uid, user, `'staff'`, `'active'`, code, hash,
    dialect === 'sqlite' ? `'Staff ' || ${n}` : `'Staff ' || ${n}::text`,
    'NULL', 'NULL', 'NULL', 'NULL', `'en'`, 'NULL', at, at,
  ];
  const text = (n: string) => (dialect === 'sqlite' ? n : `${n}::text`);
  if (bigAdd > 0) {
    out.push(insertSeries(dialect, bigAdd, 'users', USER_COLUMNS, [id(dialect, 'bu', 'n', 7), `${id(dialect, 'bu', 'n', 7)} || '@seed.example.com'`, `'Staff ' || ${text('n')}`, big, at, at]));
    out.push(insertSeries(dialect, bigAdd, 'members', MEMBER_COLUMNS, member(big, id(dialect, 'bm', 'n', 7), id(dialect, 'bu', 'n', 7), id(dialect, 'b', 'n', 7), 'n')));
  }
  if (tenantsAdd > 0) {
    out.push(insertSeries(dialect, tenantsAdd, 'tenants', ['uid', 'name', 'created_at', 'updated_at'], [id(dialect, 'st', 'n', 6), `'Seed tenant ' || ${text('n')}`, at, at]));
  }
  if (otherAdd > 0) {
    if (tenantsAdd === 0) throw new Error('scale seeding: members beyond the big tenant need seeded tenants');
    // Consecutive members share a tenant, so rows arrive in primary-key order.
    const tenantOf = id(dialect, 'st', dialect === 'sqlite' ? `((n - 1) * ${tenantsAdd} / ${otherAdd}) + 1` : `((n - 1)::bigint * ${tenantsAdd} / ${otherAdd}) + 1`, 6);
    out.push(insertSeries(dialect, otherAdd, 'users', USER_COLUMNS, [id(dialect, 'su', 'n', 7), `${id(dialect, 'su', 'n', 7)} || '@seed.example.com'`, `'Staff ' || ${text('n')}`, tenantOf, at, at]));
    out.push(insertSeries(dialect, otherAdd, 'members', MEMBER_COLUMNS, member(tenantOf, id(dialect, 'sm', 'n', 7), id(dialect, 'su', 'n', 7), id(dialect, 's', 'n', 7), 'n')));
  }
  if (devicesAdd > 0) {
    const tenantOf = tenantsAdd > 0 ? id(dialect, 'st', `((n - 1) % ${tenantsAdd}) + 1`, 6) : big;
    out.push(
      insertSeries(dialect, devicesAdd, 'devices', ['tenant_uid', 'uid', 'name', 'store_uid', 'token_hash', 'created_at', 'last_seen_at', 'revoked_at'], [
        tenantOf, id(dialect, 'sd', 'n', 7), `'Seed till ' || ${text('n')}`, 'NULL', id(dialect, 'seed', 'n', 60), at, 'NULL', 'NULL',
      ]),
    );
  }
  return out;
}

const COUNTS_SQL = (big: string) => `SELECT
  (SELECT count(*) FROM tenants) AS tenants,
  (SELECT count(*) FROM members) AS members,
  (SELECT count(*) FROM users) AS users,
  (SELECT count(*) FROM devices) AS devices,
  (SELECT count(*) FROM members WHERE tenant_uid = ${lit(big)}) AS big`;

function cursorOf(uid: string): string {
  return Buffer.from(JSON.stringify([uid])).toString('base64url');
}

/**
 * Bulk-seeds the scale data set with set-based SQL on the service's database,
 * after the service created the schema and while it is stopped. All seeded
 * members share one precomputed argon2 hash. Not timed as part of any result.
 */
export async function seedScale(target: DbTarget, where: { dataDir: string; schema?: string }, targets: ScaleTargets, pinHash: string): Promise<SeedReport> {
  const started = Date.now();
  if (target.kind === 'sqlite') {
    const file = path.join(where.dataDir, 'accounts.sqlite');
    const db = new SQLite(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = OFF');
      db.pragma('foreign_keys = OFF');
      db.pragma('cache_size = -262144');
      db.pragma('temp_store = MEMORY');
      const have = db.prepare(COUNTS_SQL(targets.bigTenantUid)).get() as Record<string, number>;
      const seed = db.transaction(() => {
        for (const sql of statements('sqlite', targets, { tenants: have.tenants, members: have.members, devices: have.devices, big: have.big }, pinHash)) db.exec(sql);
      });
      seed();
      db.pragma('wal_checkpoint(TRUNCATE)');
      const counts = db.prepare(COUNTS_SQL(targets.bigTenantUid)).get() as Record<string, number>;
      const deepPosition = Math.floor(counts.big * 0.9);
      const row = db.prepare('SELECT uid FROM members WHERE tenant_uid = ? ORDER BY uid LIMIT 1 OFFSET ?').get(targets.bigTenantUid, deepPosition - 1) as { uid: string };
      const dbBytes = ['', '-wal'].reduce((sum, suffix) => sum + (fs.existsSync(file + suffix) ? fs.statSync(file + suffix).size : 0), 0);
      return { seconds: (Date.now() - started) / 1000, counts: toCounts(counts), deepCursor: cursorOf(row.uid), deepPosition, dbBytes };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: target.url, options: `-c search_path=${where.schema}` });
  await client.connect();
  try {
    // The bench owns this fresh schema: skip per-row foreign-key triggers and fsyncs while seeding.
    await client.query('SET session_replication_role = replica');
    await client.query('SET synchronous_commit = off');
    const have = num((await client.query(COUNTS_SQL(targets.bigTenantUid))).rows[0]);
    await client.query('BEGIN');
    for (const sql of statements('postgres', targets, { tenants: have.tenants, members: have.members, devices: have.devices, big: have.big }, pinHash)) await client.query(sql);
    await client.query('COMMIT');
    await client.query('SET session_replication_role = origin');
    // Autovacuum would analyze the new rows within a minute in production; do it now.
    await client.query('ANALYZE');
    const counts = num((await client.query(COUNTS_SQL(targets.bigTenantUid))).rows[0]);
    const deepPosition = Math.floor(counts.big * 0.9);
    const row = (await client.query('SELECT uid FROM members WHERE tenant_uid = $1 ORDER BY uid LIMIT 1 OFFSET $2', [targets.bigTenantUid, deepPosition - 1])).rows[0];
    const size = await client.query(
      `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [where.schema],
    );
    return { seconds: (Date.now() - started) / 1000, counts: toCounts(counts), deepCursor: cursorOf(row.uid), deepPosition, dbBytes: Number(size.rows[0].bytes) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

function num(row: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}

function toCounts(c: Record<string, number>): SeedReport['counts'] {
  return { tenants: c.tenants, members: c.members, users: c.users, devices: c.devices, bigTenantMembers: c.big };
}

/** Drops a bench schema and everything in it, after the run. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!/^bench_[a-z0-9_]+$/.test(schema)) throw new Error(`refusing to drop schema ${schema}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
