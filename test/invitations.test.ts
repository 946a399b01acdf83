import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import {
  acceptInvite,
  accessTokenOfRole,
  call,
  createOwner,
  createStore,
  invite,
  lookUpInvite,
  signUp,
  unique,
  type Owner,
} from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

/** Creates an invitation and returns its token; fails the test when creation fails. */
async function inviteToken(app: App, owner: Owner, body: Record<string, unknown> = { role: 'staff' }): Promise<string> {
  const response = await invite(app, owner.tenantUid, owner.accessToken, body);
  expect(response.status).toBe(201);
  return response.body.inviteToken;
}

/** A well-formed invite token that was never issued. */
const unknownInviteToken = () => `inv_${randomBytes(32).toString('base64url')}`;

describe('creating invitations (POST /tenants/{t}/invites)', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app, { name: 'Invite Tenant' });
  });
  afterAll(() => t.close());

  it('returns 201 with the invitation, an inv_ token and an accept link that carries the token', async () => {
    const store = await createStore(t.app, owner);
    const response = await invite(t.app, owner.tenantUid, owner.accessToken, { email: 'new@example.com', role: 'manager', storeUids: [store] });
    expect(response.status).toBe(201);
    expect(response.body.invitation).toMatchObject({
      uid: expect.stringMatching(/^[A-Za-z0-9-_]+$/),
      tenant: { uid: owner.tenantUid, name: 'Invite Tenant' },
      email: 'new@example.com',
      role: 'manager',
      storeUids: [store],
      status: 'pending',
      invitedBy: { displayName: 'Test User' },
    });
    expect(response.body.inviteToken).toMatch(/^inv_[A-Za-z0-9_-]{43,}$/);
    expect(response.body.inviteUrl).toContain(response.body.inviteToken);
    expect(new URL(response.body.inviteUrl).searchParams.get('token')).toBe(response.body.inviteToken);
    // The token appears in the token field and the link only, never inside the invitation.
    expect(JSON.stringify(response.body.invitation)).not.toContain(response.body.inviteToken);
  });

  it('expires after 168 hours by default and after expiresInHours when given (1 and 720 are allowed)', async () => {
    const byDefault = await invite(t.app, owner.tenantUid, owner.accessToken, { role: 'staff' });
    expect(byDefault.status).toBe(201);
    const lifetime = (inv: { createdAt: string; expiresAt: string }) => (Date.parse(inv.expiresAt) - Date.parse(inv.createdAt)) / 3600_000;
    expect(lifetime(byDefault.body.invitation)).toBe(168);
    for (const hours of [1, 720]) {
      const response = await invite(t.app, owner.tenantUid, owner.accessToken, { role: 'staff', expiresInHours: hours });
      expect(response.status).toBe(201);
      expect(lifetime(response.body.invitation)).toBe(hours);
    }
  });

  it('refuses expiresInHours outside 1–720 with 400 validation_failed', async () => {
    for (const hours of [0, 721, -5]) {
      const response = await invite(t.app, owner.tenantUid, owner.accessToken, { role: 'staff', expiresInHours: hours });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
  });

  it('refuses staff and managers with 403 forbidden', async () => {
    for (const role of ['staff', 'manager'] as const) {
      const token = await accessTokenOfRole(t.app, owner, role);
      const response = await invite(t.app, owner.tenantUid, token, { role: 'staff' });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('forbidden');
    }
  });

  it('lets an admin invite admins, managers and staff but not owners (403 forbidden)', async () => {
    const adminToken = await accessTokenOfRole(t.app, owner, 'admin');
    for (const role of ['admin', 'manager', 'staff']) {
      const response = await invite(t.app, owner.tenantUid, adminToken, { role });
      expect(response.status).toBe(201);
      expect(response.body.invitation.role).toBe(role);
    }
    const ownerInvite = await invite(t.app, owner.tenantUid, adminToken, { role: 'owner' });
    expect(ownerInvite.status).toBe(403);
    expect(ownerInvite.body.code).toBe('forbidden');
  });

  it('lets an owner invite an owner', async () => {
    const response = await invite(t.app, owner.tenantUid, owner.accessToken, { role: 'owner' });
    expect(response.status).toBe(201);
    expect(response.body.invitation.role).toBe('owner');
  });

  it('refuses storeUids that are not stores of the tenant with 422 unknown_store', async () => {
    const other = await createOwner(t.app);
    const otherStore = await createStore(t.app, other);
    const ownStore = await createStore(t.app, owner);
    for (const storeUids of [['no-such-store'], [ownStore, otherStore]]) {
      const response = await invite(t.app, owner.tenantUid, owner.accessToken, { role: 'staff', storeUids });
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('unknown_store');
    }
  });

  it('refuses an access token of another tenant with 403 tenant_mismatch', async () => {
    const other = await createOwner(t.app);
    const response = await invite(t.app, owner.tenantUid, other.accessToken, { role: 'staff' });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('tenant_mismatch');
  });
});

