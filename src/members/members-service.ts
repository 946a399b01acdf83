import { clearDefaultTenant, clearLoginThrottle, insertUser, type MembershipJson } from '../accounts/accounts-store.js';
import type { AuditService } from '../audit/audit-service.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { assertPasswordPolicy, type PasswordHasher } from '../crypto/passwords.js';
import { newUid } from '../crypto/tokens.js';
import type { Db } from '../db/database.js';
import { isUniqueViolation, violatedConstraint } from '../db/dialect.js';
import type { MemberRow } from '../db/tables.js';
import { AppError } from '../errors.js';
import { decodeCursor, pageOf } from '../http/pagination.js';
import type { Role } from '../http/schemas.js';
import type { AccessGrant, SessionsService } from '../sessions/sessions-service.js';
import { requireStores } from '../stores/stores-service.js';
import type { CreateMemberInput, MemberListQueryType, TenantAccount, UpdateMemberInput } from './members-schemas.js';
import {
  countOtherActiveOwners,
  deleteMember,
  findMember,
  insertMember,
  listMembers,
  findMemberStoreUids,
  listMemberStoreUids,
  lockTenant,
  setMemberStores,
  updateMember,
  type MemberWithTenant,
} from './members-store.js';
import { atLeast, canManageRole } from './roles.js';

