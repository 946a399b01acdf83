import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  type SignedUpUser,
  type Staff,
} from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Response = Awaited<ReturnType<typeof call>>;

/** One raw HTTP call: the payload is sent exactly as given, with the given content type. */
async function send(
  t: TestApp,
  { method, url, token, payload, contentType, headers = {} }: { method: Method; url: string; token?: string; payload?: string; contentType?: string; headers?: Record<string, string> },
): Promise<Response> {
  const response = await t.app.inject({
    method,
    url,
    headers: {
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      ...(contentType !== undefined ? { 'content-type': contentType } : {}),
      ...headers,
    },
    payload,
  });
  let json: any;
  try {
    json = response.body ? JSON.parse(response.body) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, body: json, text: response.body };
}

/** The contract's error: problem+json with type/title/status/detail/code, never a 5xx. */
function expectProblem(response: Response, status: number, code: string) {
  expect(response.status, response.text).toBeLessThan(500);
  expect(response.status, response.text).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({
    type: expect.stringMatching(/\S/),
    title: expect.stringMatching(/\S/),
    status,
    detail: expect.stringMatching(/\S/),
    code,
  });
  // A refusal never carries a token.
  expect(response.body).not.toHaveProperty('accessToken');
  expect(response.body).not.toHaveProperty('inviteToken');
  expect(response.body).not.toHaveProperty('deviceToken');
}

function expectInvalidToken(response: Response) {
  expectProblem(response, 401, 'invalid_token');
  expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
}

const randomOpaque = (prefix: string) => prefix + randomBytes(32).toString('base64url');
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Well-formed JWT that no trusted issuer signed. */
const unsignedJwt = () =>
  `${b64({ alg: 'EdDSA', typ: 'JWT', kid: 'nope' })}.${b64({ iss: 'http://accounts.test', sub: 'x', aud: 'http://accounts.test', exp: Math.floor(Date.now() / 1000) + 600 })}.${randomBytes(64).toString('base64url')}`;