describe('looking at an invitation (GET /account/invite)', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app, { name: 'Lookup Tenant' });
  });
  afterAll(() => t.close());

  it('shows the pending invitation to anyone holding the token, without the token itself', async () => {
    const store = await createStore(t.app, owner);
    const created = await invite(t.app, owner.tenantUid, owner.accessToken, { email: 'someone@example.com', role: 'manager', storeUids: [store] });
    expect(created.status).toBe(201);
    const token = created.body.inviteToken;

    const response = await lookUpInvite(t.app, token);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      uid: created.body.invitation.uid,
      tenant: { uid: owner.tenantUid, name: 'Lookup Tenant' },
      email: 'someone@example.com',
      role: 'manager',
      storeUids: [store],
      status: 'pending',
      invitedBy: { displayName: 'Test User' },
      createdAt: created.body.invitation.createdAt,
      expiresAt: created.body.invitation.expiresAt,
    });
    expect(response.text).not.toContain(token);
    expect(response.text).not.toContain(token.slice(4));
    expect(Object.keys(response.body)).not.toContain('inviteToken');
    expect(Object.keys(response.body)).not.toContain('inviteUrl');
  });

  it('answers 404 not_found for a token that was never issued, and for a token of another kind', async () => {
    for (const token of [unknownInviteToken(), owner.accessToken]) {
      const response = await lookUpInvite(t.app, token);
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('not_found');
    }
  });

  it('answers 400 validation_failed without the x-invite-token header', async () => {
    const response = await call(t.app, { method: 'GET', url: '/account/invite' });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
  });

  it('answers 410 invitation_used once the invitation has been accepted', async () => {
    const token = await inviteToken(t.app, owner);
    const user = await signUp(t.app);
    expect((await acceptInvite(t.app, user.authToken, token)).status).toBe(200);
    const response = await lookUpInvite(t.app, token);
    expect(response.status).toBe(410);
    expect(response.body.code).toBe('invitation_used');
  });
});