/** The public shape of a membership; never includes the password hash. */
export function toTenantAccount(row: MemberWithTenant | MembershipJson, storeUids: string[]): TenantAccount {
  return {
    uid: row.uid,
    tenant: { uid: row.tenant_uid, name: row.tenant_name },
    userUid: row.user_uid,
    role: row.role as Role,
    status: row.status as 'active' | 'disabled',
    userCode: row.user_code,
    hasPassword: 'has_password' in row ? Boolean(row.has_password) : row.password_hash !== null,
    displayName: row.display_name,
    email: row.email,
    firstname: row.firstname,
    lastname: row.lastname,
    mobile: row.mobile,
    languageCode: row.language_code,
    defaultStoreUid: row.default_store_uid,
    storeUids,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * A new membership for a person who signs in at an auth service (tenant creator,
 * invitee): profile from their user, no device-login credentials yet.
 */
export function memberFromUser(
  user: { uid: string; display_name: string | null; email: string | null },
  tenantUid: string,
  role: Role,
  now: string,
): MemberRow {
  return {
    tenant_uid: tenantUid,
    uid: newUid(),
    user_uid: user.uid,
    role,
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
    created_at: now,
    updated_at: now,
  };
}

/** Turns a unique violation on the user code into 409 `user_code_taken`. */
export function userCodeConflict(error: unknown): never {
  if (isUniqueViolation(error) && /user_code/.test(violatedConstraint(error))) {
    throw new AppError('user_code_taken');
  }
  throw error;
}

/**
 * A caller limited to some stores may give others access only to those stores,
 * never to all (`[]`): 403 `forbidden` otherwise.
 */
export async function requireAssignableStores(db: Db, grant: AccessGrant, storeUids: readonly string[]): Promise<void> {
  const own = await findMemberStoreUids(db, grant.tenantUid, grant.memberUid);
  if (own.length === 0) return;
  if (storeUids.length === 0 || storeUids.some((uid) => !own.includes(uid))) {
    throw new AppError('forbidden', `You may give access only to your own stores: ${own.join(', ')}`);
  }
}

/** The audit actor of an access grant. */
export function memberActor(grant: AccessGrant) {
  return { type: 'member' as const, uid: grant.memberUid };
}

type MemberPatch = Parameters<typeof updateMember>[3];

/** Profile fields shared by self-service and management updates, as a row patch. */
function profilePatch(changes: {
  displayName?: string | null;
  email?: string | null;
  firstname?: string | null;
  lastname?: string | null;
  mobile?: string | null;
  languageCode?: string | null;
}): MemberPatch {
  const patch: MemberPatch = {};
  if (changes.displayName !== undefined) patch.display_name = changes.displayName;
  if (changes.email !== undefined) patch.email = changes.email?.toLowerCase() ?? null;
  if (changes.firstname !== undefined) patch.firstname = changes.firstname;
  if (changes.lastname !== undefined) patch.lastname = changes.lastname;
  if (changes.mobile !== undefined) patch.mobile = changes.mobile;
  if (changes.languageCode !== undefined) patch.language_code = changes.languageCode;
  return patch;
}

/** Names of the fields a body sets, for the audit trail (never their values). */
function fieldNames(changes: object): string[] {
  return Object.keys(changes).filter((k) => (changes as Record<string, unknown>)[k] !== undefined);
}

/** Profile fields a member may change on their own account. */
export interface OwnAccountChanges {
  defaultStoreUid?: string;
  displayName?: string | null;
  email?: string | null;
  firstname?: string | null;
  lastname?: string | null;
  mobile?: string | null;
  password?: string;
  languageCode?: string | null;
}

/**
 * Tenant accounts (memberships). Role rules: staff manage only themselves (through
 * their own account); managers read everyone and manage staff; admins manage
 * everyone but owners; only owners manage owners. A tenant keeps at least one
 * active owner.
 */
export class MembersService {
  constructor(
    private readonly db: Db,
    private readonly config: Pick<Config, 'login'>,
    private readonly clock: Clock,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly passwords: PasswordHasher,
  ) {}

  /** A membership as a TenantAccount; 404 when there is none. */
  async get(tenantUid: string, memberUid: string): Promise<TenantAccount> {
    const row = await findMember(this.db, tenantUid, memberUid);
    if (!row) throw new AppError('not_found', 'No such member in this tenant');
    return toTenantAccount(row, await findMemberStoreUids(this.db, tenantUid, memberUid));
  }

  /** Managers and above read any member of their tenant. */
  async getAsManager(grant: AccessGrant, memberUid: string): Promise<TenantAccount> {
    this.requireManager(grant);
    return this.get(grant.tenantUid, memberUid);
  }

  /** A page of the tenant's members (managers and above), filtered by role, status or store. */
  async list(grant: AccessGrant, query: MemberListQueryType) {
    this.requireManager(grant);
    const limit = query.limit ?? 50;
    const after = decodeCursor(query.cursor, 1)?.[0];
    const rows = await listMembers(this.db, grant.tenantUid, { role: query.role, status: query.status, storeUid: query.storeUid }, limit, after);
    const page = pageOf(rows, limit, (m) => [m.uid]);
    const stores = await listMemberStoreUids(this.db, grant.tenantUid, page.items.map((m) => m.uid));
    return { items: page.items.map((m) => toTenantAccount(m, stores.get(m.uid) ?? [])), nextCursor: page.nextCursor };
  }

  /**
   * Creates a staff account: a fresh user with no identity and a membership.
   * 403 `forbidden` for a role the caller may not manage, 409 `user_code_taken`,
   * 422 `unknown_store`.
   */
  async create(grant: AccessGrant, input: CreateMemberInput): Promise<TenantAccount> {
    const memberUid = newUid();
    const entry = { tenantUid: grant.tenantUid, action: 'member.created', actor: memberActor(grant), origin: grant.origin, target: { type: 'member', uid: memberUid } };
    return this.audit.refusals(entry, async () => {
      this.requireManager(grant);
      if (!canManageRole(grant.role, input.role)) {
        throw new AppError('forbidden', `A ${grant.role} may not create a member with the role ${input.role}`);
      }
      const storeUids = input.storeUids ?? [];
      const defaultStoreUid = input.defaultStoreUid ?? null;
      if (defaultStoreUid !== null && storeUids.length > 0 && !storeUids.includes(defaultStoreUid)) {
        throw new AppError('unknown_store', 'The default store must be one of the member’s stores');
      }
      if (input.password !== undefined) assertPasswordPolicy(input.password, this.config.login.pinMinLength);
      // Hash before the transaction: it takes tens of milliseconds and must not hold a lock.
      const passwordHash = input.password !== undefined ? await this.passwords.hash(input.password) : null;
      const now = this.clock.now().toISOString();
      const tenantUid = grant.tenantUid;
      const userUid = newUid();
      await this.db.transaction().execute(async (tx) => {
        await requireStores(tx, tenantUid, [...storeUids, ...(defaultStoreUid ? [defaultStoreUid] : [])]);
        await requireAssignableStores(tx, grant, storeUids);
        await insertUser(tx, {
          uid: userUid,
          email: null,
          display_name: input.displayName ?? null,
          default_tenant_uid: tenantUid,
          created_at: now,
          updated_at: now,
        });
        const row: MemberRow = {
          tenant_uid: tenantUid,
          uid: memberUid,
          user_uid: userUid,
          role: input.role,
          status: input.status ?? 'active',
          user_code: input.userCode ?? null,
          password_hash: passwordHash,
          display_name: input.displayName ?? null,
          email: input.email?.toLowerCase() ?? null,
          firstname: input.firstname ?? null,
          lastname: input.lastname ?? null,
          mobile: input.mobile ?? null,
          language_code: input.languageCode ?? null,
          default_store_uid: defaultStoreUid,
          created_at: now,
          updated_at: now,
        };
        await insertMember(tx, row).catch(userCodeConflict);
        await setMemberStores(tx, tenantUid, memberUid, storeUids);
        await this.audit.record(tx, { ...entry, details: { role: input.role, fields: fieldNames(input).filter((f) => f !== 'password'), password: input.password !== undefined } });
      });
      return this.get(tenantUid, memberUid);
    });
  }

  /**
   * Changes a member: role, status, stores, user code, password, profile. The
   * caller must be allowed to manage both the member's role and the new one.
   * Disabling the member or changing their password revokes all their tokens.
   * 409 `last_owner` when the tenant would be left without an active owner.
   */
  async update(grant: AccessGrant, memberUid: string, input: UpdateMemberInput): Promise<TenantAccount> {
    const { tenantUid } = grant;
    const fields = fieldNames(input);
    const entry = { tenantUid, action: 'member.updated', actor: memberActor(grant), origin: grant.origin, target: { type: 'member', uid: memberUid }, details: { fields } };
    return this.audit.refusals(entry, async () => {
      this.requireManager(grant);
      const current = await findMember(this.db, tenantUid, memberUid);
      if (!current) throw new AppError('not_found', 'No such member in this tenant');
      this.requireCanManage(grant, current.role as Role);
      if (input.role !== undefined) this.requireCanManage(grant, input.role);
      if (typeof input.password === 'string') assertPasswordPolicy(input.password, this.config.login.pinMinLength);
      const passwordHash = typeof input.password === 'string' ? await this.passwords.hash(input.password) : input.password;

      await this.db.transaction().execute(async (tx) => {
        await lockTenant(tx, tenantUid);
        const member = await findMember(tx, tenantUid, memberUid);
        if (!member) throw new AppError('not_found', 'No such member in this tenant');
        // Checked again on the row this transaction changes: the role may have moved since.
        this.requireCanManage(grant, member.role as Role);
        const patch: MemberPatch = { ...profilePatch(input), updated_at: this.clock.now().toISOString() };
        if (input.role !== undefined) patch.role = input.role;
        if (input.status !== undefined) patch.status = input.status;
        if (input.userCode !== undefined) patch.user_code = input.userCode;
        if (passwordHash !== undefined) patch.password_hash = passwordHash;

        const wasActiveOwner = member.role === 'owner' && member.status === 'active';
        const staysActiveOwner = (patch.role ?? member.role) === 'owner' && (patch.status ?? member.status) === 'active';
        if (wasActiveOwner && !staysActiveOwner && (await countOtherActiveOwners(tx, tenantUid, memberUid)) === 0) {
          throw new AppError('last_owner');
        }

        let storeUids = await findMemberStoreUids(tx, tenantUid, memberUid);
        let storesNarrowed = false;
        if (input.storeUids !== undefined) {
          await requireStores(tx, tenantUid, input.storeUids);
          await requireAssignableStores(tx, grant, input.storeUids);
          storesNarrowed = input.storeUids.length > 0 && (storeUids.length === 0 || storeUids.some((uid) => !input.storeUids!.includes(uid)));
          storeUids = input.storeUids;
          await setMemberStores(tx, tenantUid, memberUid, storeUids);
        }
        let defaultStore = member.default_store_uid;
        if (input.defaultStoreUid !== undefined) {
          defaultStore = input.defaultStoreUid === '' ? null : input.defaultStoreUid;
          if (defaultStore !== null) await requireStores(tx, tenantUid, [defaultStore]);
        }
        if (defaultStore !== null && storeUids.length > 0 && !storeUids.includes(defaultStore)) {
          if (input.defaultStoreUid !== undefined) throw new AppError('unknown_store', `The member may not use the store ${defaultStore}`);
          defaultStore = null; // the stores changed under the old default
        }
        patch.default_store_uid = defaultStore;

        await updateMember(tx, tenantUid, memberUid, patch).catch(userCodeConflict);
        const revoke = patch.status === 'disabled' || passwordHash !== undefined;
        if (revoke) await this.sessions.revokeMemberTokens(tx, tenantUid, memberUid);
        // Sessions on tills of stores the member just lost end now, not at expiry.
        else if (storesNarrowed) await this.sessions.revokeMemberDeviceTokens(tx, tenantUid, memberUid);
        await this.audit.record(tx, { ...entry, details: { fields: fields.filter((f) => f !== 'password'), password: input.password !== undefined, tokensRevoked: revoke || storesNarrowed } });
      });
      return this.get(tenantUid, memberUid);
    });
  }

  /** Removes a member and revokes their tokens. 409 `last_owner`. */
  async remove(grant: AccessGrant, memberUid: string): Promise<void> {
    const { tenantUid } = grant;
    const entry = { tenantUid, action: 'member.removed', actor: memberActor(grant), origin: grant.origin, target: { type: 'member', uid: memberUid } };
    await this.audit.refusals(entry, async () => {
      this.requireManager(grant);
      await this.db.transaction().execute(async (tx) => {
        await lockTenant(tx, tenantUid);
        const member = await findMember(tx, tenantUid, memberUid);
        if (!member) throw new AppError('not_found', 'No such member in this tenant');
        this.requireCanManage(grant, member.role as Role);
        if (member.role === 'owner' && member.status === 'active' && (await countOtherActiveOwners(tx, tenantUid, memberUid)) === 0) {
          throw new AppError('last_owner');
        }
        // Access tokens go with the membership (foreign key cascade).
        await deleteMember(tx, tenantUid, memberUid);
        if (member.user_code !== null) await clearLoginThrottle(tx, tenantUid, member.user_code);
        await clearDefaultTenant(tx, member.user_uid, tenantUid, this.clock.now().toISOString());
        await this.audit.record(tx, { ...entry, details: { role: member.role } });
      });
    });
  }

  /** Lifts a device-login lockout of a member's user code; returns the member. */
  async unlock(grant: AccessGrant, memberUid: string): Promise<TenantAccount> {
    const { tenantUid } = grant;
    const entry = { tenantUid, action: 'member.unlocked', actor: memberActor(grant), origin: grant.origin, target: { type: 'member', uid: memberUid } };
    return this.audit.refusals(entry, async () => {
      this.requireManager(grant);
      await this.db.transaction().execute(async (tx) => {
        const member = await findMember(tx, tenantUid, memberUid);
        if (!member) throw new AppError('not_found', 'No such member in this tenant');
        this.requireCanManage(grant, member.role as Role);
        if (member.user_code !== null) await clearLoginThrottle(tx, tenantUid, member.user_code);
        await this.audit.record(tx, entry);
      });
      return this.get(tenantUid, memberUid);
    });
  }

  /**
   * A member changes their own tenant profile. `defaultStoreUid` must be a store
   * the member may use (`""` clears it): 422 `unknown_store`. A new password
   * revokes the member's other access tokens.
   */
  async updateOwn(grant: AccessGrant, changes: OwnAccountChanges): Promise<TenantAccount> {
    const { tenantUid, memberUid } = grant;
    const entry = {
      tenantUid,
      action: 'account.updated',
      actor: memberActor(grant),
      origin: grant.origin,
      target: { type: 'member', uid: memberUid },
      details: { fields: fieldNames(changes).filter((f) => f !== 'password'), password: changes.password !== undefined },
    };
    return this.audit.refusals(entry, async () => {
      if (changes.password !== undefined) assertPasswordPolicy(changes.password, this.config.login.pinMinLength);
      const passwordHash = changes.password !== undefined ? await this.passwords.hash(changes.password) : undefined;
      const patch: MemberPatch = { ...profilePatch(changes), updated_at: this.clock.now().toISOString() };
      if (passwordHash !== undefined) patch.password_hash = passwordHash;
      await this.db.transaction().execute(async (tx) => {
        if (changes.defaultStoreUid !== undefined) {
          patch.default_store_uid = changes.defaultStoreUid === '' ? null : changes.defaultStoreUid;
          if (patch.default_store_uid !== null) await this.requireUsableStore(tx, tenantUid, memberUid, patch.default_store_uid);
        }
        await updateMember(tx, tenantUid, memberUid, patch);
        if (passwordHash !== undefined) await this.sessions.revokeMemberTokens(tx, tenantUid, memberUid, grant);
        await this.audit.record(tx, entry);
      });
      return this.get(tenantUid, memberUid);
    });
  }

  private requireManager(grant: AccessGrant): void {
    if (!atLeast(grant.role, 'manager')) throw new AppError('forbidden', 'Only managers and above manage members');
  }

  private requireCanManage(grant: AccessGrant, role: Role): void {
    if (!canManageRole(grant.role, role)) throw new AppError('forbidden', `A ${grant.role} may not manage a member with the role ${role}`);
  }

  /** 422 `unknown_store` unless the store is the tenant's and the member may use it. */
  private async requireUsableStore(db: Db, tenantUid: string, memberUid: string, storeUid: string): Promise<void> {
    await requireStores(db, tenantUid, [storeUid]);
    const allowed = await findMemberStoreUids(db, tenantUid, memberUid);
    if (allowed.length > 0 && !allowed.includes(storeUid)) {
      throw new AppError('unknown_store', `The member may not use the store ${storeUid}`);
    }
  }
}
