import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { assertPasswordPolicy, hashPassword } from '../crypto/passwords.js';
import { newUid } from '../crypto/tokens.js';
import type { Db } from '../db/database.js';
import { isUniqueViolation, violatedConstraint } from '../db/dialect.js';
import type { MemberRow } from '../db/tables.js';
import { insertUser } from '../accounts/accounts-store.js';
import { AppError } from '../errors.js';
import type { Role } from '../http/schemas.js';
import type { AccessGrant, SessionsService } from '../sessions/sessions-service.js';
import { requireStores } from '../stores/stores-service.js';
import type { CreateMemberInput, TenantAccount } from './members-schemas.js';
import {
  findMember,
  insertMember,
  listMemberStoreUids,
  setMemberStores,
  updateMember,
  type MemberWithTenant,
} from './members-store.js';
import { atLeast, canManageRole } from './roles.js';

/** The public shape of a membership; never includes the password hash. */
export function toTenantAccount(row: MemberWithTenant, storeUids: string[]): TenantAccount {
  return {
    uid: row.uid,
    tenant: { uid: row.tenant_uid, name: row.tenant_name },
    userUid: row.user_uid,
    role: row.role as Role,
    status: row.status as 'active' | 'disabled',
    userCode: row.user_code,
    hasPassword: row.password_hash !== null,
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

/** Turns a unique violation on the user code into 409 `user_code_taken`. */
export function userCodeConflict(error: unknown): never {
  if (isUniqueViolation(error) && /user_code/.test(violatedConstraint(error))) {
    throw new AppError('user_code_taken');
  }
  throw error;
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

export class MembersService {
  constructor(
    private readonly db: Db,
    private readonly config: Pick<Config, 'login'>,
    private readonly clock: Clock,
    private readonly sessions: SessionsService,
  ) {}

  /** A membership as a TenantAccount; 404 when there is none. */
  async get(tenantUid: string, memberUid: string, db: Db = this.db): Promise<TenantAccount> {
    const row = await findMember(db, tenantUid, memberUid);
    if (!row) throw new AppError('not_found', 'No such member in this tenant');
    const stores = await listMemberStoreUids(db, tenantUid, [memberUid]);
    return toTenantAccount(row, stores.get(memberUid) ?? []);
  }

  /**
   * Creates a staff account: a fresh user with no identity and a membership.
   * Managers create staff only; only owners create owners. 409 `user_code_taken`,
   * 422 `unknown_store`.
   */
  async create(grant: AccessGrant, input: CreateMemberInput): Promise<TenantAccount> {
    if (!atLeast(grant.role, 'manager')) throw new AppError('forbidden', 'Only managers and above create members');
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
    const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null;
    const now = this.clock.now().toISOString();
    const tenantUid = grant.tenantUid;
    const memberUid = newUid();
    const userUid = newUid();
    await this.db.transaction().execute(async (tx) => {
      await requireStores(tx, tenantUid, [...storeUids, ...(defaultStoreUid ? [defaultStoreUid] : [])]);
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
    });
    return this.get(tenantUid, memberUid);
  }

  /**
   * A member changes their own tenant profile. `defaultStoreUid` must be a store
   * the member may use (`""` clears it): 422 `unknown_store`. A new password
   * revokes the member's other access tokens.
   */
  async updateOwn(grant: AccessGrant, changes: OwnAccountChanges): Promise<TenantAccount> {
    const { tenantUid, memberUid } = grant;
    if (changes.password !== undefined) assertPasswordPolicy(changes.password, this.config.login.pinMinLength);
    const passwordHash = changes.password !== undefined ? await hashPassword(changes.password) : undefined;
    const patch: Parameters<typeof updateMember>[3] = { updated_at: this.clock.now().toISOString() };
    if (changes.displayName !== undefined) patch.display_name = changes.displayName;
    if (changes.email !== undefined) patch.email = changes.email?.toLowerCase() ?? null;
    if (changes.firstname !== undefined) patch.firstname = changes.firstname;
    if (changes.lastname !== undefined) patch.lastname = changes.lastname;
    if (changes.mobile !== undefined) patch.mobile = changes.mobile;
    if (changes.languageCode !== undefined) patch.language_code = changes.languageCode;
    if (passwordHash !== undefined) patch.password_hash = passwordHash;
    await this.db.transaction().execute(async (tx) => {
      if (changes.defaultStoreUid !== undefined) {
        patch.default_store_uid = changes.defaultStoreUid === '' ? null : changes.defaultStoreUid;
        if (patch.default_store_uid !== null) await this.requireUsableStore(tx, tenantUid, memberUid, patch.default_store_uid);
      }
      await updateMember(tx, tenantUid, memberUid, patch);
      if (passwordHash !== undefined) await this.sessions.revokeMemberTokens(tx, tenantUid, memberUid, grant);
    });
    return this.get(tenantUid, memberUid);
  }

  /** 422 `unknown_store` unless the store is the tenant's and the member may use it. */
  private async requireUsableStore(db: Db, tenantUid: string, memberUid: string, storeUid: string): Promise<void> {
    await requireStores(db, tenantUid, [storeUid]);
    const allowed = (await listMemberStoreUids(db, tenantUid, [memberUid])).get(memberUid) ?? [];
    if (allowed.length > 0 && !allowed.includes(storeUid)) {
      throw new AppError('unknown_store', `The member may not use the store ${storeUid}`);
    }
  }
}