describe('accepting an invitation (PUT /account/invite)', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app, { name: 'Joinable Tenant' });
  });
  afterAll(() => t.close());

  it('makes the user a member with the invited role and stores and returns an access token of the tenant', async () => {
    const store = await createStore(t.app, owner);
    const token = await inviteToken(t.app, owner, { role: 'manager', storeUids: [store] });
    const user = await signUp(t.app, { name: 'New Manager' });

    const response = await acceptInvite(t.app, user.authToken, token);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      tenant: { uid: owner.tenantUid, name: 'Joinable Tenant' },
      role: 'manager',
      status: 'active',
      storeUids: [store],
      hasPassword: false,
      displayName: 'New Manager',
    });
    expect(response.body.accessToken).toMatch(/^acc_[A-Za-z0-9_-]{43,}$/);
    expect(Date.parse(response.body.expiresAt)).toBeGreaterThan(Date.now());

    const me = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token: response.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ uid: response.body.uid, role: 'manager', storeUids: [store] });

    const account = await call(t.app, { method: 'GET', url: '/account', token: response.body.accessToken });
    expect(account.status).toBe(200);
    expect(account.body.tenants).toHaveLength(1);
    expect(account.body.tenants[0]).toMatchObject({ uid: response.body.uid, tenant: { uid: owner.tenantUid }, role: 'manager', storeUids: [store] });
    // A user who had no tenant gets the one they joined as default.
    expect(account.body.defaultTenantUid).toBe(owner.tenantUid);

    // The membership is real: the same authToken now exchanges for an access token of the tenant.
    const exchange = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/account`, token: user.authToken });
    expect(exchange.status).toBe(200);
    expect(exchange.body.uid).toBe(response.body.uid);
  });

  it('accepts an e-mail bound invitation for a user whose e-mail matches case-insensitively', async () => {
    const local = `ann-${unique()}`;
    const token = await inviteToken(t.app, owner, { email: `${local.replace('ann', 'Ann')}@Example.com`, role: 'staff' });
    const ann = await signUp(t.app, { email: `${local}@example.com` });
    const response = await acceptInvite(t.app, ann.authToken, token);
    expect(response.status).toBe(200);
    expect(response.body.tenant.uid).toBe(owner.tenantUid);
    expect(response.body.role).toBe('staff');
  });

  it('refuses an e-mail bound invitation to another e-mail with 403 invitation_email_mismatch and keeps it usable', async () => {
    const annEmail = `ann-${unique()}@example.com`;
    const token = await inviteToken(t.app, owner, { email: annEmail, role: 'staff' });
    const bob = await signUp(t.app, { email: `bob-${unique()}@example.com` });

    const refused = await acceptInvite(t.app, bob.authToken, token);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('invitation_email_mismatch');
    // Bob did not become a member.
    const bobExchange = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/account`, token: bob.authToken });
    expect(bobExchange.status).toBe(403);
    expect(bobExchange.body.code).toBe('not_a_member');

    const stillPending = await lookUpInvite(t.app, token);
    expect(stillPending.status).toBe(200);
    expect(stillPending.body.status).toBe('pending');
    const ann = await signUp(t.app, { email: annEmail });
    expect((await acceptInvite(t.app, ann.authToken, token)).status).toBe(200);
  });

  it('lets anyone signed in use an invitation without e-mail, but only once (second user: 410 invitation_used)', async () => {
    const token = await inviteToken(t.app, owner, { role: 'staff' });
    const first = await signUp(t.app);
    const second = await signUp(t.app);
    expect((await acceptInvite(t.app, first.authToken, token)).status).toBe(200);
    const again = await acceptInvite(t.app, second.authToken, token);
    expect(again.status).toBe(410);
    expect(again.body.code).toBe('invitation_used');
    const secondExchange = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/account`, token: second.authToken });
    expect(secondExchange.status).toBe(403);
  });

  it('refuses a user who is already a member with 409 already_member and leaves the invitation pending for someone else', async () => {
    const token = await inviteToken(t.app, owner, { role: 'admin' });
    const refused = await acceptInvite(t.app, owner.authToken, token);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('already_member');
    // The owner keeps their role; the invitation did not demote them.
    const ownerAccount = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token: owner.accessToken });
    expect(ownerAccount.body.role).toBe('owner');

    const lookup = await lookUpInvite(t.app, token);
    expect(lookup.status).toBe(200);
    expect(lookup.body.status).toBe('pending');
    const someoneElse = await signUp(t.app);
    const accepted = await acceptInvite(t.app, someoneElse.authToken, token);
    expect(accepted.status).toBe(200);
    expect(accepted.body.role).toBe('admin');
  });

  it('answers 404 not_found for an invite token that was never issued', async () => {
    const user = await signUp(t.app);
    const response = await acceptInvite(t.app, user.authToken, unknownInviteToken());
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('not_found');
  });

  it('refuses an access token instead of an authToken with 401 invalid_token and leaves the invitation pending', async () => {
    const token = await inviteToken(t.app, owner, { role: 'staff' });
    const other = await createOwner(t.app);
    const response = await acceptInvite(t.app, other.accessToken, token);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('invalid_token');
    expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect((await lookUpInvite(t.app, token)).body.status).toBe('pending');
  });

  it('refuses a request without credentials with 401 and a bare WWW-Authenticate: Bearer', async () => {
    const token = await inviteToken(t.app, owner, { role: 'staff' });
    const response = await call(t.app, { method: 'PUT', url: '/account/invite', body: { inviteToken: token } });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('invalid_token');
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('never gives access to another tenant: the token from accepting gets 403 tenant_mismatch there', async () => {
    const other = await createOwner(t.app);
    const token = await inviteToken(t.app, owner, { role: 'admin' });
    const user = await signUp(t.app);
    const accepted = await acceptInvite(t.app, user.authToken, token);
    expect(accepted.status).toBe(200);

    const elsewhere = await call(t.app, { method: 'GET', url: `/tenants/${other.tenantUid}/account`, token: accepted.body.accessToken });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.code).toBe('tenant_mismatch');
    const exchange = await call(t.app, { method: 'POST', url: `/tenants/${other.tenantUid}/account`, token: user.authToken });
    expect(exchange.status).toBe(403);
    expect(exchange.body.code).toBe('not_a_member');
    const account = await call(t.app, { method: 'GET', url: '/account', token: accepted.body.accessToken });
    expect(account.body.tenants.map((m: { tenant: { uid: string } }) => m.tenant.uid)).toEqual([owner.tenantUid]);
  });

  it('refuses a body with an unknown field or without inviteToken with 400 validation_failed', async () => {
    const user = await signUp(t.app);
    const token = await inviteToken(t.app, owner, { role: 'staff' });
    for (const body of [{}, { inviteToken: token, role: 'owner' }]) {
      const response = await call(t.app, { method: 'PUT', url: '/account/invite', token: user.authToken, body });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
    expect((await lookUpInvite(t.app, token)).body.status).toBe('pending');
  });
});

describe('concurrent acceptance of one invitation', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  it('lets exactly one of 20 simultaneous users join; the other 19 get 410 invitation_used (or 409) and are not members', async () => {
    const token = await inviteToken(t.app, owner, { role: 'staff' });
    // Signed up one after another: one client's share of the password hasher
    // turns a burst of 20 sign-ups partly away with 503.
    const users = [];
    for (let i = 0; i < 20; i++) users.push(await signUp(t.app));

    const responses = await Promise.all(users.map((user) => acceptInvite(t.app, user.authToken, token)));

    const winners = responses.filter((r) => r.status === 200);
    const losers = responses.filter((r) => r.status !== 200);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    for (const loser of losers) {
      expect([409, 410]).toContain(loser.status);
      expect(['invitation_used', 'already_member']).toContain(loser.body.code);
    }

    // Exactly one of the 20 users is now a member of the tenant.
    const exchanges = await Promise.all(
      users.map((user) => call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/account`, token: user.authToken })),
    );
    expect(exchanges.filter((r) => r.status === 200)).toHaveLength(1);
    expect(exchanges.filter((r) => r.status === 403 && r.body.code === 'not_a_member')).toHaveLength(19);
    const winnerIndex = responses.findIndex((r) => r.status === 200);
    expect(exchanges[winnerIndex].status).toBe(200);
    expect(exchanges[winnerIndex].body.uid).toBe(winners[0].body.uid);

    const winnerAccount = await call(t.app, { method: 'GET', url: '/account', token: winners[0].body.accessToken });
    expect(winnerAccount.body.tenants.map((m: { tenant: { uid: string } }) => m.tenant.uid)).toEqual([owner.tenantUid]);
    expect((await lookUpInvite(t.app, token)).body.code).toBe('invitation_used');
  });
});

