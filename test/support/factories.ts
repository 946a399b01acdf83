import { randomBytes } from 'node:crypto';
import type { App } from '../../src/app.js';

/** Short random suffix for unique names in one suite. */
export const unique = () => randomBytes(4).toString('hex');

export interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One HTTP call through the app, as a client would make it. */
export async function call(app: App, { method, url, token, body, headers = {} }: Call) {
  const response = await app.inject({
    method,
    url,
    headers: {
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = response.body;
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, body: json, text };
}

export interface SignedUpUser {
  email: string;
  name: string;
  password: string;
  sessionToken: string;
  authToken: string;
}

/** Signs up at the built-in auth service and fetches an authToken (a JWT). */
export async function signUp(app: App, options: { email?: string; name?: string } = {}): Promise<SignedUpUser> {
  const email = options.email ?? `user-${unique()}@example.com`;
  const name = options.name ?? 'Test User';
  const password = `pw-${unique()}-${unique()}`;
  const signUpResponse = await call(app, { method: 'POST', url: '/auth/sign-up/email', body: { name, email, password } });
  if (signUpResponse.status !== 200) throw new Error(`sign-up failed: ${signUpResponse.status} ${signUpResponse.text}`);
  const sessionToken = signUpResponse.body.token as string;
  const tokenResponse = await call(app, { method: 'GET', url: '/auth/token', token: sessionToken });
  if (tokenResponse.status !== 200) throw new Error(`token failed: ${tokenResponse.status} ${tokenResponse.text}`);
  return { email, name, password, sessionToken, authToken: tokenResponse.body.token };
}

export interface Owner extends SignedUpUser {
  tenantUid: string;
  accessToken: string;
  memberUid: string;
  userUid: string;
}

/** A signed-up user who created a tenant and holds its owner access token. */
export async function createOwner(app: App, tenant: { uid?: string; name?: string } = {}): Promise<Owner> {
  const user = await signUp(app);
  const created = await call(app, {
    method: 'POST',
    url: '/tenants',
    token: user.authToken,
    body: { uid: tenant.uid ?? `t-${unique()}`, name: tenant.name ?? 'Test Tenant' },
  });
  if (created.status !== 201) throw new Error(`tenant creation failed: ${created.status} ${created.text}`);
  return {
    ...user,
    tenantUid: created.body.tenant.uid,
    accessToken: created.body.accessToken,
    memberUid: created.body.uid,
    userUid: created.body.userUid,
  };
}

export async function createStore(app: App, owner: Owner, uid = `s-${unique()}`, name = 'Store'): Promise<string> {
  const response = await call(app, { method: 'POST', url: `/tenants/${owner.tenantUid}/stores`, token: owner.accessToken, body: { uid, name } });
  if (response.status !== 201) throw new Error(`store creation failed: ${response.status} ${response.text}`);
  return response.body.uid;
}

export async function attachDevice(app: App, owner: Owner, storeUid?: string): Promise<string> {
  const response = await call(app, {
    method: 'POST',
    url: `/tenants/${owner.tenantUid}/devices`,
    token: owner.accessToken,
    body: { name: 'Till 1', ...(storeUid ? { storeUid } : {}) },
  });
  if (response.status !== 201) throw new Error(`device creation failed: ${response.status} ${response.text}`);
  return response.body.deviceToken;
}

/** Attaches a device (a till) with `body`'s fields and returns it with its token. */
export async function attachDeviceWith(app: App, owner: Owner, body: Record<string, unknown> = {}) {
  const response = await call(app, {
    method: 'POST',
    url: `/tenants/${owner.tenantUid}/devices`,
    token: owner.accessToken,
    body: { name: `Till ${unique()}`, ...body },
  });
  if (response.status !== 201) throw new Error(`device creation failed: ${response.status} ${response.text}`);
  return response.body as { device: any; deviceToken: string };
}

export interface Staff {
  uid: string;
  userUid: string;
  userCode: string;
  password: string;
}

/** Creates a member with a user code and PIN through the management API. */
export async function createStaff(app: App, owner: Owner, fields: Record<string, unknown> = {}): Promise<Staff> {
  const userCode = (fields.userCode as string) ?? `c${unique()}`;
  const password = (fields.password as string) ?? '482913';
  const response = await call(app, {
    method: 'POST',
    url: `/tenants/${owner.tenantUid}/users`,
    token: owner.accessToken,
    body: { role: 'staff', displayName: 'Staff Member', userCode, password, ...fields },
  });
  if (response.status !== 201) throw new Error(`member creation failed: ${response.status} ${response.text}`);
  return { uid: response.body.uid, userUid: response.body.userUid, userCode, password };
}

export async function deviceLogin(app: App, deviceToken: string, userCode: string, password: string) {
  return call(app, { method: 'POST', url: '/account', token: deviceToken, body: { userCode, password } });
}

/** An access token of the owner's tenant for a new member of `role`, obtained by device login. */
export async function accessTokenOfRole(app: App, owner: Owner, role: 'owner' | 'admin' | 'manager' | 'staff'): Promise<string> {
  const member = await createStaff(app, owner, { role });
  const device = await attachDevice(app, owner);
  const login = await deviceLogin(app, device, member.userCode, member.password);
  if (login.status !== 200 || login.body.role !== role) throw new Error(`login as ${role} failed: ${login.status} ${login.text}`);
  return login.body.accessToken;
}

export function invite(app: App, tenantUid: string, token: string, body: Record<string, unknown>) {
  return call(app, { method: 'POST', url: `/tenants/${tenantUid}/invites`, token, body });
}

export function lookUpInvite(app: App, inviteToken: string) {
  return call(app, { method: 'GET', url: '/account/invite', headers: { 'x-invite-token': inviteToken } });
}

export function acceptInvite(app: App, authToken: string, inviteToken: string) {
  return call(app, { method: 'PUT', url: '/account/invite', token: authToken, body: { inviteToken } });
}

/** `user` joins `owner`'s tenant through an invitation without e-mail; returns the TenantAccount + accessToken. */
export async function joinByInvitation(app: App, owner: Owner, user: SignedUpUser, role: string) {
  const created = await invite(app, owner.tenantUid, owner.accessToken, { role });
  if (created.status !== 201) throw new Error(`invitation failed: ${created.status} ${created.text}`);
  const accepted = await acceptInvite(app, user.authToken, created.body.inviteToken);
  if (accepted.status !== 200) throw new Error(`acceptance failed: ${accepted.status} ${accepted.text}`);
  return accepted.body as { uid: string; userUid: string; accessToken: string };
}
