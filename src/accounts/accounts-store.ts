import { sql, type RawBuilder } from 'kysely';
import { isoAfter } from '../clock.js';
import type { Db } from '../db/database.js';
import { isPostgres } from '../db/dialect.js';
import { preparedQuery } from '../db/prepared.js';
import type { IdentityRow, MemberRow, UserRow } from '../db/tables.js';
import type { MemberWithTenant } from '../members/members-store.js';

/**
 * The member columns an account lists, as JSON keys (not the hash). The type of
 * a listed membership is picked from these, so a column `toTenantAccount` reads
 * but this list lacks fails the build.
 */
const MEMBER_KEYS = [
  'tenant_uid', 'uid', 'user_uid', 'role', 'status', 'user_code', 'display_name', 'email', 'firstname', 'lastname',
  'mobile', 'language_code', 'default_store_uid', 'created_at', 'updated_at',
] as const satisfies readonly (keyof MemberRow)[];

/** How each database builds JSON (SQLite ≥ 3.44 for ORDER BY inside an aggregate). */
const JSON_SQL = {
  postgres: {
    array: (value: string) => `coalesce(json_agg(${value}), '[]'::json)`,
    object: 'json_build_object',
    nested: (subquery: string) => subquery,
  },
  sqlite: {
    array: (value: string) => `json_group_array(${value})`,
    object: 'json_object',
    // A subquery's result loses its JSON type on the way out; json() restores it.
    nested: (subquery: string) => `json(${subquery})`,
  },
};

/**
 * The user's active memberships (oldest first) with tenant name, whether a
 * password is set and the sorted store list, as one JSON array built in the
 * database. One JSON value costs far less to hand over than a row of a dozen and
 * a half columns per membership: better-sqlite3 and pg build every column of
 * every row as its own property.
 */
function membershipsJson(postgres: boolean): RawBuilder<string | MembershipJson[]> {
  const json = JSON_SQL[postgres ? 'postgres' : 'sqlite'];
  const stores = `(select ${json.array('ms.store_uid order by ms.store_uid')} from member_stores ms where ms.tenant_uid = m.tenant_uid and ms.member_uid = m.uid)`;
  const fields = [
    ...MEMBER_KEYS.map((key) => `'${key}', m.${key}`),
    `'tenant_name', t.name`,
    `'has_password', m.password_hash is not null`,
    `'store_uids', ${json.nested(stores)}`,
  ];
  const membership = `${json.object}(${fields.join(', ')})`;
  return sql.raw(
    `(select ${json.array(`${membership} order by m.created_at, m.tenant_uid`)} from members m join tenants t on t.uid = m.tenant_uid ` +
      `where m.user_uid = u.uid and m.status = 'active')`,
  );
}

/** A membership as the account query lists it; `has_password` is 0/1 on SQLite. */
export type MembershipJson = Pick<MemberWithTenant, (typeof MEMBER_KEYS)[number] | 'tenant_name'> & {
  has_password: boolean | number;
  store_uids: string[];
};

/** The user and their memberships in one row. Runs on every `GET /account`: prepared once. */
const selectAccount = preparedQuery((db: Db, userUid: string) =>
  db
    .selectFrom('users as u')
    .select(['u.uid', 'u.email', 'u.display_name', 'u.default_tenant_uid', 'u.created_at'])
    .select(membershipsJson(isPostgres(db)).as('memberships'))
    .where('u.uid', '=', userUid),
);

export interface AccountRows {
  user: Omit<UserRow, 'updated_at'>;
  /** Active memberships, oldest first; `store_uids` [] means all stores. */
  memberships: MembershipJson[];
}

/** The user and their active memberships; undefined when the user does not exist. */
export async function findAccount(db: Db, userUid: string): Promise<AccountRows | undefined> {
  const row = (await selectAccount(db, userUid))[0];
  if (!row) return undefined;
  const user = { uid: row.uid, email: row.email, display_name: row.display_name, default_tenant_uid: row.default_tenant_uid, created_at: row.created_at };
  // SQLite hands JSON over as text; pg parses it.
  return { user, memberships: typeof row.memberships === 'string' ? JSON.parse(row.memberships) : row.memberships };
}

export async function findUserByIdentity(db: Db, issuer: string, subject: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('identities as i')
    .innerJoin('users as u', 'u.uid', 'i.user_uid')
    .selectAll('u')
    .where('i.issuer', '=', issuer)
    .where('i.subject', '=', subject)
    .executeTakeFirst();
}

