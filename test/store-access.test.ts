import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachDevice, call, createOwner, createStaff, createStore, deviceLogin, signUp, type Owner } from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

/** Store access never widens as a side effect, and narrowing it takes effect at once. */
describe('store access', () => {
  let t: TestApp;
  let owner: Owner;
  let storeA: string;
  let storeB: string;
  let tillA: string;
  let manager: { uid: string; accessToken: string };

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
    storeA = await createStore(t.app, owner);
    storeB = await createStore(t.app, owner);
    tillA = await attachDevice(t.app, owner, storeA);
    const staff = await createStaff(t.app, owner, { role: 'manager', storeUids: [storeA] });
    const login = await deviceLogin(t.app, tillA, staff.userCode, staff.password);
    expect(login.status).toBe(200);
    manager = { uid: staff.uid, accessToken: login.body.accessToken };
  });
  afterAll(() => t.close());

  const users = () => `/tenants/${owner.tenantUid}/users`;

  it('lets a manager limited to some stores give staff only those stores, never all stores', async () => {
    const all = await call(t.app, { method: 'POST', url: users(), token: manager.accessToken, body: { role: 'staff', storeUids: [] } });
    expect(all.status).toBe(403);
    expect(all.body.code).toBe('forbidden');
    const none = await call(t.app, { method: 'POST', url: users(), token: manager.accessToken, body: { role: 'staff' } });
    expect(none.status).toBe(403);
    const other = await call(t.app, { method: 'POST', url: users(), token: manager.accessToken, body: { role: 'staff', storeUids: [storeB] } });
    expect(other.status).toBe(403);
    const own = await call(t.app, { method: 'POST', url: users(), token: manager.accessToken, body: { role: 'staff', storeUids: [storeA] } });
    expect(own.status).toBe(201);
    const widen = await call(t.app, { method: 'PUT', url: `${users()}/${own.body.uid}`, token: manager.accessToken, body: { storeUids: [storeA, storeB] } });
    expect(widen.status).toBe(403);
    expect((await call(t.app, { method: 'GET', url: `${users()}/${own.body.uid}`, token: owner.accessToken })).body.storeUids).toEqual([storeA]);
  });

  it('lets a store-limited admin invite only into their own stores', async () => {
    const staff = await createStaff(t.app, owner, { role: 'admin', storeUids: [storeA] });
    const admin = (await deviceLogin(t.app, tillA, staff.userCode, staff.password)).body.accessToken;
    const invites = `/tenants/${owner.tenantUid}/invites`;
    expect((await call(t.app, { method: 'POST', url: invites, token: admin, body: { role: 'staff' } })).status).toBe(403);
    expect((await call(t.app, { method: 'POST', url: invites, token: admin, body: { role: 'staff', storeUids: [storeB] } })).status).toBe(403);
    expect((await call(t.app, { method: 'POST', url: invites, token: admin, body: { role: 'staff', storeUids: [storeA] } })).status).toBe(201);
  });

  it('ends a member’s till sessions when their stores are narrowed, and keeps their back-office session', async () => {
    const staff = await createStaff(t.app, owner);
    const onTill = (await deviceLogin(t.app, tillA, staff.userCode, staff.password)).body.accessToken;
    expect((await call(t.app, { method: 'GET', url: '/account', token: onTill })).status).toBe(200);
    const narrowed = await call(t.app, { method: 'PUT', url: `${users()}/${staff.uid}`, token: owner.accessToken, body: { storeUids: [storeB] } });
    expect(narrowed.status).toBe(200);
    expect((await call(t.app, { method: 'GET', url: '/account', token: onTill })).status).toBe(401);
    expect((await deviceLogin(t.app, tillA, staff.userCode, staff.password)).status).toBe(403);
  });

  it('ends the sessions on a till that is bound to another store', async () => {
    const till = await attachDevice(t.app, owner);
    const staff = await createStaff(t.app, owner, { storeUids: [storeA] });
    const session = (await deviceLogin(t.app, till, staff.userCode, staff.password)).body.accessToken;
    const devices = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/devices?limit=200`, token: owner.accessToken });
    const uid = devices.body.items.find((d: { storeUid: string | null; lastSeenAt: string | null; uid: string }) => d.storeUid === null && d.lastSeenAt !== null).uid;
    const rebound = await call(t.app, { method: 'PUT', url: `/tenants/${owner.tenantUid}/devices/${uid}`, token: owner.accessToken, body: { storeUid: storeB } });
    expect(rebound.status).toBe(200);
    expect((await call(t.app, { method: 'GET', url: '/account', token: session })).status).toBe(401);
  });

  it('refuses an invitation whose stores have all been deleted, instead of giving access to all stores', async () => {
    const doomed = await createStore(t.app, owner);
    const invite = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/invites`, token: owner.accessToken, body: { role: 'staff', storeUids: [doomed] } });
    expect(invite.status).toBe(201);
    expect((await call(t.app, { method: 'DELETE', url: `/tenants/${owner.tenantUid}/stores/${doomed}`, token: owner.accessToken })).status).toBe(204);
    const invitee = await signUp(t.app);
    const accepted = await call(t.app, { method: 'PUT', url: '/account/invite', token: invitee.authToken, body: { inviteToken: invite.body.inviteToken } });
    expect(accepted.status).toBe(422);
    expect(accepted.body.code).toBe('unknown_store');
    expect((await call(t.app, { method: 'GET', url: '/account/invite', headers: { 'x-invite-token': invite.body.inviteToken } })).body.status).toBe('pending');
  });
});
