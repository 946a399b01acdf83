import type { Db } from '../db/database.js';
import type { TenantRow } from '../db/tables.js';

export async function insertTenant(db: Db, row: TenantRow): Promise<void> {
  await db.insertInto('tenants').values(row).execute();
}

export async function findTenant(db: Db, uid: string): Promise<TenantRow | undefined> {
  return db.selectFrom('tenants').selectAll().where('uid', '=', uid).executeTakeFirst();
}

export async function renameTenant(db: Db, uid: string, name: string, now: string): Promise<void> {
  await db.updateTable('tenants').set({ name, updated_at: now }).where('uid', '=', uid).execute();
}

/** Tenants the user is an owner of (active or disabled). */
export async function countOwnedTenants(db: Db, userUid: string): Promise<number> {
  const row = await db
    .selectFrom('members')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_uid', '=', userUid)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
