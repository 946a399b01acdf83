import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import {
  attachDevice,
  call,
  createOwner,
  createStaff,
  createStore,
  deviceLogin,
  unique,
  type Owner,
} from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

/*
 * The management API for members: /tenants/{t}/users[/{u}[/unlock]].
 * `{u}` is the tenant account's `uid` (TenantAccount.uid), never the userUid.
 * Tokens of a role are obtained the way a till gets them: the member is created
 * with a user code and PIN by the owner and logs in on a device.
 */

type Role = 'owner' | 'admin' | 'manager' | 'staff';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

type Response = Awaited<ReturnType<typeof call>>;

/** A member created through the API who has logged in on a device. */
interface Member {
  uid: string;
  userUid: string;
  userCode: string;
  password: string;
  token: string;
}

/** One device per tenant, attached on first use. */
const devices = new Map<string, string>();

async function deviceOf(app: App, owner: Owner): Promise<string> {
  let device = devices.get(owner.tenantUid);
  if (!device) {
    device = await attachDevice(app, owner);
    devices.set(owner.tenantUid, device);
  }
  return device;
}

/** Creates a member of `role` (as the owner) with a user code and PIN, and logs them in on a device. */
async function addMember(app: App, owner: Owner, role: Role, fields: Record<string, unknown> = {}): Promise<Member> {
  const staff = await createStaff(app, owner, { role, ...fields });
  const login = await deviceLogin(app, await deviceOf(app, owner), staff.userCode, staff.password);
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  expect(login.body.role).toBe(role);
  return { ...staff, token: login.body.accessToken };
}

/** Creates a member without credentials (no password hashing: fast) and returns its uid. */
async function addPlainMember(app: App, owner: Owner, body: Record<string, unknown> = {}): Promise<string> {
  const response = await call(app, {
    method: 'POST',
    url: `/tenants/${owner.tenantUid}/users`,
    token: owner.accessToken,
    body: { role: 'staff', ...body },
  });
  if (response.status !== 201) throw new Error(`member creation failed: ${response.status} ${response.text}`);
  return response.body.uid;
}

function listMembers(app: App, tenantUid: string, token: string, query = '') {
  return call(app, { method: 'GET', url: `/tenants/${tenantUid}/users${query}`, token });
}

function getMember(app: App, tenantUid: string, token: string, uid: string) {
  return call(app, { method: 'GET', url: `/tenants/${tenantUid}/users/${uid}`, token });
}

function putMember(app: App, tenantUid: string, token: string, uid: string, body: unknown) {
  return call(app, { method: 'PUT', url: `/tenants/${tenantUid}/users/${uid}`, token, body });
}

function removeMember(app: App, tenantUid: string, token: string, uid: string) {
  return call(app, { method: 'DELETE', url: `/tenants/${tenantUid}/users/${uid}`, token });
}

function unlockMember(app: App, tenantUid: string, token: string, uid: string) {
  return call(app, { method: 'POST', url: `/tenants/${tenantUid}/users/${uid}/unlock`, token });
}

/** The member as the owner sees it now; fails when it cannot be read. */
async function current(app: App, owner: Owner, uid: string) {
  const response = await getMember(app, owner.tenantUid, owner.accessToken, uid);
  expect(response.status).toBe(200);
  return response.body;
}

/** Status of a request made with the token: 200 while it works. */
async function tokenStatus(app: App, tenantUid: string, token: string): Promise<Response> {
  return call(app, { method: 'GET', url: `/tenants/${tenantUid}/account`, token });
}

function expectProblem(response: Response, status: number, code: string) {
  expect(response.status, response.text).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code });
}

async function expectTokenRefused(app: App, tenantUid: string, token: string) {
  const response = await tokenStatus(app, tenantUid, token);
  expectProblem(response, 401, 'invalid_token');
}

/** Every uid over all pages of a listing, with the page sizes. */
async function listAll(app: App, tenantUid: string, token: string, query: string, limit: number) {
  const uids: string[] = [];
  const pageSizes: number[] = [];
  let cursor: string | null = null;
  do {
    const cursorPart: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const response = await listMembers(app, tenantUid, token, `?limit=${limit}${query}${cursorPart}`);
    expect(response.status, response.text).toBe(200);
    expect(response.body.items.length).toBeLessThanOrEqual(limit);
    pageSizes.push(response.body.items.length);
    uids.push(...response.body.items.map((m: { uid: string }) => m.uid));
    cursor = response.body.nextCursor;
    if (pageSizes.length > 100) throw new Error('pagination does not end');
  } while (cursor !== null);
  return { uids, pageSizes };
}

const sorted = (values: string[]) => [...values].sort();

