import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import {
  accessTokenOfRole,
  attachDeviceWith,
  call,
  createOwner,
  createStaff,
  createStore,
  deviceLogin,
  type Owner,
} from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

type Role = 'owner' | 'admin' | 'manager' | 'staff';

interface Device {
  uid: string;
  name: string;
  storeUid: string | null;
  status: 'active' | 'revoked';
  createdAt: string;
  lastSeenAt: string | null;
}

const UID = /^[A-Za-z0-9-_]+$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** XXXX-XXXX from 23456789ABCDEFGHJKLMNPQRSTUVWXYZ (no 0, 1, I, O). */
const PAIRING_CODE = /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/;

/** A member of `role` (created with a user code and PIN) logged in on `deviceToken`. */
async function loginAs(app: App, owner: Owner, deviceToken: string, role: Role, fields: Record<string, unknown> = {}) {
  const member = await createStaff(app, owner, { role, ...fields });
  const login = await deviceLogin(app, deviceToken, member.userCode, member.password);
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  expect(login.body.role).toBe(role);
  return { member, accessToken: login.body.accessToken as string };
}

function listDevices(app: App, tenantUid: string, token: string, query = '') {
  return call(app, { method: 'GET', url: `/tenants/${tenantUid}/devices${query}`, token });
}

/** Every device of the tenant, as the owner sees them. */
async function allDevices(app: App, owner: Owner, query = ''): Promise<Device[]> {
  const response = await listDevices(app, owner.tenantUid, owner.accessToken, `?limit=200${query}`);
  expect(response.status).toBe(200);
  expect(response.body.nextCursor).toBeNull();
  return response.body.items;
}

async function listedDevice(app: App, owner: Owner, deviceUid: string): Promise<Device | undefined> {
  return (await allDevices(app, owner)).find((d) => d.uid === deviceUid);
}

function updateDevice(app: App, tenantUid: string, deviceUid: string, token: string, body: unknown) {
  return call(app, { method: 'PUT', url: `/tenants/${tenantUid}/devices/${deviceUid}`, token, body });
}

function revokeDevice(app: App, tenantUid: string, deviceUid: string, token: string) {
  return call(app, { method: 'DELETE', url: `/tenants/${tenantUid}/devices/${deviceUid}`, token });
}

