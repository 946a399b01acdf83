/**
 * The role matrix of the management API (api.md section 2): for every endpoint,
 * each of staff, manager, admin and owner of the tenant, and an owner of another
 * tenant, tries the call on a target made fresh for that attempt. Only the roles
 * the contract allows succeed; every other gets 403 (`forbidden` for a role,
 * `tenant_mismatch` for the other tenant), a refused read reveals nothing, and a
 * refused write changes nothing: the tenant's owner looks afterwards with a GET,
 * and the audit trail records no successful change by the refused caller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createOwner, createStaff, unique, type Owner } from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

type Role = 'owner' | 'admin' | 'manager' | 'staff';
type Actor = Role | 'other';
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Response = Awaited<ReturnType<typeof call>>;
type Ctx = Record<string, any>;

const ACTORS: Actor[] = ['staff', 'manager', 'admin', 'owner', 'other'];
const EVERY_MEMBER: Role[] = ['staff', 'manager', 'admin', 'owner'];
const MANAGERS_UP: Role[] = ['manager', 'admin', 'owner'];
const ADMINS_UP: Role[] = ['admin', 'owner'];
const OWNERS_ONLY: Role[] = ['owner'];

/** "a staff", "an owner": the article of a role name. */
const aRole = (role: Role) => `${role === 'owner' || role === 'admin' ? 'an' : 'a'} ${role}`;

const ACTOR_LABEL: Record<Actor, string> = {
  staff: 'a staff member',
  manager: 'a manager',
  admin: 'an admin',
  owner: 'an owner',
  other: 'an owner of another tenant',
};

const PROBLEM_KEYS = ['code', 'detail', 'instance', 'status', 'title', 'type'];
const PIN = '482913';

let t: TestApp;
/** The tenant's creator: sets up targets and looks at the state afterwards; never an actor under test. */
let owner: Owner;
/** An owner of a second tenant. */
let other: Owner;
/** The till every device login of this suite goes through. */
let deviceToken: string;
const actors = {} as Record<Actor, { token: string; memberUid: string }>;

// ---------------------------------------------------------------------------
// Helpers: calls as the tenant's creator, fresh targets, and looking at state.

const base = () => `/tenants/${owner.tenantUid}`;

function asOwner(method: Method, path: string, body?: unknown): Promise<Response> {
  return call(t.app, { method, url: `${base()}${path}`, token: owner.accessToken, body });
}

async function expectStatus(status: number, response: Response, what: string): Promise<any> {
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status} ${response.text}`);
  return response.body;
}

/** Every item of a list, following nextCursor. */
async function listAll(path: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const separator = path.includes('?') ? '&' : '?';
    const query = `${separator}limit=200${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const body = await expectStatus(200, await asOwner('GET', `${path}${query}`), `list ${path}`);
    items.push(...body.items);
    cursor = body.nextCursor;
    if (cursor === null) return items;
  }
  throw new Error(`list ${path} does not end`);
}

async function tenantName(): Promise<string> {
  return (await expectStatus(200, await asOwner('GET', ''), 'read tenant')).name;
}

async function newStore(): Promise<{ uid: string; name: string }> {
  const uid = `s-${unique()}`;
  const name = `Store ${unique()}`;
  await expectStatus(201, await asOwner('POST', '/stores', { uid, name }), 'create store');
  return { uid, name };
}

async function newDevice(): Promise<{ uid: string; name: string }> {
  const name = `Till ${unique()}`;
  const body = await expectStatus(201, await asOwner('POST', '/devices', { name }), 'attach device');
  return { uid: body.device.uid, name };
}

async function device(uid: string): Promise<any> {
  return (await listAll('/devices')).find((d) => d.uid === uid);
}

/** A member without a password (no argon2 work), with a display name to recognise. */
async function newMember(role: Role, fields: Record<string, unknown> = {}): Promise<{ uid: string; displayName: string }> {
  const displayName = `Member ${unique()}`;
  const body = await expectStatus(201, await asOwner('POST', '/users', { role, displayName, ...fields }), `create ${role}`);
  return { uid: body.uid, displayName };
}

