import { isoAfter, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import { hashToken, mintToken } from '../crypto/tokens.js';
import type { Db } from '../db/database.js';
import type { AuditService, RequestOrigin } from '../audit/audit-service.js';
import type { Role } from '../http/schemas.js';
import { setDeviceLastSeen } from '../devices/devices-store.js';
import {
  findActiveAccessToken,
  insertAccessToken,
  revokeAccessToken,
  revokeAccessTokens,
} from './sessions-store.js';

/** A device's lastSeenAt is refreshed at most this often, not on every request. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

/** The caller behind a valid access token. */
export interface AccessGrant {
  tokenHash: string;
  tenantUid: string;
  memberUid: string;
  userUid: string;
  deviceUid: string | null;
  role: Role;
  origin: RequestOrigin;
}

export interface IssuedAccessToken {
  accessToken: string;
  expiresAt: string;
}

/**
 * Access tokens: opaque `acc_` tokens scoped to one membership, stored as hashes,
 * checked against the database on every request so that revocation takes effect
 * at once on every node.
 */
export class SessionsService {
  constructor(
    private readonly db: Db,
    private readonly config: Pick<Config, 'accessTokenTtlSeconds'>,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  /** Mints an access token for a membership; pass the transaction it belongs to. */
  async issue(
    tx: Db,
    grant: { tenantUid: string; memberUid: string; userUid: string; deviceUid?: string | null },
  ): Promise<IssuedAccessToken> {
    const now = this.clock.now();
    const { token, hash } = mintToken('access');
    const expiresAt = isoAfter(now, this.config.accessTokenTtlSeconds);
    await insertAccessToken(tx, {
      token_hash: hash,
      tenant_uid: grant.tenantUid,
      member_uid: grant.memberUid,
      user_uid: grant.userUid,
      device_uid: grant.deviceUid ?? null,
      created_at: now.toISOString(),
      expires_at: expiresAt,
      revoked_at: null,
    });
    return { accessToken: token, expiresAt };
  }

  /** The grant of a usable access token, or undefined. */
  async resolve(token: string, origin: RequestOrigin): Promise<AccessGrant | undefined> {
    const tokenHash = hashToken(token);
    const now = this.clock.now();
    const row = await findActiveAccessToken(this.db, tokenHash, now.toISOString());
    if (!row) return undefined;
    if (row.device_uid !== null && (row.device_last_seen_at === null || now.getTime() - Date.parse(row.device_last_seen_at) > LAST_SEEN_RESOLUTION_MS)) {
      await setDeviceLastSeen(this.db, row.tenant_uid, row.device_uid, now.toISOString());
    }
    return {
      tokenHash,
      tenantUid: row.tenant_uid,
      memberUid: row.member_uid,
      userUid: row.user_uid,
      deviceUid: row.device_uid,
      role: row.role as Role,
      origin,
    };
  }

  /** Logout: the token stops working on the next request. */
  async revoke(grant: AccessGrant): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await revokeAccessToken(tx, grant.tokenHash, this.clock.now().toISOString());
      await this.audit.record(tx, {
        tenantUid: grant.tenantUid,
        action: 'account.logout',
        actor: { type: 'member', uid: grant.memberUid },
        origin: grant.origin,
        target: { type: 'member', uid: grant.memberUid },
        details: { deviceUid: grant.deviceUid },
      });
    });
  }

  /** Revokes every access token issued through a device. */
  async revokeDeviceTokens(tx: Db, tenantUid: string, deviceUid: string): Promise<void> {
    await revokeAccessTokens(tx, tenantUid, { deviceUid }, this.clock.now().toISOString());
  }

  /** Revokes the member's tokens issued through devices (their store access narrowed). */
  async revokeMemberDeviceTokens(tx: Db, tenantUid: string, memberUid: string): Promise<void> {
    await revokeAccessTokens(tx, tenantUid, { memberUid, throughDevices: true }, this.clock.now().toISOString());
  }

  /** Revokes a member's tokens, but the one in `keep`. */
  async revokeMemberTokens(tx: Db, tenantUid: string, memberUid: string, keep?: AccessGrant): Promise<void> {
    await revokeAccessTokens(tx, tenantUid, { memberUid, keepHash: keep?.tokenHash }, this.clock.now().toISOString());
  }
}