describe('listing devices (GET /tenants/{t}/devices)', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  it('shows managers, admins and owners the tenant’s devices as Device objects', async () => {
    const store = await createStore(t.app, owner);
    const { device } = await attachDeviceWith(t.app, owner, { name: 'Counter Till', storeUid: store });
    const tokens = [owner.accessToken, await accessTokenOfRole(t.app, owner, 'admin'), await accessTokenOfRole(t.app, owner, 'manager')];
    for (const token of tokens) {
      const response = await listDevices(t.app, owner.tenantUid, token, '?limit=200');
      expect(response.status).toBe(200);
      const listed = response.body.items.find((d: Device) => d.uid === device.uid);
      expect(listed).toEqual({
        uid: device.uid,
        name: 'Counter Till',
        storeUid: store,
        status: 'active',
        createdAt: expect.stringMatching(ISO),
        lastSeenAt: null,
      });
    }
  });

  it('refuses staff with 403 forbidden', async () => {
    const staffToken = await accessTokenOfRole(t.app, owner, 'staff');
    const response = await listDevices(t.app, owner.tenantUid, staffToken);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('forbidden');
    expect(response.body).not.toHaveProperty('items');
  });

  it('refuses another tenant’s access token with 403 tenant_mismatch', async () => {
    const other = await createOwner(t.app);
    const response = await listDevices(t.app, owner.tenantUid, other.accessToken);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('tenant_mismatch');
  });

  it('lists only the tenant’s own devices', async () => {
    const first = await createOwner(t.app);
    const second = await createOwner(t.app);
    const mine = await attachDeviceWith(t.app, first);
    await attachDeviceWith(t.app, second);
    const items = await allDevices(t.app, first);
    expect(items.map((d) => d.uid)).toEqual([mine.device.uid]);
  });

  it('pages through 5 devices with limit 2 in three pages without duplicates or gaps', async () => {
    const fresh = await createOwner(t.app);
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await attachDeviceWith(t.app, fresh)).device.uid);

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
      const response = await listDevices(t.app, fresh.tenantUid, fresh.accessToken, query);
      expect(response.status).toBe(200);
      pageSizes.push(response.body.items.length);
      seen.push(...response.body.items.map((d: Device) => d.uid));
      cursor = response.body.nextCursor;
      pages++;
      if (pages > 5) throw new Error('pagination does not end');
    } while (cursor !== null);

    expect(pages).toBe(3);
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort()).toEqual([...created].sort());
  });

  it('refuses limit 0 and 201 and a cursor it did not make with 400 validation_failed', async () => {
    for (const query of ['?limit=0', '?limit=201', `?cursor=${encodeURIComponent('garbage!!')}`]) {
      const response = await listDevices(t.app, owner.tenantUid, owner.accessToken, query);
      expect(response.status, query).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
  });

  it('filters by status=active and status=revoked', async () => {
    const fresh = await createOwner(t.app);
    const kept = await attachDeviceWith(t.app, fresh);
    const alsoKept = await attachDeviceWith(t.app, fresh);
    const revoked = await attachDeviceWith(t.app, fresh);
    expect((await revokeDevice(t.app, fresh.tenantUid, revoked.device.uid, fresh.accessToken)).status).toBe(204);

    const active = await allDevices(t.app, fresh, '&status=active');
    expect(active.map((d) => d.uid).sort()).toEqual([kept.device.uid, alsoKept.device.uid].sort());
    expect(active.every((d) => d.status === 'active')).toBe(true);

    const gone = await allDevices(t.app, fresh, '&status=revoked');
    expect(gone.map((d) => d.uid)).toEqual([revoked.device.uid]);
    expect(gone[0].status).toBe('revoked');

    const everything = await allDevices(t.app, fresh);
    expect(everything).toHaveLength(3);
  });

  it('refuses an unknown status with 400 validation_failed', async () => {
    const response = await listDevices(t.app, owner.tenantUid, owner.accessToken, '?status=lost');
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
  });
});

describe('device lastSeenAt', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  it('is null before the device is used and set to the time of a device login', async () => {
    const { device, deviceToken } = await attachDeviceWith(t.app, owner);
    expect((await listedDevice(t.app, owner, device.uid))?.lastSeenAt).toBeNull();

    t.clock.advance(5);
    const loginTime = t.clock.now().toISOString();
    await loginAs(t.app, owner, deviceToken, 'staff');
    expect((await listedDevice(t.app, owner, device.uid))?.lastSeenAt).toBe(loginTime);
  });

  it('is refreshed by access token use at most once a minute, not on every request', async () => {
    const { device, deviceToken } = await attachDeviceWith(t.app, owner);
    const loginTime = t.clock.now().toISOString();
    const { accessToken } = await loginAs(t.app, owner, deviceToken, 'staff');
    expect((await listedDevice(t.app, owner, device.uid))?.lastSeenAt).toBe(loginTime);

    // Two uses within the minute leave it unchanged.
    t.clock.advance(20);
    expect((await call(t.app, { method: 'GET', url: '/account', token: accessToken })).status).toBe(200);
    t.clock.advance(20);
    expect((await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token: accessToken })).status).toBe(200);
    expect((await listedDevice(t.app, owner, device.uid))?.lastSeenAt).toBe(loginTime);

    // 61 s after the last refresh, a use of the access token issued through the device updates it.
    t.clock.advance(21);
    const refreshTime = t.clock.now().toISOString();
    expect((await call(t.app, { method: 'GET', url: '/account', token: accessToken })).status).toBe(200);
    expect((await listedDevice(t.app, owner, device.uid))?.lastSeenAt).toBe(refreshTime);

    // And again not on the next request within the minute.
    t.clock.advance(30);
    expect((await call(t.app, { method: 'GET', url: '/account', token: accessToken })).status).toBe(200);
    expect((await listedDevice(t.app, owner, device.uid))?.lastSeenAt).toBe(refreshTime);
  });

  it('is not touched by access tokens that were not issued through the device', async () => {
    const { device, deviceToken } = await attachDeviceWith(t.app, owner);
    const loginTime = t.clock.now().toISOString();
    await loginAs(t.app, owner, deviceToken, 'staff');
    t.clock.advance(61);
    // The owner's token came from POST /tenants, not from this device.
    expect((await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken })).status).toBe(200);
    expect((await listedDevice(t.app, owner, device.uid))?.lastSeenAt).toBe(loginTime);
  });
});

