import type { AccountsService } from '../accounts/accounts-service.js';
import { setDefaultTenantIfNone } from '../accounts/accounts-store.js';
import type { Clock } from '../clock.js';
import type { AuthIdentity } from '../crypto/auth-tokens.js';
import { newUid } from '../crypto/tokens.js';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/dialect.js';
import { AppError } from '../errors.js';
import type { TenantAccountWithToken } from '../members/members-schemas.js';
import { toTenantAccount } from '../members/members-service.js';
import { insertMember } from '../members/members-store.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import type { CreateTenantInput } from './tenants-schemas.js';
import { insertTenant } from './tenants-store.js';

export class TenantsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
  ) {}

  /**
   * Creates a tenant whose owner is the caller, and signs the caller in to it.
   * Becomes the caller's default tenant when they have none. 409 `conflict` when
   * the uid is taken.
   */
  async create(identity: AuthIdentity, input: CreateTenantInput): Promise<TenantAccountWithToken> {
    const user = await this.accounts.resolveUser(identity);
    const now = this.clock.now().toISOString();
    const tenantUid = input.uid ?? newUid();
    const member = {
      tenant_uid: tenantUid,
      uid: newUid(),
      user_uid: user.uid,
      role: 'owner',
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
    try {
      const issued = await this.db.transaction().execute(async (tx) => {
        await insertTenant(tx, { uid: tenantUid, name: input.name, created_at: now, updated_at: now });
        await insertMember(tx, member);
        await setDefaultTenantIfNone(tx, user.uid, tenantUid, now);
        return this.sessions.issue(tx, { tenantUid, memberUid: member.uid, userUid: user.uid });
      });
      return { ...toTenantAccount({ ...member, tenant_name: input.name }, []), ...issued };
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('conflict', `The tenant uid "${tenantUid}" is taken`);
      throw error;
    }
  }
}
