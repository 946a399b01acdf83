import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { AuditService } from '../audit/audit-service.js';
import type { AuthCaller, AuthIdentity } from '../crypto/auth-tokens.js';
import type { PasswordHasher } from '../crypto/passwords.js';
import { newUid } from '../crypto/tokens.js';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/dialect.js';
import type { UserRow } from '../db/tables.js';
import type { DeviceGrant, DevicesService } from '../devices/devices-service.js';
import { AppError } from '../errors.js';
import { tooManyAttempts, type FailureWindows } from '../limits/failure-windows.js';
import type { TenantAccountWithToken } from '../members/members-schemas.js';
import { toTenantAccount } from '../members/members-service.js';
import { findMemberByUser, findMemberByUserCode, findMemberStoreUids } from '../members/members-store.js';
import type { AccessGrant, SessionsService } from '../sessions/sessions-service.js';
import type { Account, DeviceLoginInput } from './accounts-schemas.js';
import {
  clearLoginThrottle,
  findAccount,
  findUserByIdentity,
  insertIdentity,
  insertUser,
  releaseLoginAttempt,
  reserveLoginAttempt,
  setDefaultTenant,
} from './accounts-store.js';

/** A claim as text a person can read: control characters dropped, at most 200 characters. */
function printable(value: string | null): string | null {
  const cleaned = value?.replace(/[\u0000-\u001F\u007F]/g, '').slice(0, 200);
  return cleaned ? cleaned : null;
}

export class AccountsService {
  constructor(
    private readonly db: Db,
    private readonly config: Pick<Config, 'login'>,
    private readonly clock: Clock,
    private readonly sessions: SessionsService,
    private readonly devices: DevicesService,
    private readonly audit: AuditService,
    private readonly passwords: PasswordHasher,
    private readonly failures: FailureWindows,
  ) {}

  /**
   * The user behind an authToken's identity (issuer + subject). The first time an
   * identity is seen its user is created from the `email` and `name` claims.
   */
  async resolveUser(identity: AuthIdentity): Promise<UserRow> {
    const existing = await findUserByIdentity(this.db, identity.issuer, identity.subject);
    if (existing) return existing;
    const now = this.clock.now().toISOString();
    const user: UserRow = {
      uid: newUid(),
      email: printable(identity.email)?.toLowerCase() ?? null,
      display_name: printable(identity.name),
      default_tenant_uid: null,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.db.transaction().execute(async (tx) => {
        await insertUser(tx, user);
        await insertIdentity(tx, { issuer: identity.issuer, subject: identity.subject, user_uid: user.uid, email: user.email, created_at: now });
      });
      return user;
    } catch (error) {
      // A concurrent first request for the same identity created it first.
      if (!isUniqueViolation(error)) throw error;
      const winner = await findUserByIdentity(this.db, identity.issuer, identity.subject);
      if (!winner) throw error;
      return winner;
    }
  }

  /** The user with their active memberships. */
  async getAccount(userUid: string): Promise<Account> {
    const account = await findAccount(this.db, userUid);
    if (!account) throw new AppError('invalid_token');
    const { user, memberships } = account;
    return {
      uid: user.uid,
      email: user.email,
      displayName: user.display_name,
      defaultTenantUid: user.default_tenant_uid,
      createdAt: user.created_at,
      tenants: memberships.map((m) => toTenantAccount(m, m.store_uids)),
    };
  }

  /** Sets the default tenant: 422 `unknown_tenant` unless the user is an active member of it. */
  async setDefaultTenant(grant: AccessGrant, tenantUid: string): Promise<Account> {
    await this.db.transaction().execute(async (tx) => {
      const member = await findMemberByUser(tx, tenantUid, grant.userUid);
      if (!member || member.status !== 'active') {
        throw new AppError('unknown_tenant', 'The user is not an active member of that tenant');
      }
      await setDefaultTenant(tx, grant.userUid, tenantUid, this.clock.now().toISOString());
    });
    return this.getAccount(grant.userUid);
  }