describe('changing a device (PUT /tenants/{t}/devices/{d})', () => {
  let t: TestApp;
  let owner: Owner;
  let loginDevice: string;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
    loginDevice = (await attachDeviceWith(t.app, owner)).deviceToken;
  });
  afterAll(() => t.close());

  it('renames a device and keeps its store binding', async () => {
    const store = await createStore(t.app, owner);
    const { device } = await attachDeviceWith(t.app, owner, { name: 'Old Name', storeUid: store });
    const response = await updateDevice(t.app, owner.tenantUid, device.uid, owner.accessToken, { name: 'Bar Till' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ...device, name: 'Bar Till' });
    expect(await listedDevice(t.app, owner, device.uid)).toMatchObject({ name: 'Bar Till', storeUid: store, status: 'active' });
  });

  it('binds a device to a store, which then admits only members who may use that store', async () => {
    const storeA = await createStore(t.app, owner);
    const storeB = await createStore(t.app, owner);
    const onlyB = await createStaff(t.app, owner, { storeUids: [storeB] });
    const { device, deviceToken } = await attachDeviceWith(t.app, owner);
    expect((await deviceLogin(t.app, deviceToken, onlyB.userCode, onlyB.password)).status).toBe(200);

    const response = await updateDevice(t.app, owner.tenantUid, device.uid, owner.accessToken, { storeUid: storeA });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ uid: device.uid, name: device.name, storeUid: storeA });
    expect((await listedDevice(t.app, owner, device.uid))?.storeUid).toBe(storeA);

    const denied = await deviceLogin(t.app, deviceToken, onlyB.userCode, onlyB.password);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('store_access_denied');
  });

  it('unbinds a device with storeUid null', async () => {
    const storeA = await createStore(t.app, owner);
    const storeB = await createStore(t.app, owner);
    const onlyB = await createStaff(t.app, owner, { storeUids: [storeB] });
    const { device, deviceToken } = await attachDeviceWith(t.app, owner, { storeUid: storeA });
    expect((await deviceLogin(t.app, deviceToken, onlyB.userCode, onlyB.password)).status).toBe(403);

    const response = await updateDevice(t.app, owner.tenantUid, device.uid, owner.accessToken, { storeUid: null });
    expect(response.status).toBe(200);
    expect(response.body.storeUid).toBeNull();
    expect((await listedDevice(t.app, owner, device.uid))?.storeUid).toBeNull();
    expect((await deviceLogin(t.app, deviceToken, onlyB.userCode, onlyB.password)).status).toBe(200);
  });

  it('refuses an unknown store and another tenant’s store with 422 unknown_store and keeps the binding', async () => {
    const store = await createStore(t.app, owner);
    const other = await createOwner(t.app);
    const foreign = await createStore(t.app, other);
    const { device } = await attachDeviceWith(t.app, owner, { storeUid: store });
    for (const storeUid of ['no-such-store', foreign]) {
      const response = await updateDevice(t.app, owner.tenantUid, device.uid, owner.accessToken, { storeUid, name: 'Renamed' });
      expect(response.status, storeUid).toBe(422);
      expect(response.body.code).toBe('unknown_store');
    }
    expect(await listedDevice(t.app, owner, device.uid)).toMatchObject({ name: device.name, storeUid: store });
  });

  it('lets an admin change a device', async () => {
    const adminToken = (await loginAs(t.app, owner, loginDevice, 'admin')).accessToken;
    const { device } = await attachDeviceWith(t.app, owner);
    const response = await updateDevice(t.app, owner.tenantUid, device.uid, adminToken, { name: 'Admin Named' });
    expect(response.status).toBe(200);
    expect((await listedDevice(t.app, owner, device.uid))?.name).toBe('Admin Named');
  });

  it('refuses managers and staff with 403 forbidden and leaves the device unchanged', async () => {
    const store = await createStore(t.app, owner);
    const { device } = await attachDeviceWith(t.app, owner);
    for (const role of ['manager', 'staff'] as const) {
      const token = (await loginAs(t.app, owner, loginDevice, role)).accessToken;
      const response = await updateDevice(t.app, owner.tenantUid, device.uid, token, { name: 'Hijacked', storeUid: store });
      expect(response.status, role).toBe(403);
      expect(response.body.code).toBe('forbidden');
    }
    expect(await listedDevice(t.app, owner, device.uid)).toMatchObject({ name: device.name, storeUid: null });
  });

  it('answers 404 not_found for an unknown device and for another tenant’s device', async () => {
    const other = await createOwner(t.app);
    const { device: foreign } = await attachDeviceWith(t.app, other);
    for (const deviceUid of ['no-such-device', foreign.uid]) {
      const response = await updateDevice(t.app, owner.tenantUid, deviceUid, owner.accessToken, { name: 'Ghost' });
      expect(response.status, deviceUid).toBe(404);
      expect(response.body.code).toBe('not_found');
    }
    expect((await listedDevice(t.app, other, foreign.uid))?.name).toBe(foreign.name);
  });

  it('refuses an unknown field and an empty name with 400 validation_failed', async () => {
    const { device } = await attachDeviceWith(t.app, owner);
    for (const body of [{ name: 'X', status: 'revoked' }, { name: '' }]) {
      const response = await updateDevice(t.app, owner.tenantUid, device.uid, owner.accessToken, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
    expect(await listedDevice(t.app, owner, device.uid)).toMatchObject({ name: device.name, status: 'active' });
  });
});