describe('invitation expiry', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  /**
   * An invitation that expired a moment ago. The built-in auth service signs
   * authTokens on the real clock while the service checks them on the TestClock,
   * so moving the TestClock forward past the expiry would expire every authToken
   * as well. Instead the invitation is made two hours in the past with a lifetime
   * of one hour, and the clock is moved forward again to the present.
   */
  async function expiredInvitationToken(body: Record<string, unknown> = { role: 'staff' }): Promise<string> {
    t.clock.advance(-2 * 3600);
    try {
      return await inviteToken(t.app, owner, { ...body, expiresInHours: 1 });
    } finally {
      t.clock.advance(2 * 3600);
    }
  }

  it('answers 200 pending just before the expiry and 410 invitation_expired once the clock has passed it', async () => {
    const token = await inviteToken(t.app, owner, { role: 'staff', expiresInHours: 1 });
    t.clock.advance(3600 - 5);
    try {
      const before = await lookUpInvite(t.app, token);
      expect(before.status).toBe(200);
      expect(before.body.status).toBe('pending');
      t.clock.advance(10);
      const after = await lookUpInvite(t.app, token);
      expect(after.status).toBe(410);
      expect(after.body.code).toBe('invitation_expired');
    } finally {
      t.clock.advance(-(3600 + 5));
    }
  });

  it('refuses to accept an expired invitation with 410 invitation_expired', async () => {
    const token = await expiredInvitationToken();
    expect((await lookUpInvite(t.app, token)).body.code).toBe('invitation_expired');
    const user = await signUp(t.app);
    const response = await acceptInvite(t.app, user.authToken, token);
    expect(response.status).toBe(410);
    expect(response.body.code).toBe('invitation_expired');
    const exchange = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/account`, token: user.authToken });
    expect(exchange.status).toBe(403);
  });

  it('refuses an expired e-mail bound invitation even to the invited address', async () => {
    const email = `late-${unique()}@example.com`;
    const token = await expiredInvitationToken({ role: 'staff', email });
    const user = await signUp(t.app, { email });
    const response = await acceptInvite(t.app, user.authToken, token);
    expect(response.status).toBe(410);
    expect(response.body.code).toBe('invitation_expired');
  });
});
