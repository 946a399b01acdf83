import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { hashPassword as scryptHash } from 'better-auth/crypto';
import { attachDevice, call, createOwner, createStaff, deviceLogin, unique } from './support/factories.js';
import { buildTestApp, TEST_PUBLIC_URL, type TestApp } from './support/test-app.js';

/** The claims a JWT of the built-in auth service may carry: registered JWT claims plus OIDC email and name. */
const ALLOWED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'email', 'name'];

function newCredentials() {
  return { name: 'Ada Lovelace', email: `ada-${unique()}@example.com`, password: `pw-${unique()}-${unique()}` };
}

describe('built-in auth service (/auth)', () => {
  let t: TestApp;
  const credentials = newCredentials();
  let sessionToken: string;
  let jwt: string;
  let jwks: JSONWebKeySet;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('signs a new user up with name, e-mail and password', async () => {
    const response = await call(t.app, { method: 'POST', url: '/auth/sign-up/email', body: credentials });
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ email: credentials.email, name: credentials.name });
    expect(response.body).not.toHaveProperty('user.password');
  });

  it('signs the user in with e-mail and password and returns a session token and the user', async () => {
    const response = await call(t.app, {
      method: 'POST',
      url: '/auth/sign-in/email',
      body: { email: credentials.email, password: credentials.password },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(expect.objectContaining({ token: expect.any(String), user: expect.any(Object) }));
    expect(response.body.token.length).toBeGreaterThan(10);
    expect(response.body.user).toMatchObject({ email: credentials.email, name: credentials.name });
    sessionToken = response.body.token;
  });

  it('refuses a wrong password at sign-in', async () => {
    const response = await call(t.app, {
      method: 'POST',
      url: '/auth/sign-in/email',
      body: { email: credentials.email, password: 'not-the-password' },
    });
    expect(response.status).toBe(401);
    expect(response.body?.token).toBeUndefined();
  });

  it('exchanges the session token (Authorization: Bearer) for a JWT at GET /auth/token', async () => {
    const response = await call(t.app, { method: 'GET', url: '/auth/token', token: sessionToken });
    expect(response.status).toBe(200);
    expect(response.body.token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    jwt = response.body.token;
  });

  it('gives no JWT without a session token', async () => {
    const response = await call(t.app, { method: 'GET', url: '/auth/token' });
    expect(response.status).toBe(401);
    expect(response.body?.token).toBeUndefined();
  });

  it('publishes its public keys at GET /auth/jwks as Ed25519 OKP keys without private parts', async () => {
    const response = await call(t.app, { method: 'GET', url: '/auth/jwks' });
    expect(response.status).toBe(200);
    jwks = response.body;
    expect(jwks.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: expect.any(String), x: expect.any(String) });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('signs its JWTs with EdDSA under a key id listed in the JWKS', () => {
    const header = decodeProtectedHeader(jwt);
    expect(header.alg).toBe('EdDSA');
    expect(header.kid).toEqual(expect.any(String));
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    for (const h of ['jku', 'x5u', 'jwk', 'x5c']) expect(header).not.toHaveProperty(h);
  });

  it('puts iss and aud = PUBLIC_URL, sub, exp, iat, email and name in the JWT', () => {
    const claims = decodeJwt(jwt);
    expect(claims.iss).toBe(TEST_PUBLIC_URL);
    expect(Array.isArray(claims.aud) ? claims.aud : [claims.aud]).toEqual([TEST_PUBLIC_URL]);
    expect(claims.sub).toEqual(expect.any(String));
    expect(claims.sub!.length).toBeGreaterThan(0);
    expect(claims.email).toBe(credentials.email);
    expect(claims.name).toBe(credentials.name);
    const now = Math.floor(Date.now() / 1000);
    expect(claims.iat).toBeGreaterThan(now - 120);
    expect(claims.iat).toBeLessThanOrEqual(now + 5);
    expect(claims.exp).toBeGreaterThan(now);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(3600);
  });

  it('leaves email_verified out of the JWT when no SMTP is configured (addresses are not verified)', () => {
    const claims = decodeJwt(jwt);
    expect(claims).not.toHaveProperty('email_verified');
  });

  it('puts no other user fields (id, image, createdAt, emailVerified, …) into the JWT', () => {
    const claims = decodeJwt(jwt);
    for (const field of ['id', 'image', 'createdAt', 'updatedAt', 'emailVerified', 'user']) expect(claims).not.toHaveProperty(field);
    expect(Object.keys(claims).filter((k) => !ALLOWED_CLAIMS.includes(k))).toEqual([]);
  });

  it('issues JWTs that verify with jose against its JWKS, issuer and audience', async () => {
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
      issuer: TEST_PUBLIC_URL,
      audience: TEST_PUBLIC_URL,
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(payload.email).toBe(credentials.email);
  });

  it('issues JWTs that do not verify once tampered with', async () => {
    const [header, , signature] = jwt.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(jwt), email: 'mallory@example.com' })).toString('base64url');
    await expect(jwtVerify(`${header}.${forged}.${signature}`, createLocalJWKSet(jwks))).rejects.toThrow();
    const refused = await call(t.app, { method: 'POST', url: '/tenants', token: `${header}.${forged}.${signature}`, body: { name: 'Forged' } });
    expect(refused.status).toBe(401);
  });

  it('issues JWTs that the account service accepts (token exchange via POST /tenants)', async () => {
    const response = await call(t.app, { method: 'POST', url: '/tenants', token: jwt, body: { name: 'Ada’s shop' } });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ role: 'owner', email: credentials.email });
  });
});