async function newInvitation(role: Role): Promise<{ uid: string; email: string; token: string; expiresAt: string }> {
  const email = `invitee-${unique()}@example.com`;
  const body = await expectStatus(201, await asOwner('POST', '/invites', { email, role }), `invite ${role}`);
  return { uid: body.invitation.uid, email, token: body.inviteToken, expiresAt: body.invitation.expiresAt };
}

async function invitation(uid: string): Promise<any> {
  return (await listAll('/invites')).find((i) => i.uid === uid);
}

function lookUpInvitation(inviteToken: string): Promise<Response> {
  return call(t.app, { method: 'GET', url: '/account/invite', headers: { 'x-invite-token': inviteToken } });
}

function loginOnTill(userCode: string, password: string): Promise<Response> {
  return call(t.app, { method: 'POST', url: '/account', token: deviceToken, body: { userCode, password } });
}

/** How many successful `action` events the audit trail holds for a member. */
async function auditSuccesses(action: string, memberUid: string): Promise<number> {
  const events = await listAll(`/audit-events?action=${action}&actor=${memberUid}`);
  return events.filter((e) => e.outcome === 'success').length;
}

/** A member with a user code whose device login is locked (the suite locks after one failure). */
async function lockedMember(role: Role): Promise<{ uid: string; userCode: string }> {
  const userCode = `lock${unique()}`;
  const { uid } = await newMember(role, { userCode });
  await expectStatus(401, await loginOnTill(userCode, 'wrong-pin-1'), 'failed login');
  await expectStatus(429, await loginOnTill(userCode, 'wrong-pin-2'), 'locked login');
  return { uid, userCode };
}

// ---------------------------------------------------------------------------
// The table: one row per endpoint (and target), with who may call it.

interface BaseCase {
  endpoint: string;
  /** What an allowed caller does, for the test name. */
  does: string;
  allowed: Role[];
  /** The status of a success. */
  status: number;
  /** A fresh target for one attempt. */
  fixture: () => Promise<Ctx>;
  request: (ctx: Ctx) => { method: Method; path: string; body?: unknown };
  /** What a success returns and leaves behind. */
  succeeded: (ctx: Ctx, response: Response) => Promise<void>;
}
interface ReadCase extends BaseCase {
  kind: 'read';
  /** Text a success shows and a refusal must not. */
  reveals: (ctx: Ctx) => string;
}
interface WriteCase extends BaseCase {
  kind: 'write';
  /** The audit action of a success. */
  action: string;
  /** The owner's view after a refusal: as before. */
  unchanged: (ctx: Ctx) => Promise<void>;
}
type Case = ReadCase | WriteCase;

const memberReads = (role: Role): ReadCase => ({
  kind: 'read',
  endpoint: `GET /tenants/{t}/users/{u} (${role} target)`,
  does: `read ${aRole(role)}`,
  allowed: MANAGERS_UP,
  status: 200,
  fixture: () => newMember(role),
  request: (ctx) => ({ method: 'GET', path: `/users/${ctx.uid}` }),
  reveals: (ctx) => ctx.displayName,
  succeeded: async (ctx, response) => {
    expect(response.body).toMatchObject({ uid: ctx.uid, role, displayName: ctx.displayName });
  },
});

const memberUpdates = (role: Role, allowed: Role[]): WriteCase => ({
  kind: 'write',
  endpoint: `PUT /tenants/{t}/users/{u} (${role} target)`,
  does: `change ${aRole(role)}`,
  allowed,
  status: 200,
  action: 'member.updated',
  fixture: async () => ({ ...(await newMember(role)), newName: `Renamed ${unique()}` }),
  request: (ctx) => ({ method: 'PUT', path: `/users/${ctx.uid}`, body: { displayName: ctx.newName } }),
  succeeded: async (ctx, response) => {
    expect(response.body).toMatchObject({ uid: ctx.uid, role, displayName: ctx.newName });
    expect((await asOwner('GET', `/users/${ctx.uid}`)).body.displayName).toBe(ctx.newName);
  },
  unchanged: async (ctx) => {
    const now = await asOwner('GET', `/users/${ctx.uid}`);
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ role, status: 'active', displayName: ctx.displayName });
  },
});

