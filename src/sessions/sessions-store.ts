import type { Db } from '../db/database.js';
import { preparedQuery } from '../db/prepared.js';
import type { AccessTokenRow } from '../db/tables.js';

/** Stores an issued access token (its hash only). */
export async function insertAccessToken(db: Db, row: AccessTokenRow): Promise<void> {
  await db.insertInto('access_tokens').values(row).execute();
}

/** What an access token stands for, looked up by hash on every request. */
export interface ActiveAccessToken {
  tenant_uid: string;
  member_uid: string;
  user_uid: string;
  device_uid: string | null;
  expires_at: string;
  role: string;
  device_last_seen_at: string | null;
}

/**
 * The token's grant, but only while it is usable: not revoked, not expired, its
 * member active, and the device it was issued through (if any) not revoked.
 * Runs on every authenticated request: prepared once.
 */
const selectActiveAccessToken = preparedQuery((db: Db, tokenHash: string, now: string) =>
  db
    .selectFrom('access_tokens as t')
    .innerJoin('members as m', (j) => j.onRef('m.tenant_uid', '=', 't.tenant_uid').onRef('m.uid', '=', 't.member_uid'))
    .leftJoin('devices as d', (j) => j.onRef('d.tenant_uid', '=', 't.tenant_uid').onRef('d.uid', '=', 't.device_uid'))
    .select(['t.tenant_uid', 't.member_uid', 't.user_uid', 't.device_uid', 't.expires_at', 'm.role', 'd.last_seen_at as device_last_seen_at'])
    .where('t.token_hash', '=', tokenHash)
    .where('t.revoked_at', 'is', null)
    .where('t.expires_at', '>', now)
    .where('m.status', '=', 'active')
    .where((eb) => eb.or([eb('t.device_uid', 'is', null), eb('d.revoked_at', 'is', null)])),
);

export async function findActiveAccessToken(db: Db, tokenHash: string, now: string): Promise<ActiveAccessToken | undefined> {
  return (await selectActiveAccessToken(db, tokenHash, now))[0];
}

export async function revokeAccessToken(db: Db, tokenHash: string, now: string): Promise<void> {
  await db.updateTable('access_tokens').set({ revoked_at: now }).where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).execute();
}

/** Revokes every token issued through a device. */
export async function revokeDeviceAccessTokens(db: Db, tenantUid: string, deviceUid: string, now: string): Promise<void> {
  await db
    .updateTable('access_tokens')
    .set({ revoked_at: now })
    .where('tenant_uid', '=', tenantUid)
    .where('device_uid', '=', deviceUid)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Revokes the member's tokens that were issued through a device. */
export async function revokeMemberDeviceAccessTokens(db: Db, tenantUid: string, memberUid: string, now: string): Promise<void> {
  await db
    .updateTable('access_tokens')
    .set({ revoked_at: now })
    .where('tenant_uid', '=', tenantUid)
    .where('member_uid', '=', memberUid)
    .where('device_uid', 'is not', null)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Revokes every token of a member, except `keepHash` when given. */
export async function revokeMemberAccessTokens(
  db: Db,
  tenantUid: string,
  memberUid: string,
  now: string,
  keepHash?: string,
): Promise<void> {
  let query = db
    .updateTable('access_tokens')
    .set({ revoked_at: now })
    .where('tenant_uid', '=', tenantUid)
    .where('member_uid', '=', memberUid)
    .where('revoked_at', 'is', null);
  if (keepHash) query = query.where('token_hash', '!=', keepHash);
  await query.execute();
}

/** Deletes tokens that expired before `before`; revoked or not, they can never work again. */
export async function purgeExpiredAccessTokens(db: Db, before: string): Promise<void> {
  await db.deleteFrom('access_tokens').where('expires_at', '<', before).execute();
}
