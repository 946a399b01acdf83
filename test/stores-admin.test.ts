import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { attachDeviceWith, call, createOwner, createStaff, createStore, deviceLogin, unique, type Owner } from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

type Role = 'owner' | 'admin' | 'manager' | 'staff';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** One unbound login device per tenant, attached on first use. */
const loginDevices = new Map<string, string>();

/** An access token of the owner's tenant for a new member of `role`, obtained by device login. */
async function accessTokenOfRole(app: App, owner: Owner, role: Role): Promise<string> {
  let deviceToken = loginDevices.get(owner.tenantUid);
  if (!deviceToken) {
    deviceToken = (await attachDeviceWith(app, owner)).deviceToken;
    loginDevices.set(owner.tenantUid, deviceToken);
  }
  const member = await createStaff(app, owner, { role });
  const login = await deviceLogin(app, deviceToken, member.userCode, member.password);
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  expect(login.body.role).toBe(role);
  return login.body.accessToken;
}

async function roleTokens(app: App, owner: Owner): Promise<Record<Role, string>> {
  return {
    owner: owner.accessToken,
    admin: await accessTokenOfRole(app, owner, 'admin'),
    manager: await accessTokenOfRole(app, owner, 'manager'),
    staff: await accessTokenOfRole(app, owner, 'staff'),
  };
}

function getStore(app: App, tenantUid: string, storeUid: string, token: string) {
  return call(app, { method: 'GET', url: `/tenants/${tenantUid}/stores/${storeUid}`, token });
}

function renameStore(app: App, tenantUid: string, storeUid: string, token: string, body: unknown) {
  return call(app, { method: 'PUT', url: `/tenants/${tenantUid}/stores/${storeUid}`, token, body });
}

function deleteStore(app: App, tenantUid: string, storeUid: string, token: string) {
  return call(app, { method: 'DELETE', url: `/tenants/${tenantUid}/stores/${storeUid}`, token });
}

/** A member as the owner sees it through GET /tenants/{t}/users/{u}. */
async function member(app: App, owner: Owner, memberUid: string) {
  const response = await call(app, { method: 'GET', url: `/tenants/${owner.tenantUid}/users/${memberUid}`, token: owner.accessToken });
  expect(response.status).toBe(200);
  return response.body as { uid: string; storeUids: string[]; defaultStoreUid: string | null };
}

async function listedDevice(app: App, owner: Owner, deviceUid: string) {
  const response = await call(app, { method: 'GET', url: `/tenants/${owner.tenantUid}/devices?limit=200`, token: owner.accessToken });
  expect(response.status).toBe(200);
  return (response.body.items as { uid: string; storeUid: string | null; status: string }[]).find((d) => d.uid === deviceUid);
}

async function storeUidsOf(app: App, owner: Owner): Promise<string[]> {
  const response = await call(app, { method: 'GET', url: `/tenants/${owner.tenantUid}/stores?limit=200`, token: owner.accessToken });
  expect(response.status).toBe(200);
  return response.body.items.map((s: { uid: string }) => s.uid);
}

