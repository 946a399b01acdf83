import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import {
  attachDevice,
  call,
  createOwner,
  createStaff,
  createStore,
  deviceLogin,
  joinByInvitation,
  unique,
  type Owner,
  type Staff,
} from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const ACCOUNT_KEYS = ['createdAt', 'defaultTenantUid', 'displayName', 'email', 'tenants', 'uid'];
const TENANT_ACCOUNT_KEYS = [
  'createdAt',
  'defaultStoreUid',
  'displayName',
  'email',
  'firstname',
  'hasPassword',
  'languageCode',
  'lastname',
  'mobile',
  'role',
  'status',
  'storeUids',
  'tenant',
  'uid',
  'updatedAt',
  'userCode',
  'userUid',
];

/** A staff member with a PIN, logged in on a device, holding an access token. */
async function loggedInStaff(app: App, owner: Owner, deviceToken: string, fields: Record<string, unknown> = {}) {
  const staff = await createStaff(app, owner, fields);
  const login = await deviceLogin(app, deviceToken, staff.userCode, staff.password);
  if (login.status !== 200) throw new Error(`device login failed: ${login.status} ${login.text}`);
  return { ...staff, accessToken: login.body.accessToken as string };
}

/** Asserts a response text carries no password, PIN or password hash. */
function expectNoSecrets(text: string, ...passwords: string[]) {
  expect(text).not.toMatch(/\$argon2/);
  expect(text).not.toMatch(/"password"|"passwordHash"|"password_hash"/);
  for (const password of passwords) expect(text).not.toContain(password);
}

