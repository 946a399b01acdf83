import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { AuditService } from '../src/audit/audit-service.js';
import { call, createOwner, createStaff, signUp, unique, type Call, type Owner, type Staff } from './support/factories.js';
import { buildTestApp, TEST_PUBLIC_URL, type TestApp } from './support/test-app.js';

type Role = 'owner' | 'admin' | 'manager' | 'staff';

/** The user agent the calls under test send, to find it again in the events. */
const USER_AGENT = `audit-test-agent/${unique()}`;

/** One HTTP call with the test's user agent. */
function send(app: App, request: Call) {
  return call(app, { ...request, headers: { 'user-agent': USER_AGENT, ...request.headers } });
}

interface AuditEvent {
  uid: string;
  occurredAt: string;
  action: string;
  outcome: 'success' | 'failure';
  actor: { type: string; uid: string | null };
  target: { type: string; uid: string } | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, any>;
}

function auditPage(app: App, tenantUid: string, token: string, query: Record<string, string> = {}) {
  const qs = new URLSearchParams(query).toString();
  return call(app, { method: 'GET', url: `/tenants/${tenantUid}/audit-events${qs ? `?${qs}` : ''}`, token });
}

/** Every event of the tenant that matches `query`, following nextCursor, newest first. */
async function auditEvents(app: App, owner: Owner, query: Record<string, string> = {}, token = owner.accessToken): Promise<AuditEvent[]> {
  const items: AuditEvent[] = [];
  let cursor: string | null = null;
  do {
    const page = await auditPage(app, owner.tenantUid, token, { limit: '200', ...query, ...(cursor ? { cursor } : {}) });
    expect(page.status, page.text).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

/** The events of one action about one target. */
async function eventsAbout(app: App, owner: Owner, action: string, targetUid: string): Promise<AuditEvent[]> {
  return (await auditEvents(app, owner, { action })).filter((e) => e.target?.uid === targetUid);
}

/** Where the calls come from: inject's default client address, and the test's user agent. */
const origin = { ip: '127.0.0.1', userAgent: USER_AGENT };

/** A device attached by the owner: its uid and token. */
async function attach(app: App, owner: Owner, body: Record<string, unknown> = { name: 'Till' }) {
  const response = await send(app, { method: 'POST', url: `/tenants/${owner.tenantUid}/devices`, token: owner.accessToken, body });
  expect(response.status, response.text).toBe(201);
  return { uid: response.body.device.uid as string, token: response.body.deviceToken as string };
}

function login(app: App, deviceToken: string, userCode: string, password: string) {
  return send(app, { method: 'POST', url: '/account', token: deviceToken, body: { userCode, password } });
}

/** A new member of `role` and an access token of theirs, obtained by device login. */
async function memberWithToken(app: App, owner: Owner, role: Role): Promise<Staff & { accessToken: string }> {
  const member = await createStaff(app, owner, { role });
  const device = await attach(app, owner);
  const response = await login(app, device.token, member.userCode, member.password);
  expect(response.status, response.text).toBe(200);
  return { ...member, accessToken: response.body.accessToken };
}

describe('reading the audit trail (GET /tenants/{t}/audit-events)', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  it('lets owners and admins read it and refuses managers and staff with 403 forbidden', async () => {
    const admin = await memberWithToken(t.app, owner, 'admin');
    const asOwner = await auditPage(t.app, owner.tenantUid, owner.accessToken);
    expect(asOwner.status).toBe(200);
    expect(asOwner.body.items.length).toBeGreaterThan(0);
    const asAdmin = await auditPage(t.app, owner.tenantUid, admin.accessToken);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.items.map((e: AuditEvent) => e.uid)).toEqual(asOwner.body.items.map((e: AuditEvent) => e.uid));

    for (const role of ['manager', 'staff'] as const) {
      const member = await memberWithToken(t.app, owner, role);
      const response = await auditPage(t.app, owner.tenantUid, member.accessToken);
      expect(response.status, role).toBe(403);
      expect(response.body.code).toBe('forbidden');
      expect(response.body.items).toBeUndefined();
    }
  });

  it("refuses an access token of another tenant with 403 tenant_mismatch, even the other tenant's owner", async () => {
    const other = await createOwner(t.app);
    const response = await auditPage(t.app, owner.tenantUid, other.accessToken);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('tenant_mismatch');
  });

  it('lists newest first, in pages linked by nextCursor', async () => {
    const tenantOwner = await createOwner(t.app);
    const storeUids: string[] = [];
    for (let i = 0; i < 5; i++) {
      t.clock.advance(1);
      const uid = `s-${unique()}`;
      const response = await send(t.app, { method: 'POST', url: `/tenants/${tenantOwner.tenantUid}/stores`, token: tenantOwner.accessToken, body: { uid, name: `Store ${i}` } });
      expect(response.status).toBe(201);
      storeUids.push(uid);
    }

    const pages: AuditEvent[][] = [];
    let cursor: string | null = null;
    do {
      const page = await auditPage(t.app, tenantOwner.tenantUid, tenantOwner.accessToken, { action: 'store.created', limit: '2', ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      pages.push(page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map((e) => e.target?.uid)).toEqual([...storeUids].reverse());

    // Without a filter the whole trail is newest first too: the tenant's creation is the oldest event.
    const all = await auditEvents(t.app, tenantOwner);
    const times = all.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(all[all.length - 1].action).toBe('tenant.created');
    expect(new Set(all.map((e) => e.uid)).size).toBe(all.length);
  });

  it('pages without losing or repeating events recorded at the same instant', async () => {
    const tenantOwner = await createOwner(t.app);
    // The TestClock stands still: all of these share one occurredAt.
    for (let i = 0; i < 7; i++) {
      const response = await call(t.app, { method: 'POST', url: `/tenants/${tenantOwner.tenantUid}/stores`, token: tenantOwner.accessToken, body: { name: `S${i}` } });
      expect(response.status).toBe(201);
    }
    const all = await auditEvents(t.app, tenantOwner);
    expect(all.length).toBeGreaterThanOrEqual(8);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await auditPage(t.app, tenantOwner.tenantUid, tenantOwner.accessToken, { limit: '3', ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((e: AuditEvent) => e.uid));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e) => e.uid));
    expect(new Set(seen).size).toBe(all.length);
  });

  it('filters by exact action, and by an action prefix that ends in "."', async () => {
    const tenantOwner = await createOwner(t.app);
    const storeUid = `s-${unique()}`;
    const base = `/tenants/${tenantOwner.tenantUid}/stores`;
    expect((await send(t.app, { method: 'POST', url: base, token: tenantOwner.accessToken, body: { uid: storeUid, name: 'A' } })).status).toBe(201);
    expect((await send(t.app, { method: 'PUT', url: `${base}/${storeUid}`, token: tenantOwner.accessToken, body: { name: 'B' } })).status).toBe(200);
    expect((await send(t.app, { method: 'DELETE', url: `${base}/${storeUid}`, token: tenantOwner.accessToken })).status).toBe(204);
    await createStaff(t.app, tenantOwner);

    const exact = await auditEvents(t.app, tenantOwner, { action: 'store.updated' });
    expect(exact.map((e) => e.action)).toEqual(['store.updated']);

    const prefixed = await auditEvents(t.app, tenantOwner, { action: 'store.' });
    expect(prefixed.map((e) => e.action).sort()).toEqual(['store.created', 'store.deleted', 'store.updated']);

    const members = await auditEvents(t.app, tenantOwner, { action: 'member.' });
    expect(members.map((e) => e.action)).toEqual(['member.created']);

    // Without the final "." it is an exact action name, and there is no action called "store".
    expect(await auditEvents(t.app, tenantOwner, { action: 'store' })).toEqual([]);
    const unfiltered = await auditEvents(t.app, tenantOwner);
    expect(unfiltered.map((e) => e.action)).toEqual(expect.arrayContaining(['tenant.created', 'store.created', 'member.created']));
  });

  it('filters by actor uid', async () => {
    const tenantOwner = await createOwner(t.app);
    const admin = await memberWithToken(t.app, tenantOwner, 'admin');
    const byOwner = `s-${unique()}`;
    const byAdmin = `s-${unique()}`;
    expect((await send(t.app, { method: 'POST', url: `/tenants/${tenantOwner.tenantUid}/stores`, token: tenantOwner.accessToken, body: { uid: byOwner, name: 'O' } })).status).toBe(201);
    expect((await send(t.app, { method: 'POST', url: `/tenants/${tenantOwner.tenantUid}/stores`, token: admin.accessToken, body: { uid: byAdmin, name: 'A' } })).status).toBe(201);

    const ownerEvents = await auditEvents(t.app, tenantOwner, { actor: tenantOwner.memberUid });
    expect(ownerEvents.length).toBeGreaterThan(0);
    expect(ownerEvents.every((e) => e.actor.uid === tenantOwner.memberUid)).toBe(true);
    expect(ownerEvents.map((e) => e.target?.uid)).toContain(byOwner);
    expect(ownerEvents.map((e) => e.target?.uid)).not.toContain(byAdmin);

    const adminEvents = await auditEvents(t.app, tenantOwner, { actor: admin.uid });
    expect(adminEvents.map((e) => [e.action, e.target?.uid])).toEqual([['store.created', byAdmin]]);
  });

  it('filters by a from/to time range', async () => {
    const tenantOwner = await createOwner(t.app);
    const create = async (uid: string) =>
      expect((await send(t.app, { method: 'POST', url: `/tenants/${tenantOwner.tenantUid}/stores`, token: tenantOwner.accessToken, body: { uid, name: uid } })).status).toBe(201);
    t.clock.advance(120);
    const early = `s-early-${unique()}`;
    await create(early);
    const earlyAt = t.clock.now().getTime();
    t.clock.advance(120);
    const late = `s-late-${unique()}`;
    await create(late);
    const lateAt = t.clock.now().getTime();
    const at = (ms: number) => new Date(ms).toISOString();
    const targets = async (query: Record<string, string>) => (await auditEvents(t.app, tenantOwner, { action: 'store.created', ...query })).map((e) => e.target?.uid);

    expect(await targets({ from: at(earlyAt + 60_000) })).toEqual([late]);
    expect(await targets({ to: at(earlyAt + 60_000) })).toEqual([early]);
    expect(await targets({ from: at(earlyAt - 60_000), to: at(lateAt + 60_000) })).toEqual([late, early]);
    expect(await targets({ from: at(lateAt + 60_000) })).toEqual([]);
    // A time with an offset means the same instant.
    const withOffset = new Date(earlyAt + 60_000 + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    expect(await targets({ from: withOffset })).toEqual([late]);
    // The tenant was created before both stores: a range after it leaves tenant.created out.
    const ranged = await auditEvents(t.app, tenantOwner, { from: at(earlyAt - 60_000) });
    expect(ranged.map((e) => e.action)).not.toContain('tenant.created');
  });
});

describe('what the audit trail records', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    const user = await signUp(t.app, { name: 'Audit Owner' });
    const tenantUid = `t-${unique()}`;
    const created = await send(t.app, { method: 'POST', url: '/tenants', token: user.authToken, body: { uid: tenantUid, name: 'Audited' } });
    expect(created.status).toBe(201);
    owner = { ...user, tenantUid, accessToken: created.body.accessToken, memberUid: created.body.uid, userUid: created.body.userUid };
  });
  afterAll(() => t.close());

  const now = () => t.clock.now().toISOString();

  it('records the creation of the tenant by its owner', async () => {
    const events = await eventsAbout(t.app, owner, 'tenant.created', owner.tenantUid);
    expect(events).toEqual([
      expect.objectContaining({ outcome: 'success', actor: { type: 'user', uid: owner.userUid }, target: { type: 'tenant', uid: owner.tenantUid }, ...origin }),
    ]);
  });

  it('records a successful device login with the device as actor and the member as target', async () => {
    const staff = await createStaff(t.app, owner);
    const device = await attach(t.app, owner);
    expect((await login(t.app, device.token, staff.userCode, staff.password)).status).toBe(200);
    const events = await eventsAbout(t.app, owner, 'device.login', staff.uid);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'device.login',
      outcome: 'success',
      actor: { type: 'device', uid: device.uid },
      target: { type: 'member', uid: staff.uid },
      ...origin,
      occurredAt: now(),
      details: { userCode: staff.userCode },
    });
  });

  it('records a wrong PIN as a failed device login with code invalid_credentials', async () => {
    const staff = await createStaff(t.app, owner);
    const device = await attach(t.app, owner);
    const response = await login(t.app, device.token, staff.userCode, '000000');
    expect(response.status).toBe(401);
    const events = await eventsAbout(t.app, owner, 'device.login', staff.uid);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      outcome: 'failure',
      actor: { type: 'device', uid: device.uid },
      target: { type: 'member', uid: staff.uid },
      ...origin,
      details: { userCode: staff.userCode, code: 'invalid_credentials', locked: false },
    });
  });

  it('records a device bound to a store refusing a member of another store (store_access_denied)', async () => {
    const mine = `s-${unique()}`;
    const other = `s-${unique()}`;
    for (const uid of [mine, other]) {
      expect((await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/stores`, token: owner.accessToken, body: { uid, name: uid } })).status).toBe(201);
    }
    const staff = await createStaff(t.app, owner, { storeUids: [mine] });
    const device = await attach(t.app, owner, { name: 'Other Till', storeUid: other });
    expect((await login(t.app, device.token, staff.userCode, staff.password)).status).toBe(403);
    expect(await eventsAbout(t.app, owner, 'device.login', staff.uid)).toEqual([
      expect.objectContaining({ outcome: 'failure', actor: { type: 'device', uid: device.uid }, ...origin, details: expect.objectContaining({ code: 'store_access_denied' }) }),
    ]);
  });

  it('records the lockout (too_many_attempts) and the unlock by an admin', async () => {
    const staff = await createStaff(t.app, owner);
    const device = await attach(t.app, owner);
    // A second between attempts, so that the trail's order is the order of the attempts.
    for (let i = 0; i < 5; i++) {
      t.clock.advance(1);
      expect((await login(t.app, device.token, staff.userCode, '000000')).status).toBe(401);
    }
    t.clock.advance(1);
    const locked = await login(t.app, device.token, staff.userCode, staff.password);
    expect(locked.status).toBe(429);

    const logins = (await auditEvents(t.app, owner, { action: 'device.login' })).filter((e) => e.details.userCode === staff.userCode);
    expect(logins.map((e) => [e.outcome, e.details.code])).toEqual([
      ['failure', 'too_many_attempts'],
      ...Array.from({ length: 5 }, () => ['failure', 'invalid_credentials']),
    ]);
    expect(logins[0]).toMatchObject({ actor: { type: 'device', uid: device.uid }, ...origin });
    expect(logins[1].details.locked).toBe(true);
    expect(logins[2].details.locked).toBe(false);

    const unlocked = await send(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/users/${staff.uid}/unlock`, token: owner.accessToken });
    expect(unlocked.status).toBe(200);
    expect(await eventsAbout(t.app, owner, 'member.unlocked', staff.uid)).toEqual([
      expect.objectContaining({ outcome: 'success', actor: { type: 'member', uid: owner.memberUid }, target: { type: 'member', uid: staff.uid }, ...origin }),
    ]);
    expect((await login(t.app, device.token, staff.userCode, staff.password)).status).toBe(200);
  });

  it('records a token exchange with the user as actor and the membership as target', async () => {
    const response = await send(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/account`, token: owner.authToken });
    expect(response.status).toBe(200);
    const events = await eventsAbout(t.app, owner, 'account.token_exchange', owner.memberUid);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      outcome: 'success',
      actor: { type: 'user', uid: owner.userUid },
      target: { type: 'member', uid: owner.memberUid },
      ...origin,
      details: { issuer: TEST_PUBLIC_URL },
    });
  });

  it('records a token exchange refused for a disabled member (account_disabled)', async () => {
    const invitation = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/invites`, token: owner.accessToken, body: { role: 'staff' } });
    const user = await signUp(t.app);
    const joined = await call(t.app, { method: 'PUT', url: '/account/invite', token: user.authToken, body: { inviteToken: invitation.body.inviteToken } });
    expect(joined.status).toBe(200);
    expect((await call(t.app, { method: 'PUT', url: `/tenants/${owner.tenantUid}/users/${joined.body.uid}`, token: owner.accessToken, body: { status: 'disabled' } })).status).toBe(200);
    const refused = await send(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/account`, token: user.authToken });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('account_disabled');
    expect(await eventsAbout(t.app, owner, 'account.token_exchange', joined.body.uid)).toEqual([
      expect.objectContaining({ outcome: 'failure', actor: { type: 'user', uid: joined.body.userUid }, ...origin, details: expect.objectContaining({ code: 'account_disabled' }) }),
    ]);
  });

  it('records a logout', async () => {
    const staff = await createStaff(t.app, owner);
    const device = await attach(t.app, owner);
    const session = await login(t.app, device.token, staff.userCode, staff.password);
    expect((await send(t.app, { method: 'DELETE', url: '/account/session', token: session.body.accessToken })).status).toBe(204);
    expect(await eventsAbout(t.app, owner, 'account.logout', staff.uid)).toEqual([
      expect.objectContaining({
        outcome: 'success',
        actor: { type: 'member', uid: staff.uid },
        target: { type: 'member', uid: staff.uid },
        ...origin,
        details: { deviceUid: device.uid },
      }),
    ]);
  });

  it('records a profile update with the names of the changed fields and password: true, never the PIN', async () => {
    const oldPin = '739146';
    const newPin = '905318';
    const staff = await createStaff(t.app, owner, { password: oldPin });
    const device = await attach(t.app, owner);
    const session = await login(t.app, device.token, staff.userCode, oldPin);
    expect(session.status).toBe(200);
    const updated = await send(t.app, {
      method: 'PUT',
      url: `/tenants/${owner.tenantUid}/account`,
      token: session.body.accessToken,
      body: { displayName: 'Renamed Staff', languageCode: 'de', password: newPin },
    });
    expect(updated.status, updated.text).toBe(200);

    const events = await eventsAbout(t.app, owner, 'account.updated', staff.uid);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'success', actor: { type: 'member', uid: staff.uid }, ...origin, details: { password: true } });
    expect([...events[0].details.fields].sort()).toEqual(['displayName', 'languageCode']);

    // A profile change without password says password: false.
    expect((await send(t.app, { method: 'PUT', url: `/tenants/${owner.tenantUid}/account`, token: session.body.accessToken, body: { firstname: 'Sam' } })).status).toBe(200);
    const second = (await eventsAbout(t.app, owner, 'account.updated', staff.uid)).find((e) => e.uid !== events[0].uid)!;
    expect(second.details).toMatchObject({ fields: ['firstname'], password: false });

    // Neither PIN appears anywhere in the whole trail (member creation, logins and the update included).
    const trail = JSON.stringify(await auditEvents(t.app, owner));
    expect(trail).toContain(staff.userCode);
    expect(trail).not.toContain(oldPin);
    expect(trail).not.toContain(newPin);
  });

  it('records no token of any kind', async () => {
    const device = await attach(t.app, owner);
    const invitation = await send(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/invites`, token: owner.accessToken, body: { role: 'staff' } });
    expect(invitation.status).toBe(201);
    const trail = JSON.stringify(await auditEvents(t.app, owner));
    for (const secret of [device.token, invitation.body.inviteToken, owner.accessToken, owner.authToken, owner.sessionToken]) {
      expect(trail).not.toContain(secret);
    }
    expect(trail).not.toMatch(/(acc|dev|inv)_[A-Za-z0-9_-]{20,}/);
  });

  it('records a tenant rename', async () => {
    const response = await send(t.app, { method: 'PUT', url: `/tenants/${owner.tenantUid}`, token: owner.accessToken, body: { name: 'Audited Renamed' } });
    expect(response.status).toBe(200);
    expect(await eventsAbout(t.app, owner, 'tenant.updated', owner.tenantUid)).toEqual([
      expect.objectContaining({
        outcome: 'success',
        actor: { type: 'member', uid: owner.memberUid },
        target: { type: 'tenant', uid: owner.tenantUid },
        ...origin,
        details: { fields: ['name'] },
      }),
    ]);
  });

  it('records store creation, rename and deletion', async () => {
    const storeUid = `s-${unique()}`;
    const base = `/tenants/${owner.tenantUid}/stores`;
    expect((await send(t.app, { method: 'POST', url: base, token: owner.accessToken, body: { uid: storeUid, name: 'Main' } })).status).toBe(201);
    t.clock.advance(1);
    expect((await send(t.app, { method: 'PUT', url: `${base}/${storeUid}`, token: owner.accessToken, body: { name: 'Main Street' } })).status).toBe(200);
    t.clock.advance(1);
    expect((await send(t.app, { method: 'DELETE', url: `${base}/${storeUid}`, token: owner.accessToken })).status).toBe(204);

    const events = (await auditEvents(t.app, owner, { action: 'store.' })).filter((e) => e.target?.uid === storeUid);
    expect(events.map((e) => e.action)).toEqual(['store.deleted', 'store.updated', 'store.created']);
    for (const event of events) {
      expect(event).toMatchObject({ outcome: 'success', actor: { type: 'member', uid: owner.memberUid }, target: { type: 'store', uid: storeUid }, ...origin });
    }
    expect(events[1].details).toEqual({ fields: ['name'] });
  });

  it('records a device being attached, revoked, and a pairing code being made and used', async () => {
    const storeUid = `s-${unique()}`;
    expect((await send(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/stores`, token: owner.accessToken, body: { uid: storeUid, name: 'Pairing' } })).status).toBe(201);
    const device = await attach(t.app, owner, { name: 'Bound Till', storeUid });
    expect((await send(t.app, { method: 'DELETE', url: `/tenants/${owner.tenantUid}/devices/${device.uid}`, token: owner.accessToken })).status).toBe(204);

    const byOwner = { outcome: 'success', actor: { type: 'member', uid: owner.memberUid }, target: { type: 'device', uid: device.uid }, ...origin };
    expect(await eventsAbout(t.app, owner, 'device.attached', device.uid)).toEqual([expect.objectContaining({ ...byOwner, details: { storeUid } })]);
    expect(await eventsAbout(t.app, owner, 'device.revoked', device.uid)).toEqual([expect.objectContaining(byOwner)]);

    const code = await send(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/device-codes`, token: owner.accessToken, body: { storeUid } });
    expect(code.status).toBe(201);
    const codeEvents = (await auditEvents(t.app, owner, { action: 'device.pairing_code_created' })).filter((e) => e.details.storeUid === storeUid);
    expect(codeEvents).toEqual([expect.objectContaining({ outcome: 'success', actor: { type: 'member', uid: owner.memberUid }, ...origin })]);
    // The code itself is a credential until used: it is not in the trail.
    expect(JSON.stringify(codeEvents)).not.toContain(code.body.code.replace('-', ''));
    expect(JSON.stringify(codeEvents)).not.toContain(code.body.code);

    const paired = await send(t.app, { method: 'POST', url: '/devices/pair', body: { code: code.body.code, name: 'Paired Till' } });
    expect(paired.status).toBe(201);
    const pairedUid = paired.body.device.uid;
    expect(await eventsAbout(t.app, owner, 'device.paired', pairedUid)).toEqual([
      expect.objectContaining({ outcome: 'success', actor: { type: 'device', uid: pairedUid }, target: { type: 'device', uid: pairedUid }, ...origin, details: { storeUid } }),
    ]);
  });

  it('records a member being created, updated and removed, with field names and roles', async () => {
    const userCode = `m-${unique()}`;
    const pin = '615243';
    const created = await send(t.app, {
      method: 'POST',
      url: `/tenants/${owner.tenantUid}/users`,
      token: owner.accessToken,
      body: { role: 'staff', displayName: 'Member Audit', userCode, password: pin },
    });
    expect(created.status).toBe(201);
    const memberUid = created.body.uid;
    const updated = await send(t.app, { method: 'PUT', url: `/tenants/${owner.tenantUid}/users/${memberUid}`, token: owner.accessToken, body: { role: 'manager', lastname: 'Audit' } });
    expect(updated.status).toBe(200);
    const removed = await send(t.app, { method: 'DELETE', url: `/tenants/${owner.tenantUid}/users/${memberUid}`, token: owner.accessToken });
    expect(removed.status).toBe(204);

    const byOwner = { outcome: 'success', actor: { type: 'member', uid: owner.memberUid }, target: { type: 'member', uid: memberUid }, ...origin };
    const [createdEvent] = await eventsAbout(t.app, owner, 'member.created', memberUid);
    expect(createdEvent).toMatchObject({ ...byOwner, details: { role: 'staff', password: true } });
    expect([...createdEvent.details.fields].sort()).toEqual(['displayName', 'role', 'userCode']);
    const [updatedEvent] = await eventsAbout(t.app, owner, 'member.updated', memberUid);
    expect(updatedEvent).toMatchObject({ ...byOwner, details: { password: false, tokensRevoked: false } });
    expect([...updatedEvent.details.fields].sort()).toEqual(['lastname', 'role']);
    expect(await eventsAbout(t.app, owner, 'member.removed', memberUid)).toEqual([expect.objectContaining({ ...byOwner, details: { role: 'manager' } })]);
    expect(JSON.stringify(await auditEvents(t.app, owner, { action: 'member.' }))).not.toContain(pin);
  });

  it('records an invitation being created, resent, revoked and accepted', async () => {
    const invites = `/tenants/${owner.tenantUid}/invites`;
    const first = await send(t.app, { method: 'POST', url: invites, token: owner.accessToken, body: { role: 'manager', email: `a-${unique()}@example.com` } });
    expect(first.status).toBe(201);
    const firstUid = first.body.invitation.uid;
    expect((await send(t.app, { method: 'POST', url: `${invites}/${firstUid}/resend`, token: owner.accessToken })).status).toBe(200);
    expect((await send(t.app, { method: 'DELETE', url: `${invites}/${firstUid}`, token: owner.accessToken })).status).toBe(204);

    const byOwner = { outcome: 'success', actor: { type: 'member', uid: owner.memberUid }, target: { type: 'invitation', uid: firstUid }, ...origin };
    expect(await eventsAbout(t.app, owner, 'invitation.created', firstUid)).toEqual([expect.objectContaining({ ...byOwner, details: { role: 'manager', withEmail: true } })]);
    expect(await eventsAbout(t.app, owner, 'invitation.resent', firstUid)).toEqual([expect.objectContaining(byOwner)]);
    expect(await eventsAbout(t.app, owner, 'invitation.revoked', firstUid)).toEqual([expect.objectContaining(byOwner)]);

    const second = await send(t.app, { method: 'POST', url: invites, token: owner.accessToken, body: { role: 'staff' } });
    expect(second.status).toBe(201);
    const invitee = await signUp(t.app);
    const joined = await send(t.app, { method: 'PUT', url: '/account/invite', token: invitee.authToken, body: { inviteToken: second.body.inviteToken } });
    expect(joined.status).toBe(200);
    const secondUid = second.body.invitation.uid;
    expect(await eventsAbout(t.app, owner, 'invitation.created', secondUid)).toEqual([expect.objectContaining({ details: { role: 'staff', withEmail: false } })]);
    expect(await eventsAbout(t.app, owner, 'invitation.accepted', secondUid)).toEqual([
      expect.objectContaining({
        outcome: 'success',
        actor: { type: 'user', uid: joined.body.userUid },
        target: { type: 'invitation', uid: secondUid },
        ...origin,
        details: { role: 'staff', memberUid: joined.body.uid },
      }),
    ]);
  });
});