describe('reading and renaming a store (GET, PUT /tenants/{t}/stores/{s})', () => {
  let t: TestApp;
  let owner: Owner;
  let tokens: Record<Role, string>;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
    tokens = await roleTokens(t.app, owner);
  });
  afterAll(() => t.close());

  it('shows any member, staff included, the store', async () => {
    const store = await createStore(t.app, owner, `s-${unique()}`, 'High Street');
    for (const role of ['owner', 'admin', 'manager', 'staff'] as const) {
      const response = await getStore(t.app, owner.tenantUid, store, tokens[role]);
      expect(response.status, role).toBe(200);
      expect(response.body).toEqual({ uid: store, name: 'High Street', createdAt: expect.stringMatching(ISO) });
    }
  });

  it('lets owners and admins rename a store: 200 Store, and the new name is read back', async () => {
    const store = await createStore(t.app, owner, `s-${unique()}`, 'Before');
    for (const [role, name] of [
      ['owner', 'Renamed By Owner'],
      ['admin', 'Renamed By Admin'],
    ] as const) {
      const response = await renameStore(t.app, owner.tenantUid, store, tokens[role], { name });
      expect(response.status, role).toBe(200);
      expect(response.body).toEqual({ uid: store, name, createdAt: expect.stringMatching(ISO) });
      expect((await getStore(t.app, owner.tenantUid, store, tokens.staff)).body.name).toBe(name);
    }
    const list = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/stores?limit=200`, token: owner.accessToken });
    expect(list.body.items.find((s: { uid: string }) => s.uid === store).name).toBe('Renamed By Admin');
  });

  it('refuses managers and staff a rename with 403 forbidden and keeps the name', async () => {
    const store = await createStore(t.app, owner, `s-${unique()}`, 'Keep Me');
    for (const role of ['manager', 'staff'] as const) {
      const response = await renameStore(t.app, owner.tenantUid, store, tokens[role], { name: 'Hijacked' });
      expect(response.status, role).toBe(403);
      expect(response.body.code).toBe('forbidden');
    }
    expect((await getStore(t.app, owner.tenantUid, store, owner.accessToken)).body.name).toBe('Keep Me');
  });

  it('answers 404 not_found for an unknown store and for another tenant’s store', async () => {
    const other = await createOwner(t.app);
    const foreign = await createStore(t.app, other, `s-${unique()}`, 'Foreign');
    for (const storeUid of ['no-such-store', foreign]) {
      const read = await getStore(t.app, owner.tenantUid, storeUid, owner.accessToken);
      expect(read.status, storeUid).toBe(404);
      expect(read.body.code).toBe('not_found');
      const write = await renameStore(t.app, owner.tenantUid, storeUid, owner.accessToken, { name: 'Ghost' });
      expect(write.status, storeUid).toBe(404);
      expect(write.body.code).toBe('not_found');
    }
    expect((await getStore(t.app, other.tenantUid, foreign, other.accessToken)).body.name).toBe('Foreign');
  });

  it('refuses another tenant’s access token with 403 tenant_mismatch for reading, renaming and deleting', async () => {
    const other = await createOwner(t.app);
    const store = await createStore(t.app, owner, `s-${unique()}`, 'Mine');
    const read = await getStore(t.app, owner.tenantUid, store, other.accessToken);
    expect(read.status).toBe(403);
    expect(read.body.code).toBe('tenant_mismatch');
    expect(read.text).not.toContain('Mine');
    const write = await renameStore(t.app, owner.tenantUid, store, other.accessToken, { name: 'Theirs' });
    expect(write.status).toBe(403);
    expect(write.body.code).toBe('tenant_mismatch');
    const remove = await deleteStore(t.app, owner.tenantUid, store, other.accessToken);
    expect(remove.status).toBe(403);
    expect(remove.body.code).toBe('tenant_mismatch');
    expect((await getStore(t.app, owner.tenantUid, store, owner.accessToken)).body.name).toBe('Mine');
  });

  it('refuses a rename with an empty name, no name or an unknown field with 400 validation_failed', async () => {
    const store = await createStore(t.app, owner, `s-${unique()}`, 'Stable');
    for (const body of [{ name: '' }, {}, { name: 'X', uid: 'other-uid' }]) {
      const response = await renameStore(t.app, owner.tenantUid, store, owner.accessToken, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
    expect((await getStore(t.app, owner.tenantUid, store, owner.accessToken)).body.name).toBe('Stable');
  });

  it('refuses a request without a token with 401', async () => {
    const store = await createStore(t.app, owner);
    const response = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/stores/${store}` });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('invalid_token');
  });
});

