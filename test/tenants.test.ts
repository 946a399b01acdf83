import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import {
  attachDevice,
  call,
  createOwner,
  createStaff,
  createStore,
  deviceLogin,
  signUp,
  unique,
  type Owner,
  accessTokenOfRole,
} from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

const UID = /^[A-Za-z0-9-_]+$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function createTenant(app: App, authToken: string, body: unknown) {
  return call(app, { method: 'POST', url: '/tenants', token: authToken, body });
}

describe('creating a tenant (POST /tenants)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('returns 201 with the caller as owner and an access token of the new tenant', async () => {
    const user = await signUp(t.app, { name: 'Founder' });
    const uid = `t-${unique()}`;
    const response = await createTenant(t.app, user.authToken, { uid, name: 'Fresh Bakery' });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      uid: expect.stringMatching(UID),
      tenant: { uid, name: 'Fresh Bakery' },
      userUid: expect.stringMatching(UID),
      role: 'owner',
      status: 'active',
      displayName: 'Founder',
      email: user.email,
      storeUids: [],
      createdAt: expect.stringMatching(ISO),
    });
    expect(response.body.accessToken).toMatch(/^acc_[A-Za-z0-9_-]{43,}$/);
    expect(Date.parse(response.body.expiresAt)).toBeGreaterThan(Date.now());

    const me = await call(t.app, { method: 'GET', url: `/tenants/${uid}/account`, token: response.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ uid: response.body.uid, role: 'owner', tenant: { uid, name: 'Fresh Bakery' } });
  });

  it('generates a uid matching the identifier pattern when none is given', async () => {
    const user = await signUp(t.app);
    const first = await createTenant(t.app, user.authToken, { name: 'No Uid One' });
    const second = await createTenant(t.app, user.authToken, { name: 'No Uid Two' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    for (const response of [first, second]) {
      expect(response.body.tenant.uid).toMatch(UID);
      expect(response.body.tenant.uid.length).toBeLessThanOrEqual(64);
    }
    expect(first.body.tenant.uid).not.toBe(second.body.tenant.uid);
  });

  it('answers 409 conflict for a taken uid and leaves the existing tenant alone', async () => {
    const first = await signUp(t.app);
    const second = await signUp(t.app);
    const uid = `t-${unique()}`;
    const created = await createTenant(t.app, first.authToken, { uid, name: 'Original' });
    expect(created.status).toBe(201);
    const taken = await createTenant(t.app, second.authToken, { uid, name: 'Usurper' });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('conflict');
    // The second user did not become a member of the existing tenant.
    const exchange = await call(t.app, { method: 'POST', url: `/tenants/${uid}/account`, token: second.authToken });
    expect(exchange.status).toBe(403);
    expect(exchange.body.code).toBe('not_a_member');
    const me = await call(t.app, { method: 'GET', url: `/tenants/${uid}/account`, token: created.body.accessToken });
    expect(me.body.tenant.name).toBe('Original');
  });

  it('accepts a uid of exactly 64 characters', async () => {
    const user = await signUp(t.app);
    const uid = `t${unique()}`.padEnd(64, 'x');
    const response = await createTenant(t.app, user.authToken, { uid, name: 'Long Uid' });
    expect(response.status).toBe(201);
    expect(response.body.tenant.uid).toBe(uid);
  });

  it('refuses with 400 validation_failed a bad uid, a uid over 64 characters, a missing or empty name and an unknown field', async () => {
    const user = await signUp(t.app);
    const bodies = [
      { uid: 'has space', name: 'X' },
      { uid: 'slash/uid', name: 'X' },
      { uid: 'dot.uid', name: 'X' },
      { uid: 'ümlaut', name: 'X' },
      { uid: '', name: 'X' },
      { uid: 'x'.repeat(65), name: 'X' },
      { uid: `t-${unique()}` },
      { uid: `t-${unique()}`, name: '' },
      { uid: `t-${unique()}`, name: 'X', plan: 'gold' },
    ];
    for (const body of bodies) {
      const response = await createTenant(t.app, user.authToken, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('validation_failed');
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    // None of them created a tenant: the user still has no memberships.
    const afterwards = await createTenant(t.app, user.authToken, { name: 'Valid' });
    const account = await call(t.app, { method: 'GET', url: '/account', token: afterwards.body.accessToken });
    expect(account.body.tenants).toHaveLength(1);
  });

  it('refuses an access token instead of an authToken with 401 invalid_token', async () => {
    const owner = await createOwner(t.app);
    const response = await createTenant(t.app, owner.accessToken, { name: 'Sneaky' });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('invalid_token');
  });

  it('makes the first tenant the default tenant and keeps it there when a second one is created', async () => {
    const user = await signUp(t.app);
    const first = await createTenant(t.app, user.authToken, { uid: `first-${unique()}`, name: 'First' });
    expect(first.status).toBe(201);
    const afterFirst = await call(t.app, { method: 'GET', url: '/account', token: first.body.accessToken });
    expect(afterFirst.status).toBe(200);
    expect(afterFirst.body.defaultTenantUid).toBe(first.body.tenant.uid);

    const second = await createTenant(t.app, user.authToken, { uid: `second-${unique()}`, name: 'Second' });
    expect(second.status).toBe(201);
    const afterSecond = await call(t.app, { method: 'GET', url: '/account', token: second.body.accessToken });
    expect(afterSecond.body.defaultTenantUid).toBe(first.body.tenant.uid);
    expect(afterSecond.body.tenants.map((m: { tenant: { uid: string } }) => m.tenant.uid).sort()).toEqual(
      [first.body.tenant.uid, second.body.tenant.uid].sort(),
    );
    expect(afterSecond.body.tenants.every((m: { role: string }) => m.role === 'owner')).toBe(true);
  });
});

describe('creating tenants with TENANTS_MAX_OWNED=2', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp({ TENANTS_MAX_OWNED: '2' });
  });
  afterAll(() => t.close());

  it("refuses a user's third tenant with 409 conflict and creates nothing, while another user still may create one", async () => {
    const owner = await createOwner(t.app);
    const second = await call(t.app, { method: 'POST', url: '/tenants', token: owner.authToken, body: { name: 'Second shop' } });
    expect(second.status).toBe(201);

    const thirdUid = `t-${unique()}`;
    const third = await call(t.app, { method: 'POST', url: '/tenants', token: owner.authToken, body: { uid: thirdUid, name: 'Third shop' } });
    expect(third.status).toBe(409);
    expect(third.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(third.body).toMatchObject({ status: 409, code: 'conflict' });
    expect(third.body.detail).toContain('2 tenants');
    const account = await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    expect(account.body.tenants.map((m: any) => m.tenant.name).sort()).toEqual(['Second shop', 'Test Tenant']);

    // The refused uid was never taken: another user creates a tenant under it.
    expect((await createOwner(t.app, { uid: thirdUid })).tenantUid).toBe(thirdUid);
  });
});