describe('GET /account', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('returns the Account shape: the user, their default tenant and their tenant accounts, without tokens', async () => {
    const owner = await createOwner(t.app, { name: 'Bistro Group' });
    const response = await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(ACCOUNT_KEYS);
    expect(response.body).toMatchObject({
      uid: owner.userUid,
      email: owner.email,
      displayName: owner.name,
      defaultTenantUid: owner.tenantUid,
    });
    expect(response.body.createdAt).toMatch(ISO_UTC);
    expect(response.body.tenants).toHaveLength(1);
    const [membership] = response.body.tenants;
    expect(Object.keys(membership).sort()).toEqual(TENANT_ACCOUNT_KEYS);
    expect(membership).toMatchObject({
      uid: owner.memberUid,
      tenant: { uid: owner.tenantUid, name: 'Bistro Group' },
      userUid: owner.userUid,
      role: 'owner',
      status: 'active',
      hasPassword: false,
      storeUids: [],
    });
    expect(membership.createdAt).toMatch(ISO_UTC);
    expect(response.text).not.toContain(owner.accessToken);
  });

  it('lists both tenants of a user who is a member of two, whichever tenant the token belongs to', async () => {
    const owner = await createOwner(t.app, { name: 'Own Shop' });
    const otherOwner = await createOwner(t.app, { name: 'Friend Shop' });
    const joined = await joinByInvitation(t.app, otherOwner, owner, 'admin');
    expect(joined.userUid).toBe(owner.userUid);

    for (const token of [owner.accessToken, joined.accessToken]) {
      const response = await call(t.app, { method: 'GET', url: '/account', token });
      expect(response.status).toBe(200);
      expect(response.body.uid).toBe(owner.userUid);
      const memberships = response.body.tenants.map((m: any) => ({ uid: m.uid, tenant: m.tenant.uid, role: m.role }));
      expect(memberships).toHaveLength(2);
      expect(memberships).toEqual(
        expect.arrayContaining([
          { uid: owner.memberUid, tenant: owner.tenantUid, role: 'owner' },
          { uid: joined.uid, tenant: otherOwner.tenantUid, role: 'admin' },
        ]),
      );
    }
  });

  it("gives each tenant account its own store list, sorted, and [] where the member may use every store", async () => {
    const owner = await createOwner(t.app);
    const first = await createOwner(t.app);
    const second = await createOwner(t.app);
    const [storeZ, storeA] = [await createStore(t.app, first, `z-${unique()}`), await createStore(t.app, first, `a-${unique()}`)];
    const storeB = await createStore(t.app, second);
    t.clock.advance(1);
    const inFirst = await joinByInvitation(t.app, first, owner, 'staff');
    t.clock.advance(1);
    const inSecond = await joinByInvitation(t.app, second, owner, 'manager');
    const restrict = (o: Owner, memberUid: string, storeUids: string[]) =>
      call(t.app, { method: 'PUT', url: `/tenants/${o.tenantUid}/users/${memberUid}`, token: o.accessToken, body: { storeUids } });
    expect((await restrict(first, inFirst.uid, [storeZ, storeA])).status).toBe(200);
    expect((await restrict(second, inSecond.uid, [storeB])).status).toBe(200);
    const profile = { firstname: 'Ada', lastname: 'Lovelace', mobile: '+44 20 7946 0000', languageCode: 'en', defaultStoreUid: storeZ, password: `pw-${unique()}` };
    expect((await call(t.app, { method: 'PUT', url: `/tenants/${first.tenantUid}/account`, token: inFirst.accessToken, body: profile })).status).toBe(200);

    const response = await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    expect(response.status).toBe(200);
    const stores = Object.fromEntries(response.body.tenants.map((m: any) => [m.tenant.uid, m.storeUids]));
    expect(stores).toEqual({ [owner.tenantUid]: [], [first.tenantUid]: [storeA, storeZ], [second.tenantUid]: [storeB] });
    // Memberships are listed oldest first.
    expect(response.body.tenants.map((m: any) => m.tenant.uid)).toEqual([owner.tenantUid, first.tenantUid, second.tenantUid]);
    // Each is the very TenantAccount its tenant's own endpoint answers, field for field.
    for (const [tenantUid, token] of [[owner.tenantUid, owner.accessToken], [first.tenantUid, inFirst.accessToken], [second.tenantUid, inSecond.accessToken]]) {
      const own = await call(t.app, { method: 'GET', url: `/tenants/${tenantUid}/account`, token });
      expect(own.status).toBe(200);
      expect(response.body.tenants.find((m: any) => m.tenant.uid === tenantUid)).toEqual(own.body);
    }
  });

  it('returns names with quotes, backslashes and characters beyond ASCII exactly as they were stored', async () => {
    const name = 'Café "Zum Löwen" \\ 🍺 \u2028 <b>';
    const owner = await createOwner(t.app, { name });
    const profile = { firstname: 'Zoë', lastname: "O'Brien \"the\" \\ 3rd" };
    expect((await call(t.app, { method: 'PUT', url: `/tenants/${owner.tenantUid}/account`, token: owner.accessToken, body: profile })).status).toBe(200);
    const response = await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    expect(response.status).toBe(200);
    expect(response.body.tenants[0]).toMatchObject({ tenant: { uid: owner.tenantUid, name }, ...profile, hasPassword: false });
  });

  it('lists only active memberships: a disabled one disappears from the list', async () => {
    const owner = await createOwner(t.app);
    const otherOwner = await createOwner(t.app);
    const joined = await joinByInvitation(t.app, otherOwner, owner, 'staff');
    const before = await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    expect(before.body.tenants.map((m: any) => m.tenant.uid).sort()).toEqual([owner.tenantUid, otherOwner.tenantUid].sort());

    // The other tenant's owner disables the membership through the member API.
    const disabled = await call(t.app, {
      method: 'PUT',
      url: `/tenants/${otherOwner.tenantUid}/users/${joined.uid}`,
      token: otherOwner.accessToken,
      body: { status: 'disabled' },
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body.status).toBe('disabled');

    const after = await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    expect(after.status).toBe(200);
    expect(after.body.tenants.map((m: any) => m.tenant.uid)).toEqual([owner.tenantUid]);
    // Nor can the disabled membership become the default tenant.
    const setDefault = await call(t.app, { method: 'PUT', url: '/account', token: owner.accessToken, body: { defaultTenantUid: otherOwner.tenantUid } });
    expect(setDefault.status).toBe(422);
    expect(setDefault.body.code).toBe('unknown_tenant');
  });

  it('refuses a request without a token with 401 invalid_token', async () => {
    const response = await call(t.app, { method: 'GET', url: '/account' });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('invalid_token');
  });
});