describe('built-in auth service passwords', () => {
  let t: TestApp;

  beforeAll(async () => {
    // One hash at a time and 8 waiting: each share (a client address at the auth
    // service, a tenant for device logins) may hold 3 of the 9 places.
    t = await buildTestApp({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '8' });
  });
  afterAll(() => t.close());

  const signUp = (credentials: { name: string; email: string; password: string }) => call(t.app, { method: 'POST', url: '/auth/sign-up/email', body: credentials });
  const signIn = (email: string, password: string) => call(t.app, { method: 'POST', url: '/auth/sign-in/email', body: { email, password } });
  const setStoredPassword = async (email: string, password: string) => {
    const user = await t.database.db.selectFrom('auth_users' as any).select('id').where('email', '=', email).executeTakeFirstOrThrow();
    await t.database.db.updateTable('auth_accounts' as any).set({ password }).where('userId', '=', (user as { id: string }).id).execute();
  };

  it('still signs in a user whose password was stored as a scrypt hash (Better Auth’s default)', async () => {
    const credentials = newCredentials();
    expect((await signUp(credentials)).status).toBe(200);
    await setStoredPassword(credentials.email, await scryptHash(credentials.password));
    expect((await signIn(credentials.email, credentials.password)).status).toBe(200);
    expect((await signIn(credentials.email, 'not-the-password')).status).toBe(401);
  });

  it('refuses a sign-in with 401, not 500, when the stored password is no hash it can read', async () => {
    const credentials = newCredentials();
    expect((await signUp(credentials)).status).toBe(200);
    await setStoredPassword(credentials.email, 'imported:not-a-hash');
    expect((await signIn(credentials.email, credentials.password)).status).toBe(401);
  });

  it('accepts a password typed in another Unicode normal form (NFKC, as Better Auth compares)', async () => {
    const credentials = { ...newCredentials(), password: `caf\u00e9-${unique()}-\uff21` }; // é composed, full-width A
    expect((await signUp(credentials)).status).toBe(200);
    const decomposed = credentials.password.normalize('NFD');
    expect(decomposed).not.toBe(credentials.password);
    expect((await signIn(credentials.email, decomposed)).status).toBe(200);
  });

  it("turns one client's sign-ins beyond its share away with 503 and Retry-After, never a 500, while device logins go through", async () => {
    const credentials = newCredentials();
    expect((await signUp(credentials)).status).toBe(200);
    const owner = await createOwner(t.app);
    const deviceToken = await attachDevice(t.app, owner);
    const staff = await createStaff(t.app, owner);

    const [signIns, login] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, () => signIn(credentials.email, credentials.password))),
      deviceLogin(t.app, deviceToken, staff.userCode, staff.password),
    ]);
    expect(login.status).toBe(200);
    const statuses = signIns.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    const refused = signIns.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const response of refused) {
      expect(response.headers['retry-after']).toBe('1');
      expect(response.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(response.body.token).toBeUndefined();
    }
    // The bound is released: the next sign-in goes through.
    expect((await signIn(credentials.email, credentials.password)).status).toBe(200);
  });

  it('turns sign-ups beyond the share away with 503 as well, and creates none of those users', async () => {
    const people = Array.from({ length: 10 }, () => newCredentials());
    const responses = await Promise.all(people.map((p) => signUp(p)));
    const refused = people.filter((_, i) => responses[i].status === 503);
    expect(responses.every((r) => r.status === 200 || r.status === 503)).toBe(true);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const person of refused) {
      const user = await t.database.db.selectFrom('auth_users' as any).select('id').where('email', '=', person.email).executeTakeFirst();
      expect(user).toBeUndefined();
      expect((await signUp(person)).status).toBe(200);
    }
  });
});

