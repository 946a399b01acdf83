import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachDevice, call, createOwner, createStaff, createStore, deviceLogin, unique, type Owner } from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

describe('device login (POST /account)', () => {
  let t: TestApp;
  let owner: Owner;
  let deviceToken: string;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
    deviceToken = await attachDevice(t.app, owner);
  });
  afterAll(() => t.close());

  it('logs a staff member in with user code and PIN and returns an access token of the tenant', async () => {
    const staff = await createStaff(t.app, owner);
    const response = await deviceLogin(t.app, deviceToken, staff.userCode, staff.password);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      uid: staff.uid,
      tenant: { uid: owner.tenantUid, name: 'Test Tenant' },
      role: 'staff',
      status: 'active',
      userCode: staff.userCode,
      hasPassword: true,
    });
    expect(response.body.accessToken).toMatch(/^acc_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(response.body.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    expect(response.body).not.toHaveProperty('password');
    const me = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token: response.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.uid).toBe(staff.uid);
  });

  it('accepts the device token without the Bearer scheme', async () => {
    const staff = await createStaff(t.app, owner);
    const response = await call(t.app, {
      method: 'POST',
      url: '/account',
      headers: { authorization: deviceToken },
      body: { userCode: staff.userCode, password: staff.password },
    });
    expect(response.status).toBe(200);
  });

  it('gives the same 401 invalid_credentials for unknown code, wrong PIN, disabled member and member without password', async () => {
    const staff = await createStaff(t.app, owner);
    const disabled = await createStaff(t.app, owner, { status: 'disabled' });
    const noPassword = await createStaff(t.app, owner, { password: undefined });
    const attempts = [
      ['nobody-here', '482913'],
      [staff.userCode, '000000'],
      [disabled.userCode, disabled.password],
      [noPassword.userCode, '482913'],
    ];
    for (const [code, pin] of attempts) {
      const response = await deviceLogin(t.app, deviceToken, code, pin);
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(response.body).toMatchObject({ status: 401, code: 'invalid_credentials', title: expect.any(String), detail: expect.any(String) });
    }
  });

  it('admits on a store-bound device only members who may use that store', async () => {
    const storeA = await createStore(t.app, owner);
    const storeB = await createStore(t.app, owner);
    const boundToA = await attachDevice(t.app, owner, storeA);
    const onlyB = await createStaff(t.app, owner, { storeUids: [storeB] });
    const onlyA = await createStaff(t.app, owner, { storeUids: [storeA] });
    const everywhere = await createStaff(t.app, owner);

    const denied = await deviceLogin(t.app, boundToA, onlyB.userCode, onlyB.password);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('store_access_denied');
    expect((await deviceLogin(t.app, boundToA, onlyA.userCode, onlyA.password)).status).toBe(200);
    expect((await deviceLogin(t.app, boundToA, everywhere.userCode, everywhere.password)).status).toBe(200);
  });

  it('refuses a device token of another tenant to log in this tenant’s staff', async () => {
    const other = await createOwner(t.app);
    const otherDevice = await attachDevice(t.app, other);
    const staff = await createStaff(t.app, owner);
    const response = await deviceLogin(t.app, otherDevice, staff.userCode, staff.password);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('invalid_credentials');
  });
});

describe('device login lockout', () => {
  let t: TestApp;
  let owner: Owner;
  let deviceToken: string;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
    deviceToken = await attachDevice(t.app, owner);
  });
  afterAll(() => t.close());

  async function failTimes(userCode: string, times: number) {
    for (let i = 0; i < times; i++) {
      const response = await deviceLogin(t.app, deviceToken, userCode, 'wrong-pin');
      expect(response.status).toBe(401);
    }
  }

  it('refuses with 429 and Retry-After after 5 consecutive failures, even with the right PIN', async () => {
    const staff = await createStaff(t.app, owner);
    await failTimes(staff.userCode, 5);
    const locked = await deviceLogin(t.app, deviceToken, staff.userCode, staff.password);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('too_many_attempts');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(30);
  });

  it('counts failures per user code within one tenant: the same code in another tenant still logs in', async () => {
    const userCode = `c${unique()}`;
    const here = await createStaff(t.app, owner, { userCode });
    const otherOwner = await createOwner(t.app);
    const elsewhere = await createStaff(t.app, otherOwner, { userCode });
    const otherDevice = await attachDevice(t.app, otherOwner);
    await failTimes(here.userCode, 5);
    expect((await deviceLogin(t.app, deviceToken, userCode, here.password)).status).toBe(429);
    expect((await deviceLogin(t.app, otherDevice, userCode, elsewhere.password)).status).toBe(200);
  });

  it('unlocks when the window has passed, and a success resets the count', async () => {
    const staff = await createStaff(t.app, owner);
    await failTimes(staff.userCode, 5);
    expect((await deviceLogin(t.app, deviceToken, staff.userCode, staff.password)).status).toBe(429);
    t.clock.advance(31);
    expect((await deviceLogin(t.app, deviceToken, staff.userCode, staff.password)).status).toBe(200);
    // The count starts again from zero: four more failures do not lock.
    await failTimes(staff.userCode, 4);
    expect((await deviceLogin(t.app, deviceToken, staff.userCode, staff.password)).status).toBe(200);
  });

  it('grows the window with further failures after a lock', async () => {
    const staff = await createStaff(t.app, owner);
    await failTimes(staff.userCode, 5);
    t.clock.advance(31);
    await failTimes(staff.userCode, 1); // sixth failure: 60 s
    const locked = await deviceLogin(t.app, deviceToken, staff.userCode, staff.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(30);
    t.clock.advance(31);
    expect((await deviceLogin(t.app, deviceToken, staff.userCode, staff.password)).status).toBe(429);
    t.clock.advance(30);
    expect((await deviceLogin(t.app, deviceToken, staff.userCode, staff.password)).status).toBe(200);
  });

  it('locks unknown user codes too, so a 429 does not reveal which codes exist', async () => {
    await failTimes('no-such-code', 5);
    const response = await deviceLogin(t.app, deviceToken, 'no-such-code', '123456');
    expect(response.status).toBe(429);
  });
});