describe('PUT /account (default tenant)', () => {
  let t: TestApp;
  let owner: Owner;
  let otherOwner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
    otherOwner = await createOwner(t.app);
    await joinByInvitation(t.app, otherOwner, owner, 'manager');
  });
  afterAll(() => t.close());

  it('sets the default tenant to another tenant the user is an active member of, and keeps it', async () => {
    const before = await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    expect(before.body.defaultTenantUid).toBe(owner.tenantUid);

    const response = await call(t.app, { method: 'PUT', url: '/account', token: owner.accessToken, body: { defaultTenantUid: otherOwner.tenantUid } });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(ACCOUNT_KEYS);
    expect(response.body).toMatchObject({ uid: owner.userUid, defaultTenantUid: otherOwner.tenantUid });
    expect(response.body.tenants).toHaveLength(2);

    const after = await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    expect(after.body.defaultTenantUid).toBe(otherOwner.tenantUid);

    const back = await call(t.app, { method: 'PUT', url: '/account', token: owner.accessToken, body: { defaultTenantUid: owner.tenantUid } });
    expect(back.status).toBe(200);
    expect(back.body.defaultTenantUid).toBe(owner.tenantUid);
  });

  it('answers 422 unknown_tenant for an existing tenant the user is not a member of, and leaves the default alone', async () => {
    const stranger = await createOwner(t.app);
    const response = await call(t.app, { method: 'PUT', url: '/account', token: owner.accessToken, body: { defaultTenantUid: stranger.tenantUid } });
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 422, code: 'unknown_tenant' });
    const after = await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    expect(after.body.defaultTenantUid).toBe(owner.tenantUid);
  });

  it('answers 422 unknown_tenant for a tenant that does not exist', async () => {
    const response = await call(t.app, { method: 'PUT', url: '/account', token: owner.accessToken, body: { defaultTenantUid: `no-such-${unique()}` } });
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('unknown_tenant');
  });

  it('answers 400 validation_failed for a uid that breaks the identifier pattern', async () => {
    for (const defaultTenantUid of ['bad uid', 'tenant/../x', 'ümlaut', '', 'x'.repeat(65)]) {
      const response = await call(t.app, { method: 'PUT', url: '/account', token: owner.accessToken, body: { defaultTenantUid } });
      expect(response.status, defaultTenantUid).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
  });

  it('answers 400 validation_failed for a missing defaultTenantUid or an unknown field', async () => {
    const missing = await call(t.app, { method: 'PUT', url: '/account', token: owner.accessToken, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('validation_failed');
    const extra = await call(t.app, {
      method: 'PUT',
      url: '/account',
      token: owner.accessToken,
      body: { defaultTenantUid: owner.tenantUid, email: 'x@example.com' },
    });
    expect(extra.status).toBe(400);
    expect(extra.body.code).toBe('validation_failed');
  });
});

describe('GET /tenants/{tenantUid}/account', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it("returns the caller's TenantAccount in the token's tenant, without a token", async () => {
    const owner = await createOwner(t.app, { name: 'Corner Cafe' });
    const response = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token: owner.accessToken });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(TENANT_ACCOUNT_KEYS);
    expect(response.body).toMatchObject({
      uid: owner.memberUid,
      tenant: { uid: owner.tenantUid, name: 'Corner Cafe' },
      userUid: owner.userUid,
      role: 'owner',
      status: 'active',
      email: owner.email,
      displayName: owner.name,
    });
    expect(response.body).not.toHaveProperty('accessToken');
    expect(response.body).not.toHaveProperty('expiresAt');
  });

  it("answers 403 tenant_mismatch for another tenant's access token, also when the user is a member of both", async () => {
    const owner = await createOwner(t.app);
    const otherOwner = await createOwner(t.app);
    const response = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token: otherOwner.accessToken });
    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 403, code: 'tenant_mismatch' });

    // A member of both tenants still needs the token of the tenant in the path.
    await joinByInvitation(t.app, otherOwner, owner, 'staff');
    const crossed = await call(t.app, { method: 'GET', url: `/tenants/${otherOwner.tenantUid}/account`, token: owner.accessToken });
    expect(crossed.status).toBe(403);
    expect(crossed.body.code).toBe('tenant_mismatch');
  });
});

