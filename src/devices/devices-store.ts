import type { Db } from '../db/database.js';
import type { DeviceRow } from '../db/tables.js';

export async function insertDevice(db: Db, row: DeviceRow): Promise<void> {
  await db.insertInto('devices').values(row).execute();
}

/** An active device by the hash of its token, in any tenant (the token names the tenant). */
export async function findActiveDeviceByTokenHash(db: Db, tokenHash: string) {
  return db
    .selectFrom('devices')
    .select(['tenant_uid', 'uid', 'store_uid', 'last_seen_at'])
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function setDeviceLastSeen(db: Db, tenantUid: string, deviceUid: string, now: string): Promise<void> {
  await db.updateTable('devices').set({ last_seen_at: now }).where('tenant_uid', '=', tenantUid).where('uid', '=', deviceUid).execute();
}
