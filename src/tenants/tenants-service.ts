import type { AccountsService } from '../accounts/accounts-service.js';
import type { AuditService } from '../audit/audit-service.js';
import { setDefaultTenantIfNone } from '../accounts/accounts-store.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { AuthCaller } from '../crypto/auth-tokens.js';
import { newUid } from '../crypto/tokens.js';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/dialect.js';
import { AppError } from '../errors.js';
import type { TenantAccountWithToken } from '../members/members-schemas.js';
import { memberActor, memberFromUser, toTenantAccount } from '../members/members-service.js';
import { atLeast } from '../members/roles.js';
import { insertMember } from '../members/members-store.js';
import type { AccessGrant, SessionsService } from '../sessions/sessions-service.js';
import type { CreateTenantInput, Tenant } from './tenants-schemas.js';
import { countOwnedTenants, findTenant, insertTenant, renameTenant } from './tenants-store.js';
import type { TenantRow } from '../db/tables.js';

export function toTenant(row: TenantRow): Tenant {
  return { uid: row.uid, name: row.name, createdAt: row.created_at };
}

export class TenantsService {
  constructor(
    private readonly db: Db,
    private readonly config: Pick<Config, 'tenants'>,
    private readonly clock: Clock,
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  /** Any member reads their tenant. */
  async get(grant: AccessGrant): Promise<Tenant> {
    const row = await findTenant(this.db, grant.tenantUid);
    if (!row) throw new AppError('not_found');
    return toTenant(row);
  }

  /** Admins and owners rename their tenant. */
  async rename(grant: AccessGrant, name: string): Promise<Tenant> {
    const entry = { tenantUid: grant.tenantUid, action: 'tenant.updated', actor: memberActor(grant), origin: grant.origin, target: { type: 'tenant', uid: grant.tenantUid }, details: { fields: ['name'] } };
    return this.audit.refusals(entry, async () => {
      if (!atLeast(grant.role, 'admin')) throw new AppError('forbidden', 'Only admins and owners change the tenant');
      return this.db.transaction().execute(async (tx) => {
        await renameTenant(tx, grant.tenantUid, name, this.clock.now().toISOString());
        await this.audit.record(tx, entry);
        const row = await findTenant(tx, grant.tenantUid);
        if (!row) throw new AppError('not_found');
        return toTenant(row);
      });
    });
  }

  /**
   * Creates a tenant whose owner is the caller, and signs the caller in to it.
   * Becomes the caller's default tenant when they have none. 409 `conflict` when
   * the uid is taken, or when the caller already owns `maxOwnedPerUser` tenants
   * (anyone who can sign in may create tenants; this keeps one identity from
   * creating them without end).
   */
  async create(identity: AuthCaller, input: CreateTenantInput): Promise<TenantAccountWithToken> {
    const user = await this.accounts.resolveUser(identity);
    const now = this.clock.now().toISOString();
    const tenantUid = input.uid ?? newUid();
    const member = memberFromUser(user, tenantUid, 'owner', now);
    try {
      const issued = await this.db.transaction().execute(async (tx) => {
        const { maxOwnedPerUser } = this.config.tenants;
        if ((await countOwnedTenants(tx, user.uid)) >= maxOwnedPerUser) {
          throw new AppError('conflict', `A user may own at most ${maxOwnedPerUser} tenants`);
        }
        await insertTenant(tx, { uid: tenantUid, name: input.name, created_at: now, updated_at: now });
        await insertMember(tx, member);
        await setDefaultTenantIfNone(tx, user.uid, tenantUid, now);
        await this.audit.record(tx, {
          tenantUid,
          action: 'tenant.created',
          actor: { type: 'user', uid: user.uid },
          origin: identity.origin,
          target: { type: 'tenant', uid: tenantUid },
        });
        return this.sessions.issue(tx, { tenantUid, memberUid: member.uid, userUid: user.uid });
      });
      return { ...toTenantAccount({ ...member, tenant_name: input.name }, []), ...issued };
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('conflict', `The tenant uid "${tenantUid}" is taken`);
      throw error;
    }
  }
}
