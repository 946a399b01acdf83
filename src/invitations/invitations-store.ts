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