describe('revoking a device (DELETE /tenants/{t}/devices/{d})', () => {
  let t: TestApp;
  let owner: Owner;
  let loginDevice: string;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
    loginDevice = (await attachDeviceWith(t.app, owner)).deviceToken;
  });
  afterAll(() => t.close());

  it('answers 204 and the device token then fails POST /account with 401 invalid_token', async () => {
    const staff = await createStaff(t.app, owner);
    const { device, deviceToken } = await attachDeviceWith(t.app, owner);
    expect((await deviceLogin(t.app, deviceToken, staff.userCode, staff.password)).status).toBe(200);

    const response = await revokeDevice(t.app, owner.tenantUid, device.uid, owner.accessToken);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');

    const refused = await deviceLogin(t.app, deviceToken, staff.userCode, staff.password);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('invalid_token');
    expect(refused.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(refused.text).not.toContain('acc_');
  });

  it('stops access tokens issued through the device on the next request, but not the member’s tokens from other devices', async () => {
    const staff = await createStaff(t.app, owner);
    const { device, deviceToken } = await attachDeviceWith(t.app, owner);
    const throughRevoked = await deviceLogin(t.app, deviceToken, staff.userCode, staff.password);
    const throughOther = await deviceLogin(t.app, loginDevice, staff.userCode, staff.password);
    expect(throughRevoked.status).toBe(200);
    expect(throughOther.status).toBe(200);
    expect((await call(t.app, { method: 'GET', url: '/account', token: throughRevoked.body.accessToken })).status).toBe(200);

    expect((await revokeDevice(t.app, owner.tenantUid, device.uid, owner.accessToken)).status).toBe(204);

    const stopped = await call(t.app, { method: 'GET', url: '/account', token: throughRevoked.body.accessToken });
    expect(stopped.status).toBe(401);
    expect(stopped.body.code).toBe('invalid_token');
    const stoppedInTenant = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token: throughRevoked.body.accessToken });
    expect(stoppedInTenant.status).toBe(401);

    const working = await call(t.app, { method: 'GET', url: '/account', token: throughOther.body.accessToken });
    expect(working.status).toBe(200);
    expect(working.body.tenants.map((m: { uid: string }) => m.uid)).toContain(staff.uid);
  });

  it('lists the device with status revoked', async () => {
    const { device } = await attachDeviceWith(t.app, owner);
    expect((await revokeDevice(t.app, owner.tenantUid, device.uid, owner.accessToken)).status).toBe(204);
    expect(await listedDevice(t.app, owner, device.uid)).toMatchObject({ uid: device.uid, name: device.name, status: 'revoked' });
  });

  it('answers 204 when the device is revoked a second time and it stays revoked', async () => {
    const { device, deviceToken } = await attachDeviceWith(t.app, owner);
    expect((await revokeDevice(t.app, owner.tenantUid, device.uid, owner.accessToken)).status).toBe(204);
    expect((await revokeDevice(t.app, owner.tenantUid, device.uid, owner.accessToken)).status).toBe(204);
    expect((await listedDevice(t.app, owner, device.uid))?.status).toBe('revoked');
    const staff = await createStaff(t.app, owner);
    expect((await deviceLogin(t.app, deviceToken, staff.userCode, staff.password)).status).toBe(401);
  });

  it('lets an admin revoke a device', async () => {
    const adminToken = (await loginAs(t.app, owner, loginDevice, 'admin')).accessToken;
    const { device } = await attachDeviceWith(t.app, owner);
    expect((await revokeDevice(t.app, owner.tenantUid, device.uid, adminToken)).status).toBe(204);
    expect((await listedDevice(t.app, owner, device.uid))?.status).toBe('revoked');
  });

  it('refuses managers and staff with 403 forbidden and the device keeps working', async () => {
    const { device, deviceToken } = await attachDeviceWith(t.app, owner);
    for (const role of ['manager', 'staff'] as const) {
      const token = (await loginAs(t.app, owner, loginDevice, role)).accessToken;
      const response = await revokeDevice(t.app, owner.tenantUid, device.uid, token);
      expect(response.status, role).toBe(403);
      expect(response.body.code).toBe('forbidden');
    }
    expect((await listedDevice(t.app, owner, device.uid))?.status).toBe('active');
    const staff = await createStaff(t.app, owner);
    expect((await deviceLogin(t.app, deviceToken, staff.userCode, staff.password)).status).toBe(200);
  });

  it('answers 404 not_found for an unknown device and for another tenant’s device, which keeps working', async () => {
    const other = await createOwner(t.app);
    const foreign = await attachDeviceWith(t.app, other);
    for (const deviceUid of ['no-such-device', foreign.device.uid]) {
      const response = await revokeDevice(t.app, owner.tenantUid, deviceUid, owner.accessToken);
      expect(response.status, deviceUid).toBe(404);
      expect(response.body.code).toBe('not_found');
    }
    expect((await listedDevice(t.app, other, foreign.device.uid))?.status).toBe('active');
  });

  it('refuses another tenant’s access token with 403 tenant_mismatch', async () => {
    const other = await createOwner(t.app);
    const { device } = await attachDeviceWith(t.app, owner);
    const response = await revokeDevice(t.app, owner.tenantUid, device.uid, other.accessToken);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('tenant_mismatch');
    expect((await listedDevice(t.app, owner, device.uid))?.status).toBe('active');
  });
});