describe('device login under a flood of concurrent logins', () => {
  let t: TestApp;
  let owner: Owner;
  let deviceToken: string;

  beforeAll(async () => {
    t = await buildTestApp({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '1' });
    owner = await createOwner(t.app);
    deviceToken = await attachDevice(t.app, owner);
  });
  afterAll(() => t.close());

  it('answers logins beyond the hashing bound with 503 and Retry-After, never a 500, and serves the rest', async () => {
    // Eight people, so that the user-code lockout plays no part.
    const people = [];
    for (let i = 0; i < 8; i++) people.push(await createStaff(t.app, owner));
    const responses = await Promise.all(people.map((p) => deviceLogin(t.app, deviceToken, p.userCode, p.password)));
    const statuses = responses.map((r) => r.status);
    // One hash runs and one waits; the others arriving meanwhile are turned away.
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    const refused = responses.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const response of refused) {
      expect(response.headers['retry-after']).toBe('1');
      expect(response.body).toMatchObject({ status: 503, code: 'service_unavailable' });
    }
    // The bound is released: the next login goes through.
    expect((await deviceLogin(t.app, deviceToken, people[0].userCode, people[0].password)).status).toBe(200);
  });
});

describe('device login against parallel guessing', () => {
  let t: TestApp;
  let owner: Owner;
  let deviceToken: string;

  beforeAll(async () => {
    t = await buildTestApp({ LOGIN_DEVICE_MAX_FAILURES: '1000' });
    owner = await createOwner(t.app);
    deviceToken = await attachDevice(t.app, owner);
  });
  afterAll(() => t.close());

  it('checks at most 5 of 20 simultaneous guesses for one user code; the others get 429 at once', async () => {
    const staff = await createStaff(t.app, owner);
    const guesses = await Promise.all(Array.from({ length: 20 }, (_, i) => deviceLogin(t.app, deviceToken, staff.userCode, `9${String(i).padStart(5, '0')}`)));
    const statuses = guesses.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    expect((await deviceLogin(t.app, deviceToken, staff.userCode, staff.password)).status).toBe(429);
  });

  it('lets the right PIN inside a burst through and clears the count', async () => {
    const staff = await createStaff(t.app, owner);
    const burst = await Promise.all([
      deviceLogin(t.app, deviceToken, staff.userCode, '111111'),
      deviceLogin(t.app, deviceToken, staff.userCode, staff.password),
      deviceLogin(t.app, deviceToken, staff.userCode, '222222'),
    ]);
    expect(burst.map((r) => r.status).sort()).toEqual([200, 401, 401]);
    // The success cleared the count (a burst failure may land after it): three
    // more failures stay below five, where without the clearing there would be six.
    for (let i = 0; i < 3; i++) expect((await deviceLogin(t.app, deviceToken, staff.userCode, '333333')).status).toBe(401);
    expect((await deviceLogin(t.app, deviceToken, staff.userCode, staff.password)).status).toBe(200);
  });
});

describe('device login limits per device', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp({ LOGIN_DEVICE_MAX_FAILURES: '3', LOGIN_DEVICE_WINDOW: '10m' });
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  it('refuses a device that tried wrong PINs across many user codes, until its window ends; other devices are not affected', async () => {
    const guessing = await attachDevice(t.app, owner);
    const other = await attachDevice(t.app, owner);
    const staff = await createStaff(t.app, owner);
    for (const code of ['a1', 'a2', 'a3']) expect((await deviceLogin(t.app, guessing, code, '123456')).status).toBe(401);
    const refused = await deviceLogin(t.app, guessing, staff.userCode, staff.password);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await deviceLogin(t.app, other, staff.userCode, staff.password)).status).toBe(200);
    t.clock.advance(601);
    expect((await deviceLogin(t.app, guessing, staff.userCode, staff.password)).status).toBe(200);
  });
});

describe('device login fairness between tenants', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '8', LOGIN_DEVICE_MAX_FAILURES: '1000' });
  });
  afterAll(() => t.close());

  it('keeps one tenant’s flood of logins from turning another tenant’s login away', async () => {
    const attacker = await createOwner(t.app);
    const attackerDevice = await attachDevice(t.app, attacker);
    const victim = await createOwner(t.app);
    const victimDevice = await attachDevice(t.app, victim);
    const staff = await createStaff(t.app, victim);
    const flood = Array.from({ length: 20 }, (_, i) => deviceLogin(t.app, attackerDevice, `flood${i}`, '123456'));
    const login = deviceLogin(t.app, victimDevice, staff.userCode, staff.password);
    const floodStatuses = (await Promise.all(flood)).map((r) => r.status);
    expect(floodStatuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect((await login).status).toBe(200);
  });
});