/** The same JWT with one character of its signature changed. */
const tampered = (jwt: string) => {
  const [header, payload, signature] = jwt.split('.');
  const flipped = (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
  return `${header}.${payload}.${signature.slice(0, 10)}${flipped}`;
};

/** Everything the tables below need, filled in beforeAll. */
interface Ctx {
  owner: Owner;
  storeUid: string;
  deviceToken: string;
  staff: Staff;
  staffAccessToken: string;
  loggedOutAccessToken: string;
  invitee: SignedUpUser;
  inviteToken: string;
}

let t: TestApp;
const ctx = {} as Ctx;

beforeAll(async () => {
  t = await buildTestApp();
  ctx.owner = await createOwner(t.app);
  ctx.storeUid = await createStore(t.app, ctx.owner);
  ctx.deviceToken = await attachDevice(t.app, ctx.owner);
  ctx.staff = await createStaff(t.app, ctx.owner);
  const login = await deviceLogin(t.app, ctx.deviceToken, ctx.staff.userCode, ctx.staff.password);
  expect(login.status).toBe(200);
  ctx.staffAccessToken = login.body.accessToken;
  const second = await deviceLogin(t.app, ctx.deviceToken, ctx.staff.userCode, ctx.staff.password);
  expect(second.status).toBe(200);
  ctx.loggedOutAccessToken = second.body.accessToken;
  expect((await call(t.app, { method: 'DELETE', url: '/account/session', token: ctx.loggedOutAccessToken })).status).toBe(204);
  ctx.invitee = await signUp(t.app);
  const invite = await call(t.app, { method: 'POST', url: `/tenants/${ctx.owner.tenantUid}/invites`, token: ctx.owner.accessToken, body: { role: 'staff' } });
  expect(invite.status).toBe(201);
  ctx.inviteToken = invite.body.inviteToken;
});
afterAll(() => t?.close());

/** The calls that take a JSON body, with a body they accept. */
interface BodyEndpoint {
  name: string;
  method: Method;
  url: () => string;
  token: () => string;
  valid: () => Record<string, unknown>;
  /** The body has required fields, so no body at all is a 400. */
  requiresBody: boolean;
}

const BODY_ENDPOINTS: BodyEndpoint[] = [
  {
    name: 'POST /account',
    method: 'POST',
    url: () => '/account',
    token: () => ctx.deviceToken,
    valid: () => ({ userCode: ctx.staff.userCode, password: ctx.staff.password }),
    requiresBody: true,
  },
  {
    name: 'PUT /account',
    method: 'PUT',
    url: () => '/account',
    token: () => ctx.owner.accessToken,
    valid: () => ({ defaultTenantUid: ctx.owner.tenantUid }),
    requiresBody: true,
  },
  {
    name: 'PUT /tenants/{t}/account',
    method: 'PUT',
    url: () => `/tenants/${ctx.owner.tenantUid}/account`,
    token: () => ctx.owner.accessToken,
    valid: () => ({ displayName: 'Owner' }),
    requiresBody: false,
  },
  {
    name: 'PUT /account/invite',
    method: 'PUT',
    url: () => '/account/invite',
    token: () => ctx.invitee.authToken,
    valid: () => ({ inviteToken: ctx.inviteToken }),
    requiresBody: true,
  },
  {
    name: 'POST /tenants',
    method: 'POST',
    url: () => '/tenants',
    token: () => ctx.owner.authToken,
    valid: () => ({ name: 'Another shop' }),
    requiresBody: true,
  },
  {
    name: 'POST /tenants/{t}/invites',
    method: 'POST',
    url: () => `/tenants/${ctx.owner.tenantUid}/invites`,
    token: () => ctx.owner.accessToken,
    valid: () => ({ role: 'staff' }),
    requiresBody: true,
  },
];

const endpoint = (name: string) => BODY_ENDPOINTS.find((e) => e.name === name)!;

describe.each(BODY_ENDPOINTS)('$name refuses a body that is not a JSON object of its fields', (e) => {
  const raw = (payload: string | undefined, contentType: string | undefined = 'application/json') =>
    send(t, { method: e.method, url: e.url(), token: e.token(), payload, contentType });

  it.each([
    ['malformed JSON', () => '{"userCode":'],
    ['a JSON array', () => '[]'],
    ['a JSON array holding a valid body', () => JSON.stringify([e.valid()])],
    ['a JSON string', () => '"userCode"'],
    ['a JSON number', () => '42'],
    ['JSON null', () => 'null'],
    ['a valid body followed by garbage', () => `${JSON.stringify(e.valid())} }`],
    ['a valid body with a __proto__ key', () => `${JSON.stringify(e.valid()).slice(0, -1)},"__proto__":{"role":"owner"}}`],
  ] as [string, () => string][])('400 validation_failed for %s', async (_label, payload) => {
    expectProblem(await raw(payload()), 400, 'validation_failed');
  });

  it('400 validation_failed for an unknown extra field (bodies are strict)', async () => {
    expectProblem(await raw(JSON.stringify({ ...e.valid(), unexpected: 'field' })), 400, 'validation_failed');
  });

  it('400 validation_failed for a misspelled field name', async () => {
    const [[field, value]] = Object.entries(e.valid());
    expectProblem(await raw(JSON.stringify({ [field.toUpperCase()]: value })), 400, 'validation_failed');
  });

  if (e.requiresBody) {
    it('400 validation_failed for no body, an empty body or {} (it has required fields)', async () => {
      expectProblem(await raw(undefined, undefined), 400, 'validation_failed');
      expectProblem(await raw('', 'application/json'), 400, 'validation_failed');
      expectProblem(await raw('{}'), 400, 'validation_failed');
    });
  }

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['application/xml']])(
    '400 validation_failed for a valid body sent as %s',
    async (contentType) => {
      expectProblem(await raw(JSON.stringify(e.valid()), contentType), 400, 'validation_failed');
    },
  );

  it('413 payload_too_large for a body over 64 KiB', async () => {
    const payload = JSON.stringify({ ...e.valid(), padding: 'x'.repeat(65 * 1024) });
    expectProblem(await raw(payload), 413, 'payload_too_large');
  });
});

