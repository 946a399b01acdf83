import type { Db } from '../db/database.js';
import type { StoreRow } from '../db/tables.js';

export async function insertStore(db: Db, row: StoreRow): Promise<void> {
  await db.insertInto('stores').values(row).execute();
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
