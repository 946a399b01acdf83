import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachDevice, call, createOwner, createStaff, signUp, unique, type Owner, type Staff } from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

type Response = Awaited<ReturnType<typeof call>>;

/** Everything a client can see of a refusal, but the request path. */
function refusal(response: Response) {
  return {
    status: response.status,
    contentType: response.headers['content-type'],
    wwwAuthenticate: response.headers['www-authenticate'],
    type: response.body?.type,
    title: response.body?.title,
    code: response.body?.code,
    detail: response.body?.detail,
  };
}

/** A 401 invalid_token as RFC 6750 describes it for a token that was sent. */
function expectInvalidToken(response: Response) {
  expect(response.status).toBe(401);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  expect(response.body).toMatchObject({ status: 401, code: 'invalid_token' });
}

const randomOpaque = (prefix: string) => prefix + randomBytes(32).toString('base64url');

describe('reading the Authorization header', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  it('accepts "Bearer <token>", "bearer <token>" and the bare token alike', async () => {
    for (const authorization of [`Bearer ${owner.accessToken}`, `bearer ${owner.accessToken}`, `BEARER ${owner.accessToken}`, owner.accessToken]) {
      const response = await call(t.app, { method: 'GET', url: '/account', headers: { authorization } });
      expect(response.status, authorization.slice(0, 10)).toBe(200);
      expect(response.body.uid).toBe(owner.userUid);
    }
  });

  it('accepts an authToken bare and with a lowercase scheme too', async () => {
    for (const authorization of [owner.authToken, `bearer ${owner.authToken}`]) {
      const response = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/account`, headers: { authorization } });
      expect(response.status).toBe(200);
      expect(response.body.uid).toBe(owner.memberUid);
    }
  });

  it('answers a request without credentials with 401 invalid_token and a bare "WWW-Authenticate: Bearer"', async () => {
    const requests = [
      { method: 'GET' as const, url: '/account' },
      { method: 'POST' as const, url: '/account', body: { userCode: 'c1', password: '482913' } },
      { method: 'POST' as const, url: `/tenants/${owner.tenantUid}/account` },
      { method: 'POST' as const, url: '/tenants', body: { name: 'No Credentials' } },
    ];
    for (const request of requests) {
      const response = await call(t.app, request);
      expect(response.status, request.url).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 401, code: 'invalid_token' });
    }
  });

  it('answers an invalid token with 401 invalid_token and WWW-Authenticate: Bearer error="invalid_token"', async () => {
    const requests = [
      { method: 'GET' as const, url: '/account', token: 'not-a-token' },
      { method: 'POST' as const, url: '/account', token: 'dev_garbage', body: { userCode: 'c1', password: '482913' } },
      { method: 'POST' as const, url: `/tenants/${owner.tenantUid}/account`, token: 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA' },
      { method: 'POST' as const, url: '/tenants', token: 'not-a-jwt', body: { name: 'Bad Token' } },
    ];
    for (const request of requests) expectInvalidToken(await call(t.app, request));
  });
});

describe('token kinds: a token of the wrong kind is refused exactly like an invalid one', () => {
  let t: TestApp;
  let owner: Owner;
  let deviceToken: string;
  let staff: Staff;
  let inviteToken: string;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
    deviceToken = await attachDevice(t.app, owner);
    staff = await createStaff(t.app, owner);
    const invite = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/invites`, token: owner.accessToken, body: { role: 'staff' } });
    expect(invite.status).toBe(201);
    inviteToken = invite.body.inviteToken;
    expect(inviteToken).toMatch(/^inv_/);
  });
  afterAll(() => t.close());

  // Each route with a body that would be valid, so that only the token decides.
  const routes = {
    getAccount: () => ({ method: 'GET' as const, url: '/account' }),
    deviceLogin: () => ({ method: 'POST' as const, url: '/account', body: { userCode: staff.userCode, password: staff.password } }),
    exchange: () => ({ method: 'POST' as const, url: `/tenants/${owner.tenantUid}/account` }),
    createTenant: () => ({ method: 'POST' as const, url: '/tenants', body: { name: 'Confused Tenant' } }),
  };
  type Route = keyof typeof routes;

  /** Sends `token` on the route, and the same request with garbage; the two refusals must be the same. */
  async function expectRefusedLikeInvalid(route: Route, token: string) {
    const response = await call(t.app, { ...routes[route](), token });
    expectInvalidToken(response);
    const baseline = await call(t.app, { ...routes[route](), token: 'definitely-not-a-token' });
    expect(refusal(response)).toEqual(refusal(baseline));
  }

  it('the right kinds work on every route used below (control)', async () => {
    expect((await call(t.app, { ...routes.getAccount(), token: owner.accessToken })).status).toBe(200);
    expect((await call(t.app, { ...routes.deviceLogin(), token: deviceToken })).status).toBe(200);
    expect((await call(t.app, { ...routes.exchange(), token: owner.authToken })).status).toBe(200);
    expect((await call(t.app, { ...routes.createTenant(), token: owner.authToken })).status).toBe(201);
  });

  it('refuses a device token on GET /account', async () => {
    await expectRefusedLikeInvalid('getAccount', deviceToken);
  });

  it('refuses an access token on POST /account (device login)', async () => {
    await expectRefusedLikeInvalid('deviceLogin', owner.accessToken);
  });

  it('refuses an authToken (JWT) on GET /account', async () => {
    await expectRefusedLikeInvalid('getAccount', owner.authToken);
  });

  it('refuses an authToken (JWT) on POST /account (device login)', async () => {
    await expectRefusedLikeInvalid('deviceLogin', owner.authToken);
  });

  it('refuses an access token and a device token on POST /tenants/{t}/account', async () => {
    await expectRefusedLikeInvalid('exchange', owner.accessToken);
    await expectRefusedLikeInvalid('exchange', deviceToken);
  });

  it('refuses an access token and a device token on POST /tenants', async () => {
    await expectRefusedLikeInvalid('createTenant', owner.accessToken);
    await expectRefusedLikeInvalid('createTenant', deviceToken);
  });

  it('refuses an inviteToken used as a bearer token on every route', async () => {
    for (const route of Object.keys(routes) as Route[]) await expectRefusedLikeInvalid(route, inviteToken);
    // The invitation itself is still usable: refusing it did not consume it.
    const lookup = await call(t.app, { method: 'GET', url: '/account/invite', headers: { 'x-invite-token': inviteToken } });
    expect(lookup.status).toBe(200);
    expect(lookup.body.status).toBe('pending');
  });

  it('refuses a session token of the built-in auth service on every route', async () => {
    for (const route of Object.keys(routes) as Route[]) await expectRefusedLikeInvalid(route, owner.sessionToken);
  });

  it('refuses well-formed but unknown acc_ and dev_ tokens', async () => {
    await expectRefusedLikeInvalid('getAccount', randomOpaque('acc_'));
    await expectRefusedLikeInvalid('deviceLogin', randomOpaque('dev_'));
  });
});