describe('stores (POST and GET /tenants/{t}/stores)', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  function createStoreCall(tenantUid: string, token: string, body: unknown) {
    return call(t.app, { method: 'POST', url: `/tenants/${tenantUid}/stores`, token, body });
  }

  function listStores(tenantUid: string, token: string, query = '') {
    return call(t.app, { method: 'GET', url: `/tenants/${tenantUid}/stores${query}`, token });
  }

  it('lets the owner create a store: 201 Store', async () => {
    const uid = `s-${unique()}`;
    const response = await createStoreCall(owner.tenantUid, owner.accessToken, { uid, name: 'Main Street' });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ uid, name: 'Main Street', createdAt: expect.stringMatching(ISO) });
  });

  it('generates a store uid when none is given', async () => {
    const response = await createStoreCall(owner.tenantUid, owner.accessToken, { name: 'Unnamed' });
    expect(response.status).toBe(201);
    expect(response.body.uid).toMatch(UID);
  });

  it('lets an admin create a store', async () => {
    const adminToken = await accessTokenOfRole(t.app, owner, 'admin');
    const response = await createStoreCall(owner.tenantUid, adminToken, { uid: `s-${unique()}`, name: 'By Admin' });
    expect(response.status).toBe(201);
  });

  it('refuses staff and managers with 403 forbidden and creates nothing', async () => {
    for (const role of ['staff', 'manager'] as const) {
      const token = await accessTokenOfRole(t.app, owner, role);
      const uid = `s-${unique()}`;
      const response = await createStoreCall(owner.tenantUid, token, { uid, name: 'Not Allowed' });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('forbidden');
      // The uid is still free.
      expect((await createStoreCall(owner.tenantUid, owner.accessToken, { uid, name: 'Allowed' })).status).toBe(201);
    }
  });

  it('answers 409 conflict for a store uid taken in the same tenant, but allows it in another tenant', async () => {
    const uid = `s-${unique()}`;
    expect((await createStoreCall(owner.tenantUid, owner.accessToken, { uid, name: 'One' })).status).toBe(201);
    const duplicate = await createStoreCall(owner.tenantUid, owner.accessToken, { uid, name: 'Two' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe('conflict');

    const other = await createOwner(t.app);
    const elsewhere = await createStoreCall(other.tenantUid, other.accessToken, { uid, name: 'Elsewhere' });
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.body.uid).toBe(uid);
  });

  it('refuses a store body with an unknown field or a bad uid with 400', async () => {
    for (const body of [{ name: 'X', city: 'Berlin' }, { uid: 'bad uid', name: 'X' }, { uid: `s-${unique()}` }]) {
      const response = await createStoreCall(owner.tenantUid, owner.accessToken, body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
  });

  it('lists the stores to any member, staff included', async () => {
    const fresh = await createOwner(t.app);
    const a = await createStore(t.app, fresh, `a-${unique()}`, 'Store A');
    const b = await createStore(t.app, fresh, `b-${unique()}`, 'Store B');
    const staffToken = await accessTokenOfRole(t.app, fresh, 'staff');
    const response = await listStores(fresh.tenantUid, staffToken);
    expect(response.status).toBe(200);
    expect(response.body.nextCursor).toBeNull();
    expect(response.body.items.map((s: { uid: string }) => s.uid).sort()).toEqual([a, b].sort());
    expect(response.body.items.find((s: { uid: string }) => s.uid === a)).toEqual({ uid: a, name: 'Store A', createdAt: expect.stringMatching(ISO) });
  });

  it('lists only the tenant’s own stores', async () => {
    const first = await createOwner(t.app);
    const second = await createOwner(t.app);
    const mine = await createStore(t.app, first);
    await createStore(t.app, second);
    const response = await listStores(first.tenantUid, first.accessToken);
    expect(response.body.items.map((s: { uid: string }) => s.uid)).toEqual([mine]);
  });

  it('pages through 5 stores with limit 2 in three pages without duplicates or gaps', async () => {
    const fresh = await createOwner(t.app);
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push(await createStore(t.app, fresh, `p${i}-${unique()}`, `Store ${i}`));

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
      const response = await listStores(fresh.tenantUid, fresh.accessToken, query);
      expect(response.status).toBe(200);
      pageSizes.push(response.body.items.length);
      seen.push(...response.body.items.map((s: { uid: string }) => s.uid));
      cursor = response.body.nextCursor;
      pages++;
      if (pages > 5) throw new Error('pagination does not end');
    } while (cursor !== null);

    expect(pages).toBe(3);
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort()).toEqual([...created].sort());
  });

  it('uses a default page size of 50 and returns everything on one page below it', async () => {
    const fresh = await createOwner(t.app);
    for (let i = 0; i < 3; i++) await createStore(t.app, fresh);
    const response = await listStores(fresh.tenantUid, fresh.accessToken);
    expect(response.body.items).toHaveLength(3);
    expect(response.body.nextCursor).toBeNull();
  });

  it('refuses limit 0 and limit 201 with 400, and accepts limit 1 and 200', async () => {
    for (const limit of [0, 201, -1]) {
      const response = await listStores(owner.tenantUid, owner.accessToken, `?limit=${limit}`);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
    for (const limit of [1, 200]) {
      const response = await listStores(owner.tenantUid, owner.accessToken, `?limit=${limit}`);
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(limit);
    }
  });

  it('refuses a cursor it did not make with 400 validation_failed', async () => {
    for (const cursor of ['garbage!!', 'bm90LWpzb24', Buffer.from('{"uid":"x"}').toString('base64url')]) {
      const response = await listStores(owner.tenantUid, owner.accessToken, `?cursor=${encodeURIComponent(cursor)}`);
      expect(response.status, cursor).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
  });

  it('refuses another tenant’s access token with 403 tenant_mismatch, for reading and writing', async () => {
    const other = await createOwner(t.app);
    const list = await listStores(owner.tenantUid, other.accessToken);
    expect(list.status).toBe(403);
    expect(list.body.code).toBe('tenant_mismatch');
    const create = await createStoreCall(owner.tenantUid, other.accessToken, { uid: `s-${unique()}`, name: 'Intruder' });
    expect(create.status).toBe(403);
    expect(create.body.code).toBe('tenant_mismatch');
  });

  it('refuses a request without a token with 401', async () => {
    const response = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/stores` });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('invalid_token');
  });
});

describe('devices (POST /tenants/{t}/devices)', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  function attach(tenantUid: string, token: string, body: unknown) {
    return call(t.app, { method: 'POST', url: `/tenants/${tenantUid}/devices`, token, body });
  }

  it('returns 201 with the active device and a dev_ token that logs staff in', async () => {
    const store = await createStore(t.app, owner);
    const response = await attach(owner.tenantUid, owner.accessToken, { name: 'Front Till', storeUid: store });
    expect(response.status).toBe(201);
    expect(response.body.device).toEqual({
      uid: expect.stringMatching(UID),
      name: 'Front Till',
      storeUid: store,
      status: 'active',
      createdAt: expect.stringMatching(ISO),
      lastSeenAt: null,
    });
    expect(response.body.deviceToken).toMatch(/^dev_[A-Za-z0-9_-]{43,}$/);

    const staff = await createStaff(t.app, owner);
    const login = await deviceLogin(t.app, response.body.deviceToken, staff.userCode, staff.password);
    expect(login.status).toBe(200);
  });

  it('attaches a device without a store (storeUid null)', async () => {
    const response = await attach(owner.tenantUid, owner.accessToken, { name: 'Roaming Tablet' });
    expect(response.status).toBe(201);
    expect(response.body.device.storeUid).toBeNull();
  });

  it('lets an admin attach a device', async () => {
    const adminToken = await accessTokenOfRole(t.app, owner, 'admin');
    const response = await attach(owner.tenantUid, adminToken, { name: 'Admin Till' });
    expect(response.status).toBe(201);
    expect(response.body.deviceToken).toMatch(/^dev_/);
  });

  it('refuses a store of another tenant, and an unknown store, with 422 unknown_store', async () => {
    const other = await createOwner(t.app);
    const foreignStore = await createStore(t.app, other);
    for (const storeUid of [foreignStore, 'no-such-store']) {
      const response = await attach(owner.tenantUid, owner.accessToken, { name: 'Till', storeUid });
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('unknown_store');
    }
  });

  it('refuses staff and managers with 403 forbidden', async () => {
    for (const role of ['staff', 'manager'] as const) {
      const token = await accessTokenOfRole(t.app, owner, role);
      const response = await attach(owner.tenantUid, token, { name: 'Not Allowed' });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('forbidden');
      expect(response.text).not.toContain('dev_');
    }
  });

  it('refuses another tenant’s access token with 403 tenant_mismatch', async () => {
    const other = await createOwner(t.app);
    const response = await attach(owner.tenantUid, other.accessToken, { name: 'Intruder' });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('tenant_mismatch');
  });
});

describe('members (POST /tenants/{t}/users)', () => {
  let t: TestApp;
  let owner: Owner;
  let tokens: Record<'admin' | 'manager' | 'staff', string>;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app, { name: 'Team Tenant' });
    tokens = {
      admin: await accessTokenOfRole(t.app, owner, 'admin'),
      manager: await accessTokenOfRole(t.app, owner, 'manager'),
      staff: await accessTokenOfRole(t.app, owner, 'staff'),
    };
  });
  afterAll(() => t.close());

  function createMember(tenantUid: string, token: string, body: Record<string, unknown>) {
    return call(t.app, { method: 'POST', url: `/tenants/${tenantUid}/users`, token, body });
  }

  it('returns 201 TenantAccount with hasPassword true and never the password', async () => {
    const userCode = `c${unique()}`;
    const password = 'secret-pin-739';
    const response = await createMember(owner.tenantUid, owner.accessToken, {
      role: 'staff',
      userCode,
      password,
      displayName: 'Kim',
      firstname: 'Kim',
      languageCode: 'de',
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      uid: expect.stringMatching(UID),
      tenant: { uid: owner.tenantUid, name: 'Team Tenant' },
      userUid: expect.stringMatching(UID),
      role: 'staff',
      status: 'active',
      userCode,
      hasPassword: true,
      displayName: 'Kim',
      firstname: 'Kim',
      languageCode: 'de',
      storeUids: [],
    });
    expect(response.body).not.toHaveProperty('password');
    expect(response.body).not.toHaveProperty('passwordHash');
    expect(response.body).not.toHaveProperty('accessToken');
    expect(response.text).not.toContain(password);
    expect(response.text).not.toContain('$argon2');
  });

  it('reports hasPassword false for a member created without a password', async () => {
    const response = await createMember(owner.tenantUid, owner.accessToken, { role: 'staff', displayName: 'No PIN' });
    expect(response.status).toBe(201);
    expect(response.body.hasPassword).toBe(false);
    expect(response.body.userCode).toBeNull();
  });

  it('answers 409 user_code_taken for a user code already used in the tenant', async () => {
    const userCode = `dup${unique()}`;
    expect((await createMember(owner.tenantUid, owner.accessToken, { role: 'staff', userCode, password: '482913' })).status).toBe(201);
    const duplicate = await createMember(owner.tenantUid, owner.accessToken, { role: 'staff', userCode, password: '591736' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe('user_code_taken');
  });

  it('allows the same user code in another tenant', async () => {
    const userCode = `shared${unique()}`;
    const other = await createOwner(t.app);
    expect((await createMember(owner.tenantUid, owner.accessToken, { role: 'staff', userCode, password: '482913' })).status).toBe(201);
    const elsewhere = await createMember(other.tenantUid, other.accessToken, { role: 'staff', userCode, password: '591736' });
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.body.userCode).toBe(userCode);
    expect(elsewhere.body.tenant.uid).toBe(other.tenantUid);
  });

  it('lets a manager create staff', async () => {
    const response = await createMember(owner.tenantUid, tokens.manager, { role: 'staff', userCode: `m${unique()}`, password: '482913' });
    expect(response.status).toBe(201);
    expect(response.body.role).toBe('staff');
  });

  it('refuses a manager creating a manager, an admin or an owner with 403 forbidden', async () => {
    for (const role of ['manager', 'admin', 'owner']) {
      const response = await createMember(owner.tenantUid, tokens.manager, { role, userCode: `m${unique()}`, password: '482913' });
      expect(response.status, role).toBe(403);
      expect(response.body.code).toBe('forbidden');
    }
  });

  it('lets an admin create admins, managers and staff', async () => {
    for (const role of ['admin', 'manager', 'staff']) {
      const response = await createMember(owner.tenantUid, tokens.admin, { role, userCode: `a${unique()}`, password: '482913' });
      expect(response.status, role).toBe(201);
      expect(response.body.role).toBe(role);
    }
  });

  it('refuses an admin creating an owner with 403 forbidden', async () => {
    const response = await createMember(owner.tenantUid, tokens.admin, { role: 'owner', userCode: `a${unique()}`, password: '482913' });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('forbidden');
  });

  it('lets an owner create an owner, who can then log in as owner', async () => {
    const userCode = `o${unique()}`;
    const response = await createMember(owner.tenantUid, owner.accessToken, { role: 'owner', userCode, password: '482913' });
    expect(response.status).toBe(201);
    expect(response.body.role).toBe('owner');
    const device = await attachDevice(t.app, owner);
    const login = await deviceLogin(t.app, device, userCode, '482913');
    expect(login.status).toBe(200);
    expect(login.body.role).toBe('owner');
  });

  it('refuses staff creating anyone, even staff, with 403 forbidden', async () => {
    for (const role of ['staff', 'manager', 'admin', 'owner']) {
      const response = await createMember(owner.tenantUid, tokens.staff, { role, userCode: `s${unique()}`, password: '482913' });
      expect(response.status, role).toBe(403);
      expect(response.body.code).toBe('forbidden');
    }
  });

  it('leaves the user code free after a forbidden attempt', async () => {
    const userCode = `free${unique()}`;
    const refused = await createMember(owner.tenantUid, tokens.staff, { role: 'staff', userCode, password: '482913' });
    expect(refused.status).toBe(403);
    const allowed = await createMember(owner.tenantUid, owner.accessToken, { role: 'staff', userCode, password: '482913' });
    expect(allowed.status).toBe(201);
  });

  it('answers 422 unknown_store for storeUids that are not stores of the tenant', async () => {
    const own = await createStore(t.app, owner);
    const other = await createOwner(t.app);
    const foreign = await createStore(t.app, other);
    for (const storeUids of [['no-such-store'], [own, foreign]]) {
      const userCode = `u${unique()}`;
      const response = await createMember(owner.tenantUid, owner.accessToken, { role: 'staff', userCode, password: '482913', storeUids });
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('unknown_store');
      // Nothing was created: the user code is still free.
      expect((await createMember(owner.tenantUid, owner.accessToken, { role: 'staff', userCode, password: '482913' })).status).toBe(201);
    }
  });

  it('keeps the store access it was given', async () => {
    const store = await createStore(t.app, owner);
    const response = await createMember(owner.tenantUid, owner.accessToken, { role: 'staff', userCode: `st${unique()}`, password: '482913', storeUids: [store] });
    expect(response.status).toBe(201);
    expect(response.body.storeUids).toEqual([store]);
  });

  it('refuses another tenant’s access token with 403 tenant_mismatch', async () => {
    const other = await createOwner(t.app);
    const response = await createMember(owner.tenantUid, other.accessToken, { role: 'staff', userCode: `x${unique()}`, password: '482913' });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('tenant_mismatch');
  });

  it('refuses a password of 5 or of 129 characters with 400 validation_failed and creates no member', async () => {
    for (const password of ['abc12', 'p'.repeat(129)]) {
      const userCode = `c${unique()}`;
      const response = await createMember(owner.tenantUid, owner.accessToken, { role: 'staff', userCode, password });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('validation_failed');
      // The user code stays free: nothing was written.
      expect((await createMember(owner.tenantUid, owner.accessToken, { role: 'staff', userCode, password: 'abc123' })).status).toBe(201);
    }
  });

  it('refuses an unknown field with 400 validation_failed', async () => {
    const response = await createMember(owner.tenantUid, owner.accessToken, { role: 'staff', userCode: `x${unique()}`, password: '482913', isAdmin: true });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
  });
});
