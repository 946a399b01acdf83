import type { AccountsService } from '../accounts/accounts-service.js';
import { setDefaultTenantIfNone } from '../accounts/accounts-store.js';
import type { AuditService } from '../audit/audit-service.js';
import { isoAfter, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { AuthCaller } from '../crypto/auth-tokens.js';
import { hashToken, mintToken, newUid, tokenKind } from '../crypto/tokens.js';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/dialect.js';
import type { InvitationRow } from '../db/tables.js';
import { AppError } from '../errors.js';
import { decodeCursor, pageOf } from '../http/pagination.js';
import type { Role } from '../http/schemas.js';
import type { Mailer } from '../mail/mailer.js';
import type { TenantAccountWithToken } from '../members/members-schemas.js';
import { memberActor, memberFromUser, requireAssignableStores, toTenantAccount, userCodeConflict } from '../members/members-service.js';
import { findMember, findMemberByUser, findMemberByUserCode, insertMember, lockTenant, setMemberStores } from '../members/members-store.js';
import { atLeast, canManageRole } from '../members/roles.js';
import type { AccessGrant, SessionsService } from '../sessions/sessions-service.js';
import { requireStores } from '../stores/stores-service.js';
import { findExistingStoreUids } from '../stores/stores-store.js';
import { invitationMail } from './invitation-mail.js';
import type { CreateInvitationInput, Invitation, InvitationListQueryType } from './invitations-schemas.js';
import {
  countPendingInvitations,
  findInvitation,
  findInvitationByTokenHash,
  insertInvitation,
  isUserCodeReserved,
  listInvitations,
  markInvitationAccepted,
  updateInvitation,
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

export interface IssuedInvitation {
  invitation: Invitation;
  inviteToken: string;
  inviteUrl: string;
  delivery: { status: 'sent' | 'written' | 'failed'; detail: string | null } | null;
}

/**
 * Invitations: offers to join a tenant with a role, delivered as an inviteToken
 * (by e-mail when the invitation names an address). Admins and owners manage
 * them; only owners invite owners.
 */
export class InvitationsService {
  constructor(
    private readonly db: Db,
    private readonly config: Pick<Config, 'invitations'>,
    private readonly clock: Clock,
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly mailer: Mailer,
  ) {}

  /**
   * Creates an invitation and e-mails it when it names an address. A mail that
   * cannot be sent does not lose the invitation: the failure is in `delivery`
   * and resend works. 409 `conflict` past the tenant's pending limit,
   * 409 `user_code_taken`, 422 `unknown_store`.
   */
  async create(grant: AccessGrant, input: CreateInvitationInput): Promise<IssuedInvitation> {
    const uid = newUid();
    const entry = {
      tenantUid: grant.tenantUid,
      action: 'invitation.created',
      actor: memberActor(grant),
      origin: grant.origin,
      target: { type: 'invitation', uid },
      details: { role: input.role, withEmail: input.email !== undefined },
    };
    const { row, token } = await this.audit.refusals(entry, async () => {
      this.requireAdmin(grant);
      if (!canManageRole(grant.role, input.role)) throw new AppError('forbidden', `A ${grant.role} may not invite a ${input.role}`);
      const now = this.clock.now();
      const storeUids = input.storeUids ?? [];
      const { token, hash } = mintToken('invite');
      await this.db.transaction().execute(async (tx) => {
        await lockTenant(tx, grant.tenantUid);
        await requireStores(tx, grant.tenantUid, storeUids);
        await requireAssignableStores(tx, grant, storeUids);
        if ((await countPendingInvitations(tx, grant.tenantUid, now.toISOString())) >= this.config.invitations.maxPending) {
          throw new AppError('conflict', `A tenant may have at most ${this.config.invitations.maxPending} pending invitations; revoke some first`);
        }
        if (input.userCode !== undefined) {
          const taken =
            (await findMemberByUserCode(tx, grant.tenantUid, input.userCode)) !== undefined ||
            (await isUserCodeReserved(tx, grant.tenantUid, input.userCode, now.toISOString()));
          if (taken) throw new AppError('user_code_taken');
        }
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
          user_code: input.userCode ?? null,
          language_code: input.languageCode ?? null,
        });
        await this.audit.record(tx, entry);
      });
      return { row: (await findInvitation(this.db, grant.tenantUid, uid))!, token };
    });
    return this.deliver(row, token);
  }

  /** A page of the tenant's invitations, newest first, by status (including `expired`). */
  async list(grant: AccessGrant, query: InvitationListQueryType) {
    this.requireAdmin(grant);
    const now = this.clock.now();
    const limit = query.limit ?? 50;
    const before = decodeCursor(query.cursor, 2) as [string, string] | undefined;
    const rows = await listInvitations(this.db, grant.tenantUid, query.status, now.toISOString(), limit, before);
    const page = pageOf(rows, limit, (r) => [r.created_at, r.uid]);
    return { items: page.items.map((r) => toInvitation(r, now)), nextCursor: page.nextCursor };
  }

  /** Revokes a pending (or expired) invitation; its token stops working. 410 `invitation_used` once accepted. */
  async revoke(grant: AccessGrant, invitationUid: string): Promise<void> {
    const entry = { tenantUid: grant.tenantUid, action: 'invitation.revoked', actor: memberActor(grant), origin: grant.origin, target: { type: 'invitation', uid: invitationUid } };
    await this.audit.refusals(entry, async () => {
      this.requireAdmin(grant);
      await this.db.transaction().execute(async (tx) => {
        const row = await findInvitation(tx, grant.tenantUid, invitationUid);
        if (!row) throw new AppError('not_found', 'No such invitation in this tenant');
        if (!canManageRole(grant.role, row.role as Role)) throw new AppError('forbidden', `A ${grant.role} may not manage a ${row.role} invitation`);
        if (row.accepted_at !== null) throw new AppError('invitation_used');
        if (row.revoked_at !== null) return;
        await updateInvitation(tx, grant.tenantUid, invitationUid, { revoked_at: this.clock.now().toISOString() });
        await this.audit.record(tx, entry);
      });
    });
  }

  /**
   * Issues a new token and expiry for a pending or expired invitation and sends
   * it again; the old token stops working. 410 once accepted or revoked.
   */
  async resend(grant: AccessGrant, invitationUid: string, expiresInHours = 168): Promise<IssuedInvitation> {
    const entry = { tenantUid: grant.tenantUid, action: 'invitation.resent', actor: memberActor(grant), origin: grant.origin, target: { type: 'invitation', uid: invitationUid } };
    const { row, token } = await this.audit.refusals(entry, async () => {
      this.requireAdmin(grant);
      const now = this.clock.now();
      const { token, hash } = mintToken('invite');
      await this.db.transaction().execute(async (tx) => {
        await lockTenant(tx, grant.tenantUid);
        const row = await findInvitation(tx, grant.tenantUid, invitationUid);
        if (!row) throw new AppError('not_found', 'No such invitation in this tenant');
        if (!canManageRole(grant.role, row.role as Role)) throw new AppError('forbidden', `A ${grant.role} may not invite a ${row.role}`);
        if (row.revoked_at !== null) throw new AppError('invitation_revoked');
        if (row.accepted_at !== null) throw new AppError('invitation_used');
        if (invitationStatus(row, now) === 'expired' && (await countPendingInvitations(tx, grant.tenantUid, now.toISOString())) >= this.config.invitations.maxPending) {
          throw new AppError('conflict', `A tenant may have at most ${this.config.invitations.maxPending} pending invitations; revoke some first`);
        }
        await updateInvitation(tx, grant.tenantUid, invitationUid, { token_hash: hash, expires_at: isoAfter(now, expiresInHours * 3600) });
        await this.audit.record(tx, entry);
      });
      return { row: (await findInvitation(this.db, grant.tenantUid, invitationUid))!, token };
    });
    return this.deliver(row, token);
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
   * The invitation's user code is given when still free, else left for an admin.
   */
  async accept(caller: AuthCaller, inviteToken: string): Promise<TenantAccountWithToken> {
    const invitation = await this.findByToken(inviteToken);
    const entry = {
      tenantUid: invitation.tenant_uid,
      action: 'invitation.accepted',
      actor: { type: 'user' as const, uid: null as string | null },
      origin: caller.origin,
      target: { type: 'invitation', uid: invitation.uid },
    };
    // The first authToken of a person creates their user, refused or not; knowing
    // it names the actor of a refusal in the audit trail.
    const user = await this.accounts.resolveUser(caller);
    entry.actor.uid = user.uid;
    return this.audit.refusals(entry, async () => {
      assertUsable(invitation, this.clock.now());
      if (invitation.email !== null) {
        const matches = caller.email !== null && caller.email.toLowerCase() === invitation.email;
        if (!matches || caller.emailVerified === false) {
          throw new AppError('invitation_email_mismatch', 'Sign in with the verified e-mail address the invitation was sent to');
        }
      }
      if (await findMemberByUser(this.db, invitation.tenant_uid, user.uid)) throw new AppError('already_member');

      const now = this.clock.now();
      const storeUids = JSON.parse(invitation.store_uids) as string[];
      const member = { ...memberFromUser(user, invitation.tenant_uid, invitation.role as Role, now.toISOString()), language_code: invitation.language_code };
      let acceptedStores: string[] = [];
      try {
        const issued = await this.db.transaction().execute(async (tx) => {
          const won = await markInvitationAccepted(tx, invitation.tenant_uid, invitation.uid, user.uid, now.toISOString());
          if (!won) {
            const current = await findInvitation(tx, invitation.tenant_uid, invitation.uid);
            if (current) assertUsable(current, now);
            throw new AppError('invitation_used');
          }
          if (invitation.user_code !== null && !(await findMemberByUserCode(tx, invitation.tenant_uid, invitation.user_code))) {
            member.user_code = invitation.user_code;
          }
          await insertMember(tx, member).catch(userCodeConflict);
          // Stores deleted since the invitation was made are dropped.
          const existing = await findExistingStoreUids(tx, invitation.tenant_uid, storeUids);
          acceptedStores = storeUids.filter((uid) => existing.has(uid));
          // Every store it granted is gone: [] would mean all stores, so refuse.
          if (storeUids.length > 0 && acceptedStores.length === 0) {
            throw new AppError('unknown_store', 'The stores this invitation gives access to no longer exist; ask for a new invitation');
          }
          await setMemberStores(tx, invitation.tenant_uid, member.uid, acceptedStores);
          await setDefaultTenantIfNone(tx, user.uid, invitation.tenant_uid, now.toISOString());
          await this.audit.record(tx, { ...entry, details: { role: invitation.role, memberUid: member.uid } });
          return this.sessions.issue(tx, { tenantUid: invitation.tenant_uid, memberUid: member.uid, userUid: user.uid });
        });
        return { ...toTenantAccount({ ...member, tenant_name: invitation.tenant_name }, acceptedStores), ...issued };
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('already_member');
        throw error;
      }
    });
  }

  /** Sends the invitation e-mail when there is an address; never throws. */
  private async deliver(row: InvitationWithTenant, token: string): Promise<IssuedInvitation> {
    const now = this.clock.now();
    const inviteUrl = `${this.config.invitations.acceptUrl}?token=${encodeURIComponent(token)}`;
    const issued = { invitation: toInvitation(row, now), inviteToken: token, inviteUrl };
    if (row.email === null) return { ...issued, delivery: null };
    const message = invitationMail(row.language_code, {
      to: row.email,
      tenantName: row.tenant_name,
      inviterName: row.invited_by_display_name,
      role: row.role,
      acceptUrl: inviteUrl,
      expiresAt: row.expires_at,
    });
    try {
      const outcome = await this.mailer.send(message);
      return { ...issued, delivery: { status: outcome.status, detail: outcome.status === 'written' ? outcome.file : null } };
    } catch {
      // The mailer logged why; the client learns only that resend will work.
      return { ...issued, delivery: { status: 'failed', detail: 'The e-mail could not be sent; the invitation stands and can be resent' } };
    }
  }

  private async findByToken(inviteToken: string): Promise<InvitationWithTenant> {
    const row = tokenKind(inviteToken) === 'invite' ? await findInvitationByTokenHash(this.db, hashToken(inviteToken)) : undefined;
    if (!row) throw new AppError('not_found', 'No invitation has this token');
    return row;
  }

  private requireAdmin(grant: AccessGrant): void {
    if (!atLeast(grant.role, 'admin')) throw new AppError('forbidden', 'Only admins and owners manage invitations');
  }
}
