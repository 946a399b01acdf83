import type { Db } from '../db/database.js';
import { preparedQuery } from '../db/prepared.js';
import type { DeviceRow, PairingCodeRow } from '../db/tables.js';

export async function insertDevice(db: Db, row: DeviceRow): Promise<void> {
  await db.insertInto('devices').values(row).execute();
}

const selectActiveDeviceByTokenHash = preparedQuery((db: Db, tokenHash: string) =>
  db.selectFrom('devices').select(['tenant_uid', 'uid', 'store_uid']).where('token_hash', '=', tokenHash).where('revoked_at', 'is', null),
);

/** An active device by the hash of its token, in any tenant (the token names the tenant). */
export async function findActiveDeviceByTokenHash(db: Db, tokenHash: string) {
  return (await selectActiveDeviceByTokenHash(db, tokenHash))[0];
}

export async function findDevice(db: Db, tenantUid: string, deviceUid: string): Promise<DeviceRow | undefined> {
  return db.selectFrom('devices').selectAll().where('tenant_uid', '=', tenantUid).where('uid', '=', deviceUid).executeTakeFirst();
}

/** A page of a tenant's devices in uid order after `afterUid`; `limit + 1` rows. */
export async function listDevices(
  db: Db,
  tenantUid: string,
  status: 'active' | 'revoked' | undefined,
  limit: number,
  afterUid?: string,
): Promise<DeviceRow[]> {
  let query = db.selectFrom('devices').selectAll().where('tenant_uid', '=', tenantUid);
  if (status === 'active') query = query.where('revoked_at', 'is', null);
  if (status === 'revoked') query = query.where('revoked_at', 'is not', null);
  if (afterUid !== undefined) query = query.where('uid', '>', afterUid);
  return query.orderBy('uid').limit(limit + 1).execute();
}

export async function updateDevice(
  db: Db,
  tenantUid: string,
  deviceUid: string,
  patch: Partial<Pick<DeviceRow, 'name' | 'store_uid' | 'revoked_at'>>,
): Promise<void> {
  await db.updateTable('devices').set(patch).where('tenant_uid', '=', tenantUid).where('uid', '=', deviceUid).execute();
}

export async function setDeviceLastSeen(db: Db, tenantUid: string, deviceUid: string, now: string): Promise<void> {
  await db.updateTable('devices').set({ last_seen_at: now }).where('tenant_uid', '=', tenantUid).where('uid', '=', deviceUid).execute();
}


export async function insertPairingCode(db: Db, row: PairingCodeRow): Promise<void> {
  await db.insertInto('pairing_codes').values(row).execute();
}

/**
 * Uses a pairing code: conditional, so of concurrent attempts exactly one gets
 * the row back.
 */
export async function consumePairingCode(db: Db, codeHash: string, now: string) {
  return db
    .updateTable('pairing_codes')
    .set({ used_at: now })
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['tenant_uid', 'store_uid'])
    .executeTakeFirst();
}

export async function findPairingCode(db: Db, codeHash: string): Promise<PairingCodeRow | undefined> {
  return db.selectFrom('pairing_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
}

/** Removes codes that expired a day ago or more. */
export async function purgePairingCodes(db: Db, before: string): Promise<void> {
  await db.deleteFrom('pairing_codes').where('expires_at', '<', before).execute();
}