  /**
   * Staff login on a device. An unknown user code, a wrong password, a disabled
   * member and a member without a password all give 401 `invalid_credentials`
   * after the same argon2 work. Each attempt is counted before the password is
   * checked; the `lockoutThreshold`-th consecutive one locks the user code (429)
   * for a window that doubles with each further failure, and a success clears
   * it. A device with too many failures in a window is refused too (429). A
   * device bound to a store admits only members who may use it (403).
   */
  async deviceLogin(device: DeviceGrant, input: DeviceLoginInput): Promise<TenantAccountWithToken> {
    const { tenantUid } = device;
    const entry = {
      tenantUid,
      action: 'device.login',
      actor: { type: 'device' as const, uid: device.deviceUid },
      origin: device.origin,
      details: { userCode: input.userCode },
    };
    const deviceKey = `login:${tenantUid}/${device.deviceUid}`;
    const deviceLimit = { maxFailures: this.config.login.deviceMaxFailures, windowSeconds: this.config.login.deviceWindowSeconds };
    await this.audit.refusals({ ...entry, details: { ...entry.details, limit: 'device' } }, () =>
      this.failures.check(deviceKey, deviceLimit, 'Too many failed logins on this device'),
    );
    const now = this.clock.now();
    const reserved = await reserveLoginAttempt(this.db, tenantUid, input.userCode, now, (n) => this.lockSeconds(n));
    if ('lockedUntil' in reserved) {
      await this.audit.recordFailure({ ...entry, details: { ...entry.details, code: 'too_many_attempts' } });
      throw tooManyAttempts('Too many failed attempts', Date.parse(reserved.lockedUntil), now);
    }
    const member = await findMemberByUserCode(this.db, tenantUid, input.userCode);
    const usable = member?.status === 'active' ? member : undefined;
    let ok: boolean;
    try {
      ok = await this.passwords.verify(usable?.password_hash, input.password, tenantUid);
    } catch (error) {
      // Too busy to check: the attempt does not count against the user code.
      await releaseLoginAttempt(this.db, tenantUid, input.userCode, reserved.attempt, now.toISOString());
      throw error;
    }
    if (!ok || !usable) {
      await this.failures.count(deviceKey, deviceLimit);
      const target = member ? { type: 'member', uid: member.uid } : undefined;
      const locked = reserved.attempt >= this.config.login.lockoutThreshold;
      await this.audit.recordFailure({ ...entry, target, details: { ...entry.details, code: 'invalid_credentials', locked } });
      throw new AppError('invalid_credentials');
    }
    const target = { type: 'member', uid: usable.uid };
    const storeUids = await findMemberStoreUids(this.db, tenantUid, usable.uid);
    if (device.storeUid !== null && storeUids.length > 0 && !storeUids.includes(device.storeUid)) {
      await clearLoginThrottle(this.db, tenantUid, input.userCode);
      await this.audit.recordFailure({ ...entry, target, details: { ...entry.details, code: 'store_access_denied', storeUid: device.storeUid } });
      throw new AppError('store_access_denied', 'The user may not use the store this device is bound to');
    }
    const issued = await this.db.transaction().execute(async (tx) => {
      await clearLoginThrottle(tx, tenantUid, input.userCode);
      await this.devices.markSeen(tx, device);
      await this.audit.record(tx, { ...entry, target });
      return this.sessions.issue(tx, { tenantUid, memberUid: usable.uid, userUid: usable.user_uid, deviceUid: device.deviceUid });
    });
    return { ...toTenantAccount(usable, storeUids), ...issued };
  }

  /** The lock an n-th consecutive attempt sets: none below the threshold, then doubling. */
  private lockSeconds(attempt: number): number {
    const { lockoutThreshold, lockoutBaseSeconds, lockoutMaxSeconds } = this.config.login;
    if (attempt < lockoutThreshold) return 0;
    return Math.min(lockoutMaxSeconds, lockoutBaseSeconds * 2 ** Math.min(attempt - lockoutThreshold, 30));
  }

  /**
   * Exchanges an authToken for an access token of one tenant. 403 `not_a_member`
   * (also when the tenant does not exist), 403 `account_disabled`.
   */
  async exchangeAuthToken(caller: AuthCaller, tenantUid: string): Promise<TenantAccountWithToken> {
    const user = await this.resolveUser(caller);
    const entry = { tenantUid, action: 'account.token_exchange', actor: { type: 'user' as const, uid: user.uid }, origin: caller.origin };
    const member = await findMemberByUser(this.db, tenantUid, user.uid);
    // No event for a non-member: the tenant may not exist, and a stranger's probe
    // is not part of its trail.
    if (!member) throw new AppError('not_a_member');
    const target = { type: 'member', uid: member.uid };
    if (member.status !== 'active') {
      await this.audit.recordFailure({ ...entry, target, details: { code: 'account_disabled', issuer: caller.issuer } });
      throw new AppError('account_disabled');
    }
    const storeUids = await findMemberStoreUids(this.db, tenantUid, member.uid);
    const issued = await this.db.transaction().execute(async (tx) => {
      await this.audit.record(tx, { ...entry, target, details: { issuer: caller.issuer } });
      return this.sessions.issue(tx, { tenantUid, memberUid: member.uid, userUid: user.uid });
    });
    return { ...toTenantAccount(member, storeUids), ...issued };
  }
}