const memberRemovals = (role: Role, allowed: Role[]): WriteCase => ({
  kind: 'write',
  endpoint: `DELETE /tenants/{t}/users/{u} (${role} target)`,
  does: `remove ${aRole(role)}`,
  allowed,
  status: 204,
  action: 'member.removed',
  fixture: () => newMember(role),
  request: (ctx) => ({ method: 'DELETE', path: `/users/${ctx.uid}` }),
  succeeded: async (ctx) => {
    expect((await asOwner('GET', `/users/${ctx.uid}`)).status).toBe(404);
  },
  unchanged: async (ctx) => {
    const now = await asOwner('GET', `/users/${ctx.uid}`);
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ role, status: 'active', displayName: ctx.displayName });
  },
});

const memberUnlocks = (role: Role, allowed: Role[]): WriteCase => ({
  kind: 'write',
  endpoint: `POST /tenants/{t}/users/{u}/unlock (${role} target)`,
  does: `unlock ${aRole(role)}`,
  allowed,
  status: 200,
  action: 'member.unlocked',
  fixture: () => lockedMember(role),
  request: (ctx) => ({ method: 'POST', path: `/users/${ctx.uid}/unlock` }),
  succeeded: async (ctx) => {
    // The next attempt is judged again (a wrong PIN: 401), no longer refused with 429.
    const login = await loginOnTill(ctx.userCode, 'wrong-pin-3');
    expect(login.status).toBe(401);
    expect(login.body.code).toBe('invalid_credentials');
  },
  unchanged: async (ctx) => {
    const login = await loginOnTill(ctx.userCode, 'wrong-pin-3');
    expect(login.status).toBe(429);
    expect(login.body.code).toBe('too_many_attempts');
  },
});

const memberCreations = (role: Role, allowed: Role[]): WriteCase => ({
  kind: 'write',
  endpoint: `POST /tenants/{t}/users (creating ${aRole(role)})`,
  does: `create ${aRole(role)}`,
  allowed,
  status: 201,
  action: 'member.created',
  fixture: async () => ({ userCode: `new${unique()}`, displayName: `Newcomer ${unique()}` }),
  request: (ctx) => ({ method: 'POST', path: '/users', body: { role, userCode: ctx.userCode, displayName: ctx.displayName } }),
  succeeded: async (ctx, response) => {
    expect(response.body).toMatchObject({ role, userCode: ctx.userCode, displayName: ctx.displayName, status: 'active' });
    const members = await listAll('/users');
    expect(members.filter((m) => m.userCode === ctx.userCode).map((m) => m.role)).toEqual([role]);
  },
  unchanged: async (ctx) => {
    const members = await listAll('/users');
    expect(members.filter((m) => m.userCode === ctx.userCode || m.displayName === ctx.displayName)).toEqual([]);
  },
});

const invitationCreations = (role: Role, allowed: Role[]): WriteCase => ({
  kind: 'write',
  endpoint: `POST /tenants/{t}/invites (inviting ${aRole(role)})`,
  does: `invite ${aRole(role)}`,
  allowed,
  status: 201,
  action: 'invitation.created',
  fixture: async () => ({ email: `invitee-${unique()}@example.com` }),
  request: (ctx) => ({ method: 'POST', path: '/invites', body: { email: ctx.email, role } }),
  succeeded: async (ctx, response) => {
    expect(response.body.invitation).toMatchObject({ email: ctx.email, role, status: 'pending' });
    expect(response.body.inviteToken).toMatch(/^inv_/);
    expect((await lookUpInvitation(response.body.inviteToken)).status).toBe(200);
    const invitations = await listAll('/invites');
    expect(invitations.filter((i) => i.email === ctx.email).map((i) => i.role)).toEqual([role]);
  },
  unchanged: async (ctx) => {
    const invitations = await listAll('/invites');
    expect(invitations.filter((i) => i.email === ctx.email)).toEqual([]);
  },
});

