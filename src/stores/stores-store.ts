import type { Db } from '../db/database.js';
import type { StoreRow } from '../db/tables.js';

export async function insertStore(db: Db, row: StoreRow): Promise<void> {
  await db.insertInto('stores').values(row).execute();
}

export async function findStore(db: Db, tenantUid: string, uid: string): Promise<StoreRow | undefined> {
  return db.selectFrom('stores').selectAll().where('tenant_uid', '=', tenantUid).where('uid', '=', uid).executeTakeFirst();
}

/** A page of a tenant's stores in uid order, after `afterUid`; `limit + 1` rows to detect a next page. */
export async function listStores(db: Db, tenantUid: string, limit: number, afterUid?: string): Promise<StoreRow[]> {
  let query = db.selectFrom('stores').selectAll().where('tenant_uid', '=', tenantUid);
  if (afterUid !== undefined) query = query.where('uid', '>', afterUid);
  return query.orderBy('uid').limit(limit + 1).execute();
}

/** Which of `uids` are stores of the tenant. */
export async function findExistingStoreUids(db: Db, tenantUid: string, uids: string[]): Promise<Set<string>> {
  if (uids.length === 0) return new Set();
  const rows = await db.selectFrom('stores').select('uid').where('tenant_uid', '=', tenantUid).where('uid', 'in', uids).execute();
  return new Set(rows.map((r) => r.uid));
}

export async function renameStore(db: Db, tenantUid: string, uid: string, name: string, now: string): Promise<void> {
  await db.updateTable('stores').set({ name, updated_at: now }).where('tenant_uid', '=', tenantUid).where('uid', '=', uid).execute();
}

/**
 * Members whose only allowed store is this one: deleting it would turn their
 * store list empty, which means all stores.
 */
export async function findMembersOnlyInStore(db: Db, tenantUid: string, storeUid: string): Promise<string[]> {
  const rows = await db
    .selectFrom('member_stores as ms')
    .select('ms.member_uid')
    .where('ms.tenant_uid', '=', tenantUid)
    .where('ms.store_uid', '=', storeUid)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('member_stores as other')
            .select('other.store_uid')
            .whereRef('other.tenant_uid', '=', 'ms.tenant_uid')
            .whereRef('other.member_uid', '=', 'ms.member_uid')
            .where('other.store_uid', '!=', storeUid),
        ),
      ),
    )
    .orderBy('ms.member_uid')
    .execute();
  return rows.map((r) => r.member_uid);
}

/**
 * Deletes a store and every reference to it: devices are unbound, default stores
 * cleared, pairing codes unbound; member store lists drop it (foreign key cascade).
 */
export async function deleteStore(db: Db, tenantUid: string, storeUid: string, now: string): Promise<void> {
  await db.updateTable('devices').set({ store_uid: null }).where('tenant_uid', '=', tenantUid).where('store_uid', '=', storeUid).execute();
  await db
    .updateTable('members')
    .set({ default_store_uid: null, updated_at: now })
    .where('tenant_uid', '=', tenantUid)
    .where('default_store_uid', '=', storeUid)
    .execute();
  await db.updateTable('pairing_codes').set({ store_uid: null }).where('tenant_uid', '=', tenantUid).where('store_uid', '=', storeUid).execute();
  await db.deleteFrom('stores').where('tenant_uid', '=', tenantUid).where('uid', '=', storeUid).execute();
}