export async function insertUser(db: Db, row: UserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

export async function insertIdentity(db: Db, row: IdentityRow): Promise<void> {
  await db.insertInto('identities').values(row).execute();
}

export async function setDefaultTenant(db: Db, userUid: string, tenantUid: string | null, now: string): Promise<void> {
  await db.updateTable('users').set({ default_tenant_uid: tenantUid, updated_at: now }).where('uid', '=', userUid).execute();
}

/** Makes `tenantUid` the user's default tenant when they have none yet. */
export async function setDefaultTenantIfNone(db: Db, userUid: string, tenantUid: string, now: string): Promise<void> {
  await db
    .updateTable('users')
    .set({ default_tenant_uid: tenantUid, updated_at: now })
    .where('uid', '=', userUid)
    .where('default_tenant_uid', 'is', null)
    .execute();
}

const selectLoginThrottle = preparedQuery((db: Db, tenantUid: string, userCode: string) =>
  db.selectFrom('login_throttles').selectAll().where('tenant_uid', '=', tenantUid).where('user_code', '=', userCode),
);

/** The lockout state of a user code in a tenant. */
export async function findLoginThrottle(db: Db, tenantUid: string, userCode: string) {
  return (await selectLoginThrottle(db, tenantUid, userCode))[0];
}

/**
 * Reserves one device-login attempt for a user code, before its password is
 * checked, so that parallel guesses cannot slip past the lockout: attempts are
 * counted when they start, and the attempt that reaches the threshold sets the
 * lock at once. `lockSeconds(n)` is the lock an n-th consecutive attempt sets
 * (0 for none). Returns the attempt's number, or the lock that refuses it.
 * A compare-and-set on the count keeps it exact under READ COMMITTED.
 */
export async function reserveLoginAttempt(
  db: Db,
  tenantUid: string,
  userCode: string,
  now: Date,
  lockSeconds: (attempt: number) => number,
): Promise<{ attempt: number } | { lockedUntil: string }> {
  const at = now.toISOString();
  const lockedUntil = (attempt: number) => {
    const seconds = lockSeconds(attempt);
    return seconds > 0 ? isoAfter(now, seconds) : null;
  };
  for (let round = 0; round < 50; round++) {
    const row = await findLoginThrottle(db, tenantUid, userCode);
    if (!row) {
      const inserted = await db
        .insertInto('login_throttles')
        .values({ tenant_uid: tenantUid, user_code: userCode, failures: 1, locked_until: lockedUntil(1), updated_at: at })
        .onConflict((oc) => oc.columns(['tenant_uid', 'user_code']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { attempt: 1 };
      continue;
    }
    if (row.locked_until !== null && row.locked_until > at) return { lockedUntil: row.locked_until };
    const attempt = Number(row.failures) + 1;
    const updated = await db
      .updateTable('login_throttles')
      .set({ failures: attempt, locked_until: lockedUntil(attempt), updated_at: at })
      .where('tenant_uid', '=', tenantUid)
      .where('user_code', '=', userCode)
      .where('failures', '=', row.failures)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 1) return { attempt };
  }
  throw new Error(`login attempts for one user code keep colliding (${tenantUid})`);
}

/** Gives back a reserved attempt that was never checked (the server was too busy). */
export async function releaseLoginAttempt(db: Db, tenantUid: string, userCode: string, attempt: number, now: string): Promise<void> {
  await db
    .updateTable('login_throttles')
    .set({ failures: attempt - 1, locked_until: null, updated_at: now })
    .where('tenant_uid', '=', tenantUid)
    .where('user_code', '=', userCode)
    .where('failures', '=', attempt)
    .execute();
}

/** Forgets user codes whose last attempt is older than `before` and that are not locked. */
export async function purgeLoginThrottles(db: Db, before: string): Promise<void> {
  await db
    .deleteFrom('login_throttles')
    .where('updated_at', '<', before)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', before)]))
    .execute();
}

export async function clearLoginThrottle(db: Db, tenantUid: string, userCode: string): Promise<void> {
  await db.deleteFrom('login_throttles').where('tenant_uid', '=', tenantUid).where('user_code', '=', userCode).execute();
}

/** Clears the default tenant of a user when it is `tenantUid`. */
export async function clearDefaultTenant(db: Db, userUid: string, tenantUid: string, now: string): Promise<void> {
  await db
    .updateTable('users')
    .set({ default_tenant_uid: null, updated_at: now })
    .where('uid', '=', userUid)
    .where('default_tenant_uid', '=', tenantUid)
    .execute();
}