/** Bodies with a missing, mistyped or malformed field: each a 400 validation_failed. */
const BAD_FIELDS: [string, string, () => unknown][] = [
  // POST /account
  ['POST /account', 'no userCode', () => ({ password: ctx.staff.password })],
  ['POST /account', 'no password', () => ({ userCode: ctx.staff.userCode })],
  ['POST /account', 'userCode as a number', () => ({ userCode: 12345, password: ctx.staff.password })],
  ['POST /account', 'password as a number', () => ({ userCode: ctx.staff.userCode, password: 482913 })],
  ['POST /account', 'password null', () => ({ userCode: ctx.staff.userCode, password: null })],
  ['POST /account', 'userCode with a space', () => ({ userCode: 'bad code', password: ctx.staff.password })],
  ['POST /account', 'userCode with a dot', () => ({ userCode: 'bad.code', password: ctx.staff.password })],
  ['POST /account', 'userCode of 65 characters', () => ({ userCode: 'c'.repeat(65), password: ctx.staff.password })],
  ['POST /account', 'empty userCode', () => ({ userCode: '', password: ctx.staff.password })],
  ['POST /account', 'userCode as an array', () => ({ userCode: [ctx.staff.userCode], password: ctx.staff.password })],
  // PUT /account
  ['PUT /account', 'no defaultTenantUid', () => ({})],
  ['PUT /account', 'defaultTenantUid as a number', () => ({ defaultTenantUid: 5 })],
  ['PUT /account', 'defaultTenantUid null', () => ({ defaultTenantUid: null })],
  ['PUT /account', 'defaultTenantUid with a space', () => ({ defaultTenantUid: 'bad uid' })],
  ['PUT /account', 'defaultTenantUid with a slash', () => ({ defaultTenantUid: 'a/b' })],
  ['PUT /account', 'defaultTenantUid of 65 characters', () => ({ defaultTenantUid: 't'.repeat(65) })],
  ['PUT /account', 'empty defaultTenantUid', () => ({ defaultTenantUid: '' })],
  ['PUT /account', 'defaultTenantUid with a trailing newline', () => ({ defaultTenantUid: `${ctx.owner.tenantUid}\n` })],
  ['PUT /account', 'defaultTenantUid as an object', () => ({ defaultTenantUid: { uid: ctx.owner.tenantUid } })],
  // PUT /tenants/{t}/account
  ['PUT /tenants/{t}/account', 'displayName as a number', () => ({ displayName: 5 })],
  ['PUT /tenants/{t}/account', 'firstname as a boolean', () => ({ firstname: true })],
  ['PUT /tenants/{t}/account', 'lastname as an array', () => ({ lastname: ['Doe'] })],
  ['PUT /tenants/{t}/account', 'password as a number', () => ({ password: 123456 })],
  ['PUT /tenants/{t}/account', 'a password of 3 characters', () => ({ password: 'abc' })],
  ['PUT /tenants/{t}/account', 'a password of 129 characters', () => ({ password: 'p'.repeat(129) })],
  ['PUT /tenants/{t}/account', 'an e-mail that is not one', () => ({ email: 'not-an-email' })],
  ['PUT /tenants/{t}/account', 'a mobile number that is not one', () => ({ mobile: 'call me maybe' })],
  ['PUT /tenants/{t}/account', 'a languageCode outside ISO 639-1', () => ({ languageCode: 'xx' })],
  ['PUT /tenants/{t}/account', 'a language name instead of a code', () => ({ languageCode: 'english' })],
  ['PUT /tenants/{t}/account', 'defaultStoreUid with a space', () => ({ defaultStoreUid: 'bad store' })],
  ['PUT /tenants/{t}/account', 'defaultStoreUid of 65 characters', () => ({ defaultStoreUid: 's'.repeat(65) })],
  ['PUT /tenants/{t}/account', 'defaultStoreUid as a number', () => ({ defaultStoreUid: 7 })],
  // PUT /account/invite
  ['PUT /account/invite', 'no inviteToken', () => ({})],
  ['PUT /account/invite', 'inviteToken as a number', () => ({ inviteToken: 5 })],
  ['PUT /account/invite', 'inviteToken null', () => ({ inviteToken: null })],
  ['PUT /account/invite', 'empty inviteToken', () => ({ inviteToken: '' })],
  // POST /tenants
  ['POST /tenants', 'no name', () => ({ uid: `t-${unique()}` })],
  ['POST /tenants', 'name as a number', () => ({ name: 5 })],
  ['POST /tenants', 'empty name', () => ({ name: '' })],
  ['POST /tenants', 'uid as a number', () => ({ uid: 5, name: 'Shop' })],
  ['POST /tenants', 'uid with a space', () => ({ uid: 'bad uid', name: 'Shop' })],
  ['POST /tenants', 'uid with non-ASCII letters', () => ({ uid: 'café', name: 'Shop' })],
  ['POST /tenants', 'uid of 65 characters', () => ({ uid: 'u'.repeat(65), name: 'Shop' })],
  ['POST /tenants', 'empty uid', () => ({ uid: '', name: 'Shop' })],
  // POST /tenants/{t}/invites
  ['POST /tenants/{t}/invites', 'no role', () => ({ email: 'someone@example.com' })],
  ['POST /tenants/{t}/invites', 'an unknown role', () => ({ role: 'king' })],
  ['POST /tenants/{t}/invites', 'expiresInHours as the string "5" (not coerced)', () => ({ role: 'staff', expiresInHours: '5' })],
  ['POST /tenants/{t}/invites', 'expiresInHours as a fraction', () => ({ role: 'staff', expiresInHours: 5.5 })],
  ['POST /tenants/{t}/invites', 'expiresInHours 0', () => ({ role: 'staff', expiresInHours: 0 })],
  ['POST /tenants/{t}/invites', 'expiresInHours 721', () => ({ role: 'staff', expiresInHours: 721 })],
  ['POST /tenants/{t}/invites', 'storeUids with a bad identifier', () => ({ role: 'staff', storeUids: ['bad uid'] })],
  ['POST /tenants/{t}/invites', 'storeUids as a string', () => ({ role: 'staff', storeUids: 'all' })],
  ['POST /tenants/{t}/invites', 'an e-mail that is not one', () => ({ role: 'staff', email: 'nope' })],
];

