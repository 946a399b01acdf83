import { randomInt } from 'node:crypto';
import type { AuditService, RequestOrigin } from '../audit/audit-service.js';
import { isoAfter, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { PasswordHasher } from '../crypto/passwords.js';
import { hashPairingCode, hashToken, mintToken, newUid } from '../crypto/tokens.js';
import type { Db } from '../db/database.js';
import type { DeviceRow } from '../db/tables.js';
import { AppError } from '../errors.js';
import type { FailureWindows } from '../limits/failure-windows.js';
import { decodeCursor, pageOf } from '../http/pagination.js';
import { memberActor } from '../members/members-service.js';
import { atLeast } from '../members/roles.js';
import type { AccessGrant, SessionsService } from '../sessions/sessions-service.js';
import { requireStores } from '../stores/stores-service.js';
import type { CreateDeviceInput, Device, DeviceListQueryType, PairDeviceInput, UpdateDeviceInput } from './devices-schemas.js';
import {
  consumePairingCode,
  findActiveDeviceByTokenHash,
  findDevice,
  findPairingCode,
  insertDevice,
  insertPairingCode,
  listDevices,
  setDeviceLastSeen,
  updateDevice,
} from './devices-store.js';

/** The device behind a device token. */
export interface DeviceGrant {
  tenantUid: string;
  deviceUid: string;
  storeUid: string | null;
  origin: RequestOrigin;
}

/** Pairing codes: no 0/O, 1/I look-alikes; 32 symbols, 8 of them: 40 bits. */
const PAIRING_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const PAIRING_LENGTH = 8;

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

/** A code as typed: upper-cased, dashes and spaces dropped. */
function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

export class DevicesService {
  constructor(
    private readonly db: Db,
    private readonly config: Pick<Config, 'devices'>,
    private readonly clock: Clock,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly failures: FailureWindows,
    private readonly passwords: PasswordHasher,
  ) {}

  /**
   * Attaches a device to the caller's tenant (admins and owners). The device token
   * is returned once; only its hash is stored. 422 `unknown_store`.
   */
  async attach(grant: AccessGrant, input: CreateDeviceInput): Promise<{ device: Device; deviceToken: string }> {
    const uid = newUid();
    const entry = { tenantUid: grant.tenantUid, action: 'device.attached', actor: memberActor(grant), origin: grant.origin, target: { type: 'device', uid } };
    return this.audit.refusals(entry, async () => {
      this.requireAdmin(grant);
      return this.db.transaction().execute(async (tx) => {
        if (input.storeUid !== undefined) await requireStores(tx, grant.tenantUid, [input.storeUid]);
        const attached = await this.insert(tx, grant.tenantUid, uid, input.name, input.storeUid ?? null);
        await this.audit.record(tx, { ...entry, details: { storeUid: input.storeUid ?? null } });
        return attached;
      });
    });
  }

  /** Managers and above list the tenant's devices. */
  async list(grant: AccessGrant, query: DeviceListQueryType) {
    if (!atLeast(grant.role, 'manager')) throw new AppError('forbidden', 'Only managers and above see devices');
    const limit = query.limit ?? 50;
    const after = decodeCursor(query.cursor, 1)?.[0];
    const page = pageOf(await listDevices(this.db, grant.tenantUid, query.status, limit, after), limit, (d) => [d.uid]);
    return { items: page.items.map(toDevice), nextCursor: page.nextCursor };
  }

  /** Renames a device or binds it to another store (`null` unbinds it). */
  async update(grant: AccessGrant, deviceUid: string, input: UpdateDeviceInput): Promise<Device> {
    const entry = {
      tenantUid: grant.tenantUid,
      action: 'device.updated',
      actor: memberActor(grant),
      origin: grant.origin,
      target: { type: 'device', uid: deviceUid },
      details: { fields: Object.keys(input) },
    };
    return this.audit.refusals(entry, async () => {
      this.requireAdmin(grant);
      return this.db.transaction().execute(async (tx) => {
        const device = await findDevice(tx, grant.tenantUid, deviceUid);
        if (!device) throw new AppError('not_found', 'No such device in this tenant');
        const patch: Parameters<typeof updateDevice>[3] = {};
        if (input.name !== undefined) patch.name = input.name;
        if (input.storeUid !== undefined) {
          if (input.storeUid !== null) await requireStores(tx, grant.tenantUid, [input.storeUid]);
          patch.store_uid = input.storeUid;
        }
        await updateDevice(tx, grant.tenantUid, deviceUid, patch);
        // Bound to another store, the till may no longer admit who is logged in on it.
        if (input.storeUid !== undefined && input.storeUid !== null && input.storeUid !== device.store_uid) {
          await this.sessions.revokeDeviceTokens(tx, grant.tenantUid, deviceUid);
        }
        await this.audit.record(tx, entry);
        return toDevice({ ...device, ...patch });
      });
    });
  }

  /** Revokes a device: its token and every access token issued through it stop working at once. */
  async revoke(grant: AccessGrant, deviceUid: string): Promise<void> {
    const entry = { tenantUid: grant.tenantUid, action: 'device.revoked', actor: memberActor(grant), origin: grant.origin, target: { type: 'device', uid: deviceUid } };
    await this.audit.refusals(entry, async () => {
      this.requireAdmin(grant);
      await this.db.transaction().execute(async (tx) => {
        const device = await findDevice(tx, grant.tenantUid, deviceUid);
        if (!device) throw new AppError('not_found', 'No such device in this tenant');
        if (device.revoked_at !== null) return;
        await updateDevice(tx, grant.tenantUid, deviceUid, { revoked_at: this.clock.now().toISOString() });
        await this.sessions.revokeDeviceTokens(tx, grant.tenantUid, deviceUid);
        await this.audit.record(tx, entry);
      });
    });
  }

  /**
   * A short single-use code (admins) that a device exchanges for its token with
   * `POST /devices/pair`, bound to a store when given. Stored hashed.
   */
  async createPairingCode(grant: AccessGrant, storeUid: string | undefined): Promise<{ code: string; expiresAt: string }> {
    const entry = { tenantUid: grant.tenantUid, action: 'device.pairing_code_created', actor: memberActor(grant), origin: grant.origin, details: { storeUid: storeUid ?? null } };
    return this.audit.refusals(entry, async () => {
      this.requireAdmin(grant);
      let code = '';
      for (let i = 0; i < PAIRING_LENGTH; i++) code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)];
      // Hashed on the bounded hasher (it is slow on purpose), before the transaction.
      const codeHash = await this.passwords.bounded(() => hashPairingCode(code), grant.tenantUid);
      const now = this.clock.now();
      const expiresAt = isoAfter(now, this.config.devices.pairingCodeTtlSeconds);
      await this.db.transaction().execute(async (tx) => {
        if (storeUid !== undefined) await requireStores(tx, grant.tenantUid, [storeUid]);
        await insertPairingCode(tx, {
          code_hash: codeHash,
          tenant_uid: grant.tenantUid,
          store_uid: storeUid ?? null,
          created_by_member_uid: grant.memberUid,
          created_at: now.toISOString(),
          expires_at: expiresAt,
          used_at: null,
        });
        await this.audit.record(tx, entry);
      });
      return { code: `${code.slice(0, 4)}-${code.slice(4)}`, expiresAt };
    });
  }

  /**
   * Pairs a device with the code's tenant and returns its token once. Guessing is
   * limited per client address: 429 after too many failures in a window; 404 for
   * an unknown code, 410 for a used or expired one.
   */
  async pair(input: PairDeviceInput, origin: RequestOrigin): Promise<{ device: Device; deviceToken: string }> {
    const now = this.clock.now();
    const clientKey = `pair:${origin.ip ?? 'unknown'}`;
    const limit = { maxFailures: this.config.devices.pairingMaxFailures, windowSeconds: this.config.devices.pairingWindowSeconds };
    await this.failures.check(clientKey, limit, 'Too many wrong pairing codes');
    const codeHash = await this.passwords.bounded(() => hashPairingCode(normalizeCode(input.code)), clientKey);
    const uid = newUid();
    const paired = await this.db.transaction().execute(async (tx) => {
      const code = await consumePairingCode(tx, codeHash, now.toISOString());
      if (!code) return undefined;
      const attached = await this.insert(tx, code.tenant_uid, uid, input.name, code.store_uid);
      await this.audit.record(tx, {
        tenantUid: code.tenant_uid,
        action: 'device.paired',
        actor: { type: 'device', uid },
        origin,
        target: { type: 'device', uid },
        details: { storeUid: attached.device.storeUid },
      });
      return attached;
    });
    if (paired) return paired;
    await this.failures.count(clientKey, limit);
    const known = await findPairingCode(this.db, codeHash);
    if (!known) throw new AppError('not_found', 'No device pairing code matches');
    if (known.used_at !== null) throw new AppError('pairing_code_used');
    throw new AppError('pairing_code_expired');
  }

  /** The grant of an active device token, or undefined. */
  async resolve(token: string, origin: RequestOrigin): Promise<DeviceGrant | undefined> {
    const row = await findActiveDeviceByTokenHash(this.db, hashToken(token));
    return row && { tenantUid: row.tenant_uid, deviceUid: row.uid, storeUid: row.store_uid, origin };
  }

  /** Records that the device was used. */
  async markSeen(tx: Db, device: DeviceGrant): Promise<void> {
    await setDeviceLastSeen(tx, device.tenantUid, device.deviceUid, this.clock.now().toISOString());
  }

  private async insert(tx: Db, tenantUid: string, uid: string, name: string, storeUid: string | null) {
    const { token, hash } = mintToken('device');
    const row: DeviceRow = {
      tenant_uid: tenantUid,
      uid,
      name,
      store_uid: storeUid,
      token_hash: hash,
      created_at: this.clock.now().toISOString(),
      last_seen_at: null,
      revoked_at: null,
    };
    await insertDevice(tx, row);
    return { device: toDevice(row), deviceToken: token };
  }

  private requireAdmin(grant: AccessGrant): void {
    if (!atLeast(grant.role, 'admin')) throw new AppError('forbidden', 'Only admins and owners manage devices');
  }
}
