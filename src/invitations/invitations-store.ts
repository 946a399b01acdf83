import type { Db } from '../db/database.js';
import type { InvitationRow } from '../db/tables.js';

export type InvitationWithTenant = InvitationRow & { tenant_name: string };

export async function insertInvitation(db: Db, row: InvitationRow): Promise<void> {
  await db.insertInto('invitations').values(row).execute();
}

export async function findInvitationByTokenHash(db: Db, tokenHash: string): Promise<InvitationWithTenant | undefined> {
  return db
    .selectFrom('invitations as i')
    .innerJoin('tenants as t', 't.uid', 'i.tenant_uid')
    .selectAll('i')
    .select('t.name as tenant_name')
    .where('i.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function findInvitation(db: Db, tenantUid: string, uid: string): Promise<InvitationWithTenant | undefined> {
  return db
    .selectFrom('invitations as i')
    .innerJoin('tenants as t', 't.uid', 'i.tenant_uid')
    .selectAll('i')
    .select('t.name as tenant_name')
    .where('i.tenant_uid', '=', tenantUid)
    .where('i.uid', '=', uid)
    .executeTakeFirst();
}

/**
 * Marks a pending invitation accepted. Conditional, so that of concurrent
 * acceptances exactly one changes the row; returns whether this one did.
 */
export async function markInvitationAccepted(
  db: Db,
  tenantUid: string,
  uid: string,
  userUid: string,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable('invitations')
    .set({ accepted_at: now, accepted_by_user_uid: userUid })
    .where('tenant_uid', '=', tenantUid)
    .where('uid', '=', uid)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Invitations a tenant has pending now. */
export async function countPendingInvitations(db: Db, tenantUid: string, now: string): Promise<number> {
  const row = await db
    .selectFrom('invitations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_uid', '=', tenantUid)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Whether a pending invitation already reserves a user code. */
export async function isUserCodeReserved(db: Db, tenantUid: string, userCode: string, now: string): Promise<boolean> {
  const row = await db
    .selectFrom('invitations')
    .select('uid')
    .where('tenant_uid', '=', tenantUid)
    .where('user_code', '=', userCode)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

/** A page of a tenant's invitations, newest first, before the cursor key; `limit + 1` rows. */
export async function listInvitations(
  db: Db,
  tenantUid: string,
  status: string | undefined,
  now: string,
  limit: number,
  before?: [string, string],
): Promise<InvitationWithTenant[]> {
  let query = db
    .selectFrom('invitations as i')
    .innerJoin('tenants as t', 't.uid', 'i.tenant_uid')
    .selectAll('i')
    .select('t.name as tenant_name')
    .where('i.tenant_uid', '=', tenantUid);
  if (status === 'revoked') query = query.where('i.revoked_at', 'is not', null);
  if (status === 'accepted') query = query.where('i.accepted_at', 'is not', null);
  if (status === 'pending' || status === 'expired') {
    query = query
      .where('i.revoked_at', 'is', null)
      .where('i.accepted_at', 'is', null)
      .where('i.expires_at', status === 'pending' ? '>' : '<=', now);
  }
  if (before !== undefined) {
    const [at, uid] = before;
    query = query.where((eb) => eb.or([eb('i.created_at', '<', at), eb.and([eb('i.created_at', '=', at), eb('i.uid', '<', uid)])]));
  }
  return query.orderBy('i.created_at', 'desc').orderBy('i.uid', 'desc').limit(limit + 1).execute();
}

export async function updateInvitation(
  db: Db,
  tenantUid: string,
  uid: string,
  patch: Partial<Pick<InvitationRow, 'token_hash' | 'expires_at' | 'revoked_at'>>,
): Promise<void> {
  await db.updateTable('invitations').set(patch).where('tenant_uid', '=', tenantUid).where('uid', '=', uid).execute();
}