describe('built-in auth service origin checks', () => {
  let t: TestApp;
  const TRUSTED = 'https://till.pos.example';
  const credentials = newCredentials();

  beforeAll(async () => {
    t = await buildTestApp({ AUTH_TRUSTED_ORIGINS: `https://other.pos.example, ${TRUSTED}` });
    const signUp = await call(t.app, { method: 'POST', url: '/auth/sign-up/email', body: credentials });
    expect(signUp.status).toBe(200);
  });
  afterAll(() => t.close());

  const signIn = (headers: Record<string, string> = {}) =>
    call(t.app, { method: 'POST', url: '/auth/sign-in/email', body: { email: credentials.email, password: credentials.password }, headers });

  it('lets a client without an Origin header (like curl) sign in', async () => {
    const response = await signIn();
    expect(response.status).toBe(200);
    expect(response.body.token).toEqual(expect.any(String));
  });

  it('lets a Node.js fetch client (Sec-Fetch-Mode but no Origin) sign in', async () => {
    const response = await signIn({ 'sec-fetch-mode': 'cors', accept: '*/*', 'user-agent': 'node' });
    expect(response.status).toBe(200);
    expect(response.body.token).toEqual(expect.any(String));
  });

  it('refuses a browser request that carries a session cookie but no Origin', async () => {
    const response = await signIn({ 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'cross-site', cookie: 'better-auth.session_token=x' });
    expect(response.status).toBe(403);
  });

  it('refuses a sign-in from an untrusted browser origin with 403 and no token', async () => {
    const response = await signIn({ origin: 'https://evil.example' });
    expect(response.status).toBe(403);
    expect(response.body?.token).toBeUndefined();
  });

  it('refuses a sign-up from an untrusted browser origin with 403', async () => {
    const response = await call(t.app, {
      method: 'POST',
      url: '/auth/sign-up/email',
      body: newCredentials(),
      headers: { origin: 'https://evil.example' },
    });
    expect(response.status).toBe(403);
    expect(response.body?.token).toBeUndefined();
  });

  it('accepts a sign-in from an origin listed in AUTH_TRUSTED_ORIGINS', async () => {
    const response = await signIn({ origin: TRUSTED });
    expect(response.status).toBe(200);
    expect(response.body.token).toEqual(expect.any(String));
  });

  it('accepts a sign-in from the service’s own PUBLIC_URL origin', async () => {
    const response = await signIn({ origin: TEST_PUBLIC_URL });
    expect(response.status).toBe(200);
  });

  it('does not trust an origin that merely starts like a trusted one', async () => {
    const response = await signIn({ origin: `${TRUSTED}.evil.example` });
    expect(response.status).toBe(403);
  });
});

describe('health endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('answers GET /healthz with 200 {status: "ok"}', async () => {
    const response = await call(t.app, { method: 'GET', url: '/healthz' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('answers GET /readyz with 200 while the database is reachable', async () => {
    const response = await call(t.app, { method: 'GET', url: '/readyz' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: expect.any(String) });
  });
});
