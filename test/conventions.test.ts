import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { attachDevice, call, createOwner, createStaff, deviceLogin, type Owner } from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

describe('HTTP conventions', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  it('forbids caching of every answer, above all those that carry a token', async () => {
    const device = await attachDevice(t.app, owner);
    const staff = await createStaff(t.app, owner);
    const login = await deviceLogin(t.app, device, staff.userCode, staff.password);
    expect(login.status).toBe(200);
    expect(login.headers['cache-control']).toBe('no-store');
    expect((await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken })).headers['cache-control']).toBe('no-store');
    expect((await call(t.app, { method: 'GET', url: '/account' })).headers['cache-control']).toBe('no-store');
  });

  it('answers a call without credentials with 401 and a bare challenge, even when its body is bad too', async () => {
    const response = await call(t.app, { method: 'PUT', url: '/account', body: { unknown: 1 } });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.body.code).toBe('invalid_token');
    const badPath = await call(t.app, { method: 'GET', url: '/tenants/bad%20uid/account' });
    expect(badPath.status).toBe(401);
  });

  it('accepts phone numbers written with slashes, dots and brackets', async () => {
    const response = await call(t.app, {
      method: 'PUT',
      url: `/tenants/${owner.tenantUid}/account`,
      token: owner.accessToken,
      body: { mobile: '(0170) 123.45/67' },
    });
    expect(response.status).toBe(200);
    expect(response.body.mobile).toBe('(0170) 123.45/67');
  });
});

describe('the built-in auth service’s rate limit', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp({ AUTH_RATE_LIMIT: 'true' });
  });
  afterAll(() => t.close());

  it('answers too many sign-ins with 429 and a standard Retry-After header', async () => {
    const body = { email: 'nobody@example.com', password: 'not the password' };
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 6 && !limited; i++) {
      const response = await call(t.app, { method: 'POST', url: '/auth/sign-in/email', body });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(limited, `statuses: ${statuses.join(', ')}`).toBeDefined();
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('trusted external issuers', () => {
  it('must name the audience their tokens are minted for', () => {
    expect(() => loadConfig({ AUTH_ISSUERS: '[{"issuer":"https://id.example"}]' })).toThrow(/AUTH_ISSUERS.*audience/);
  });
});