describe('deleting a store (DELETE /tenants/{t}/stores/{s})', () => {
  let t: TestApp;
  let owner: Owner;
  let tokens: Record<Role, string>;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
    tokens = await roleTokens(t.app, owner);
  });
  afterAll(() => t.close());

  it('answers 204 and the store is gone from reads and the list', async () => {
    const store = await createStore(t.app, owner);
    const response = await deleteStore(t.app, owner.tenantUid, store, owner.accessToken);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    const read = await getStore(t.app, owner.tenantUid, store, owner.accessToken);
    expect(read.status).toBe(404);
    expect(read.body.code).toBe('not_found');
    expect(await storeUidsOf(t.app, owner)).not.toContain(store);
  });

  it('lets an admin delete a store', async () => {
    const store = await createStore(t.app, owner);
    expect((await deleteStore(t.app, owner.tenantUid, store, tokens.admin)).status).toBe(204);
    expect((await getStore(t.app, owner.tenantUid, store, owner.accessToken)).status).toBe(404);
  });

  it('refuses managers and staff with 403 forbidden and keeps the store', async () => {
    const store = await createStore(t.app, owner);
    for (const role of ['manager', 'staff'] as const) {
      const response = await deleteStore(t.app, owner.tenantUid, store, tokens[role]);
      expect(response.status, role).toBe(403);
      expect(response.body.code).toBe('forbidden');
    }
    expect((await getStore(t.app, owner.tenantUid, store, owner.accessToken)).status).toBe(200);
  });

  it('unbinds the devices bound to it and leaves devices of other stores bound', async () => {
    const doomed = await createStore(t.app, owner);
    const kept = await createStore(t.app, owner);
    const onDoomed = await attachDeviceWith(t.app, owner, { storeUid: doomed });
    const onKept = await attachDeviceWith(t.app, owner, { storeUid: kept });
    expect((await listedDevice(t.app, owner, onDoomed.device.uid))?.storeUid).toBe(doomed);

    expect((await deleteStore(t.app, owner.tenantUid, doomed, owner.accessToken)).status).toBe(204);

    expect(await listedDevice(t.app, owner, onDoomed.device.uid)).toMatchObject({ storeUid: null, status: 'active' });
    expect((await listedDevice(t.app, owner, onKept.device.uid))?.storeUid).toBe(kept);
    // The unbound device still works, now for staff of any store.
    const staff = await createStaff(t.app, owner, { storeUids: [kept] });
    expect((await deviceLogin(t.app, onDoomed.deviceToken, staff.userCode, staff.password)).status).toBe(200);
  });

  it('unbinds pending pairing codes: a device paired with one afterwards has no store', async () => {
    const doomed = await createStore(t.app, owner);
    const created = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/device-codes`, token: owner.accessToken, body: { storeUid: doomed } });
    expect(created.status).toBe(201);
    expect((await deleteStore(t.app, owner.tenantUid, doomed, owner.accessToken)).status).toBe(204);
    const paired = await call(t.app, { method: 'POST', url: '/devices/pair', body: { code: created.body.code, name: 'Late Pairing' } });
    expect(paired.status).toBe(201);
    expect(paired.body.device.storeUid).toBeNull();
    expect((await listedDevice(t.app, owner, paired.body.device.uid))?.storeUid).toBeNull();
  });

  it('clears the default store of members whose default it was, and only theirs', async () => {
    const doomed = await createStore(t.app, owner);
    const kept = await createStore(t.app, owner);
    const defaultDoomed = await createStaff(t.app, owner, { defaultStoreUid: doomed });
    const defaultKept = await createStaff(t.app, owner, { defaultStoreUid: kept });
    expect((await member(t.app, owner, defaultDoomed.uid)).defaultStoreUid).toBe(doomed);

    expect((await deleteStore(t.app, owner.tenantUid, doomed, owner.accessToken)).status).toBe(204);

    expect((await member(t.app, owner, defaultDoomed.uid)).defaultStoreUid).toBeNull();
    expect((await member(t.app, owner, defaultKept.uid)).defaultStoreUid).toBe(kept);
  });

  it('drops the store from members’ store lists: [A, B] becomes [B]', async () => {
    const a = await createStore(t.app, owner);
    const b = await createStore(t.app, owner);
    const both = await createStaff(t.app, owner, { storeUids: [a, b], defaultStoreUid: a });
    expect((await member(t.app, owner, both.uid)).storeUids.sort()).toEqual([a, b].sort());

    expect((await deleteStore(t.app, owner.tenantUid, a, owner.accessToken)).status).toBe(204);

    const after = await member(t.app, owner, both.uid);
    expect(after.storeUids).toEqual([b]);
    expect(after.defaultStoreUid).toBeNull();
    // The member is still limited to B: a device bound to another store refuses them.
    const c = await createStore(t.app, owner);
    const onC = await attachDeviceWith(t.app, owner, { storeUid: c });
    const denied = await deviceLogin(t.app, onC.deviceToken, both.userCode, both.password);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('store_access_denied');
  });

  it('refuses with 409 conflict to delete the only store of a member, and changes nothing', async () => {
    const only = await createStore(t.app, owner, `s-${unique()}`, 'Only One');
    const other = await createStore(t.app, owner);
    const stranded = await createStaff(t.app, owner, { storeUids: [only], defaultStoreUid: only });
    const defaultOnly = await createStaff(t.app, owner, { defaultStoreUid: only });
    const bound = await attachDeviceWith(t.app, owner, { storeUid: only });

    const response = await deleteStore(t.app, owner.tenantUid, only, owner.accessToken);
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('conflict');
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);

    expect((await getStore(t.app, owner.tenantUid, only, owner.accessToken)).body).toMatchObject({ uid: only, name: 'Only One' });
    expect(await member(t.app, owner, stranded.uid)).toMatchObject({ storeUids: [only], defaultStoreUid: only });
    expect((await member(t.app, owner, defaultOnly.uid)).defaultStoreUid).toBe(only);
    expect((await listedDevice(t.app, owner, bound.device.uid))?.storeUid).toBe(only);
    // The member's access was not widened to all stores.
    const onOther = await attachDeviceWith(t.app, owner, { storeUid: other });
    expect((await deviceLogin(t.app, onOther.deviceToken, stranded.userCode, stranded.password)).status).toBe(403);
  });

  it('deletes the store once its only member has been given another store', async () => {
    const only = await createStore(t.app, owner);
    const other = await createStore(t.app, owner);
    const stranded = await createStaff(t.app, owner, { storeUids: [only] });
    expect((await deleteStore(t.app, owner.tenantUid, only, owner.accessToken)).status).toBe(409);
    const update = await call(t.app, {
      method: 'PUT',
      url: `/tenants/${owner.tenantUid}/users/${stranded.uid}`,
      token: owner.accessToken,
      body: { storeUids: [only, other] },
    });
    expect(update.status).toBe(200);
    expect((await deleteStore(t.app, owner.tenantUid, only, owner.accessToken)).status).toBe(204);
    expect((await member(t.app, owner, stranded.uid)).storeUids).toEqual([other]);
  });

  it('answers 404 not_found for an unknown store and for another tenant’s store, which is kept', async () => {
    const otherOwner = await createOwner(t.app);
    const foreign = await createStore(t.app, otherOwner);
    for (const storeUid of ['no-such-store', foreign]) {
      const response = await deleteStore(t.app, owner.tenantUid, storeUid, owner.accessToken);
      expect(response.status, storeUid).toBe(404);
      expect(response.body.code).toBe('not_found');
    }
    expect((await getStore(t.app, otherOwner.tenantUid, foreign, otherOwner.accessToken)).status).toBe(200);
  });

  it('answers 404 when the same store is deleted a second time', async () => {
    const store = await createStore(t.app, owner);
    expect((await deleteStore(t.app, owner.tenantUid, store, owner.accessToken)).status).toBe(204);
    const again = await deleteStore(t.app, owner.tenantUid, store, owner.accessToken);
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('not_found');
  });

  it('lets a store uid be used again after the store was deleted', async () => {
    const uid = `s-${unique()}`;
    await createStore(t.app, owner, uid, 'First Life');
    expect((await deleteStore(t.app, owner.tenantUid, uid, owner.accessToken)).status).toBe(204);
    expect(await createStore(t.app, owner, uid, 'Second Life')).toBe(uid);
    expect((await getStore(t.app, owner.tenantUid, uid, owner.accessToken)).body.name).toBe('Second Life');
  });
});

describe('the tenant (GET, PUT /tenants/{t})', () => {
  let t: TestApp;
  let owner: Owner;
  let tokens: Record<Role, string>;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app, { name: 'Original Name' });
    tokens = await roleTokens(t.app, owner);
  });
  afterAll(() => t.close());

  function getTenant(token: string, tenantUid = owner.tenantUid) {
    return call(t.app, { method: 'GET', url: `/tenants/${tenantUid}`, token });
  }

  function putTenant(token: string, body: unknown, tenantUid = owner.tenantUid) {
    return call(t.app, { method: 'PUT', url: `/tenants/${tenantUid}`, token, body });
  }

  async function currentName(): Promise<string> {
    return (await getTenant(owner.accessToken)).body.name;
  }

  it('shows any member, staff included, the tenant', async () => {
    const name = await currentName();
    for (const role of ['owner', 'admin', 'manager', 'staff'] as const) {
      const response = await getTenant(tokens[role]);
      expect(response.status, role).toBe(200);
      expect(response.body).toEqual({ uid: owner.tenantUid, name, createdAt: expect.stringMatching(ISO) });
    }
  });

  it('lets the owner rename the tenant, and the new name appears in the member’s TenantAccount', async () => {
    const response = await putTenant(owner.accessToken, { name: 'Renamed By Owner' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ uid: owner.tenantUid, name: 'Renamed By Owner', createdAt: expect.stringMatching(ISO) });
    expect(await currentName()).toBe('Renamed By Owner');
    const account = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token: tokens.staff });
    expect(account.status).toBe(200);
    expect(account.body.tenant).toEqual({ uid: owner.tenantUid, name: 'Renamed By Owner' });
    const me = await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    expect(me.body.tenants.find((m: { tenant: { uid: string } }) => m.tenant.uid === owner.tenantUid).tenant.name).toBe('Renamed By Owner');
  });

  it('lets an admin rename the tenant', async () => {
    const response = await putTenant(tokens.admin, { name: 'Renamed By Admin' });
    expect(response.status).toBe(200);
    expect(response.body.name).toBe('Renamed By Admin');
    const account = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token: owner.accessToken });
    expect(account.body.tenant.name).toBe('Renamed By Admin');
  });

  it('refuses managers and staff a rename with 403 forbidden and keeps the name', async () => {
    const before = await currentName();
    for (const role of ['manager', 'staff'] as const) {
      const response = await putTenant(tokens[role], { name: 'Hijacked' });
      expect(response.status, role).toBe(403);
      expect(response.body.code).toBe('forbidden');
    }
    expect(await currentName()).toBe(before);
  });

  it('refuses another tenant’s access token with 403 tenant_mismatch for reading and renaming', async () => {
    const other = await createOwner(t.app, { name: 'Other Tenant' });
    const before = await currentName();
    const read = await getTenant(other.accessToken);
    expect(read.status).toBe(403);
    expect(read.body.code).toBe('tenant_mismatch');
    const write = await putTenant(other.accessToken, { name: 'Taken Over' });
    expect(write.status).toBe(403);
    expect(write.body.code).toBe('tenant_mismatch');
    expect(await currentName()).toBe(before);
    expect((await getTenant(other.accessToken, other.tenantUid)).body.name).toBe('Other Tenant');
  });

  it('refuses an empty name, no name and an unknown field with 400 validation_failed', async () => {
    const before = await currentName();
    for (const body of [{ name: '' }, {}, { name: 'X', uid: 'new-uid' }]) {
      const response = await putTenant(owner.accessToken, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
    expect(await currentName()).toBe(before);
  });
});