const invitationRevocations = (role: Role, allowed: Role[]): WriteCase => ({
  kind: 'write',
  endpoint: `DELETE /tenants/{t}/invites/{i} (${role} invitation)`,
  does: `revoke an invitation of ${aRole(role)}`,
  allowed,
  status: 204,
  action: 'invitation.revoked',
  fixture: () => newInvitation(role),
  request: (ctx) => ({ method: 'DELETE', path: `/invites/${ctx.uid}` }),
  succeeded: async (ctx) => {
    expect((await invitation(ctx.uid)).status).toBe('revoked');
    const lookup = await lookUpInvitation(ctx.token);
    expect(lookup.status).toBe(410);
    expect(lookup.body.code).toBe('invitation_revoked');
  },
  unchanged: async (ctx) => {
    expect((await invitation(ctx.uid)).status).toBe('pending');
    expect((await lookUpInvitation(ctx.token)).status).toBe(200);
  },
});

const invitationResends = (role: Role, allowed: Role[]): WriteCase => ({
  kind: 'write',
  endpoint: `POST /tenants/{t}/invites/{i}/resend (${role} invitation)`,
  does: `resend an invitation of ${aRole(role)}`,
  allowed,
  status: 200,
  action: 'invitation.resent',
  fixture: () => newInvitation(role),
  // A shorter expiry than the invitation has, so that a resend would show.
  request: (ctx) => ({ method: 'POST', path: `/invites/${ctx.uid}/resend`, body: { expiresInHours: 2 } }),
  succeeded: async (ctx, response) => {
    expect(response.body.invitation).toMatchObject({ uid: ctx.uid, role, status: 'pending' });
    expect(response.body.inviteToken).toMatch(/^inv_/);
    expect(response.body.inviteToken).not.toBe(ctx.token);
    expect((await lookUpInvitation(ctx.token)).status).toBe(404);
    expect((await lookUpInvitation(response.body.inviteToken)).status).toBe(200);
    expect((await invitation(ctx.uid)).expiresAt).not.toBe(ctx.expiresAt);
  },
  unchanged: async (ctx) => {
    expect(await invitation(ctx.uid)).toMatchObject({ status: 'pending', expiresAt: ctx.expiresAt });
    const lookup = await lookUpInvitation(ctx.token);
    expect(lookup.status).toBe(200);
    expect(lookup.body.uid).toBe(ctx.uid);
  },
});

