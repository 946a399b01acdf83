import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { call, createOwner, joinByInvitation, signUp, unique } from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

const ACCESS_TOKEN = /^acc_[A-Za-z0-9_-]{43}$/;

const exchange = (app: App, tenantUid: string, authToken: string) =>
  call(app, { method: 'POST', url: `/tenants/${tenantUid}/account`, token: authToken });

describe('token exchange (POST /tenants/{tenantUid}/account)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('exchanges an authToken of a member for a new access token of the tenant, with the TenantAccount and its expiry', async () => {
    const owner = await createOwner(t.app, { name: 'Harbour Deli' });
    const response = await exchange(t.app, owner.tenantUid, owner.authToken);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      uid: owner.memberUid,
      tenant: { uid: owner.tenantUid, name: 'Harbour Deli' },
      userUid: owner.userUid,
      role: 'owner',
      status: 'active',
      hasPassword: false,
      storeUids: [],
    });
    expect(response.body).not.toHaveProperty('password');
    expect(response.body.accessToken).toMatch(ACCESS_TOKEN);
    expect(response.body.accessToken).not.toBe(owner.accessToken);
    // Default lifetime: one hour from the service's clock.
    const lifetime = Date.parse(response.body.expiresAt) - t.clock.now().getTime();
    expect(lifetime).toBeGreaterThan(3590_000);
    expect(lifetime).toBeLessThanOrEqual(3600_000);
    expect(new Date(response.body.expiresAt).toISOString()).toBe(response.body.expiresAt);

    const me = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token: response.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.uid).toBe(owner.memberUid);
    // The older token of the same member keeps working.
    expect((await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken })).status).toBe(200);
  });

  it('issues a token for the tenant in the path when the user belongs to several', async () => {
    const owner = await createOwner(t.app);
    const otherOwner = await createOwner(t.app);
    const joined = await joinByInvitation(t.app, otherOwner, owner, 'manager');
    const response = await exchange(t.app, otherOwner.tenantUid, owner.authToken);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ uid: joined.uid, tenant: { uid: otherOwner.tenantUid }, role: 'manager' });
    const inOther = await call(t.app, { method: 'GET', url: `/tenants/${otherOwner.tenantUid}/account`, token: response.body.accessToken });
    expect(inOther.status).toBe(200);
    const inOwn = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token: response.body.accessToken });
    expect(inOwn.status).toBe(403);
    expect(inOwn.body.code).toBe('tenant_mismatch');
  });

  it('answers 403 not_a_member, identically, for a tenant the user is not in and for a tenant that does not exist', async () => {
    const owner = await createOwner(t.app);
    const stranger = await signUp(t.app);
    const existing = await exchange(t.app, owner.tenantUid, stranger.authToken);
    const missing = await exchange(t.app, `no-such-${unique()}`, stranger.authToken);
    for (const response of [existing, missing]) {
      expect(response.status).toBe(403);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 403, code: 'not_a_member' });
      expect(response.body).not.toHaveProperty('accessToken');
    }
    // Nothing tells the two apart, so the answer does not reveal which tenants exist.
    const { instance: _a, ...existingProblem } = existing.body;
    const { instance: _b, ...missingProblem } = missing.body;
    expect(missingProblem).toEqual(existingProblem);
  });

  it('answers 403 account_disabled for a disabled member and stops the tokens the member already has', async () => {
    const owner = await createOwner(t.app);
    const member = await signUp(t.app);
    const joined = await joinByInvitation(t.app, owner, member, 'staff');
    expect((await exchange(t.app, owner.tenantUid, member.authToken)).status).toBe(200);

    // The owner disables the member through the member API.
    const disabled = await call(t.app, {
      method: 'PUT',
      url: `/tenants/${owner.tenantUid}/users/${joined.uid}`,
      token: owner.accessToken,
      body: { status: 'disabled' },
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body.status).toBe('disabled');

    const response = await exchange(t.app, owner.tenantUid, member.authToken);
    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 403, code: 'account_disabled' });
    expect(response.body).not.toHaveProperty('accessToken');
    // Revocation when a member is disabled takes effect on the next request.
    const old = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token: joined.accessToken });
    expect(old.status).toBe(401);
    expect(old.body.code).toBe('invalid_token');
  });

  it('creates the user from the first authToken it sees, with email and displayName from its claims', async () => {
    const newcomer = await signUp(t.app, { name: 'Ada Lovelace', email: `ada-${unique()}@example.com` });
    // The first call this service sees with the newcomer's authToken.
    const created = await call(t.app, { method: 'POST', url: '/tenants', token: newcomer.authToken, body: { name: 'Analytical Bakery' } });
    expect(created.status).toBe(201);
    const account = await call(t.app, { method: 'GET', url: '/account', token: created.body.accessToken });
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ uid: created.body.userUid, email: newcomer.email, displayName: 'Ada Lovelace' });

    // Later authTokens of the same identity reach the same user, not a new one.
    const again = await exchange(t.app, created.body.tenant.uid, newcomer.authToken);
    expect(again.status).toBe(200);
    expect(again.body.userUid).toBe(created.body.userUid);
    const viaExchange = await call(t.app, { method: 'GET', url: '/account', token: again.body.accessToken });
    expect(viaExchange.body).toMatchObject({ uid: created.body.userUid, email: newcomer.email, displayName: 'Ada Lovelace' });
  });

  it('refuses a request without an authToken with 401 invalid_token', async () => {
    const owner = await createOwner(t.app);
    const response = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/account` });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('invalid_token');
  });

  it('answers 400 validation_failed for a tenant uid that breaks the identifier pattern', async () => {
    const user = await signUp(t.app);
    const response = await exchange(t.app, 'bad%20uid', user.authToken);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
  });
});

describe('logout (DELETE /account/session)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('answers 204 with no body, after which the same token gets 401 invalid_token', async () => {
    const owner = await createOwner(t.app);
    const response = await call(t.app, { method: 'DELETE', url: '/account/session', token: owner.accessToken });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');

    for (const url of ['/account', `/tenants/${owner.tenantUid}/account`]) {
      const after = await call(t.app, { method: 'GET', url, token: owner.accessToken });
      expect(after.status, url).toBe(401);
      expect(after.body.code).toBe('invalid_token');
      expect(after.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    }
    const twice = await call(t.app, { method: 'DELETE', url: '/account/session', token: owner.accessToken });
    expect(twice.status).toBe(401);
    expect(twice.body.code).toBe('invalid_token');
  });

  it('leaves the other tokens of the same member working', async () => {
    const owner = await createOwner(t.app);
    const second = await exchange(t.app, owner.tenantUid, owner.authToken);
    const third = await exchange(t.app, owner.tenantUid, owner.authToken);
    expect(second.status).toBe(200);
    expect(third.status).toBe(200);

    expect((await call(t.app, { method: 'DELETE', url: '/account/session', token: second.body.accessToken })).status).toBe(204);

    expect((await call(t.app, { method: 'GET', url: '/account', token: second.body.accessToken })).status).toBe(401);
    for (const token of [owner.accessToken, third.body.accessToken]) {
      const still = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token });
      expect(still.status).toBe(200);
      expect(still.body.uid).toBe(owner.memberUid);
    }
  });

  it('refuses a logout without a token with 401 invalid_token', async () => {
    const response = await call(t.app, { method: 'DELETE', url: '/account/session' });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('invalid_token');
  });
});
