import type { Clock } from '../clock.js';
import { hashToken, mintToken, newUid } from '../crypto/tokens.js';
import type { Db } from '../db/database.js';
import type { DeviceRow } from '../db/tables.js';
import { AppError } from '../errors.js';
import { atLeast } from '../members/roles.js';
import type { AccessGrant } from '../sessions/sessions-service.js';
import { requireStores } from '../stores/stores-service.js';
import type { CreateDeviceInput, Device } from './devices-schemas.js';
import { findActiveDeviceByTokenHash, insertDevice, setDeviceLastSeen } from './devices-store.js';

/** The device behind a device token. */
export interface DeviceGrant {
  tenantUid: string;
  deviceUid: string;
  storeUid: string | null;
}

export function toDevice(row: DeviceRow): Device {
  return {
    uid: row.uid,
    name: row.name,
    storeUid: row.store_uid,
    status: row.revoked_at === null ? 'active' : 'revoked',
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
  };
}

export class DevicesService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /**
   * Attaches a device to the caller's tenant (admins and owners). The device token
   * is returned once; only its hash is stored. 422 `unknown_store`.
   */
  async attach(grant: AccessGrant, input: CreateDeviceInput): Promise<{ device: Device; deviceToken: string }> {
    if (!atLeast(grant.role, 'admin')) throw new AppError('forbidden', 'Only admins and owners attach devices');
    const { token, hash } = mintToken('device');
    const row: DeviceRow = {
      tenant_uid: grant.tenantUid,
      uid: newUid(),
      name: input.name,
      store_uid: input.storeUid ?? null,
      token_hash: hash,
      created_at: this.clock.now().toISOString(),
      last_seen_at: null,
      revoked_at: null,
    };
    await this.db.transaction().execute(async (tx) => {
      if (row.store_uid !== null) await requireStores(tx, grant.tenantUid, [row.store_uid]);
      await insertDevice(tx, row);
    });
    return { device: toDevice(row), deviceToken: token };
  }

  /** The grant of an active device token, or undefined. */
  async resolve(token: string): Promise<DeviceGrant | undefined> {
    const row = await findActiveDeviceByTokenHash(this.db, hashToken(token));
    return row && { tenantUid: row.tenant_uid, deviceUid: row.uid, storeUid: row.store_uid };
  }

  /** Records that the device was used (on login, not on every request). */
  async markSeen(tx: Db, device: DeviceGrant): Promise<void> {
    await setDeviceLastSeen(tx, device.tenantUid, device.deviceUid, this.clock.now().toISOString());
  }
}