const CASES: Case[] = [
  // --- the tenant
  {
    kind: 'read',
    endpoint: 'GET /tenants/{t}',
    does: 'read the tenant',
    allowed: EVERY_MEMBER,
    status: 200,
    fixture: async () => ({ name: await tenantName() }),
    request: () => ({ method: 'GET', path: '' }),
    reveals: (ctx) => ctx.name,
    succeeded: async (ctx, response) => {
      expect(response.body).toMatchObject({ uid: owner.tenantUid, name: ctx.name });
    },
  },
  {
    kind: 'write',
    endpoint: 'PUT /tenants/{t}',
    does: 'rename the tenant',
    allowed: ADMINS_UP,
    status: 200,
    action: 'tenant.updated',
    fixture: async () => ({ before: await tenantName(), after: `Tenant ${unique()}` }),
    request: (ctx) => ({ method: 'PUT', path: '', body: { name: ctx.after } }),
    succeeded: async (ctx, response) => {
      expect(response.body).toMatchObject({ uid: owner.tenantUid, name: ctx.after });
      expect(await tenantName()).toBe(ctx.after);
    },
    unchanged: async (ctx) => {
      expect(await tenantName()).toBe(ctx.before);
    },
  },

  // --- stores
  {
    kind: 'read',
    endpoint: 'GET /tenants/{t}/stores',
    does: 'list the stores',
    allowed: EVERY_MEMBER,
    status: 200,
    fixture: newStore,
    request: () => ({ method: 'GET', path: '/stores?limit=200' }),
    reveals: (ctx) => ctx.name,
    succeeded: async (ctx, response) => {
      expect(response.body.items).toContainEqual(expect.objectContaining({ uid: ctx.uid, name: ctx.name }));
    },
  },
  {
    kind: 'write',
    endpoint: 'POST /tenants/{t}/stores',
    does: 'create a store',
    allowed: ADMINS_UP,
    status: 201,
    action: 'store.created',
    fixture: async () => ({ uid: `s-${unique()}`, name: `Store ${unique()}` }),
    request: (ctx) => ({ method: 'POST', path: '/stores', body: { uid: ctx.uid, name: ctx.name } }),
    succeeded: async (ctx, response) => {
      expect(response.body).toMatchObject({ uid: ctx.uid, name: ctx.name });
      expect((await asOwner('GET', `/stores/${ctx.uid}`)).body).toMatchObject({ uid: ctx.uid, name: ctx.name });
    },
    unchanged: async (ctx) => {
      expect((await asOwner('GET', `/stores/${ctx.uid}`)).status).toBe(404);
    },
  },
  {
    kind: 'read',
    endpoint: 'GET /tenants/{t}/stores/{s}',
    does: 'read a store',
    allowed: EVERY_MEMBER,
    status: 200,
    fixture: newStore,
    request: (ctx) => ({ method: 'GET', path: `/stores/${ctx.uid}` }),
    reveals: (ctx) => ctx.name,
    succeeded: async (ctx, response) => {
      expect(response.body).toMatchObject({ uid: ctx.uid, name: ctx.name });
    },
  },
  {
    kind: 'write',
    endpoint: 'PUT /tenants/{t}/stores/{s}',
    does: 'rename a store',
    allowed: ADMINS_UP,
    status: 200,
    action: 'store.updated',
    fixture: async () => ({ ...(await newStore()), newName: `Renamed ${unique()}` }),
    request: (ctx) => ({ method: 'PUT', path: `/stores/${ctx.uid}`, body: { name: ctx.newName } }),
    succeeded: async (ctx, response) => {
      expect(response.body).toMatchObject({ uid: ctx.uid, name: ctx.newName });
      expect((await asOwner('GET', `/stores/${ctx.uid}`)).body.name).toBe(ctx.newName);
    },
    unchanged: async (ctx) => {
      expect((await asOwner('GET', `/stores/${ctx.uid}`)).body).toMatchObject({ uid: ctx.uid, name: ctx.name });
    },
  },
  {
    kind: 'write',
    endpoint: 'DELETE /tenants/{t}/stores/{s}',
    does: 'delete a store',
    allowed: ADMINS_UP,
    status: 204,
    action: 'store.deleted',
    fixture: newStore,
    request: (ctx) => ({ method: 'DELETE', path: `/stores/${ctx.uid}` }),
    succeeded: async (ctx) => {
      expect((await asOwner('GET', `/stores/${ctx.uid}`)).status).toBe(404);
    },
    unchanged: async (ctx) => {
      const now = await asOwner('GET', `/stores/${ctx.uid}`);
      expect(now.status).toBe(200);
      expect(now.body).toMatchObject({ uid: ctx.uid, name: ctx.name });
    },
  },

  // --- devices
  {
    kind: 'read',
    endpoint: 'GET /tenants/{t}/devices',
    does: 'list the devices',
    allowed: MANAGERS_UP,
    status: 200,
    fixture: newDevice,
    request: () => ({ method: 'GET', path: '/devices?limit=200' }),
    reveals: (ctx) => ctx.name,
    succeeded: async (ctx, response) => {
      expect(response.body.items).toContainEqual(expect.objectContaining({ uid: ctx.uid, name: ctx.name, status: 'active' }));
    },
  },
  {
    kind: 'write',
    endpoint: 'POST /tenants/{t}/devices',
    does: 'attach a device',
    allowed: ADMINS_UP,
    status: 201,
    action: 'device.attached',
    fixture: async () => ({ name: `Till ${unique()}` }),
    request: (ctx) => ({ method: 'POST', path: '/devices', body: { name: ctx.name } }),
    succeeded: async (ctx, response) => {
      expect(response.body.device).toMatchObject({ name: ctx.name, status: 'active' });
      expect(response.body.deviceToken).toMatch(/^dev_/);
      expect(await device(response.body.device.uid)).toMatchObject({ name: ctx.name, status: 'active' });
    },
    unchanged: async (ctx) => {
      expect((await listAll('/devices')).filter((d) => d.name === ctx.name)).toEqual([]);
    },
  },
  {
    kind: 'write',
    endpoint: 'PUT /tenants/{t}/devices/{d}',
    does: 'rename a device',
    allowed: ADMINS_UP,
    status: 200,
    action: 'device.updated',
    fixture: async () => ({ ...(await newDevice()), newName: `Renamed ${unique()}` }),
    request: (ctx) => ({ method: 'PUT', path: `/devices/${ctx.uid}`, body: { name: ctx.newName } }),
    succeeded: async (ctx, response) => {
      expect(response.body).toMatchObject({ uid: ctx.uid, name: ctx.newName });
      expect((await device(ctx.uid)).name).toBe(ctx.newName);
    },
    unchanged: async (ctx) => {
      expect(await device(ctx.uid)).toMatchObject({ name: ctx.name, status: 'active' });
    },
  },
  {
    kind: 'write',
    endpoint: 'DELETE /tenants/{t}/devices/{d}',
    does: 'revoke a device',
    allowed: ADMINS_UP,
    status: 204,
    action: 'device.revoked',
    fixture: newDevice,
    request: (ctx) => ({ method: 'DELETE', path: `/devices/${ctx.uid}` }),
    succeeded: async (ctx) => {
      expect((await device(ctx.uid)).status).toBe('revoked');
    },
    unchanged: async (ctx) => {
      expect((await device(ctx.uid)).status).toBe('active');
    },
  },
  {
    kind: 'write',
    endpoint: 'POST /tenants/{t}/device-codes',
    does: 'create a pairing code',
    allowed: ADMINS_UP,
    status: 201,
    action: 'device.pairing_code_created',
    fixture: async () => ({ name: `Paired ${unique()}` }),
    request: () => ({ method: 'POST', path: '/device-codes', body: {} }),
    succeeded: async (ctx, response) => {
      expect(response.body.code).toMatch(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
      const paired = await call(t.app, { method: 'POST', url: '/devices/pair', body: { code: response.body.code, name: ctx.name } });
      expect(paired.status).toBe(201);
      expect(await device(paired.body.device.uid)).toMatchObject({ name: ctx.name, status: 'active' });
    },
    // Pairing codes cannot be listed; the audit trail (checked for every refused
    // write) is where a code that was made would show.
    unchanged: async (ctx) => {
      expect((await listAll('/devices')).filter((d) => d.name === ctx.name)).toEqual([]);
    },
  },

  // --- members
  {
    kind: 'read',
    endpoint: 'GET /tenants/{t}/users',
    does: 'list the members',
    allowed: MANAGERS_UP,
    status: 200,
    fixture: () => newMember('staff'),
    request: () => ({ method: 'GET', path: '/users?limit=200' }),
    reveals: (ctx) => ctx.displayName,
    succeeded: async (ctx, response) => {
      expect(response.body.items).toContainEqual(expect.objectContaining({ uid: ctx.uid, displayName: ctx.displayName }));
    },
  },
  memberCreations('staff', MANAGERS_UP),
  memberCreations('owner', OWNERS_ONLY),
  memberReads('staff'),
  memberReads('owner'),
  memberUpdates('staff', MANAGERS_UP),
  memberUpdates('owner', OWNERS_ONLY),
  memberRemovals('staff', MANAGERS_UP),
  memberRemovals('owner', OWNERS_ONLY),
  memberUnlocks('staff', MANAGERS_UP),
  memberUnlocks('owner', OWNERS_ONLY),

  // --- invitations
  {
    kind: 'read',
    endpoint: 'GET /tenants/{t}/invites',
    does: 'list the invitations',
    allowed: ADMINS_UP,
    status: 200,
    fixture: () => newInvitation('staff'),
    request: () => ({ method: 'GET', path: '/invites?limit=200' }),
    reveals: (ctx) => ctx.email,
    succeeded: async (ctx, response) => {
      expect(response.body.items).toContainEqual(expect.objectContaining({ uid: ctx.uid, email: ctx.email, status: 'pending' }));
    },
  },
  invitationCreations('staff', ADMINS_UP),
  invitationCreations('owner', OWNERS_ONLY),
  invitationRevocations('staff', ADMINS_UP),
  invitationRevocations('owner', OWNERS_ONLY),
  invitationResends('staff', ADMINS_UP),
  invitationResends('owner', OWNERS_ONLY),

  // --- audit trail
  {
    kind: 'read',
    endpoint: 'GET /tenants/{t}/audit-events',
    does: 'read the audit trail',
    allowed: ADMINS_UP,
    status: 200,
    // A store made just now: its creation is among the store.created events. (The
    // test clock stands still, so events of one moment come in no particular order.)
    fixture: newStore,
    request: () => ({ method: 'GET', path: '/audit-events?limit=200&action=store.created' }),
    reveals: (ctx) => ctx.uid,
    succeeded: async (ctx, response) => {
      expect(response.body.items).toContainEqual(
        expect.objectContaining({ action: 'store.created', outcome: 'success', target: { type: 'store', uid: ctx.uid } }),
      );
    },
  },
];

// ---------------------------------------------------------------------------

beforeAll(async () => {
  t = await buildTestApp({ LOGIN_LOCKOUT_THRESHOLD: '1' });
  owner = await createOwner(t.app, { name: 'Role Matrix Tenant' });
  other = await createOwner(t.app, { name: 'Other Tenant' });
  const till = await expectStatus(201, await asOwner('POST', '/devices', { name: 'Matrix Till' }), 'attach till');
  deviceToken = till.deviceToken;
  for (const role of EVERY_MEMBER) {
    const member = await createStaff(t.app, owner, { role, password: PIN, displayName: `Actor ${role}` });
    const login = await expectStatus(200, await loginOnTill(member.userCode, PIN), `login as ${role}`);
    if (login.role !== role) throw new Error(`logged in as ${login.role}, not ${role}`);
    actors[role] = { token: login.accessToken, memberUid: login.uid };
  }
  actors.other = { token: other.accessToken, memberUid: other.memberUid };
});

afterAll(() => t?.close());

describe.each(CASES.map((c) => [c.endpoint, c] as const))('%s', (_endpoint, c) => {
  const rows = ACTORS.map((actor) => {
    const allowed = actor !== 'other' && c.allowed.includes(actor);
    const code = actor === 'other' ? 'tenant_mismatch' : 'forbidden';
    const title = allowed
      ? `lets ${ACTOR_LABEL[actor]} ${c.does} (${c.status})`
      : `refuses ${ACTOR_LABEL[actor]} with 403 ${code} and ${c.kind === 'read' ? 'reveals nothing' : 'changes nothing'}`;
    return [title, { actor, allowed, code }] as const;
  });

  it.each(rows)('%s', async (_title, { actor, allowed, code }) => {
    const ctx = await c.fixture();
    const { method, path, body } = c.request(ctx);
    const caller = actors[actor];
    const successesBefore = c.kind === 'write' ? await auditSuccesses(c.action, caller.memberUid) : 0;

    const response = await call(t.app, { method, url: `${base()}${path}`, token: caller.token, body });

    if (allowed) {
      expect(response.status, response.text).toBe(c.status);
      await c.succeeded(ctx, response);
      if (c.kind === 'write') expect(await auditSuccesses(c.action, caller.memberUid)).toBe(successesBefore + 1);
      return;
    }
    expect(response.status, response.text).toBe(403);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe(code);
    // A problem and nothing else: no data, no token.
    expect(Object.keys(response.body).sort()).toEqual(PROBLEM_KEYS);
    if (c.kind === 'read') {
      expect(response.text).not.toContain(c.reveals(ctx));
    } else {
      await c.unchanged(ctx);
      expect(await auditSuccesses(c.action, caller.memberUid)).toBe(successesBefore);
    }
  });
});
