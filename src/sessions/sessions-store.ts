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

/** Which of a tenant's live access tokens to revoke. */
export interface TokenSelection {
  /** Tokens issued through this device. */
  deviceUid?: string;
  /** Tokens of this member… */
  memberUid?: string;
  /** …only those issued through a device. */
  throughDevices?: boolean;
  /** Every selected token but this one. */
  keepHash?: string;
}

export async function revokeAccessTokens(db: Db, tenantUid: string, selection: TokenSelection, now: string): Promise<void> {
  let query = db.updateTable('access_tokens').set({ revoked_at: now }).where('tenant_uid', '=', tenantUid).where('revoked_at', 'is', null);
  if (selection.deviceUid !== undefined) query = query.where('device_uid', '=', selection.deviceUid);
  if (selection.memberUid !== undefined) query = query.where('member_uid', '=', selection.memberUid);
  if (selection.throughDevices) query = query.where('device_uid', 'is not', null);
  if (selection.keepHash !== undefined) query = query.where('token_hash', '!=', selection.keepHash);
  await query.execute();
}

/** Deletes tokens that expired before `before`; revoked or not, they can never work again. */
export async function purgeExpiredAccessTokens(db: Db, before: string): Promise<void> {
  await db.deleteFrom('access_tokens').where('expires_at', '<', before).execute();
}
