import type { AccountsService } from '../accounts/accounts-service.js';
import { setDefaultTenantIfNone } from '../accounts/accounts-store.js';
import { isoAfter, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { AuthIdentity } from '../crypto/auth-tokens.js';
import { hashToken, mintToken, newUid, tokenKind } from '../crypto/tokens.js';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/dialect.js';
import type { InvitationRow, MemberRow } from '../db/tables.js';
import { AppError } from '../errors.js';
import type { Role } from '../http/schemas.js';
import type { TenantAccountWithToken } from '../members/members-schemas.js';
import { toTenantAccount } from '../members/members-service.js';
import { findMember, findMemberByUser, insertMember, setMemberStores } from '../members/members-store.js';
import { atLeast, canManageRole } from '../members/roles.js';
import type { AccessGrant, SessionsService } from '../sessions/sessions-service.js';
import { requireStores } from '../stores/stores-service.js';
import { findExistingStoreUids } from '../stores/stores-store.js';
import type { CreateInvitationInput, Invitation } from './invitations-schemas.js';
import {
  findInvitation,
  findInvitationByTokenHash,
  insertInvitation,
  markInvitationAccepted,
  type InvitationWithTenant,
} from './invitations-store.js';

export function invitationStatus(row: InvitationRow, now: Date): Invitation['status'] {
  if (row.revoked_at !== null) return 'revoked';
  if (row.accepted_at !== null) return 'accepted';
  if (row.expires_at <= now.toISOString()) return 'expired';
  return 'pending';
}

export function toInvitation(row: InvitationWithTenant, now: Date): Invitation {
  return {
    uid: row.uid,
    tenant: { uid: row.tenant_uid, name: row.tenant_name },
    email: row.email,
    role: row.role as Role,
    storeUids: JSON.parse(row.store_uids) as string[],
    status: invitationStatus(row, now),
    invitedBy: row.invited_by_user_uid === null ? null : { displayName: row.invited_by_display_name },
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/** 410 for an invitation that can no longer be used. */
function assertUsable(row: InvitationRow, now: Date): void {
  const status = invitationStatus(row, now);
  if (status === 'revoked') throw new AppError('invitation_revoked');
  if (status === 'accepted') throw new AppError('invitation_used');
  if (status === 'expired') throw new AppError('invitation_expired');
}

export class InvitationsService {
  constructor(
    private readonly db: Db,
    private readonly config: Pick<Config, 'invitations'>,
    private readonly clock: Clock,
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
  ) {}

  /**
   * Invites someone to the caller's tenant (admins and owners; only owners invite
   * owners). Returns the inviteToken once and the accept link.
   */
  async create(grant: AccessGrant, input: CreateInvitationInput) {
    if (!atLeast(grant.role, 'admin')) throw new AppError('forbidden', 'Only admins and owners invite');
    if (!canManageRole(grant.role, input.role)) throw new AppError('forbidden', `A ${grant.role} may not invite a ${input.role}`);
    const now = this.clock.now();
    const storeUids = input.storeUids ?? [];
    const { token, hash } = mintToken('invite');
    const uid = newUid();
    await this.db.transaction().execute(async (tx) => {
      await requireStores(tx, grant.tenantUid, storeUids);
      const inviter = await findMember(tx, grant.tenantUid, grant.memberUid);
      await insertInvitation(tx, {
        tenant_uid: grant.tenantUid,
        uid,
        email: input.email?.toLowerCase() ?? null,
        role: input.role,
        store_uids: JSON.stringify(storeUids),
        token_hash: hash,
        invited_by_user_uid: grant.userUid,
        invited_by_display_name: inviter?.display_name ?? null,
        created_at: now.toISOString(),
        expires_at: isoAfter(now, (input.expiresInHours ?? 168) * 3600),
        accepted_at: null,
        accepted_by_user_uid: null,
        revoked_at: null,
      });
    });
    const row = await findInvitation(this.db, grant.tenantUid, uid);
    return {
      invitation: toInvitation(row!, now),
      inviteToken: token,
      inviteUrl: `${this.config.invitations.acceptUrl}?token=${encodeURIComponent(token)}`,
    };
  }

  /** A pending invitation by its token: 404 when unknown, 410 when no longer usable. */
  async lookup(inviteToken: string): Promise<Invitation> {
    const row = await this.findByToken(inviteToken);
    const now = this.clock.now();
    assertUsable(row, now);
    return toInvitation(row, now);
  }

  /**
   * Accepts an invitation exactly once, also under concurrent requests. An
   * invitation bound to an e-mail needs an authToken whose `email` matches it and
   * is not marked unverified (403 `invitation_email_mismatch`); 409
   * `already_member` leaves the invitation unused; 410 when it cannot be used.
   */
  async accept(identity: AuthIdentity, inviteToken: string): Promise<TenantAccountWithToken> {
    const invitation = await this.findByToken(inviteToken);
    assertUsable(invitation, this.clock.now());
    if (invitation.email !== null) {
      const matches = identity.email !== null && identity.email.toLowerCase() === invitation.email;
      if (!matches || identity.emailVerified === false) {
        throw new AppError('invitation_email_mismatch', 'Sign in with the verified e-mail address the invitation was sent to');
      }
    }
    const user = await this.accounts.resolveUser(identity);
    if (await findMemberByUser(this.db, invitation.tenant_uid, user.uid)) throw new AppError('already_member');

    const now = this.clock.now();
    const storeUids = JSON.parse(invitation.store_uids) as string[];
    const member: MemberRow = {
      tenant_uid: invitation.tenant_uid,
      uid: newUid(),
      user_uid: user.uid,
      role: invitation.role,
      status: 'active',
      user_code: null,
      password_hash: null,
      display_name: user.display_name,
      email: user.email,
      firstname: null,
      lastname: null,
      mobile: null,
      language_code: null,
      default_store_uid: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    };
    let acceptedStores: string[] = [];
    try {
      const issued = await this.db.transaction().execute(async (tx) => {
        const won = await markInvitationAccepted(tx, invitation.tenant_uid, invitation.uid, user.uid, now.toISOString());
        if (!won) {
          const current = await findInvitation(tx, invitation.tenant_uid, invitation.uid);
          if (current) assertUsable(current, now);
          throw new AppError('invitation_used');
        }
        await insertMember(tx, member);
        // Stores deleted since the invitation was made are dropped, not an error.
        const existing = await findExistingStoreUids(tx, invitation.tenant_uid, storeUids);
        acceptedStores = storeUids.filter((uid) => existing.has(uid));
        await setMemberStores(tx, invitation.tenant_uid, member.uid, acceptedStores);
        await setDefaultTenantIfNone(tx, user.uid, invitation.tenant_uid, now.toISOString());
        return this.sessions.issue(tx, { tenantUid: invitation.tenant_uid, memberUid: member.uid, userUid: user.uid });
      });
      return { ...toTenantAccount({ ...member, tenant_name: invitation.tenant_name }, acceptedStores), ...issued };
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('already_member');
      throw error;
    }
  }

  private async findByToken(inviteToken: string): Promise<InvitationWithTenant> {
    const row = tokenKind(inviteToken) === 'invite' ? await findInvitationByTokenHash(this.db, hashToken(inviteToken)) : undefined;
    if (!row) throw new AppError('not_found', 'No invitation has this token');
    return row;
  }
}