describe('refused actions in the audit trail', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });

  it('names the person who tried to accept an invitation meant for another address', async () => {
    const invites = `/tenants/${owner.tenantUid}/invites`;
    const created = await send(t.app, { method: 'POST', url: invites, token: owner.accessToken, body: { role: 'staff', email: `meant-${unique()}@example.com` } });
    expect(created.status).toBe(201);
    const stranger = await signUp(t.app);
    const refused = await send(t.app, { method: 'PUT', url: '/account/invite', token: stranger.authToken, body: { inviteToken: created.body.inviteToken } });
    expect(refused.status).toBe(403);
    const me = await send(t.app, { method: 'POST', url: '/tenants', token: stranger.authToken, body: { name: 'Stranger’s own' } });
    const [event] = await eventsAbout(t.app, owner, 'invitation.accepted', created.body.invitation.uid);
    expect(event).toMatchObject({ outcome: 'failure', actor: { type: 'user', uid: me.body.userUid }, details: { code: 'invitation_email_mismatch' } });
  });
  afterAll(() => t.close());

  async function allMembers(): Promise<any[]> {
    const response = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/users?limit=200`, token: owner.accessToken });
    expect(response.status).toBe(200);
    return response.body.items;
  }

  it('records a manager trying to create an admin as a failure with code forbidden, and creates no member', async () => {
    const manager = await memberWithToken(t.app, owner, 'manager');
    const before = await allMembers();
    const userCode = `would-be-${unique()}`;
    const response = await send(t.app, {
      method: 'POST',
      url: `/tenants/${owner.tenantUid}/users`,
      token: manager.accessToken,
      body: { role: 'admin', displayName: 'Would-be Admin', userCode, password: '553311' },
    });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('forbidden');

    const events = (await auditEvents(t.app, owner, { action: 'member.created', actor: manager.uid })).filter((e) => e.actor.uid === manager.uid);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'failure', actor: { type: 'member', uid: manager.uid }, target: { type: 'member' }, ...origin, details: { code: 'forbidden' } });
    expect(JSON.stringify(events[0])).not.toContain('553311');

    const after = await allMembers();
    expect(after).toHaveLength(before.length);
    expect(after.map((m) => m.userCode)).not.toContain(userCode);
    const target = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/users/${events[0].target!.uid}`, token: owner.accessToken });
    expect(target.status).toBe(404);
  });

  it('records a 409 user_code_taken as a failure, and no second member exists', async () => {
    const existing = await createStaff(t.app, owner);
    const before = await allMembers();
    const response = await send(t.app, {
      method: 'POST',
      url: `/tenants/${owner.tenantUid}/users`,
      token: owner.accessToken,
      body: { role: 'staff', displayName: 'Duplicate', userCode: existing.userCode },
    });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('user_code_taken');

    const failures = (await auditEvents(t.app, owner, { action: 'member.created' })).filter((e) => e.outcome === 'failure' && e.details.code === 'user_code_taken');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ actor: { type: 'member', uid: owner.memberUid }, ...origin });
    const failedUid = failures[0].target!.uid;
    expect(failedUid).not.toBe(existing.uid);
    // Neither a success event nor a member for the refused uid.
    expect((await eventsAbout(t.app, owner, 'member.created', failedUid)).map((e) => e.outcome)).toEqual(['failure']);
    expect((await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/users/${failedUid}`, token: owner.accessToken })).status).toBe(404);
    const after = await allMembers();
    expect(after).toHaveLength(before.length);
    expect(after.filter((m) => m.userCode === existing.userCode)).toHaveLength(1);
  });

  it('records a refused store deletion as a failure and keeps the store', async () => {
    const manager = await memberWithToken(t.app, owner, 'manager');
    const storeUid = `s-${unique()}`;
    expect((await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/stores`, token: owner.accessToken, body: { uid: storeUid, name: 'Keep' } })).status).toBe(201);
    const response = await send(t.app, { method: 'DELETE', url: `/tenants/${owner.tenantUid}/stores/${storeUid}`, token: manager.accessToken });
    expect(response.status).toBe(403);
    expect(await eventsAbout(t.app, owner, 'store.deleted', storeUid)).toEqual([
      expect.objectContaining({ outcome: 'failure', actor: { type: 'member', uid: manager.uid }, ...origin, details: { code: 'forbidden' } }),
    ]);
    expect((await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/stores/${storeUid}`, token: owner.accessToken })).status).toBe(200);
  });
});

describe('tenants and the audit trail', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it("never shows one tenant another tenant's events", async () => {
    const a = await createOwner(t.app);
    const b = await createOwner(t.app);
    const things = async (owner: Owner) => {
      const storeUid = `s-${unique()}`;
      expect((await send(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/stores`, token: owner.accessToken, body: { uid: storeUid, name: 'S' } })).status).toBe(201);
      const staff = await createStaff(t.app, owner);
      const invitation = await send(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/invites`, token: owner.accessToken, body: { role: 'staff' } });
      expect(invitation.status).toBe(201);
      return [owner.tenantUid, owner.memberUid, storeUid, staff.uid, invitation.body.invitation.uid];
    };
    const ofA = await things(a);
    const ofB = await things(b);

    const eventsOfA = await auditEvents(t.app, a);
    const eventsOfB = await auditEvents(t.app, b);
    const uidsIn = (events: AuditEvent[]) => new Set(events.flatMap((e) => [e.target?.uid, e.actor.uid]));
    for (const uid of ofA) {
      expect(uidsIn(eventsOfA).has(uid), uid).toBe(true);
      expect(uidsIn(eventsOfB).has(uid), uid).toBe(false);
    }
    for (const uid of ofB) {
      expect(uidsIn(eventsOfB).has(uid), uid).toBe(true);
      expect(uidsIn(eventsOfA).has(uid), uid).toBe(false);
    }
    const shared = eventsOfA.map((e) => e.uid).filter((uid) => eventsOfB.some((e) => e.uid === uid));
    expect(shared).toEqual([]);

    // Filtering by the other tenant's owner finds nothing either.
    expect(await auditEvents(t.app, a, { actor: b.memberUid })).toEqual([]);
  });
});

describe('audit retention (AuditService.purge)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Access tokens must outlive the two days the clock is moved forward.
    t = await buildTestApp({ ACCESS_TOKEN_TTL: '30d' });
  });
  afterAll(() => t.close());

  it('deletes events older than the retention period and keeps newer ones', async () => {
    const owner = await createOwner(t.app);
    const oldStore = `s-old-${unique()}`;
    expect((await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/stores`, token: owner.accessToken, body: { uid: oldStore, name: 'Old' } })).status).toBe(201);
    const before = await auditEvents(t.app, owner);
    expect(before.map((e) => e.target?.uid)).toEqual(expect.arrayContaining([owner.tenantUid, oldStore]));

    t.clock.advance(2 * 86400);
    const newStore = `s-new-${unique()}`;
    expect((await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/stores`, token: owner.accessToken, body: { uid: newStore, name: 'New' } })).status).toBe(201);

    // Events two days old are within a three-day retention: nothing goes.
    expect(await new AuditService(t.database.db, t.clock, 3).purge()).toBe(0);
    expect(await auditEvents(t.app, owner)).toHaveLength(before.length + 1);

    // With one day, the two-day-old events go and today's stays.
    const deleted = await new AuditService(t.database.db, t.clock, 1).purge();
    expect(deleted).toBe(before.length);
    const after = await auditEvents(t.app, owner);
    expect(after.map((e) => [e.action, e.target?.uid])).toEqual([['store.created', newStore]]);
  });
});