describe('fields that are missing, of the wrong type or malformed', () => {
  it.each(BAD_FIELDS)('%s: 400 validation_failed for %s', async (name, _label, body) => {
    const e = endpoint(name);
    expectProblem(await call(t.app, { method: e.method, url: e.url(), token: e.token(), body: body() }), 400, 'validation_failed');
  });

  it('accepts expiresInHours as a JSON number, so the refusal of "5" is about its type', async () => {
    const response = await call(t.app, {
      method: 'POST',
      url: `/tenants/${ctx.owner.tenantUid}/invites`,
      token: ctx.owner.accessToken,
      body: { role: 'staff', expiresInHours: 5 },
    });
    expect(response.status).toBe(201);
    const hours = (Date.parse(response.body.invitation.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(4.9);
    expect(hours).toBeLessThan(5.1);
  });
});

/** The calls with a tenant in the path. */
const TENANT_PATH_ENDPOINTS: { name: string; method: Method; path: string; token: () => string; body?: () => unknown }[] = [
  { name: 'GET /tenants/{t}/account', method: 'GET', path: 'account', token: () => ctx.owner.accessToken },
  { name: 'POST /tenants/{t}/account', method: 'POST', path: 'account', token: () => ctx.owner.authToken },
  { name: 'PUT /tenants/{t}/account', method: 'PUT', path: 'account', token: () => ctx.owner.accessToken, body: () => ({ displayName: 'X' }) },
  { name: 'POST /tenants/{t}/invites', method: 'POST', path: 'invites', token: () => ctx.owner.accessToken, body: () => ({ role: 'staff' }) },
];

describe.each(TENANT_PATH_ENDPOINTS)('$name with a tenant uid in the path that is not an identifier', (e) => {
  it.each([
    ['bad%20uid', 'a space'],
    ['bad.uid', 'a dot'],
    ['caf%C3%A9', 'a non-ASCII letter'],
    ['a%2Fb', 'an encoded slash'],
    ['abc%0A', 'a trailing newline'],
    ['x'.repeat(65), '65 characters'],
  ])('400 validation_failed for /tenants/%s/… (%s)', async (tenant) => {
    const response = await call(t.app, { method: e.method, url: `/tenants/${tenant}/${e.path}`, token: e.token(), body: e.body?.() });
    expectProblem(response, 400, 'validation_failed');
  });
});

describe('text fields with a NUL character', () => {
  // PostgreSQL text cannot hold U+0000: such a value must be refused as bad input
  // (or stored intact, as SQLite can), never end in a 5xx.
  it.each([
    ['PUT /tenants/{t}/account', 'displayName'],
    ['PUT /tenants/{t}/account', 'firstname'],
    ['PUT /tenants/{t}/account', 'lastname'],
    ['POST /tenants', 'name'],
  ])('%s: a %s with U+0000 is refused with 400 or stored intact, never a 5xx', async (name, field) => {
    const e = endpoint(name);
    const value = 'Bad\u0000Name';
    const response = await call(t.app, { method: e.method, url: e.url(), token: e.token(), body: { ...e.valid(), [field]: value } });
    expect(response.status, response.text).toBeLessThan(500);
    if (response.status === 400) {
      expectProblem(response, 400, 'validation_failed');
    } else {
      expect(response.status).toBe(e.method === 'POST' ? 201 : 200);
      expect(name === 'POST /tenants' ? response.body.tenant[field] : response.body[field]).toBe(value);
    }
  });
});

describe('POST /tenants/{t}/account takes no body', () => {
  const url = () => `/tenants/${ctx.owner.tenantUid}/account`;

  it.each([
    ['an object with a field', '{"x":1}', 'application/json'],
    ['a JSON string', '"x"', 'application/json'],
    ['a JSON array with an item', '[1]', 'application/json'],
    ['malformed JSON', '{"x":', 'application/json'],
    ['plain text', 'hello', 'text/plain'],
  ])('400 validation_failed for %s', async (_label, payload, contentType) => {
    const response = await send(t, { method: 'POST', url: url(), token: ctx.owner.authToken, payload, contentType });
    expectProblem(response, 400, 'validation_failed');
  });

  it('413 payload_too_large for a body over 64 KiB', async () => {
    const payload = JSON.stringify({ padding: 'x'.repeat(65 * 1024) });
    const response = await send(t, { method: 'POST', url: url(), token: ctx.owner.authToken, payload, contentType: 'application/json' });
    expectProblem(response, 413, 'payload_too_large');
  });

  it('accepts an empty body with Content-Type: application/json', async () => {
    const response = await send(t, { method: 'POST', url: url(), token: ctx.owner.authToken, payload: '', contentType: 'application/json' });
    expect(response.status).toBe(200);
    expect(response.body.accessToken).toMatch(/^acc_/);
  });

  it('accepts a request without body and without content type', async () => {
    const response = await send(t, { method: 'POST', url: url(), token: ctx.owner.authToken });
    expect(response.status).toBe(200);
    expect(response.body.accessToken).toMatch(/^acc_/);
  });
});

/** The calls that need a token: an unknown one, a revoked one and one of another kind. */
const TOKEN_ENDPOINTS: {
  name: string;
  method: Method;
  url: () => string;
  body?: () => unknown;
  unknown: () => string;
  /** A token that once worked (or nearly): revoked, or with a broken signature. */
  revoked?: { label: string; token: () => string | Promise<string> };
  otherKind: () => string;
}[] = [
  {
    name: 'GET /account',
    method: 'GET',
    url: () => '/account',
    unknown: () => randomOpaque('acc_'),
    revoked: { label: 'an access token revoked by logout', token: () => ctx.loggedOutAccessToken },
    otherKind: () => ctx.deviceToken,
  },
  {
    name: 'POST /account',
    method: 'POST',
    url: () => '/account',
    body: () => ({ userCode: ctx.staff.userCode, password: ctx.staff.password }),
    unknown: () => randomOpaque('dev_'),
    revoked: {
      label: 'the device token of a revoked device',
      token: async () => {
        const attached = await call(t.app, { method: 'POST', url: `/tenants/${ctx.owner.tenantUid}/devices`, token: ctx.owner.accessToken, body: { name: 'Old till' } });
        expect(attached.status).toBe(201);
        const revoked = await call(t.app, { method: 'DELETE', url: `/tenants/${ctx.owner.tenantUid}/devices/${attached.body.device.uid}`, token: ctx.owner.accessToken });
        expect(revoked.status).toBe(204);
        return attached.body.deviceToken;
      },
    },
    otherKind: () => ctx.staffAccessToken,
  },
  {
    name: 'PUT /account',
    method: 'PUT',
    url: () => '/account',
    body: () => ({ defaultTenantUid: ctx.owner.tenantUid }),
    unknown: () => randomOpaque('acc_'),
    revoked: { label: 'an access token revoked by logout', token: () => ctx.loggedOutAccessToken },
    otherKind: () => ctx.owner.authToken,
  },
  {
    name: 'GET /tenants/{t}/account',
    method: 'GET',
    url: () => `/tenants/${ctx.owner.tenantUid}/account`,
    unknown: () => randomOpaque('acc_'),
    revoked: { label: 'an access token revoked by logout', token: () => ctx.loggedOutAccessToken },
    otherKind: () => ctx.deviceToken,
  },
  {
    name: 'POST /tenants/{t}/account',
    method: 'POST',
    url: () => `/tenants/${ctx.owner.tenantUid}/account`,
    unknown: unsignedJwt,
    revoked: { label: 'an authToken with a tampered signature', token: () => tampered(ctx.owner.authToken) },
    otherKind: () => ctx.owner.accessToken,
  },
  {
    name: 'PUT /tenants/{t}/account',
    method: 'PUT',
    url: () => `/tenants/${ctx.owner.tenantUid}/account`,
    body: () => ({ displayName: 'Staff Member' }),
    unknown: () => randomOpaque('acc_'),
    revoked: { label: 'an access token revoked by logout', token: () => ctx.loggedOutAccessToken },
    otherKind: () => ctx.owner.authToken,
  },
  {
    name: 'PUT /account/invite',
    method: 'PUT',
    url: () => '/account/invite',
    body: () => ({ inviteToken: ctx.inviteToken }),
    unknown: unsignedJwt,
    revoked: { label: 'an authToken with a tampered signature', token: () => tampered(ctx.invitee.authToken) },
    otherKind: () => ctx.inviteToken,
  },
  {
    name: 'POST /tenants',
    method: 'POST',
    url: () => '/tenants',
    body: () => ({ name: 'Shop' }),
    unknown: unsignedJwt,
    revoked: { label: 'an authToken with a tampered signature', token: () => tampered(ctx.owner.authToken) },
    otherKind: () => ctx.owner.accessToken,
  },
];

describe.each(TOKEN_ENDPOINTS)('$name refuses bad credentials with 401', (e) => {
  const request = (headers: Record<string, string>) => call(t.app, { method: e.method, url: e.url(), body: e.body?.(), headers });

  it('401 with a bare WWW-Authenticate: Bearer when no credentials are sent', async () => {
    const response = await request({});
    expectProblem(response, 401, 'invalid_token');
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('401 invalid_token for an unknown token', async () => {
    expectInvalidToken(await request({ authorization: `Bearer ${e.unknown()}` }));
  });

  if (e.revoked) {
    const revoked = e.revoked;
    it(`401 invalid_token for ${revoked.label}`, async () => {
      expectInvalidToken(await request({ authorization: `Bearer ${await revoked.token()}` }));
    });
  }

  it('401 invalid_token for a valid token of another kind', async () => {
    expectInvalidToken(await request({ authorization: `Bearer ${e.otherKind()}` }));
  });

  it.each([['Basic dXNlcjpwYXNzd29yZA=='], ['Bearer'], ['Bearer two tokens'], ['acc_short']])(
    '401 invalid_token for the Authorization header %j',
    async (authorization) => {
      expectProblem(await request({ authorization }), 401, 'invalid_token');
    },
  );
});

describe('GET /account/invite with a bad x-invite-token', () => {
  it('400 validation_failed without the header', async () => {
    expectProblem(await call(t.app, { method: 'GET', url: '/account/invite' }), 400, 'validation_failed');
  });

  it('400 validation_failed for an oversized header', async () => {
    const response = await call(t.app, { method: 'GET', url: '/account/invite', headers: { 'x-invite-token': `inv_${'a'.repeat(300)}` } });
    expectProblem(response, 400, 'validation_failed');
  });

  it.each([
    ['an unknown invite token', () => randomOpaque('inv_')],
    ['a string that is no invite token', () => 'definitely-not-a-token'],
    ['a token of another kind', () => ctx.owner.accessToken],
  ])('404 not_found for %s', async (_label, token) => {
    const response = await call(t.app, { method: 'GET', url: '/account/invite', headers: { 'x-invite-token': token() } });
    expectProblem(response, 404, 'not_found');
  });

  it('PUT /account/invite: 404 not_found for an unknown invite token', async () => {
    const response = await call(t.app, { method: 'PUT', url: '/account/invite', token: ctx.invitee.authToken, body: { inviteToken: randomOpaque('inv_') } });
    expectProblem(response, 404, 'not_found');
  });
});

describe('a refused request changes nothing', () => {
  it.each([
    ['an invalid languageCode', { languageCode: 'xx' }, 400, 'validation_failed'],
    ['an invalid mobile', { mobile: 'call me' }, 400, 'validation_failed'],
    ['an invalid e-mail', { email: 'nope' }, 400, 'validation_failed'],
    ['an unknown field', { nickname: 'Bob' }, 400, 'validation_failed'],
    ['a too short password', { password: 'abc' }, 400, 'validation_failed'],
    ['a store that does not exist', { defaultStoreUid: 'no-such-store' }, 422, 'unknown_store'],
  ] as [string, Record<string, unknown>, number, string][])(
    'PUT /tenants/{t}/account with valid fields and %s leaves the account as it was',
    async (_label, invalid, status, code) => {
      const staff = await createStaff(t.app, ctx.owner, { firstname: 'Ada', displayName: 'Ada L.' });
      const login = await deviceLogin(t.app, ctx.deviceToken, staff.userCode, staff.password);
      expect(login.status).toBe(200);
      const token = login.body.accessToken;
      const url = `/tenants/${ctx.owner.tenantUid}/account`;
      const before = await call(t.app, { method: 'GET', url, token });
      expect(before.status).toBe(200);

      const refused = await call(t.app, {
        method: 'PUT',
        url,
        token,
        body: { displayName: 'Changed', firstname: 'Changed', defaultStoreUid: ctx.storeUid, ...invalid },
      });
      expectProblem(refused, status, code);

      const after = await call(t.app, { method: 'GET', url, token });
      expect(after.status).toBe(200);
      expect(after.body).toEqual(before.body);
      expect(after.body).toMatchObject({ displayName: 'Ada L.', firstname: 'Ada', defaultStoreUid: null });
      // The password was not changed either: the old one still logs in.
      expect((await deviceLogin(t.app, ctx.deviceToken, staff.userCode, staff.password)).status).toBe(200);
    },
  );

  it('a refused POST /account issues no token and does not count towards the lockout', async () => {
    const staff = await createStaff(t.app, ctx.owner);
    for (let i = 0; i < 6; i++) {
      const refused = await call(t.app, {
        method: 'POST',
        url: '/account',
        token: ctx.deviceToken,
        body: { userCode: staff.userCode, password: Number(staff.password) },
      });
      expectProblem(refused, 400, 'validation_failed');
    }
    const extra = await call(t.app, { method: 'POST', url: '/account', token: ctx.deviceToken, body: { ...{ userCode: staff.userCode, password: staff.password }, remember: true } });
    expectProblem(extra, 400, 'validation_failed');
    const login = await deviceLogin(t.app, ctx.deviceToken, staff.userCode, staff.password);
    expect(login.status).toBe(200);
  });

  it('a refused PUT /account leaves the default tenant as it was', async () => {
    const owner = await createOwner(t.app);
    const second = await call(t.app, { method: 'POST', url: '/tenants', token: owner.authToken, body: { name: 'Second shop' } });
    expect(second.status).toBe(201);
    const secondUid = second.body.tenant.uid;
    const before = await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    expect(before.body.defaultTenantUid).toBe(owner.tenantUid);

    expectProblem(
      await call(t.app, { method: 'PUT', url: '/account', token: owner.accessToken, body: { defaultTenantUid: secondUid, extra: true } }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call(t.app, { method: 'PUT', url: '/account', token: owner.accessToken, body: { defaultTenantUid: ctx.owner.tenantUid } }),
      422,
      'unknown_tenant',
    );
    const after = await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    expect(after.body.defaultTenantUid).toBe(owner.tenantUid);

    // The same change without the bad part goes through.
    const accepted = await call(t.app, { method: 'PUT', url: '/account', token: owner.accessToken, body: { defaultTenantUid: secondUid } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.defaultTenantUid).toBe(secondUid);
  });

  it('a refused POST /tenants creates no tenant: its uid stays free', async () => {
    const owner = await createOwner(t.app);
    const uid = `t-${unique()}`;
    expectProblem(
      await call(t.app, { method: 'POST', url: '/tenants', token: owner.authToken, body: { uid, name: 'Shop', plan: 'gold' } }),
      400,
      'validation_failed',
    );
    expectProblem(await call(t.app, { method: 'POST', url: '/tenants', token: owner.authToken, body: { uid, name: 5 } }), 400, 'validation_failed');
    const account = await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    expect(account.body.tenants.map((m: any) => m.tenant.uid)).toEqual([owner.tenantUid]);
    const created = await call(t.app, { method: 'POST', url: '/tenants', token: owner.authToken, body: { uid, name: 'Shop' } });
    expect(created.status).toBe(201);
    expect(created.body.tenant.uid).toBe(uid);
  });

  it('a refused PUT /account/invite leaves the invitation pending and the user outside the tenant', async () => {
    const invite = await call(t.app, { method: 'POST', url: `/tenants/${ctx.owner.tenantUid}/invites`, token: ctx.owner.accessToken, body: { role: 'manager' } });
    expect(invite.status).toBe(201);
    const inviteToken = invite.body.inviteToken;
    const user = await signUp(t.app);

    expectProblem(
      await call(t.app, { method: 'PUT', url: '/account/invite', token: user.authToken, body: { inviteToken, role: 'owner' } }),
      400,
      'validation_failed',
    );
    const lookup = await call(t.app, { method: 'GET', url: '/account/invite', headers: { 'x-invite-token': inviteToken } });
    expect(lookup.status).toBe(200);
    expect(lookup.body.status).toBe('pending');
    const exchange = await call(t.app, { method: 'POST', url: `/tenants/${ctx.owner.tenantUid}/account`, token: user.authToken });
    expectProblem(exchange, 403, 'not_a_member');

    const accepted = await call(t.app, { method: 'PUT', url: '/account/invite', token: user.authToken, body: { inviteToken } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.role).toBe('manager');
  });

  it('a used invitation answers GET and PUT /account/invite with 410 invitation_used', async () => {
    const invite = await call(t.app, { method: 'POST', url: `/tenants/${ctx.owner.tenantUid}/invites`, token: ctx.owner.accessToken, body: { role: 'staff' } });
    const first = await signUp(t.app);
    expect((await call(t.app, { method: 'PUT', url: '/account/invite', token: first.authToken, body: { inviteToken: invite.body.inviteToken } })).status).toBe(200);
    const lookup = await call(t.app, { method: 'GET', url: '/account/invite', headers: { 'x-invite-token': invite.body.inviteToken } });
    expectProblem(lookup, 410, 'invitation_used');
    const second = await signUp(t.app);
    const again = await call(t.app, { method: 'PUT', url: '/account/invite', token: second.authToken, body: { inviteToken: invite.body.inviteToken } });
    expectProblem(again, 410, 'invitation_used');
  });

  it('a PUT /tenants/{t}/account refused for a wrong body does not revoke the member’s other tokens', async () => {
    const staff = await createStaff(t.app, ctx.owner);
    const a = await deviceLogin(t.app, ctx.deviceToken, staff.userCode, staff.password);
    const b = await deviceLogin(t.app, ctx.deviceToken, staff.userCode, staff.password);
    const url = `/tenants/${ctx.owner.tenantUid}/account`;
    expectProblem(await call(t.app, { method: 'PUT', url, token: a.body.accessToken, body: { password: 'new-password-1', bogus: 1 } }), 400, 'validation_failed');
    expect((await call(t.app, { method: 'GET', url, token: b.body.accessToken })).status).toBe(200);
    // Control: the valid change does revoke the other token.
    expect((await call(t.app, { method: 'PUT', url, token: a.body.accessToken, body: { password: 'new-password-1' } })).status).toBe(200);
    expectInvalidToken(await call(t.app, { method: 'GET', url, token: b.body.accessToken }));
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/nope'],
    ['GET', '/tenants'],
    ['DELETE', '/account'],
    ['POST', `/tenants/t-1/nothing-here`],
    ['GET', '/account/invite/extra'],
  ] as [Method, string][])('%s %s is a 404 not_found problem', async (method, url) => {
    const response = await call(t.app, { method, url, token: ctx.owner.accessToken });
    expectProblem(response, 404, 'not_found');
  });
});