describe('pairing a device with a code (POST /tenants/{t}/device-codes, POST /devices/pair)', () => {
  let t: TestApp;
  let owner: Owner;
  let loginDevice: string;
  let ipCounter = 0;

  beforeAll(async () => {
    // Pairing attempts are limited per client address: each test pairs from an address of its own.
    t = await buildTestApp({ TRUST_PROXY: '127.0.0.1' });
    owner = await createOwner(t.app);
    loginDevice = (await attachDeviceWith(t.app, owner)).deviceToken;
  });
  afterAll(() => t.close());

  const nextIp = () => `198.51.100.${++ipCounter}`;

  function createCode(token: string, body: unknown = {}, tenantUid = owner.tenantUid) {
    return call(t.app, { method: 'POST', url: `/tenants/${tenantUid}/device-codes`, token, body });
  }

  async function newCode(body: Record<string, unknown> = {}): Promise<string> {
    const response = await createCode(owner.accessToken, body);
    if (response.status !== 201) throw new Error(`pairing code failed: ${response.status} ${response.text}`);
    return response.body.code;
  }

  function pair(body: unknown, ip: string) {
    return call(t.app, { method: 'POST', url: '/devices/pair', body, headers: { 'x-forwarded-for': ip } });
  }

  it('gives an admin a 201 XXXX-XXXX code of the unambiguous alphabet that expires in 10 minutes', async () => {
    const adminToken = (await loginAs(t.app, owner, loginDevice, 'admin')).accessToken;
    const codes = new Set<string>();
    for (const token of [owner.accessToken, adminToken]) {
      const response = await createCode(token);
      expect(response.status).toBe(201);
      expect(response.body).toEqual({ code: expect.stringMatching(PAIRING_CODE), expiresAt: expect.stringMatching(ISO) });
      const ahead = Date.parse(response.body.expiresAt) - t.clock.now().getTime();
      expect(ahead).toBeGreaterThanOrEqual(599_000);
      expect(ahead).toBeLessThanOrEqual(601_000);
      codes.add(response.body.code);
    }
    expect(codes.size).toBe(2);
  });

  it('refuses managers and staff a code with 403 forbidden', async () => {
    for (const role of ['manager', 'staff'] as const) {
      const token = (await loginAs(t.app, owner, loginDevice, role)).accessToken;
      const response = await createCode(token);
      expect(response.status, role).toBe(403);
      expect(response.body.code).toBe('forbidden');
      expect(response.body).not.toHaveProperty('expiresAt');
    }
  });

  it('refuses another tenant’s access token a code with 403 tenant_mismatch', async () => {
    const other = await createOwner(t.app);
    const response = await createCode(other.accessToken);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('tenant_mismatch');
  });

  it('pairs a device without Authorization: 201 {device, deviceToken}, the device is the tenant’s and its token logs staff in', async () => {
    const code = await newCode();
    const response = await pair({ code, name: 'Paired Tablet' }, nextIp());
    expect(response.status).toBe(201);
    expect(response.body.device).toEqual({
      uid: expect.stringMatching(UID),
      name: 'Paired Tablet',
      storeUid: null,
      status: 'active',
      createdAt: expect.stringMatching(ISO),
      lastSeenAt: null,
    });
    expect(response.body.deviceToken).toMatch(/^dev_[A-Za-z0-9_-]{43,}$/);
    expect(await listedDevice(t.app, owner, response.body.device.uid)).toMatchObject({ name: 'Paired Tablet', status: 'active' });

    const staff = await createStaff(t.app, owner);
    const login = await deviceLogin(t.app, response.body.deviceToken, staff.userCode, staff.password);
    expect(login.status).toBe(200);
    expect(login.body.tenant.uid).toBe(owner.tenantUid);
  });

  it('accepts the code in lower case and without the dash', async () => {
    const ip = nextIp();
    const variants = [(c: string) => c.toLowerCase(), (c: string) => c.replace('-', ''), (c: string) => c.replace('-', '').toLowerCase()];
    for (const variant of variants) {
      const code = await newCode();
      const response = await pair({ code: variant(code), name: 'Typed Code' }, ip);
      expect(response.status, variant(code)).toBe(201);
      expect(response.body.deviceToken).toMatch(/^dev_/);
    }
  });

  it('accepts a code only once: the second use is 410 pairing_code_used', async () => {
    const ip = nextIp();
    const code = await newCode();
    expect((await pair({ code, name: 'First' }, ip)).status).toBe(201);
    const again = await pair({ code, name: 'Second' }, ip);
    expect(again.status).toBe(410);
    expect(again.body.code).toBe('pairing_code_used');
    expect(again.text).not.toContain('dev_');
    expect((await allDevices(t.app, owner)).some((d) => d.name === 'Second')).toBe(false);
  });

  it('refuses a code after its 10 minutes with 410 pairing_code_expired', async () => {
    const ip = nextIp();
    const stillGood = await newCode();
    const expired = await newCode();
    t.clock.advance(599);
    expect((await pair({ code: stillGood, name: 'Just In Time' }, ip)).status).toBe(201);
    t.clock.advance(2);
    const response = await pair({ code: expired, name: 'Too Late' }, ip);
    expect(response.status).toBe(410);
    expect(response.body.code).toBe('pairing_code_expired');
    expect((await allDevices(t.app, owner)).some((d) => d.name === 'Too Late')).toBe(false);
  });

  it('answers 404 not_found for a code nobody created', async () => {
    const response = await pair({ code: 'ZZZZ-ZZZZ', name: 'Guesser' }, nextIp());
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('not_found');
    expect(response.text).not.toContain('dev_');
  });

  it('binds the paired device to the store the code was created for', async () => {
    const storeA = await createStore(t.app, owner);
    const storeB = await createStore(t.app, owner);
    const code = await newCode({ storeUid: storeA });
    const response = await pair({ code, name: 'Store A Till' }, nextIp());
    expect(response.status).toBe(201);
    expect(response.body.device.storeUid).toBe(storeA);
    expect((await listedDevice(t.app, owner, response.body.device.uid))?.storeUid).toBe(storeA);

    const onlyB = await createStaff(t.app, owner, { storeUids: [storeB] });
    const denied = await deviceLogin(t.app, response.body.deviceToken, onlyB.userCode, onlyB.password);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('store_access_denied');
    const onlyA = await createStaff(t.app, owner, { storeUids: [storeA] });
    expect((await deviceLogin(t.app, response.body.deviceToken, onlyA.userCode, onlyA.password)).status).toBe(200);
  });

  it('refuses a code for an unknown store or another tenant’s store with 422 unknown_store', async () => {
    const other = await createOwner(t.app);
    const foreign = await createStore(t.app, other);
    for (const storeUid of ['no-such-store', foreign]) {
      const response = await createCode(owner.accessToken, { storeUid });
      expect(response.status, storeUid).toBe(422);
      expect(response.body.code).toBe('unknown_store');
      expect(response.body).not.toHaveProperty('expiresAt');
    }
  });

  it('refuses bad bodies with 400 validation_failed', async () => {
    const ip = nextIp();
    const code = await newCode();
    const bodies = [
      {},
      { code },
      { name: 'No Code' },
      { code: 'ABC', name: 'Short' },
      { code: 'A'.repeat(17), name: 'Long' },
      { code: 12345678, name: 'Number' },
      { code, name: '' },
      { code, name: 'Extra', storeUid: 'x' },
    ];
    for (const body of bodies) {
      const response = await pair(body, ip);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
    // None of them used the code.
    expect((await pair({ code, name: 'Valid' }, ip)).status).toBe(201);

    for (const body of [{ storeUid: 'has space' }, { storeUid: 'x', extra: true }]) {
      const response = await createCode(owner.accessToken, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
  });

  it('after 10 wrong codes from one client refuses it, even with a valid code, with 429 and Retry-After until the window passes', async () => {
    const blocked = nextIp();
    const bystander = nextIp();
    for (let i = 0; i < 10; i++) {
      const response = await pair({ code: `WRNG-${'23456789AB'[i]}ZZZ`, name: 'Guess' }, blocked);
      expect(response.status, `attempt ${i + 1}`).toBe(404);
    }
    const valid = await newCode();
    const refused = await pair({ code: valid, name: 'Blocked' }, blocked);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('too_many_attempts');
    expect(refused.text).not.toContain('dev_');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(600);

    // Another client is not affected, and the refused attempt did not use the code.
    expect((await pair({ code: valid, name: 'Bystander' }, bystander)).status).toBe(201);

    t.clock.advance(601);
    const fresh = await newCode();
    const afterWindow = await pair({ code: fresh, name: 'After Window' }, blocked);
    expect(afterWindow.status).toBe(201);
    expect(afterWindow.body.deviceToken).toMatch(/^dev_/);
  });
});