describe('PUT /tenants/{tenantUid}/account', () => {
  let t: TestApp;
  let owner: Owner;
  let deviceToken: string;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
    deviceToken = await attachDevice(t.app, owner);
  });
  afterAll(() => t.close());

  const put = (tenantUid: string, token: string, body: unknown) => call(t.app, { method: 'PUT', url: `/tenants/${tenantUid}/account`, token, body });
  const get = (tenantUid: string, token: string) => call(t.app, { method: 'GET', url: `/tenants/${tenantUid}/account`, token });

  const profileChanges: [field: string, value: string][] = [
    ['displayName', 'Jo the Barista'],
    ['email', 'jo.barista@example.com'],
    ['firstname', 'Johanna'],
    ['lastname', 'Müller-Lüdenscheidt'],
    ['mobile', '+49 170 1234567'],
    ['languageCode', 'de'],
  ];

  it.each(profileChanges)('changes %s alone, keeps it, and leaves the other fields as they were', async (field, value) => {
    const staff = await loggedInStaff(t.app, owner, deviceToken, { displayName: 'Staff Member', firstname: 'Before' });
    const before = await get(owner.tenantUid, staff.accessToken);
    const response = await put(owner.tenantUid, staff.accessToken, { [field]: value });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(TENANT_ACCOUNT_KEYS);
    expect(response.body[field]).toBe(value);
    const after = await get(owner.tenantUid, staff.accessToken);
    expect(after.body[field]).toBe(value);
    for (const other of profileChanges.map(([f]) => f).filter((f) => f !== field)) {
      expect(after.body[other], other).toEqual(before.body[other]);
    }
    expect(after.body).toMatchObject({ uid: staff.uid, role: 'staff', userCode: staff.userCode, hasPassword: true });
  });

  it('clears a profile field with null', async () => {
    const staff = await loggedInStaff(t.app, owner, deviceToken, { firstname: 'Temporary' });
    const response = await put(owner.tenantUid, staff.accessToken, { firstname: null });
    expect(response.status).toBe(200);
    expect(response.body.firstname).toBeNull();
    expect((await get(owner.tenantUid, staff.accessToken)).body.firstname).toBeNull();
  });

  it('sets defaultStoreUid to a store of the tenant, and "" clears it', async () => {
    const store = await createStore(t.app, owner);
    const set = await put(owner.tenantUid, owner.accessToken, { defaultStoreUid: store });
    expect(set.status).toBe(200);
    expect(set.body.defaultStoreUid).toBe(store);
    expect((await get(owner.tenantUid, owner.accessToken)).body.defaultStoreUid).toBe(store);

    const cleared = await put(owner.tenantUid, owner.accessToken, { defaultStoreUid: '' });
    expect(cleared.status).toBe(200);
    expect(cleared.body.defaultStoreUid).toBeNull();
    expect((await get(owner.tenantUid, owner.accessToken)).body.defaultStoreUid).toBeNull();
  });

  it('answers 422 unknown_store for a store of another tenant and leaves the default store alone', async () => {
    const mine = await createStore(t.app, owner);
    expect((await put(owner.tenantUid, owner.accessToken, { defaultStoreUid: mine })).status).toBe(200);
    const otherOwner = await createOwner(t.app);
    const foreign = await createStore(t.app, otherOwner, `foreign-${unique()}`);
    const response = await put(owner.tenantUid, owner.accessToken, { defaultStoreUid: foreign });
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 422, code: 'unknown_store' });
    expect((await get(owner.tenantUid, owner.accessToken)).body.defaultStoreUid).toBe(mine);
  });

  it('answers 422 unknown_store for a store that does not exist', async () => {
    const response = await put(owner.tenantUid, owner.accessToken, { defaultStoreUid: `missing-${unique()}` });
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('unknown_store');
  });

  it('answers 422 unknown_store for a store of the tenant the member may not use', async () => {
    const storeA = await createStore(t.app, owner);
    const storeB = await createStore(t.app, owner);
    const staff = await loggedInStaff(t.app, owner, deviceToken, { storeUids: [storeA] });
    const refused = await put(owner.tenantUid, staff.accessToken, { defaultStoreUid: storeB });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('unknown_store');
    expect((await get(owner.tenantUid, staff.accessToken)).body.defaultStoreUid).toBeNull();
    // The store the member may use is accepted.
    const allowed = await put(owner.tenantUid, staff.accessToken, { defaultStoreUid: storeA });
    expect(allowed.status).toBe(200);
    expect(allowed.body.defaultStoreUid).toBe(storeA);
  });

  it('answers 400 for a defaultStoreUid that breaks the pattern', async () => {
    const response = await put(owner.tenantUid, owner.accessToken, { defaultStoreUid: 'no spaces allowed' });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
  });

  it('accepts an ISO 639-1 languageCode and refuses anything else with 400', async () => {
    const ok = await put(owner.tenantUid, owner.accessToken, { languageCode: 'en' });
    expect(ok.status).toBe(200);
    expect(ok.body.languageCode).toBe('en');
    for (const languageCode of ['xx', 'eng', 'EN', 'en-US', '']) {
      const response = await put(owner.tenantUid, owner.accessToken, { languageCode });
      expect(response.status, languageCode).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
    expect((await get(owner.tenantUid, owner.accessToken)).body.languageCode).toBe('en');
  });

  it('refuses fields a member may not change on their own account (role, status, storeUids, userCode) with 400', async () => {
    const staff = await loggedInStaff(t.app, owner, deviceToken);
    for (const body of [{ role: 'owner' }, { status: 'active' }, { storeUids: [] }, { userCode: 'new-code' }]) {
      const response = await put(owner.tenantUid, staff.accessToken, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
    expect((await get(owner.tenantUid, staff.accessToken)).body.role).toBe('staff');
  });

  it("answers 403 tenant_mismatch when the path names another tenant than the token's", async () => {
    const otherOwner = await createOwner(t.app);
    const response = await put(otherOwner.tenantUid, owner.accessToken, { firstname: 'Intruder' });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('tenant_mismatch');
    expect((await get(otherOwner.tenantUid, otherOwner.accessToken)).body.firstname).toBeNull();
  });

  describe('password change', () => {
    let staff: Staff & { accessToken: string };
    let otherToken: string;
    const newPin = '736104';
    let response: Awaited<ReturnType<typeof put>>;

    beforeAll(async () => {
      staff = await loggedInStaff(t.app, owner, deviceToken);
      // A second session of the same member, e.g. on another till.
      const second = await deviceLogin(t.app, deviceToken, staff.userCode, staff.password);
      expect(second.status).toBe(200);
      otherToken = second.body.accessToken;
      expect((await get(owner.tenantUid, otherToken)).status).toBe(200);
      response = await put(owner.tenantUid, staff.accessToken, { password: newPin });
    });

    it('succeeds and answers the TenantAccount with hasPassword, never the password or its hash', () => {
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(TENANT_ACCOUNT_KEYS);
      expect(response.body.hasPassword).toBe(true);
      expectNoSecrets(response.text, newPin, staff.password);
    });

    it('keeps the token used for the change working', async () => {
      const me = await get(owner.tenantUid, staff.accessToken);
      expect(me.status).toBe(200);
      expect(me.body.uid).toBe(staff.uid);
    });

    it("revokes the member's other access tokens on the very next request", async () => {
      const refused = await get(owner.tenantUid, otherToken);
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('invalid_token');
      expect(refused.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect((await call(t.app, { method: 'GET', url: '/account', token: otherToken })).status).toBe(401);
    });

    it('lets the new PIN log in on a device, and no longer the old one', async () => {
      const withNew = await deviceLogin(t.app, deviceToken, staff.userCode, newPin);
      expect(withNew.status).toBe(200);
      expect(withNew.body.uid).toBe(staff.uid);
      const withOld = await deviceLogin(t.app, deviceToken, staff.userCode, staff.password);
      expect(withOld.status).toBe(401);
      expect(withOld.body.code).toBe('invalid_credentials');
    });

    it("does not touch other members' tokens", async () => {
      expect((await get(owner.tenantUid, owner.accessToken)).status).toBe(200);
    });
  });

  it('gives an owner without a password one, with hasPassword true in the answer', async () => {
    const other = await createOwner(t.app);
    expect((await get(other.tenantUid, other.accessToken)).body.hasPassword).toBe(false);
    const response = await put(other.tenantUid, other.accessToken, { password: 'correct horse battery' });
    expect(response.status).toBe(200);
    expect(response.body.hasPassword).toBe(true);
    expectNoSecrets(response.text, 'correct horse battery');
  });

  it('refuses a password shorter than 6 characters with 400 validation_failed, and keeps the old one and the sessions', async () => {
    const staff = await loggedInStaff(t.app, owner, deviceToken);
    const second = await deviceLogin(t.app, deviceToken, staff.userCode, staff.password);
    for (const password of ['abc12', '48213', '1234']) {
      const response = await put(owner.tenantUid, staff.accessToken, { password });
      expect(response.status, password).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
    expect((await get(owner.tenantUid, second.body.accessToken)).status).toBe(200);
    expect((await deviceLogin(t.app, deviceToken, staff.userCode, staff.password)).status).toBe(200);
  });

  it('refuses a password longer than 128 characters with 400 validation_failed', async () => {
    const response = await put(owner.tenantUid, owner.accessToken, { password: 'p'.repeat(129) });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
  });

  it('never returns a password or hash from GET /account or GET /tenants/{t}/account', async () => {
    const staff = await loggedInStaff(t.app, owner, deviceToken);
    const account = await call(t.app, { method: 'GET', url: '/account', token: staff.accessToken });
    expect(account.status).toBe(200);
    expect(account.body.tenants[0].hasPassword).toBe(true);
    expectNoSecrets(account.text, staff.password);
    const tenantAccount = await get(owner.tenantUid, staff.accessToken);
    expect(tenantAccount.status).toBe(200);
    expectNoSecrets(tenantAccount.text, staff.password);
  });
});

describe('PUT /tenants/{tenantUid}/account with PIN_MIN_LENGTH=4', () => {
  let t: TestApp;
  let owner: Owner;
  let deviceToken: string;

  beforeAll(async () => {
    t = await buildTestApp({ PIN_MIN_LENGTH: '4' });
    owner = await createOwner(t.app);
    deviceToken = await attachDevice(t.app, owner);
  });
  afterAll(() => t.close());

  it('accepts a 4-digit PIN, which then logs in on a device', async () => {
    const staff = await loggedInStaff(t.app, owner, deviceToken);
    const response = await call(t.app, { method: 'PUT', url: `/tenants/${owner.tenantUid}/account`, token: staff.accessToken, body: { password: '4821' } });
    expect(response.status).toBe(200);
    expectNoSecrets(response.text, '4821');
    expect((await deviceLogin(t.app, deviceToken, staff.userCode, '4821')).status).toBe(200);
  });

  it('still refuses a 3-digit PIN and a 4-character password that is not all digits', async () => {
    const staff = await loggedInStaff(t.app, owner, deviceToken);
    for (const password of ['482', 'ab12']) {
      const response = await call(t.app, { method: 'PUT', url: `/tenants/${owner.tenantUid}/account`, token: staff.accessToken, body: { password } });
      expect(response.status, password).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
  });
});

describe('PUT /tenants/{tenantUid}/account with the default PIN length', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('refuses a 4-digit PIN with 400 validation_failed', async () => {
    const owner = await createOwner(t.app);
    const deviceToken = await attachDevice(t.app, owner);
    const staff = await loggedInStaff(t.app, owner, deviceToken);
    const response = await call(t.app, { method: 'PUT', url: `/tenants/${owner.tenantUid}/account`, token: staff.accessToken, body: { password: '4821' } });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
    expect((await deviceLogin(t.app, deviceToken, staff.userCode, '4821')).status).toBe(401);
  });
});
