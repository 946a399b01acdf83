import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { preparedQuery } from '../db/prepared.js';
import type { IdentityRow, UserRow } from '../db/tables.js';
import type { MemberWithTenant } from '../members/members-store.js';

/**
 * A user with each active membership (oldest first), its tenant's name and its
 * store list, in one query: one row per membership, or one row with null member
 * columns for a user without any. The store list is aggregated in the database
 * (`string_agg` with ORDER BY: SQLite ≥ 3.44 and PostgreSQL alike); uids are
 * base64url and never contain the comma. Runs on every `GET /account`: prepared once.
 */
const selectAccountRows = preparedQuery((db: Db, userUid: string) =>
  db
    .selectFrom('users as u')
    .leftJoin('members as m', (j) => j.onRef('m.user_uid', '=', 'u.uid').on('m.status', '=', 'active'))
    .leftJoin('tenants as t', 't.uid', 'm.tenant_uid')
    .select(['u.email as user_email', 'u.display_name as user_display_name', 'u.default_tenant_uid', 'u.created_at as user_created_at'])
    .selectAll('m')
    .select('t.name as tenant_name')
    .select((eb) =>
      eb
        .selectFrom('member_stores as ms')
        .select(sql<string>`string_agg(${sql.ref('ms.store_uid')}, ',' order by ${sql.ref('ms.store_uid')})`.as('uids'))
        .whereRef('ms.tenant_uid', '=', 'm.tenant_uid')
        .whereRef('ms.member_uid', '=', 'm.uid')
        .as('store_uids'),
    )
    .where('u.uid', '=', userUid)
    .orderBy('m.created_at')
    .orderBy('m.tenant_uid'),
);

export interface AccountRows {
  user: Omit<UserRow, 'updated_at'>;
  /** Active memberships, oldest first, each with its store uids ([] means all stores). */
  memberships: { member: MemberWithTenant; storeUids: string[] }[];
}

/** The user and their active memberships; undefined when the user does not exist. */
export async function findAccount(db: Db, userUid: string): Promise<AccountRows | undefined> {
  const rows = await selectAccountRows(db, userUid);
  const first = rows[0];
  if (!first) return undefined;
  const user = {
    uid: userUid,
    email: first.user_email,
    display_name: first.user_display_name,
    default_tenant_uid: first.default_tenant_uid,
    created_at: first.user_created_at,
  };
  // Each row serves as its member as it is (the user columns ride along unread):
  // copying it without them costs more than the query's own row building.
  const memberships = rows
    .filter((row) => row.uid !== null)
    .map((row) => ({ member: row as MemberWithTenant, storeUids: row.store_uids ? row.store_uids.split(',') : [] }));
  return { user, memberships };
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
    return seconds > 0 ? new Date(now.getTime() + seconds * 1000).toISOString() : null;
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