describe('listing members (GET /tenants/{t}/users)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('lets owners, admins and managers list every member of the tenant as TenantAccounts', async () => {
    const owner = await createOwner(t.app, { name: 'List Tenant' });
    const admin = await addMember(t.app, owner, 'admin');
    const manager = await addMember(t.app, owner, 'manager');
    const staff = await addMember(t.app, owner, 'staff', { displayName: 'Kim' });
    const everyone = sorted([owner.memberUid, admin.uid, manager.uid, staff.uid]);

    for (const token of [owner.accessToken, admin.token, manager.token]) {
      const response = await listMembers(t.app, owner.tenantUid, token);
      expect(response.status).toBe(200);
      expect(response.body.nextCursor).toBeNull();
      expect(sorted(response.body.items.map((m: { uid: string }) => m.uid))).toEqual(everyone);
      expect(response.body.items.find((m: { uid: string }) => m.uid === staff.uid)).toEqual({
        uid: staff.uid,
        tenant: { uid: owner.tenantUid, name: 'List Tenant' },
        userUid: staff.userUid,
        role: 'staff',
        status: 'active',
        userCode: staff.userCode,
        hasPassword: true,
        displayName: 'Kim',
        email: null,
        firstname: null,
        lastname: null,
        mobile: null,
        languageCode: null,
        defaultStoreUid: null,
        storeUids: [],
        createdAt: expect.stringMatching(ISO),
        updatedAt: expect.stringMatching(ISO),
      });
      expect(response.text).not.toContain(staff.password);
      expect(response.text).not.toContain('$argon2');
      expect(response.text).not.toContain('acc_');
    }
  });

  it('lists only members of the caller’s own tenant', async () => {
    const first = await createOwner(t.app);
    const second = await createOwner(t.app);
    const mine = await addPlainMember(t.app, first);
    await addPlainMember(t.app, second);
    const response = await listMembers(t.app, first.tenantUid, first.accessToken);
    expect(sorted(response.body.items.map((m: { uid: string }) => m.uid))).toEqual(sorted([first.memberUid, mine]));
  });

  it('refuses staff with 403 forbidden', async () => {
    const owner = await createOwner(t.app);
    const staff = await addMember(t.app, owner, 'staff');
    const response = await listMembers(t.app, owner.tenantUid, staff.token);
    expectProblem(response, 403, 'forbidden');
    expect(response.body.items).toBeUndefined();
  });

  it('refuses another tenant’s access token with 403 tenant_mismatch', async () => {
    const owner = await createOwner(t.app);
    const other = await createOwner(t.app);
    expectProblem(await listMembers(t.app, owner.tenantUid, other.accessToken), 403, 'tenant_mismatch');
  });

  it('pages through 5 members with limit 2 in pages of 2, 2 and 1 without duplicates or gaps', async () => {
    const owner = await createOwner(t.app);
    const created = [owner.memberUid];
    for (let i = 0; i < 4; i++) created.push(await addPlainMember(t.app, owner));

    const first = await listMembers(t.app, owner.tenantUid, owner.accessToken, '?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(typeof first.body.nextCursor).toBe('string');

    const { uids, pageSizes } = await listAll(t.app, owner.tenantUid, owner.accessToken, '', 2);
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(new Set(uids).size).toBe(uids.length);
    expect(sorted(uids)).toEqual(sorted(created));
  });

  it('ends with nextCursor null when the last page is exactly full', async () => {
    const owner = await createOwner(t.app);
    const created = [owner.memberUid];
    for (let i = 0; i < 3; i++) created.push(await addPlainMember(t.app, owner));
    const { uids, pageSizes } = await listAll(t.app, owner.tenantUid, owner.accessToken, '', 2);
    expect(pageSizes).toEqual([2, 2]);
    expect(sorted(uids)).toEqual(sorted(created));
  });

  it('keeps pages stable when a member is created between two page fetches', async () => {
    const owner = await createOwner(t.app);
    const before = [owner.memberUid];
    for (let i = 0; i < 5; i++) before.push(await addPlainMember(t.app, owner));

    const first = await listMembers(t.app, owner.tenantUid, owner.accessToken, '?limit=3');
    expect(first.status).toBe(200);
    const seen: string[] = first.body.items.map((m: { uid: string }) => m.uid);
    let cursor: string | null = first.body.nextCursor;
    expect(cursor).not.toBeNull();

    const added = await addPlainMember(t.app, owner);

    while (cursor !== null) {
      const page = await listMembers(t.app, owner.tenantUid, owner.accessToken, `?limit=3&cursor=${encodeURIComponent(cursor)}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((m: { uid: string }) => m.uid));
      cursor = page.body.nextCursor;
    }
    // Nothing seen twice, every member that existed before seen exactly once;
    // the new member may or may not appear (it sorts before or after the cursor).
    expect(new Set(seen).size).toBe(seen.length);
    for (const uid of before) expect(seen.filter((s) => s === uid)).toHaveLength(1);
    expect(seen.filter((s) => !before.includes(s)).every((s) => s === added)).toBe(true);
  });

  it('returns 50 members by default and up to 200 with limit=200', async () => {
    const owner = await createOwner(t.app);
    const created = [owner.memberUid];
    for (let i = 0; i < 51; i++) created.push(await addPlainMember(t.app, owner));
    const byDefault = await listMembers(t.app, owner.tenantUid, owner.accessToken);
    expect(byDefault.body.items).toHaveLength(50);
    expect(byDefault.body.nextCursor).not.toBeNull();
    const large = await listMembers(t.app, owner.tenantUid, owner.accessToken, '?limit=200');
    expect(large.body.items).toHaveLength(52);
    expect(large.body.nextCursor).toBeNull();
    expect(sorted(large.body.items.map((m: { uid: string }) => m.uid))).toEqual(sorted(created));
  });

  it('filters by role', async () => {
    const owner = await createOwner(t.app);
    const admin = await addPlainMember(t.app, owner, { role: 'admin' });
    const managers = [await addPlainMember(t.app, owner, { role: 'manager' }), await addPlainMember(t.app, owner, { role: 'manager' })];
    const staff = await addPlainMember(t.app, owner, { role: 'staff' });
    const expected: Record<Role, string[]> = { owner: [owner.memberUid], admin: [admin], manager: managers, staff: [staff] };
    for (const role of ['owner', 'admin', 'manager', 'staff'] as const) {
      const response = await listMembers(t.app, owner.tenantUid, owner.accessToken, `?role=${role}`);
      expect(response.status).toBe(200);
      expect(sorted(response.body.items.map((m: { uid: string }) => m.uid)), role).toEqual(sorted(expected[role]));
      expect(response.body.items.every((m: { role: string }) => m.role === role)).toBe(true);
    }
  });

  it('filters by status', async () => {
    const owner = await createOwner(t.app);
    const active = await addPlainMember(t.app, owner);
    const disabled = [await addPlainMember(t.app, owner, { status: 'disabled' }), await addPlainMember(t.app, owner, { status: 'disabled' })];
    const onlyDisabled = await listMembers(t.app, owner.tenantUid, owner.accessToken, '?status=disabled');
    expect(sorted(onlyDisabled.body.items.map((m: { uid: string }) => m.uid))).toEqual(sorted(disabled));
    expect(onlyDisabled.body.items.every((m: { status: string }) => m.status === 'disabled')).toBe(true);
    const onlyActive = await listMembers(t.app, owner.tenantUid, owner.accessToken, '?status=active');
    expect(sorted(onlyActive.body.items.map((m: { uid: string }) => m.uid))).toEqual(sorted([owner.memberUid, active]));
  });

  it('filters by storeUid: members listing that store and members allowed all stores', async () => {
    const owner = await createOwner(t.app);
    const storeA = await createStore(t.app, owner);
    const storeB = await createStore(t.app, owner);
    const storeC = await createStore(t.app, owner);
    const onlyA = await addPlainMember(t.app, owner, { storeUids: [storeA] });
    const onlyB = await addPlainMember(t.app, owner, { storeUids: [storeB] });
    const both = await addPlainMember(t.app, owner, { storeUids: [storeA, storeB] });
    const all = await addPlainMember(t.app, owner, { storeUids: [] });

    const expected: Array<[string, string[]]> = [
      [storeA, [owner.memberUid, onlyA, both, all]],
      [storeB, [owner.memberUid, onlyB, both, all]],
      [storeC, [owner.memberUid, all]],
    ];
    for (const [store, members] of expected) {
      const response = await listMembers(t.app, owner.tenantUid, owner.accessToken, `?storeUid=${store}`);
      expect(response.status).toBe(200);
      expect(sorted(response.body.items.map((m: { uid: string }) => m.uid))).toEqual(sorted(members));
    }
  });

  it('combines filters and pages through a filtered list', async () => {
    const owner = await createOwner(t.app);
    const store = await createStore(t.app, owner);
    const other = await createStore(t.app, owner);
    const wanted = [
      await addPlainMember(t.app, owner, { storeUids: [store] }),
      await addPlainMember(t.app, owner, { storeUids: [] }),
      await addPlainMember(t.app, owner, { storeUids: [store, other] }),
    ];
    await addPlainMember(t.app, owner, { storeUids: [other] }); // other store
    await addPlainMember(t.app, owner, { role: 'manager', storeUids: [store] }); // other role
    await addPlainMember(t.app, owner, { status: 'disabled', storeUids: [store] }); // other status
    const { uids, pageSizes } = await listAll(t.app, owner.tenantUid, owner.accessToken, `&role=staff&status=active&storeUid=${store}`, 1);
    expect(pageSizes).toEqual([1, 1, 1]);
    expect(sorted(uids)).toEqual(sorted(wanted));
  });

  it('refuses bad filter, limit and cursor values with 400 validation_failed', async () => {
    const owner = await createOwner(t.app);
    const queries = [
      '?role=superuser',
      '?role=',
      '?status=deleted',
      '?storeUid=bad%20store',
      '?storeUid=a.b',
      `?storeUid=${'x'.repeat(65)}`,
      '?limit=0',
      '?limit=201',
      '?limit=-1',
      '?limit=two',
      '?cursor=garbage!!',
      `?cursor=${Buffer.from('{"uid":"x"}').toString('base64url')}`,
      '?colour=blue',
    ];
    for (const query of queries) {
      const response = await listMembers(t.app, owner.tenantUid, owner.accessToken, query);
      expect(response.status, query).toBe(400);
      expect(response.body.code, query).toBe('validation_failed');
    }
  });
});

describe('reading a member (GET /tenants/{t}/users/{u})', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app, { name: 'Read Tenant' });
  });
  afterAll(() => t.close());

  it('returns the TenantAccount by its tenant account uid', async () => {
    const store = await createStore(t.app, owner);
    const staff = await createStaff(t.app, owner, {
      displayName: 'Alex',
      firstname: 'Alex',
      lastname: 'Doe',
      email: 'alex@example.com',
      mobile: '+49 30 1234567',
      languageCode: 'fr',
      storeUids: [store],
      defaultStoreUid: store,
    });
    const response = await getMember(t.app, owner.tenantUid, owner.accessToken, staff.uid);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      uid: staff.uid,
      tenant: { uid: owner.tenantUid, name: 'Read Tenant' },
      userUid: staff.userUid,
      role: 'staff',
      status: 'active',
      userCode: staff.userCode,
      hasPassword: true,
      displayName: 'Alex',
      email: 'alex@example.com',
      firstname: 'Alex',
      lastname: 'Doe',
      mobile: '+49 30 1234567',
      languageCode: 'fr',
      defaultStoreUid: store,
      storeUids: [store],
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
    });
    expect(response.text).not.toContain(staff.password);
  });

  it('lets a manager and an admin read any member, owners included', async () => {
    const admin = await addMember(t.app, owner, 'admin');
    const manager = await addMember(t.app, owner, 'manager');
    for (const token of [admin.token, manager.token]) {
      for (const [uid, role] of [[owner.memberUid, 'owner'], [admin.uid, 'admin'], [manager.uid, 'manager']]) {
        const response = await getMember(t.app, owner.tenantUid, token, uid);
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ uid, role });
      }
    }
  });

  it('refuses staff with 403 forbidden', async () => {
    const staff = await addMember(t.app, owner, 'staff');
    expectProblem(await getMember(t.app, owner.tenantUid, staff.token, owner.memberUid), 403, 'forbidden');
  });

  it('answers 404 not_found for an unknown uid', async () => {
    expectProblem(await getMember(t.app, owner.tenantUid, owner.accessToken, `nobody-${unique()}`), 404, 'not_found');
  });

  it('does not find a member by their userUid', async () => {
    const staff = await createStaff(t.app, owner);
    expect(staff.userUid).not.toBe(staff.uid);
    expectProblem(await getMember(t.app, owner.tenantUid, owner.accessToken, staff.userUid), 404, 'not_found');
  });

  it('answers 404 for the uid of another tenant’s member, for reading, changing, removing and unlocking, and leaves that member alone', async () => {
    const other = await createOwner(t.app);
    const foreign = await createStaff(t.app, other, { displayName: 'Foreign' });
    expectProblem(await getMember(t.app, owner.tenantUid, owner.accessToken, foreign.uid), 404, 'not_found');
    expectProblem(await getMember(t.app, owner.tenantUid, owner.accessToken, other.memberUid), 404, 'not_found');
    expectProblem(await putMember(t.app, owner.tenantUid, owner.accessToken, foreign.uid, { displayName: 'Hijacked' }), 404, 'not_found');
    expectProblem(await removeMember(t.app, owner.tenantUid, owner.accessToken, foreign.uid), 404, 'not_found');
    expectProblem(await unlockMember(t.app, owner.tenantUid, owner.accessToken, foreign.uid), 404, 'not_found');
    expect(await current(t.app, other, foreign.uid)).toMatchObject({ displayName: 'Foreign', status: 'active' });
  });

  it('refuses another tenant’s token on this tenant’s member with 403 tenant_mismatch', async () => {
    const other = await createOwner(t.app);
    const staff = await createStaff(t.app, owner);
    expectProblem(await getMember(t.app, owner.tenantUid, other.accessToken, staff.uid), 403, 'tenant_mismatch');
  });
});

describe('changing a member (PUT /tenants/{t}/users/{u})', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  it('changes the profile fields and moves updatedAt', async () => {
    const staff = await createStaff(t.app, owner);
    const before = await current(t.app, owner, staff.uid);
    t.clock.advance(5);
    const changes = {
      displayName: 'Robin R.',
      email: 'robin@example.com',
      firstname: 'Robin',
      lastname: 'Roe',
      mobile: '+44 20 7946 0000',
      languageCode: 'it',
    };
    const response = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, changes);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ uid: staff.uid, ...changes, role: 'staff', status: 'active', userCode: staff.userCode });
    expect(response.body).not.toHaveProperty('password');
    expect(Date.parse(response.body.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
    expect(response.body.createdAt).toBe(before.createdAt);
    expect(await current(t.app, owner, staff.uid)).toEqual(response.body);
  });

  it('clears profile fields with null', async () => {
    const staff = await createStaff(t.app, owner, { firstname: 'Sam', lastname: 'Poe', email: 'sam@example.com', mobile: '+1 555 0100', languageCode: 'de' });
    const response = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, {
      firstname: null,
      lastname: null,
      email: null,
      mobile: null,
      languageCode: null,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ firstname: null, lastname: null, email: null, mobile: null, languageCode: null });
    expect(await current(t.app, owner, staff.uid)).toMatchObject({ firstname: null, lastname: null, email: null, mobile: null, languageCode: null });
  });

  it('changes the role and status', async () => {
    const staff = await createStaff(t.app, owner);
    const promoted = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { role: 'manager' });
    expect(promoted.status).toBe(200);
    expect(promoted.body.role).toBe('manager');
    const disabled = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { status: 'disabled' });
    expect(disabled.status).toBe(200);
    expect(disabled.body.status).toBe('disabled');
    expect(await current(t.app, owner, staff.uid)).toMatchObject({ role: 'manager', status: 'disabled' });
  });

  it('changes storeUids and defaultStoreUid, and clears defaultStoreUid with "" and with null', async () => {
    const storeA = await createStore(t.app, owner);
    const storeB = await createStore(t.app, owner);
    const staff = await createStaff(t.app, owner);

    const restricted = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { storeUids: [storeA, storeB], defaultStoreUid: storeB });
    expect(restricted.status).toBe(200);
    expect(sorted(restricted.body.storeUids)).toEqual(sorted([storeA, storeB]));
    expect(restricted.body.defaultStoreUid).toBe(storeB);

    const clearedWithEmpty = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { defaultStoreUid: '' });
    expect(clearedWithEmpty.status).toBe(200);
    expect(clearedWithEmpty.body.defaultStoreUid).toBeNull();
    expect(sorted(clearedWithEmpty.body.storeUids)).toEqual(sorted([storeA, storeB]));

    expect((await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { defaultStoreUid: storeA })).body.defaultStoreUid).toBe(storeA);
    const clearedWithNull = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { defaultStoreUid: null });
    expect(clearedWithNull.status).toBe(200);
    expect(clearedWithNull.body.defaultStoreUid).toBeNull();

    const everywhere = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { storeUids: [] });
    expect(everywhere.status).toBe(200);
    expect(everywhere.body.storeUids).toEqual([]);
    expect(await current(t.app, owner, staff.uid)).toMatchObject({ storeUids: [], defaultStoreUid: null });
  });

  it('applies changed store access to device login at once', async () => {
    const storeA = await createStore(t.app, owner);
    const storeB = await createStore(t.app, owner);
    const deviceA = await attachDevice(t.app, owner, storeA);
    const staff = await createStaff(t.app, owner, { storeUids: [storeA] });
    expect((await deviceLogin(t.app, deviceA, staff.userCode, staff.password)).status).toBe(200);
    expect((await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { storeUids: [storeB] })).status).toBe(200);
    expectProblem(await deviceLogin(t.app, deviceA, staff.userCode, staff.password), 403, 'store_access_denied');
  });

  it('changes the user code: the new code logs in and the old one does not', async () => {
    const staff = await createStaff(t.app, owner);
    const newCode = `n${unique()}`;
    const response = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { userCode: newCode });
    expect(response.status).toBe(200);
    expect(response.body.userCode).toBe(newCode);
    const device = await deviceOf(t.app, owner);
    const login = await deviceLogin(t.app, device, newCode, staff.password);
    expect(login.status).toBe(200);
    expect(login.body.uid).toBe(staff.uid);
    expectProblem(await deviceLogin(t.app, device, staff.userCode, staff.password), 401, 'invalid_credentials');
  });

  it('accepts a member keeping their own user code', async () => {
    const staff = await createStaff(t.app, owner);
    const response = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { userCode: staff.userCode, displayName: 'Same Code' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ userCode: staff.userCode, displayName: 'Same Code' });
  });

  it('answers 409 user_code_taken for another member’s user code and changes nothing', async () => {
    const store = await createStore(t.app, owner);
    const taken = await createStaff(t.app, owner);
    const staff = await createStaff(t.app, owner, { displayName: 'Before' });
    const before = await current(t.app, owner, staff.uid);
    const response = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, {
      userCode: taken.userCode,
      displayName: 'After',
      role: 'manager',
      storeUids: [store],
    });
    expectProblem(response, 409, 'user_code_taken');
    expect(await current(t.app, owner, staff.uid)).toEqual(before);
    // The code still logs in its owner, not the member who tried to take it.
    const login = await deviceLogin(t.app, await deviceOf(t.app, owner), taken.userCode, taken.password);
    expect(login.body.uid).toBe(taken.uid);
  });

  it('answers 422 unknown_store for an unknown store or another tenant’s store and changes nothing', async () => {
    const own = await createStore(t.app, owner);
    const other = await createOwner(t.app);
    const foreign = await createStore(t.app, other);
    const staff = await createStaff(t.app, owner, { displayName: 'Before', storeUids: [own] });
    const before = await current(t.app, owner, staff.uid);
    for (const storeUids of [['no-such-store'], [own, foreign]]) {
      const response = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { storeUids, displayName: 'After' });
      expectProblem(response, 422, 'unknown_store');
    }
    const defaultElsewhere = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { defaultStoreUid: foreign, displayName: 'After' });
    expectProblem(defaultElsewhere, 422, 'unknown_store');
    expect(await current(t.app, owner, staff.uid)).toEqual(before);
  });

  it('answers 422 unknown_store for a default store outside the new store list and keeps the old store list', async () => {
    const storeA = await createStore(t.app, owner);
    const storeB = await createStore(t.app, owner);
    const storeC = await createStore(t.app, owner);
    const staff = await createStaff(t.app, owner, { storeUids: [storeA] });
    const before = await current(t.app, owner, staff.uid);
    const response = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { storeUids: [storeB], defaultStoreUid: storeC });
    expectProblem(response, 422, 'unknown_store');
    expect(await current(t.app, owner, staff.uid)).toEqual(before);
  });

  it('refuses an unknown field or a bad value with 400 validation_failed and changes nothing', async () => {
    const staff = await createStaff(t.app, owner, { displayName: 'Before' });
    const before = await current(t.app, owner, staff.uid);
    const bodies = [
      { displayName: 'After', isAdmin: true },
      { displayName: 'After', role: 'superuser' },
      { displayName: 'After', status: 'gone' },
      { displayName: 'After', userCode: 'has space' },
      { displayName: 'After', languageCode: 'xx-YY' },
      { displayName: 'After', email: 'not-an-email' },
      { displayName: 'After', storeUids: ['a', 'a'] },
      { displayName: 'After', password: '123' },
    ];
    for (const body of bodies) {
      const response = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
    expect(await current(t.app, owner, staff.uid)).toEqual(before);
    expect((await deviceLogin(t.app, await deviceOf(t.app, owner), staff.userCode, staff.password)).status).toBe(200);
  });

  it('answers 404 not_found for an unknown member', async () => {
    expectProblem(await putMember(t.app, owner.tenantUid, owner.accessToken, `nobody-${unique()}`, { displayName: 'X' }), 404, 'not_found');
  });
});

describe('role rules for changing members', () => {
  let t: TestApp;
  let owner: Owner;
  let admin: Member;
  let manager: Member;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
    admin = await addMember(t.app, owner, 'admin');
    manager = await addMember(t.app, owner, 'manager');
  });
  afterAll(() => t.close());

  it('lets a manager change a staff member’s name, store access and status', async () => {
    const store = await createStore(t.app, owner);
    const staff = await createStaff(t.app, owner);
    const response = await putMember(t.app, owner.tenantUid, manager.token, staff.uid, { displayName: 'Renamed by manager', storeUids: [store], status: 'disabled' });
    expect(response.status).toBe(200);
    expect(await current(t.app, owner, staff.uid)).toMatchObject({ displayName: 'Renamed by manager', storeUids: [store], status: 'disabled' });
  });

  it('refuses a manager changing a manager, an admin or an owner with 403 forbidden and changes nothing', async () => {
    const otherManager = await createStaff(t.app, owner, { role: 'manager', displayName: 'Untouched' });
    for (const uid of [otherManager.uid, manager.uid, admin.uid, owner.memberUid]) {
      const before = await current(t.app, owner, uid);
      const response = await putMember(t.app, owner.tenantUid, manager.token, uid, { displayName: 'Changed by manager' });
      expectProblem(response, 403, 'forbidden');
      expect(await current(t.app, owner, uid)).toEqual(before);
    }
  });

  it('refuses a manager promoting staff to manager, admin or owner with 403 forbidden and the role stays staff', async () => {
    const staff = await createStaff(t.app, owner);
    for (const role of ['manager', 'admin', 'owner']) {
      expectProblem(await putMember(t.app, owner.tenantUid, manager.token, staff.uid, { role }), 403, 'forbidden');
    }
    expect((await current(t.app, owner, staff.uid)).role).toBe('staff');
  });

  it('refuses staff changing anyone, themselves included, with 403 forbidden', async () => {
    const staff = await addMember(t.app, owner, 'staff');
    const colleague = await createStaff(t.app, owner, { displayName: 'Colleague' });
    expectProblem(await putMember(t.app, owner.tenantUid, staff.token, colleague.uid, { displayName: 'X' }), 403, 'forbidden');
    expectProblem(await putMember(t.app, owner.tenantUid, staff.token, staff.uid, { role: 'manager' }), 403, 'forbidden');
    expect((await current(t.app, owner, colleague.uid)).displayName).toBe('Colleague');
    expect((await current(t.app, owner, staff.uid)).role).toBe('staff');
  });

  it('lets an admin change staff, managers and admins, and promote staff up to admin', async () => {
    const staff = await createStaff(t.app, owner);
    const otherManager = await createStaff(t.app, owner, { role: 'manager' });
    const otherAdmin = await createStaff(t.app, owner, { role: 'admin' });
    expect((await putMember(t.app, owner.tenantUid, admin.token, otherManager.uid, { displayName: 'M' })).status).toBe(200);
    expect((await putMember(t.app, owner.tenantUid, admin.token, otherAdmin.uid, { role: 'manager' })).body.role).toBe('manager');
    expect((await putMember(t.app, owner.tenantUid, admin.token, staff.uid, { role: 'admin' })).body.role).toBe('admin');
    expect(await current(t.app, owner, otherManager.uid)).toMatchObject({ displayName: 'M' });
    expect(await current(t.app, owner, otherAdmin.uid)).toMatchObject({ role: 'manager' });
    expect(await current(t.app, owner, staff.uid)).toMatchObject({ role: 'admin' });
  });

  it('refuses an admin touching an owner with 403 forbidden and the owner is unchanged', async () => {
    const secondOwner = await createStaff(t.app, owner, { role: 'owner', displayName: 'Co-owner' });
    for (const uid of [owner.memberUid, secondOwner.uid]) {
      const before = await current(t.app, owner, uid);
      for (const body of [{ displayName: 'Changed by admin' }, { role: 'admin' }, { status: 'disabled' }, { password: 'taken-over-1' }]) {
        expectProblem(await putMember(t.app, owner.tenantUid, admin.token, uid, body), 403, 'forbidden');
      }
      expect(await current(t.app, owner, uid)).toEqual(before);
    }
    expect((await deviceLogin(t.app, await deviceOf(t.app, owner), secondOwner.userCode, secondOwner.password)).status).toBe(200);
  });

  it('refuses an admin promoting anyone to owner, themselves included, with 403 forbidden', async () => {
    const staff = await createStaff(t.app, owner);
    expectProblem(await putMember(t.app, owner.tenantUid, admin.token, staff.uid, { role: 'owner' }), 403, 'forbidden');
    expectProblem(await putMember(t.app, owner.tenantUid, admin.token, admin.uid, { role: 'owner' }), 403, 'forbidden');
    expect((await current(t.app, owner, staff.uid)).role).toBe('staff');
    expect((await current(t.app, owner, admin.uid)).role).toBe('admin');
  });

  it('lets an owner promote a member to owner and change another owner', async () => {
    const staff = await addMember(t.app, owner, 'staff');
    const promoted = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { role: 'owner' });
    expect(promoted.status).toBe(200);
    expect(promoted.body.role).toBe('owner');
    const renamed = await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { displayName: 'New Owner' });
    expect(renamed.status).toBe(200);
    expect(await current(t.app, owner, staff.uid)).toMatchObject({ role: 'owner', displayName: 'New Owner' });
    // The new owner's existing token now carries the owner's rights: it may manage owners.
    expect((await putMember(t.app, owner.tenantUid, staff.token, owner.memberUid, { displayName: 'Renamed by co-owner' })).status).toBe(200);
    expect((await putMember(t.app, owner.tenantUid, owner.accessToken, staff.uid, { role: 'staff' })).status).toBe(200);
  });

  it('takes a demotion into account on the demoted member’s next request', async () => {
    const demoted = await addMember(t.app, owner, 'manager');
    expect((await listMembers(t.app, owner.tenantUid, demoted.token)).status).toBe(200);
    expect((await putMember(t.app, owner.tenantUid, admin.token, demoted.uid, { role: 'staff' })).status).toBe(200);
    expectProblem(await listMembers(t.app, owner.tenantUid, demoted.token), 403, 'forbidden');
  });
});

describe('keeping an active owner (409 last_owner)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('refuses to demote the only active owner and changes nothing', async () => {
    const owner = await createOwner(t.app);
    const before = await current(t.app, owner, owner.memberUid);
    for (const role of ['admin', 'manager', 'staff']) {
      const response = await putMember(t.app, owner.tenantUid, owner.accessToken, owner.memberUid, { role, displayName: 'Demoted' });
      expectProblem(response, 409, 'last_owner');
    }
    expect(await current(t.app, owner, owner.memberUid)).toEqual(before);
  });

  it('refuses to disable the only active owner; the owner’s token keeps working', async () => {
    const owner = await createOwner(t.app);
    const response = await putMember(t.app, owner.tenantUid, owner.accessToken, owner.memberUid, { status: 'disabled' });
    expectProblem(response, 409, 'last_owner');
    expect((await current(t.app, owner, owner.memberUid)).status).toBe('active');
    expect((await tokenStatus(t.app, owner.tenantUid, owner.accessToken)).status).toBe(200);
  });

  it('lets one of two owners be demoted, then protects the remaining one', async () => {
    const owner = await createOwner(t.app);
    const second = await addMember(t.app, owner, 'owner');
    const demoted = await putMember(t.app, owner.tenantUid, second.token, owner.memberUid, { role: 'admin' });
    expect(demoted.status).toBe(200);
    expect(demoted.body.role).toBe('admin');
    expectProblem(await putMember(t.app, owner.tenantUid, second.token, second.uid, { role: 'admin' }), 409, 'last_owner');
    expectProblem(await putMember(t.app, owner.tenantUid, second.token, second.uid, { status: 'disabled' }), 409, 'last_owner');
    expect(await current(t.app, owner, second.uid)).toMatchObject({ role: 'owner', status: 'active' });
  });

  it('lets one of two owners be disabled', async () => {
    const owner = await createOwner(t.app);
    const second = await createStaff(t.app, owner, { role: 'owner' });
    const response = await putMember(t.app, owner.tenantUid, owner.accessToken, second.uid, { status: 'disabled' });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('disabled');
  });

  it('keeps one active owner when two owners demote or remove each other at the same time', async () => {
    for (const action of ['demote', 'remove'] as const) {
      const owner = await createOwner(t.app);
      const second = await addMember(t.app, owner, 'owner');
      const against = (token: string, uid: string) =>
        action === 'demote' ? putMember(t.app, owner.tenantUid, token, uid, { role: 'admin' }) : removeMember(t.app, owner.tenantUid, token, uid);
      const results = await Promise.all([against(owner.accessToken, second.uid), against(second.token, owner.memberUid)]);
      // Exactly one wins. The other is refused: 409 last_owner when both ran side by side,
      // or, when it came after, the loser's own token no longer has an owner's rights (403)
      // or no longer exists (401).
      const succeeded = results.filter((r) => r.status < 300);
      expect(succeeded, action).toHaveLength(1);
      const refused = results.find((r) => r.status >= 300)!;
      expect([401, 403, 409], refused.text).toContain(refused.status);
      if (refused.status === 409) expect(refused.body.code).toBe('last_owner');
      // results[0] is the first owner acting on the second: when it was refused, the second one won.
      const survivorToken = results[0].status >= 300 ? second.token : owner.accessToken;
      const owners = await listMembers(t.app, owner.tenantUid, survivorToken, '?role=owner&status=active');
      expect(owners.status).toBe(200);
      expect(owners.body.items).toHaveLength(1);
    }
  });

  it('does not count a disabled owner as the remaining owner', async () => {
    const owner = await createOwner(t.app);
    await createStaff(t.app, owner, { role: 'owner', status: 'disabled' });
    expectProblem(await putMember(t.app, owner.tenantUid, owner.accessToken, owner.memberUid, { role: 'staff' }), 409, 'last_owner');
    expectProblem(await removeMember(t.app, owner.tenantUid, owner.accessToken, owner.memberUid), 409, 'last_owner');
    expect(await current(t.app, owner, owner.memberUid)).toMatchObject({ role: 'owner', status: 'active' });
  });
});

describe('disabling members and setting passwords', () => {
  let t: TestApp;
  let owner: Owner;
  let admin: Member;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
    admin = await addMember(t.app, owner, 'admin');
  });
  afterAll(() => t.close());

  it('makes a disabled member’s tokens fail with 401 on the very next request and their device login fail with 401 invalid_credentials', async () => {
    const staff = await addMember(t.app, owner, 'staff');
    expect((await tokenStatus(t.app, owner.tenantUid, staff.token)).status).toBe(200);
    const response = await putMember(t.app, owner.tenantUid, admin.token, staff.uid, { status: 'disabled' });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('disabled');
    await expectTokenRefused(t.app, owner.tenantUid, staff.token);
    expectProblem(await deviceLogin(t.app, await deviceOf(t.app, owner), staff.userCode, staff.password), 401, 'invalid_credentials');
  });

  it('does not bring old tokens back when the member is enabled again, while a new login works', async () => {
    const staff = await addMember(t.app, owner, 'staff');
    expect((await putMember(t.app, owner.tenantUid, admin.token, staff.uid, { status: 'disabled' })).status).toBe(200);
    const enabled = await putMember(t.app, owner.tenantUid, admin.token, staff.uid, { status: 'active' });
    expect(enabled.status).toBe(200);
    expect(enabled.body.status).toBe('active');
    await expectTokenRefused(t.app, owner.tenantUid, staff.token);
    const login = await deviceLogin(t.app, await deviceOf(t.app, owner), staff.userCode, staff.password);
    expect(login.status).toBe(200);
    expect((await tokenStatus(t.app, owner.tenantUid, login.body.accessToken)).status).toBe(200);
    await expectTokenRefused(t.app, owner.tenantUid, staff.token);
  });

  it('revokes a member’s tokens when an admin sets their password; the new PIN logs in and the old one does not', async () => {
    const staff = await addMember(t.app, owner, 'staff');
    const device = await deviceOf(t.app, owner);
    const response = await putMember(t.app, owner.tenantUid, admin.token, staff.uid, { password: '736251' });
    expect(response.status).toBe(200);
    expect(response.body.hasPassword).toBe(true);
    expect(response.text).not.toContain('736251');
    await expectTokenRefused(t.app, owner.tenantUid, staff.token);
    // The admin's own token is not affected.
    expect((await tokenStatus(t.app, owner.tenantUid, admin.token)).status).toBe(200);
    expectProblem(await deviceLogin(t.app, device, staff.userCode, staff.password), 401, 'invalid_credentials');
    const login = await deviceLogin(t.app, device, staff.userCode, '736251');
    expect(login.status).toBe(200);
    expect(login.body.uid).toBe(staff.uid);
  });

  it('makes device login fail after the password is removed (password: null) and reports hasPassword false', async () => {
    const staff = await addMember(t.app, owner, 'staff');
    const response = await putMember(t.app, owner.tenantUid, admin.token, staff.uid, { password: null });
    expect(response.status).toBe(200);
    expect(response.body.hasPassword).toBe(false);
    expect((await current(t.app, owner, staff.uid)).hasPassword).toBe(false);
    expectProblem(await deviceLogin(t.app, await deviceOf(t.app, owner), staff.userCode, staff.password), 401, 'invalid_credentials');
    // Removing the password is a password change: the member's tokens go too.
    await expectTokenRefused(t.app, owner.tenantUid, staff.token);
  });

  it('keeps the old PIN and the member’s tokens when a password change is refused', async () => {
    const taken = await createStaff(t.app, owner);
    const staff = await addMember(t.app, owner, 'staff');
    const device = await deviceOf(t.app, owner);
    expectProblem(await putMember(t.app, owner.tenantUid, admin.token, staff.uid, { password: '918273', userCode: taken.userCode }), 409, 'user_code_taken');
    expectProblem(await putMember(t.app, owner.tenantUid, admin.token, staff.uid, { password: '918273', storeUids: ['no-such-store'] }), 422, 'unknown_store');
    expect((await putMember(t.app, owner.tenantUid, admin.token, staff.uid, { password: '12345' })).status).toBe(400);
    expect((await tokenStatus(t.app, owner.tenantUid, staff.token)).status).toBe(200);
    expectProblem(await deviceLogin(t.app, device, staff.userCode, '918273'), 401, 'invalid_credentials');
    expect((await deviceLogin(t.app, device, staff.userCode, staff.password)).status).toBe(200);
  });

  it('refuses a manager disabling an admin with 403 and the admin’s token keeps working', async () => {
    const manager = await addMember(t.app, owner, 'manager');
    const otherAdmin = await addMember(t.app, owner, 'admin');
    expectProblem(await putMember(t.app, owner.tenantUid, manager.token, otherAdmin.uid, { status: 'disabled' }), 403, 'forbidden');
    expectProblem(await putMember(t.app, owner.tenantUid, manager.token, otherAdmin.uid, { password: '555444' }), 403, 'forbidden');
    expect((await current(t.app, owner, otherAdmin.uid)).status).toBe('active');
    expect((await tokenStatus(t.app, owner.tenantUid, otherAdmin.token)).status).toBe(200);
    expect((await deviceLogin(t.app, await deviceOf(t.app, owner), otherAdmin.userCode, otherAdmin.password)).status).toBe(200);
  });
});

describe('removing a member (DELETE /tenants/{t}/users/{u})', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  it('answers 204; the member’s token fails on the next request, GET answers 404 and the list no longer has them', async () => {
    const staff = await addMember(t.app, owner, 'staff');
    const response = await removeMember(t.app, owner.tenantUid, owner.accessToken, staff.uid);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    await expectTokenRefused(t.app, owner.tenantUid, staff.token);
    expectProblem(await getMember(t.app, owner.tenantUid, owner.accessToken, staff.uid), 404, 'not_found');
    const list = await listMembers(t.app, owner.tenantUid, owner.accessToken, '?limit=200');
    expect(list.body.items.map((m: { uid: string }) => m.uid)).not.toContain(staff.uid);
    expectProblem(await deviceLogin(t.app, await deviceOf(t.app, owner), staff.userCode, staff.password), 401, 'invalid_credentials');
    expectProblem(await removeMember(t.app, owner.tenantUid, owner.accessToken, staff.uid), 404, 'not_found');
  });

  it('refuses to remove the last active owner with 409 last_owner; the owner stays', async () => {
    const fresh = await createOwner(t.app);
    expectProblem(await removeMember(t.app, fresh.tenantUid, fresh.accessToken, fresh.memberUid), 409, 'last_owner');
    expect(await current(t.app, fresh, fresh.memberUid)).toMatchObject({ role: 'owner', status: 'active' });
    expect((await tokenStatus(t.app, fresh.tenantUid, fresh.accessToken)).status).toBe(200);
  });

  it('lets one of two owners be removed', async () => {
    const fresh = await createOwner(t.app);
    const second = await addMember(t.app, fresh, 'owner');
    expect((await removeMember(t.app, fresh.tenantUid, second.token, fresh.memberUid)).status).toBe(204);
    await expectTokenRefused(t.app, fresh.tenantUid, fresh.accessToken);
    expectProblem(await removeMember(t.app, fresh.tenantUid, second.token, second.uid), 409, 'last_owner');
  });

  it('lets a manager remove staff but refuses removing managers, admins and owners with 403; they stay', async () => {
    const manager = await addMember(t.app, owner, 'manager');
    const staff = await createStaff(t.app, owner);
    const admin = await addMember(t.app, owner, 'admin');
    const otherManager = await createStaff(t.app, owner, { role: 'manager' });
    for (const uid of [admin.uid, otherManager.uid, owner.memberUid]) {
      expectProblem(await removeMember(t.app, owner.tenantUid, manager.token, uid), 403, 'forbidden');
      expect((await getMember(t.app, owner.tenantUid, owner.accessToken, uid)).status).toBe(200);
    }
    expect((await tokenStatus(t.app, owner.tenantUid, admin.token)).status).toBe(200);
    expect((await removeMember(t.app, owner.tenantUid, manager.token, staff.uid)).status).toBe(204);
    expectProblem(await getMember(t.app, owner.tenantUid, owner.accessToken, staff.uid), 404, 'not_found');
  });

  it('refuses an admin removing an owner with 403, and lets an admin remove an admin', async () => {
    const admin = await addMember(t.app, owner, 'admin');
    const otherAdmin = await createStaff(t.app, owner, { role: 'admin' });
    const secondOwner = await createStaff(t.app, owner, { role: 'owner' });
    for (const uid of [owner.memberUid, secondOwner.uid]) {
      expectProblem(await removeMember(t.app, owner.tenantUid, admin.token, uid), 403, 'forbidden');
      expect((await getMember(t.app, owner.tenantUid, owner.accessToken, uid)).status).toBe(200);
    }
    expect((await removeMember(t.app, owner.tenantUid, admin.token, otherAdmin.uid)).status).toBe(204);
  });

  it('refuses staff removing anyone with 403 forbidden', async () => {
    const staff = await addMember(t.app, owner, 'staff');
    const colleague = await createStaff(t.app, owner);
    expectProblem(await removeMember(t.app, owner.tenantUid, staff.token, colleague.uid), 403, 'forbidden');
    expect((await getMember(t.app, owner.tenantUid, owner.accessToken, colleague.uid)).status).toBe(200);
  });

  it('takes the tenant out of the removed person’s account, seen with a token of another tenant they belong to', async () => {
    // The person owns a tenant of their own and joins ours by invitation.
    const person = await createOwner(t.app, { name: 'Own Tenant' });
    const invitation = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/invites`, token: owner.accessToken, body: { role: 'staff' } });
    expect(invitation.status).toBe(201);
    const joined = await call(t.app, { method: 'PUT', url: '/account/invite', token: person.authToken, body: { inviteToken: invitation.body.inviteToken } });
    expect(joined.status).toBe(200);
    const membershipUid: string = joined.body.uid;
    const tokenHere: string = joined.body.accessToken;
    expect(joined.body.userUid).toBe(person.userUid);

    // Make our tenant the person's default, so removal has to clear it too.
    expect((await call(t.app, { method: 'PUT', url: '/account', token: person.accessToken, body: { defaultTenantUid: owner.tenantUid } })).status).toBe(200);
    const before = await call(t.app, { method: 'GET', url: '/account', token: person.accessToken });
    expect(sorted(before.body.tenants.map((m: { tenant: { uid: string } }) => m.tenant.uid))).toEqual(sorted([owner.tenantUid, person.tenantUid]));

    expect((await removeMember(t.app, owner.tenantUid, owner.accessToken, membershipUid)).status).toBe(204);

    const after = await call(t.app, { method: 'GET', url: '/account', token: person.accessToken });
    expect(after.status).toBe(200);
    expect(after.body.tenants.map((m: { tenant: { uid: string } }) => m.tenant.uid)).toEqual([person.tenantUid]);
    expect(after.body.defaultTenantUid).not.toBe(owner.tenantUid);
    await expectTokenRefused(t.app, owner.tenantUid, tokenHere);
    expectProblem(await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/account`, token: person.authToken }), 403, 'not_a_member');
  });

  it('answers 404 not_found for an unknown member', async () => {
    expectProblem(await removeMember(t.app, owner.tenantUid, owner.accessToken, `nobody-${unique()}`), 404, 'not_found');
  });
});

describe('unlocking a user code (POST /tenants/{t}/users/{u}/unlock)', () => {
  let t: TestApp;
  let owner: Owner;
  let manager: Member;
  let device: string;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
    manager = await addMember(t.app, owner, 'manager');
    device = await deviceOf(t.app, owner);
  });
  afterAll(() => t.close());

  /** Five wrong PINs, then the right PIN is refused with 429. */
  async function lockOut(userCode: string, password: string) {
    for (let i = 0; i < 5; i++) {
      expect((await deviceLogin(t.app, device, userCode, 'wrong-pin')).status).toBe(401);
    }
    const locked = await deviceLogin(t.app, device, userCode, password);
    expectProblem(locked, 429, 'too_many_attempts');
  }

  it('lets a manager unlock a staff member: 200 with the member, and the right PIN logs in at once', async () => {
    const staff = await createStaff(t.app, owner);
    await lockOut(staff.userCode, staff.password);
    const response = await unlockMember(t.app, owner.tenantUid, manager.token, staff.uid);
    expect(response.status).toBe(200);
    expect(response.body.uid).toBe(staff.uid);
    const login = await deviceLogin(t.app, device, staff.userCode, staff.password);
    expect(login.status).toBe(200);
    expect(login.body.uid).toBe(staff.uid);
  });

  it('resets the failure count, so the next wrong PIN does not lock again', async () => {
    const staff = await createStaff(t.app, owner);
    await lockOut(staff.userCode, staff.password);
    expect((await unlockMember(t.app, owner.tenantUid, owner.accessToken, staff.uid)).status).toBe(200);
    expectProblem(await deviceLogin(t.app, device, staff.userCode, 'wrong-pin'), 401, 'invalid_credentials');
    expect((await deviceLogin(t.app, device, staff.userCode, staff.password)).status).toBe(200);
  });

  it('refuses staff with 403 forbidden and the user code stays locked', async () => {
    const staff = await addMember(t.app, owner, 'staff');
    const locked = await createStaff(t.app, owner);
    await lockOut(locked.userCode, locked.password);
    expectProblem(await unlockMember(t.app, owner.tenantUid, staff.token, locked.uid), 403, 'forbidden');
    expectProblem(await deviceLogin(t.app, device, locked.userCode, locked.password), 429, 'too_many_attempts');
  });

  it('refuses a manager unlocking an admin with 403 forbidden; an admin may', async () => {
    const admin = await addMember(t.app, owner, 'admin');
    const lockedAdmin = await createStaff(t.app, owner, { role: 'admin' });
    await lockOut(lockedAdmin.userCode, lockedAdmin.password);
    expectProblem(await unlockMember(t.app, owner.tenantUid, manager.token, lockedAdmin.uid), 403, 'forbidden');
    expectProblem(await deviceLogin(t.app, device, lockedAdmin.userCode, lockedAdmin.password), 429, 'too_many_attempts');
    expect((await unlockMember(t.app, owner.tenantUid, admin.token, lockedAdmin.uid)).status).toBe(200);
    expect((await deviceLogin(t.app, device, lockedAdmin.userCode, lockedAdmin.password)).status).toBe(200);
  });

  it('answers 404 not_found for an unknown member', async () => {
    expectProblem(await unlockMember(t.app, owner.tenantUid, owner.accessToken, `nobody-${unique()}`), 404, 'not_found');
  });
});