describe('access token expiry', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('refuses an access token once its hour has passed, exactly like an invalid token', async () => {
    // Every authToken is used before the clock moves: the built-in ones live 15 minutes.
    const owner = await createOwner(t.app);
    const issued = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/account`, token: owner.authToken });
    expect(issued.status).toBe(200);
    expect(Date.parse(issued.body.expiresAt) - t.clock.now().getTime()).toBe(3600_000);

    t.clock.advance(3590);
    expect((await call(t.app, { method: 'GET', url: '/account', token: issued.body.accessToken })).status).toBe(200);

    t.clock.advance(11);
    const expired = await call(t.app, { method: 'GET', url: '/account', token: issued.body.accessToken });
    expectInvalidToken(expired);
    const baseline = await call(t.app, { method: 'GET', url: '/account', token: randomOpaque('acc_') });
    expect(refusal(expired)).toEqual(refusal(baseline));
    expectInvalidToken(await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token: issued.body.accessToken }));
  });
});

describe('access token lifetime set by ACCESS_TOKEN_TTL', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp({ ACCESS_TOKEN_TTL: '15m' });
  });
  afterAll(() => t.close());

  it('issues tokens that expire after 15 minutes and are refused from then on', async () => {
    const owner = await createOwner(t.app);
    const issued = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/account`, token: owner.authToken });
    expect(issued.status).toBe(200);
    expect(Date.parse(issued.body.expiresAt) - t.clock.now().getTime()).toBe(900_000);
    t.clock.advance(890);
    expect((await call(t.app, { method: 'GET', url: '/account', token: issued.body.accessToken })).status).toBe(200);
    t.clock.advance(11);
    expectInvalidToken(await call(t.app, { method: 'GET', url: '/account', token: issued.body.accessToken }));
  });
});

