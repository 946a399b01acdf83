import type { Db } from '../db/database.js';
import type { IdentityRow, UserRow } from '../db/tables.js';

export async function findUser(db: Db, uid: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('uid', '=', uid).executeTakeFirst();
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

/** The lockout state of a user code in a tenant. */
export async function findLoginThrottle(db: Db, tenantUid: string, userCode: string) {
  return db
    .selectFrom('login_throttles')
    .selectAll()
    .where('tenant_uid', '=', tenantUid)
    .where('user_code', '=', userCode)
    .executeTakeFirst();
}

/** Counts one more consecutive failure atomically and returns the new count. */
export async function countLoginFailure(db: Db, tenantUid: string, userCode: string, now: string): Promise<number> {
  const row = await db
    .insertInto('login_throttles')
    .values({ tenant_uid: tenantUid, user_code: userCode, failures: 1, locked_until: null, updated_at: now })
    .onConflict((oc) =>
      oc.columns(['tenant_uid', 'user_code']).doUpdateSet((eb) => ({ failures: eb('login_throttles.failures', '+', 1), updated_at: now })),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  return Number(row.failures);
}

export async function lockUserCode(db: Db, tenantUid: string, userCode: string, until: string): Promise<void> {
  await db
    .updateTable('login_throttles')
    .set({ locked_until: until })
    .where('tenant_uid', '=', tenantUid)
    .where('user_code', '=', userCode)
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