describe('authTokens of an external OIDC issuer', () => {
  const ISSUER = 'https://issuer.test/';
  const AUDIENCE = 'pos-api';
  const KID = 'issuer-key-1';

  let t: TestApp;
  let server: Server;
  let baseUrl: string;
  let issuerKeys: CryptoKeyPair;
  let attackerKeys: CryptoKeyPair;
  let attackerPublicJwk: JWK;
  const hits: Record<string, number> = {};

  beforeAll(async () => {
    issuerKeys = await generateKeyPair('RS256');
    attackerKeys = await generateKeyPair('RS256', { extractable: true });
    const issuerJwk = { ...(await exportJWK(issuerKeys.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
    attackerPublicJwk = { ...(await exportJWK(attackerKeys.publicKey)), kid: 'attacker-key', alg: 'RS256', use: 'sig' };
    const documents: Record<string, unknown> = {
      '/jwks': { keys: [issuerJwk] },
      '/attacker-jwks': { keys: [attackerPublicJwk, { ...attackerPublicJwk, kid: KID }] },
    };
    server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      hits[path] = (hits[path] ?? 0) + 1;
      const document = documents[path];
      response.writeHead(document ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify(document ?? { error: 'not found' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = await buildTestApp({
      AUTH_ISSUERS: JSON.stringify([{ issuer: ISSUER, jwksUri: `${baseUrl}/jwks`, audience: AUDIENCE }]),
    });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const nowSeconds = () => Math.floor(t.clock.now().getTime() / 1000);

  interface MintOptions {
    /** Claims to add or override; `undefined` removes a claim. */
    claims?: Record<string, unknown>;
    header?: Record<string, unknown>;
    key?: CryptoKey | Uint8Array;
  }

  /** A token of the trusted issuer, valid unless the options spoil it. */
  async function mint({ claims = {}, header = {}, key = issuerKeys.privateKey }: MintOptions = {}): Promise<string> {
    const now = nowSeconds();
    const payload: Record<string, unknown> = {
      iss: ISSUER,
      sub: `subject-${unique()}`,
      aud: AUDIENCE,
      iat: now,
      exp: now + 300,
      email: `ext-${unique()}@example.com`,
      name: 'External Person',
      ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT', ...header } as any).sign(key);
  }

  const createTenant = (token: string, name = 'External Tenant') =>
    call(t.app, { method: 'POST', url: '/tenants', token, body: { uid: `ext-${unique()}`, name } });

  async function expectRefused(token: string) {
    const response = await createTenant(token);
    expectInvalidToken(response);
    expect(response.body).not.toHaveProperty('accessToken');
  }

  it('accepts a good token on POST /tenants and creates the user from its claims', async () => {
    const token = await mint({ claims: { sub: 'alice-1', email: 'alice@example.com', name: 'Alice External' } });
    const created = await createTenant(token, 'Alice Shop');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ role: 'owner', status: 'active', tenant: { name: 'Alice Shop' } });
    expect(created.body.accessToken).toMatch(/^acc_/);
    const account = await call(t.app, { method: 'GET', url: '/account', token: created.body.accessToken });
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ uid: created.body.userUid, email: 'alice@example.com', displayName: 'Alice External' });
  });

  it('keys users by issuer + subject: the same sub with another e-mail is the same user', async () => {
    const sub = `bob-${unique()}`;
    const first = await createTenant(await mint({ claims: { sub, email: 'bob@example.com' } }));
    const second = await createTenant(await mint({ claims: { sub, email: 'robert@example.org' } }));
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.userUid).toBe(first.body.userUid);
    const account = await call(t.app, { method: 'GET', url: '/account', token: second.body.accessToken });
    expect(account.body.tenants.map((m: any) => m.tenant.uid).sort()).toEqual([first.body.tenant.uid, second.body.tenant.uid].sort());
  });

  it('keys users by issuer + subject: another sub with the same e-mail is a different user', async () => {
    const email = `shared-${unique()}@example.com`;
    const first = await createTenant(await mint({ claims: { sub: `carol-${unique()}`, email } }));
    const second = await createTenant(await mint({ claims: { sub: `mallory-${unique()}`, email } }));
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.userUid).not.toBe(first.body.userUid);
    const account = await call(t.app, { method: 'GET', url: '/account', token: second.body.accessToken });
    expect(account.body.tenants.map((m: any) => m.tenant.uid)).toEqual([second.body.tenant.uid]);
  });

  it('keeps a user of the built-in issuer apart from an external user with the same e-mail', async () => {
    const builtin = await signUp(t.app);
    const viaBuiltin = await createTenant(builtin.authToken);
    const viaExternal = await createTenant(await mint({ claims: { email: builtin.email } }));
    expect(viaBuiltin.status).toBe(201);
    expect(viaExternal.status).toBe(201);
    expect(viaExternal.body.userUid).not.toBe(viaBuiltin.body.userUid);
  });

  it('refuses alg "none"', async () => {
    const now = nowSeconds();
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(
      JSON.stringify({ iss: ISSUER, sub: 'none-user', aud: AUDIENCE, iat: now, exp: now + 300, email: 'none@example.com', name: 'None' }),
    );
    await expectRefused(`${header}.${payload}.`);
    // Nor with some bytes where the empty signature should be.
    await expectRefused(`${header}.${payload}.${base64url.encode('x')}`);
  });

  it('refuses HS256, signed with any secret or with the public key itself', async () => {
    await expectRefused(await mint({ header: { alg: 'HS256' }, key: new TextEncoder().encode('any-secret-any-secret-any-secret!') }));
    // The classic algorithm confusion: the issuer's public key used as an HMAC secret.
    const publicPem = await exportSPKI(issuerKeys.publicKey);
    await expectRefused(await mint({ header: { alg: 'HS256' }, key: new TextEncoder().encode(publicPem) }));
  });

  it('refuses a token signed by another key that claims the same kid', async () => {
    await expectRefused(await mint({ key: attackerKeys.privateKey }));
  });

  it('refuses an untrusted iss, even with a key the issuer holds', async () => {
    await expectRefused(await mint({ claims: { iss: 'https://evil.test/' } }));
    await expectRefused(await mint({ claims: { iss: 'https://issuer.test' } })); // not exactly the configured issuer
    await expectRefused(await mint({ claims: { iss: undefined } }));
  });

  it('refuses a wrong or missing aud', async () => {
    await expectRefused(await mint({ claims: { aud: 'other-api' } }));
    await expectRefused(await mint({ claims: { aud: undefined } }));
  });

  it('refuses a token expired more than 60 s ago, and accepts one expired 30 s ago (clock skew)', async () => {
    const now = nowSeconds();
    await expectRefused(await mint({ claims: { iat: now - 600, exp: now - 61 } }));
    const skewed = await createTenant(await mint({ claims: { iat: now - 600, exp: now - 30 } }));
    expect(skewed.status).toBe(201);
  });

  it('refuses a token whose nbf lies more than 60 s ahead, and accepts one 30 s ahead', async () => {
    const now = nowSeconds();
    await expectRefused(await mint({ claims: { nbf: now + 61 } }));
    const skewed = await createTenant(await mint({ claims: { nbf: now + 30 } }));
    expect(skewed.status).toBe(201);
  });

  it("takes the time from the service's clock: a token accepted now is refused once the clock passes exp + 60 s", async () => {
    const token = await mint({ claims: { exp: nowSeconds() + 100 } });
    expect((await createTenant(token)).status).toBe(201);
    t.clock.advance(100 + 61);
    await expectRefused(token);
  });

  it('refuses a token whose header carries its own key (jwk), never using it', async () => {
    await expectRefused(await mint({ key: attackerKeys.privateKey, header: { kid: 'attacker-key', jwk: attackerPublicJwk } }));
    // Even the issuer's own signature does not make a key-carrying header acceptable.
    await expectRefused(await mint({ header: { jwk: attackerPublicJwk } }));
  });

  it('refuses a token whose header points to an attacker JWKS (jku), never fetching it', async () => {
    const before = hits['/attacker-jwks'] ?? 0;
    await expectRefused(await mint({ key: attackerKeys.privateKey, header: { kid: 'attacker-key', jku: `${baseUrl}/attacker-jwks` } }));
    await expectRefused(await mint({ key: attackerKeys.privateKey, header: { jku: `${baseUrl}/attacker-jwks` } }));
    await expectRefused(await mint({ key: attackerKeys.privateKey, header: { kid: 'attacker-key', x5u: `${baseUrl}/attacker-jwks` } }));
    expect(hits['/attacker-jwks'] ?? 0).toBe(before);
  });

  it('refuses a token without sub (or with an empty one)', async () => {
    await expectRefused(await mint({ claims: { sub: undefined } }));
    await expectRefused(await mint({ claims: { sub: '' } }));
  });

  it('refuses a token without exp', async () => {
    await expectRefused(await mint({ claims: { exp: undefined } }));
  });

  it('refuses an external token on routes that take access tokens', async () => {
    const response = await call(t.app, { method: 'GET', url: '/account', token: await mint() });
    expectInvalidToken(response);
  });

  it('accepts an invitation bound to the e-mail only while the token does not mark it unverified', async () => {
    const owner = await createOwner(t.app);
    const inviteFor = async (email: string) => {
      const response = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/invites`, token: owner.accessToken, body: { email, role: 'staff' } });
      expect(response.status).toBe(201);
      return response.body.inviteToken as string;
    };
    const acceptWith = (authToken: string, inviteToken: string) =>
      call(t.app, { method: 'PUT', url: '/account/invite', token: authToken, body: { inviteToken } });

    for (const unverified of [false, 'false']) {
      const email = `unverified-${unique()}@example.com`;
      const inviteToken = await inviteFor(email);
      const refused = await acceptWith(await mint({ claims: { email, email_verified: unverified } }), inviteToken);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('invitation_email_mismatch');
      // Still pending: the same person with a verified address may accept it.
      const accepted = await acceptWith(await mint({ claims: { email, email_verified: true } }), inviteToken);
      expect(accepted.status).toBe(200);
    }
    const withoutClaim = `no-claim-${unique()}@example.com`;
    expect((await acceptWith(await mint({ claims: { email: withoutClaim } }), await inviteFor(withoutClaim))).status).toBe(200);
  });

  it('fetched the keys from the configured JWKS', () => {
    expect(hits['/jwks']).toBeGreaterThanOrEqual(1);
  });
});
