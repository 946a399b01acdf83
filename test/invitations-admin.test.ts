import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import {
  acceptInvite,
  accessTokenOfRole,
  call,
  createOwner,
  createStaff,
  createStore,
  invite,
  lookUpInvite,
  signUp,
  unique,
  type Owner,
  type SignedUpUser,
} from './support/factories.js';
import { buildTestApp, TEST_PUBLIC_URL, type TestApp } from './support/test-app.js';

// ---------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------

/** Creates an invitation as the owner; fails the test when creation fails. */
async function createInvitation(app: App, owner: Owner, body: Record<string, unknown> = { role: 'staff' }) {
  const response = await invite(app, owner.tenantUid, owner.accessToken, body);
  expect(response.status, response.text).toBe(201);
  return response.body as { invitation: { uid: string; expiresAt: string; createdAt: string; status: string }; inviteToken: string; inviteUrl: string; delivery: any };
}

function listInvites(app: App, tenantUid: string, token: string, query = '') {
  return call(app, { method: 'GET', url: `/tenants/${tenantUid}/invites${query}`, token });
}

function revoke(app: App, tenantUid: string, token: string, invitationUid: string) {
  return call(app, { method: 'DELETE', url: `/tenants/${tenantUid}/invites/${invitationUid}`, token });
}

function resend(app: App, tenantUid: string, token: string, invitationUid: string, body?: Record<string, unknown>) {
  return call(app, { method: 'POST', url: `/tenants/${tenantUid}/invites/${invitationUid}/resend`, token, body });
}

/** Every invitation of the tenant, following nextCursor, newest first. */
async function allInvites(app: App, owner: Owner, status?: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ limit: '200' });
    if (status) params.set('status', status);
    if (cursor) params.set('cursor', cursor);
    const page = await listInvites(app, owner.tenantUid, owner.accessToken, `?${params}`);
    expect(page.status, page.text).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

/**
 * An invitation that expired a moment ago. The built-in auth service signs
 * authTokens on the real clock while the service checks them on the TestClock,
 * so moving the TestClock past an invitation's expiry would also expire every
 * authToken. Instead the invitation is made two hours in the past with a
 * lifetime of one hour, and the clock is moved back to the present.
 */
async function createExpiredInvitation(t: TestApp, owner: Owner, body: Record<string, unknown> = { role: 'staff' }) {
  t.clock.advance(-2 * 3600);
  try {
    return await createInvitation(t.app, owner, { ...body, expiresInHours: 1 });
  } finally {
    t.clock.advance(2 * 3600);
  }
}

const hours = (ms: number) => ms / 3600_000;

// ---------------------------------------------------------------------------
// Mail helpers: an in-process SMTP server and a small MIME reader
// ---------------------------------------------------------------------------

interface ReceivedMail {
  envelopeTo: string[];
  raw: string;
  headers: Record<string, string>;
  subject: string;
  text: string;
  html: string;
}

/** Quoted-printable (RFC 2045) to a UTF-8 string. */
function decodeQuotedPrintable(value: string): string {
  const joined = value.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A header value with RFC 2047 encoded words decoded. */
function decodeHeader(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[QB]\?[^?]*\?=)\s+(?==\?)/gi, '$1')
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_m, _charset: string, encoding: string, data: string) =>
      encoding.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

function splitHeaders(block: string): { headers: Record<string, string>; body: string } {
  const match = /\r?\n\r?\n/.exec(block);
  const head = match ? block.slice(0, match.index) : block;
  const body = match ? block.slice(match.index + match[0].length) : '';
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function decodeBody(headers: Record<string, string>, body: string): string {
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

/** Reads a message as nodemailer writes it: one part, or multipart/alternative with text and HTML. */
function parseMail(raw: string, envelopeTo: string[] = []): ReceivedMail {
  const { headers, body } = splitHeaders(raw);
  let text = '';
  let html = '';
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  const parts = boundary
    ? body
        .split(`--${boundary}`)
        .slice(1)
        .filter((p) => !p.startsWith('--'))
        .map((p) => splitHeaders(p.replace(/^\r?\n/, '')))
    : [{ headers, body }];
  for (const part of parts) {
    const type = (part.headers['content-type'] ?? 'text/plain').toLowerCase();
    if (type.startsWith('text/plain')) text += decodeBody(part.headers, part.body);
    if (type.startsWith('text/html')) html += decodeBody(part.headers, part.body);
  }
  return { envelopeTo, raw, headers, subject: decodeHeader(headers.subject ?? ''), text, html };
}

const ACCEPT_LINK = /http:\/\/accounts\.test\/invite\?token=(inv_[A-Za-z0-9_-]+)/;

interface MailServer {
  port: number;
  messages: ReceivedMail[];
  /** The first message (received now or within a few seconds) that `predicate` picks. */
  waitFor(predicate: (mail: ReceivedMail) => boolean): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** An SMTP server on a free port of 127.0.0.1 that keeps every message it receives. */
async function startMailServer(): Promise<MailServer> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        messages.push(parseMail(Buffer.concat(chunks).toString('utf8'), session.envelope.rcptTo.map((r) => r.address)));
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    async waitFor(predicate) {
      const deadline = Date.now() + 5000;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such message; received: ${messages.map((m) => `${m.envelopeTo} "${m.subject}"`).join('; ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Signs up at the built-in auth service when SMTP is configured: it then requires
 * the address to be verified, so the verification link is taken from the mail
 * server and followed before signing in.
 */
async function signUpVerified(app: App, mail: MailServer, options: { email?: string; name?: string } = {}): Promise<SignedUpUser> {
  const email = options.email ?? `user-${unique()}@example.com`;
  const name = options.name ?? 'Test User';
  const password = `pw-${unique()}-${unique()}`;
  const signedUp = await call(app, { method: 'POST', url: '/auth/sign-up/email', body: { name, email, password } });
  if (signedUp.status !== 200) throw new Error(`sign-up failed: ${signedUp.status} ${signedUp.text}`);
  const verification = await mail.waitFor((m) => m.envelopeTo.includes(email) && m.text.includes('/auth/verify-email?'));
  const link = /http:\/\/accounts\.test(\/auth\/verify-email\?\S+)/.exec(verification.text)![1];
  const verified = await call(app, { method: 'GET', url: link });
  if (verified.status >= 400) throw new Error(`verification failed: ${verified.status} ${verified.text}`);
  const signedIn = await call(app, { method: 'POST', url: '/auth/sign-in/email', body: { email, password } });
  if (signedIn.status !== 200) throw new Error(`sign-in failed: ${signedIn.status} ${signedIn.text}`);
  const sessionToken = signedIn.body.token as string;
  const tokenResponse = await call(app, { method: 'GET', url: '/auth/token', token: sessionToken });
  if (tokenResponse.status !== 200) throw new Error(`token failed: ${tokenResponse.status} ${tokenResponse.text}`);
  return { email, name, password, sessionToken, authToken: tokenResponse.body.token };
}

/** A tenant created by `user`, who becomes its owner. */
async function ownerFrom(app: App, user: SignedUpUser, name: string): Promise<Owner> {
  const created = await call(app, { method: 'POST', url: '/tenants', token: user.authToken, body: { uid: `t-${unique()}`, name } });
  if (created.status !== 201) throw new Error(`tenant creation failed: ${created.status} ${created.text}`);
  return { ...user, tenantUid: created.body.tenant.uid, accessToken: created.body.accessToken, memberUid: created.body.uid, userUid: created.body.userUid };
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe('listing invitations (GET /tenants/{t}/invites)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it("lists only the tenant's own invitations, newest first, in pages linked by nextCursor", async () => {
    const owner = await createOwner(t.app, { name: 'Listing Tenant' });
    const other = await createOwner(t.app);
    await createInvitation(t.app, other, { role: 'staff' });
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      created.push((await createInvitation(t.app, owner, { role: 'staff', email: `p${i}-${unique()}@example.com` })).invitation.uid);
      t.clock.advance(1);
    }
    const newestFirst = [...created].reverse();

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await listInvites(t.app, owner.tenantUid, owner.accessToken, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      pageSizes.push(page.body.items.length);
      for (const item of page.body.items) {
        expect(item).toMatchObject({ tenant: { uid: owner.tenantUid, name: 'Listing Tenant' }, role: 'staff', status: 'pending' });
        seen.push(item.uid);
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(newestFirst);

    const whole = await listInvites(t.app, owner.tenantUid, owner.accessToken);
    expect(whole.body.items.map((i: { uid: string }) => i.uid)).toEqual(newestFirst);
    expect(whole.body.nextCursor).toBeNull();
  });

  it('pages without losing or repeating invitations made at the same instant', async () => {
    const owner = await createOwner(t.app);
    const created = new Set<string>();
    // The TestClock stands still: all seven get the same createdAt.
    for (let i = 0; i < 7; i++) created.add((await createInvitation(t.app, owner)).invitation.uid);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listInvites(t.app, owner.tenantUid, owner.accessToken, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((i: { uid: string }) => i.uid));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(created);
  });

  it('filters by status pending, accepted, revoked and expired, and shows an expired invitation as expired', async () => {
    const owner = await createOwner(t.app);
    const expired = await createExpiredInvitation(t, owner);
    const pending = await createInvitation(t.app, owner);
    const accepted = await createInvitation(t.app, owner);
    const revoked = await createInvitation(t.app, owner);
    expect((await acceptInvite(t.app, (await signUp(t.app)).authToken, accepted.inviteToken)).status).toBe(200);
    expect((await revoke(t.app, owner.tenantUid, owner.accessToken, revoked.invitation.uid)).status).toBe(204);

    const all = await allInvites(t.app, owner);
    const statusOf = Object.fromEntries(all.map((i) => [i.uid, i.status]));
    expect(statusOf).toEqual({
      [expired.invitation.uid]: 'expired',
      [pending.invitation.uid]: 'pending',
      [accepted.invitation.uid]: 'accepted',
      [revoked.invitation.uid]: 'revoked',
    });

    const expected = { pending, accepted, revoked, expired };
    for (const [status, invitation] of Object.entries(expected)) {
      const filtered = await allInvites(t.app, owner, status);
      expect(filtered.map((i) => i.uid), status).toEqual([invitation.invitation.uid]);
      expect(filtered[0].status).toBe(status);
    }
  });

  it('is for admins and owners: an admin reads the list, managers and staff get 403 forbidden', async () => {
    const owner = await createOwner(t.app);
    const invitation = await createInvitation(t.app, owner);
    const adminToken = await accessTokenOfRole(t.app, owner, 'admin');
    const asAdmin = await listInvites(t.app, owner.tenantUid, adminToken);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.items.map((i: { uid: string }) => i.uid)).toEqual([invitation.invitation.uid]);

    for (const role of ['manager', 'staff'] as const) {
      const token = await accessTokenOfRole(t.app, owner, role);
      const response = await listInvites(t.app, owner.tenantUid, token);
      expect(response.status, role).toBe(403);
      expect(response.body.code).toBe('forbidden');
      expect(response.text).not.toContain(invitation.invitation.uid);
    }
  });

  it("refuses another tenant's access token with 403 tenant_mismatch", async () => {
    const owner = await createOwner(t.app);
    const other = await createOwner(t.app);
    await createInvitation(t.app, owner);
    const response = await listInvites(t.app, owner.tenantUid, other.accessToken);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('tenant_mismatch');
  });
});

describe('revoking an invitation (DELETE /tenants/{t}/invites/{i})', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  it('answers 204, after which the token gets 410 invitation_revoked on GET and PUT /account/invite', async () => {
    const created = await createInvitation(t.app, owner, { role: 'manager' });
    expect((await lookUpInvite(t.app, created.inviteToken)).status).toBe(200);

    const response = await revoke(t.app, owner.tenantUid, owner.accessToken, created.invitation.uid);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');

    const looked = await lookUpInvite(t.app, created.inviteToken);
    expect(looked.status).toBe(410);
    expect(looked.body.code).toBe('invitation_revoked');
    const user = await signUp(t.app);
    const accepted = await acceptInvite(t.app, user.authToken, created.inviteToken);
    expect(accepted.status).toBe(410);
    expect(accepted.body.code).toBe('invitation_revoked');
    // The user did not become a member.
    const exchange = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/account`, token: user.authToken });
    expect(exchange.status).toBe(403);
    expect(exchange.body.code).toBe('not_a_member');
    expect((await allInvites(t.app, owner)).find((i) => i.uid === created.invitation.uid).status).toBe('revoked');
  });

  it('refuses to revoke an accepted invitation with 410 invitation_used and leaves the membership alone', async () => {
    const created = await createInvitation(t.app, owner, { role: 'staff' });
    const user = await signUp(t.app);
    const joined = await acceptInvite(t.app, user.authToken, created.inviteToken);
    expect(joined.status).toBe(200);

    const response = await revoke(t.app, owner.tenantUid, owner.accessToken, created.invitation.uid);
    expect(response.status).toBe(410);
    expect(response.body.code).toBe('invitation_used');
    expect((await allInvites(t.app, owner)).find((i) => i.uid === created.invitation.uid).status).toBe('accepted');
    const me = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/account`, token: joined.body.accessToken });
    expect(me.status).toBe(200);
  });

  it("answers 404 not_found for an unknown invitation and for another tenant's invitation, which stays usable", async () => {
    const unknown = await revoke(t.app, owner.tenantUid, owner.accessToken, `no-such-${unique()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('not_found');

    const other = await createOwner(t.app);
    const theirs = await createInvitation(t.app, other);
    const response = await revoke(t.app, owner.tenantUid, owner.accessToken, theirs.invitation.uid);
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('not_found');
    expect((await lookUpInvite(t.app, theirs.inviteToken)).status).toBe(200);
  });

  it('refuses a manager with 403 forbidden and the invitation stays pending', async () => {
    const created = await createInvitation(t.app, owner);
    const managerToken = await accessTokenOfRole(t.app, owner, 'manager');
    const response = await revoke(t.app, owner.tenantUid, managerToken, created.invitation.uid);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('forbidden');
    expect((await lookUpInvite(t.app, created.inviteToken)).body.status).toBe('pending');
  });
});

describe('resending an invitation (POST /tenants/{t}/invites/{i}/resend)', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  it('answers 200 with a new token and a later expiry; the old token gets 404 and the new one works', async () => {
    const created = await createInvitation(t.app, owner, { role: 'manager' });
    t.clock.advance(60);
    const response = await resend(t.app, owner.tenantUid, owner.accessToken, created.invitation.uid);
    expect(response.status, response.text).toBe(200);
    expect(response.body.invitation).toMatchObject({ uid: created.invitation.uid, role: 'manager', status: 'pending', createdAt: created.invitation.createdAt });
    expect(response.body.inviteToken).toMatch(/^inv_[A-Za-z0-9_-]{43,}$/);
    expect(response.body.inviteToken).not.toBe(created.inviteToken);
    expect(new URL(response.body.inviteUrl).searchParams.get('token')).toBe(response.body.inviteToken);
    expect(Date.parse(response.body.invitation.expiresAt)).toBeGreaterThan(Date.parse(created.invitation.expiresAt));
    expect(hours(Date.parse(response.body.invitation.expiresAt) - t.clock.now().getTime())).toBeCloseTo(168, 3);

    const old = await lookUpInvite(t.app, created.inviteToken);
    expect(old.status).toBe(404);
    expect(old.body.code).toBe('not_found');
    const user = await signUp(t.app);
    expect((await acceptInvite(t.app, user.authToken, created.inviteToken)).status).toBe(404);

    const fresh = await lookUpInvite(t.app, response.body.inviteToken);
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ uid: created.invitation.uid, status: 'pending', expiresAt: response.body.invitation.expiresAt });
    const joined = await acceptInvite(t.app, user.authToken, response.body.inviteToken);
    expect(joined.status).toBe(200);
    expect(joined.body.role).toBe('manager');
  });

  it('takes the new lifetime from expiresInHours', async () => {
    const created = await createInvitation(t.app, owner);
    const response = await resend(t.app, owner.tenantUid, owner.accessToken, created.invitation.uid, { expiresInHours: 2 });
    expect(response.status).toBe(200);
    expect(hours(Date.parse(response.body.invitation.expiresAt) - t.clock.now().getTime())).toBeCloseTo(2, 3);
  });

  it('renews an expired invitation, which can then be accepted', async () => {
    const created = await createExpiredInvitation(t, owner, { role: 'staff' });
    expect((await lookUpInvite(t.app, created.inviteToken)).body.code).toBe('invitation_expired');

    const response = await resend(t.app, owner.tenantUid, owner.accessToken, created.invitation.uid);
    expect(response.status).toBe(200);
    expect(response.body.invitation.status).toBe('pending');
    expect(Date.parse(response.body.invitation.expiresAt)).toBeGreaterThan(t.clock.now().getTime());
    const user = await signUp(t.app);
    const joined = await acceptInvite(t.app, user.authToken, response.body.inviteToken);
    expect(joined.status).toBe(200);
    expect(joined.body.tenant.uid).toBe(owner.tenantUid);
  });

  it('refuses a revoked invitation with 410 invitation_revoked and an accepted one with 410 invitation_used', async () => {
    const revoked = await createInvitation(t.app, owner);
    expect((await revoke(t.app, owner.tenantUid, owner.accessToken, revoked.invitation.uid)).status).toBe(204);
    const onRevoked = await resend(t.app, owner.tenantUid, owner.accessToken, revoked.invitation.uid);
    expect(onRevoked.status).toBe(410);
    expect(onRevoked.body.code).toBe('invitation_revoked');
    expect(onRevoked.text).not.toContain('inv_');
    expect((await lookUpInvite(t.app, revoked.inviteToken)).body.code).toBe('invitation_revoked');

    const accepted = await createInvitation(t.app, owner);
    expect((await acceptInvite(t.app, (await signUp(t.app)).authToken, accepted.inviteToken)).status).toBe(200);
    const onAccepted = await resend(t.app, owner.tenantUid, owner.accessToken, accepted.invitation.uid);
    expect(onAccepted.status).toBe(410);
    expect(onAccepted.body.code).toBe('invitation_used');
  });

  it('answers 404 not_found for an unknown invitation', async () => {
    const response = await resend(t.app, owner.tenantUid, owner.accessToken, `no-such-${unique()}`);
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('not_found');
  });
});

describe('roles, user codes and stores of invitations', () => {
  let t: TestApp;
  let owner: Owner;
  let adminToken: string;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
    adminToken = await accessTokenOfRole(t.app, owner, 'admin');
  });
  afterAll(() => t.close());

  it('refuses an admin who invites an owner with 403 forbidden and creates nothing', async () => {
    const before = (await allInvites(t.app, owner)).length;
    const response = await invite(t.app, owner.tenantUid, adminToken, { role: 'owner' });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('forbidden');
    expect(await allInvites(t.app, owner)).toHaveLength(before);
  });

  it("refuses an admin who resends an owner's invitation with 403 forbidden; the old token keeps working", async () => {
    const ownerInvitation = await createInvitation(t.app, owner, { role: 'owner' });
    const response = await resend(t.app, owner.tenantUid, adminToken, ownerInvitation.invitation.uid);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('forbidden');
    expect(response.text).not.toContain('inv_');
    const looked = await lookUpInvite(t.app, ownerInvitation.inviteToken);
    expect(looked.status).toBe(200);
    expect(looked.body.expiresAt).toBe(ownerInvitation.invitation.expiresAt);

    // An admin may resend the invitation of an admin.
    const adminInvitation = await createInvitation(t.app, owner, { role: 'admin' });
    expect((await resend(t.app, owner.tenantUid, adminToken, adminInvitation.invitation.uid)).status).toBe(200);
  });

  it("gives the invitation's userCode to the member on acceptance", async () => {
    const userCode = `code-${unique()}`;
    const created = await createInvitation(t.app, owner, { role: 'staff', userCode });
    const user = await signUp(t.app);
    const joined = await acceptInvite(t.app, user.authToken, created.inviteToken);
    expect(joined.status).toBe(200);
    expect(joined.body.userCode).toBe(userCode);
    const member = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/users/${joined.body.uid}`, token: owner.accessToken });
    expect(member.status).toBe(200);
    expect(member.body.userCode).toBe(userCode);
  });

  it('refuses a userCode that a member already has with 409 user_code_taken and creates no invitation', async () => {
    const staff = await createStaff(t.app, owner);
    const before = (await allInvites(t.app, owner)).length;
    const response = await invite(t.app, owner.tenantUid, owner.accessToken, { role: 'staff', userCode: staff.userCode });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('user_code_taken');
    expect(await allInvites(t.app, owner)).toHaveLength(before);
  });

  it('refuses a userCode that another pending invitation reserves with 409 user_code_taken', async () => {
    const userCode = `code-${unique()}`;
    await createInvitation(t.app, owner, { role: 'staff', userCode });
    const response = await invite(t.app, owner.tenantUid, owner.accessToken, { role: 'staff', userCode });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('user_code_taken');
  });

  it("applies the invitation's storeUids to the member on acceptance", async () => {
    const first = await createStore(t.app, owner);
    await createStore(t.app, owner);
    const third = await createStore(t.app, owner);
    const created = await createInvitation(t.app, owner, { role: 'staff', storeUids: [first, third] });
    const user = await signUp(t.app);
    const joined = await acceptInvite(t.app, user.authToken, created.inviteToken);
    expect(joined.status).toBe(200);
    expect([...joined.body.storeUids].sort()).toEqual([first, third].sort());
    const member = await call(t.app, { method: 'GET', url: `/tenants/${owner.tenantUid}/users/${joined.body.uid}`, token: owner.accessToken });
    expect([...member.body.storeUids].sort()).toEqual([first, third].sort());
  });
});

describe('the limit on pending invitations (INVITES_MAX_PENDING=3)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp({ INVITES_MAX_PENDING: '3' });
  });
  afterAll(() => t.close());

  it('refuses a 4th pending invitation with 409 conflict until one is revoked', async () => {
    const owner = await createOwner(t.app);
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await createInvitation(t.app, owner));

    const fourth = await invite(t.app, owner.tenantUid, owner.accessToken, { role: 'staff' });
    expect(fourth.status).toBe(409);
    expect(fourth.body.code).toBe('conflict');
    expect(await allInvites(t.app, owner, 'pending')).toHaveLength(3);

    // Resending a pending invitation at the limit adds no pending invitation, so it is allowed.
    expect((await resend(t.app, owner.tenantUid, owner.accessToken, created[1].invitation.uid)).status).toBe(200);

    expect((await revoke(t.app, owner.tenantUid, owner.accessToken, created[0].invitation.uid)).status).toBe(204);
    const again = await invite(t.app, owner.tenantUid, owner.accessToken, { role: 'staff' });
    expect(again.status).toBe(201);
    expect(await allInvites(t.app, owner, 'pending')).toHaveLength(3);
  });

  it('holds under concurrent requests: of 8 simultaneous invitations exactly 3 are created', async () => {
    const owner = await createOwner(t.app);
    const responses = await Promise.all(Array.from({ length: 8 }, () => invite(t.app, owner.tenantUid, owner.accessToken, { role: 'staff' })));
    expect(responses.map((r) => r.status).sort()).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
    expect(await allInvites(t.app, owner, 'pending')).toHaveLength(3);
  });

  it('counts per tenant: a full tenant does not stop another one', async () => {
    const full = await createOwner(t.app);
    for (let i = 0; i < 3; i++) await createInvitation(t.app, full);
    const other = await createOwner(t.app);
    expect((await invite(t.app, other.tenantUid, other.accessToken, { role: 'staff' })).status).toBe(201);
  });

  it('does not count accepted or expired invitations, but refuses to renew an expired one past the limit', async () => {
    const owner = await createOwner(t.app);
    const expired = await createExpiredInvitation(t, owner);
    const accepted = await createInvitation(t.app, owner);
    expect((await acceptInvite(t.app, (await signUp(t.app)).authToken, accepted.inviteToken)).status).toBe(200);
    const pending = [];
    for (let i = 0; i < 3; i++) pending.push(await createInvitation(t.app, owner));

    const renewal = await resend(t.app, owner.tenantUid, owner.accessToken, expired.invitation.uid);
    expect(renewal.status).toBe(409);
    expect(renewal.body.code).toBe('conflict');

    expect((await revoke(t.app, owner.tenantUid, owner.accessToken, pending[0].invitation.uid)).status).toBe(204);
    const renewed = await resend(t.app, owner.tenantUid, owner.accessToken, expired.invitation.uid);
    expect(renewed.status).toBe(200);
    expect(renewed.body.invitation.status).toBe('pending');
  });
});

describe('invitation e-mail over SMTP', () => {
  let mail: MailServer;
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    mail = await startMailServer();
    t = await buildTestApp({ SMTP_URL: `smtp://127.0.0.1:${mail.port}` });
    owner = await ownerFrom(t.app, await signUpVerified(t.app, mail, { name: 'Olga Owner' }), 'Café Zürich');
  });
  afterAll(async () => {
    await t?.close();
    await mail?.close();
  });

  it('sends the invitation to the invitee with the tenant name in the subject and an accept link whose token can be accepted', async () => {
    const email = `invitee-${unique()}@example.com`;
    const created = await createInvitation(t.app, owner, { email, role: 'manager' });
    expect(created.delivery).toEqual({ status: 'sent', detail: null });

    const message = await mail.waitFor((m) => m.envelopeTo.includes(email));
    expect(message.headers.to).toContain(email);
    expect(message.subject).toContain('Café Zürich');
    expect(message.subject).toMatch(/invited/i);
    expect(message.text).toContain('Olga Owner');
    const link = ACCEPT_LINK.exec(message.text);
    expect(link).not.toBeNull();
    expect(link![0]).toBe(`${TEST_PUBLIC_URL}/invite?token=${created.inviteToken}`);
    expect(message.html).toContain(created.inviteToken);

    const invitee = await signUpVerified(t.app, mail, { email });
    const joined = await acceptInvite(t.app, invitee.authToken, link![1]);
    expect(joined.status, joined.text).toBe(200);
    expect(joined.body).toMatchObject({ tenant: { uid: owner.tenantUid, name: 'Café Zürich' }, role: 'manager' });
  });

  it('writes the e-mail in German for languageCode "de"', async () => {
    const email = `de-${unique()}@example.com`;
    const created = await createInvitation(t.app, owner, { email, role: 'staff', languageCode: 'de' });
    expect(created.delivery.status).toBe('sent');
    const message = await mail.waitFor((m) => m.envelopeTo.includes(email));
    expect(message.subject).toBe('Einladung zu Café Zürich');
    expect(message.text).toContain('Einladung annehmen');
    expect(ACCEPT_LINK.exec(message.text)?.[1]).toBe(created.inviteToken);
  });

  it('writes the e-mail in French for "fr" and in English for a language it has no text for', async () => {
    const fr = `fr-${unique()}@example.com`;
    const es = `es-${unique()}@example.com`;
    await createInvitation(t.app, owner, { email: fr, role: 'staff', languageCode: 'fr' });
    await createInvitation(t.app, owner, { email: es, role: 'staff', languageCode: 'es' });
    expect((await mail.waitFor((m) => m.envelopeTo.includes(fr))).subject).toBe('Invitation à rejoindre Café Zürich');
    expect((await mail.waitFor((m) => m.envelopeTo.includes(es))).subject).toBe('You are invited to join Café Zürich');
  });

  it('sends a resent invitation again, with the new token in the link', async () => {
    const email = `again-${unique()}@example.com`;
    const created = await createInvitation(t.app, owner, { email, role: 'staff' });
    await mail.waitFor((m) => m.envelopeTo.includes(email));
    const resent = await resend(t.app, owner.tenantUid, owner.accessToken, created.invitation.uid);
    expect(resent.status).toBe(200);
    expect(resent.body.delivery).toEqual({ status: 'sent', detail: null });
    const second = await mail.waitFor((m) => m.envelopeTo.includes(email) && m.text.includes(resent.body.inviteToken));
    expect(second.text).not.toContain(created.inviteToken);
    expect(mail.messages.filter((m) => m.envelopeTo.includes(email))).toHaveLength(2);
  });

  it('sends nothing for an invitation without e-mail and reports delivery null', async () => {
    const before = mail.messages.length;
    const created = await createInvitation(t.app, owner, { role: 'staff' });
    expect(created.delivery).toBeNull();
    await new Promise((r) => setTimeout(r, 200));
    expect(mail.messages).toHaveLength(before);
  });
});

describe('invitation e-mail without SMTP (written to DATA_DIR/mail)', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app, { name: 'File Tenant' });
  });
  afterAll(() => t.close());

  const mailFolder = () => path.join(t.config.dataDir, 'mail');
  const mailFiles = () => (fs.existsSync(mailFolder()) ? fs.readdirSync(mailFolder()).filter((f) => f.endsWith('.eml')) : []);

  it('writes an .eml file with the accept link and reports delivery written', async () => {
    const email = `file-${unique()}@example.com`;
    const created = await createInvitation(t.app, owner, { email, role: 'staff' });
    expect(created.delivery.status).toBe('written');

    const files = mailFiles().map((f) => path.join(mailFolder(), f));
    const messages = files.map((f) => parseMail(fs.readFileSync(f, 'utf8')));
    const message = messages.find((m) => m.headers.to?.includes(email));
    expect(message).toBeDefined();
    expect(created.delivery.detail).toBe(files[messages.indexOf(message!)]);
    expect(message!.subject).toContain('File Tenant');
    expect(ACCEPT_LINK.exec(message!.text)?.[1]).toBe(created.inviteToken);

    const invitee = await signUp(t.app, { email });
    const joined = await acceptInvite(t.app, invitee.authToken, ACCEPT_LINK.exec(message!.text)![1]);
    expect(joined.status).toBe(200);
  });

  it('writes nothing for an invitation without e-mail and reports delivery null', async () => {
    const before = mailFiles().length;
    const created = await createInvitation(t.app, owner, { role: 'staff' });
    expect(created.delivery).toBeNull();
    expect(mailFiles()).toHaveLength(before);
  });
});

describe('invitation e-mail when the SMTP server cannot be reached', () => {
  let mail: MailServer;
  let t: TestApp;
  let owner: Owner;
  let firstInvitee: SignedUpUser;
  let secondInvitee: SignedUpUser;

  beforeAll(async () => {
    // The owner and the invitees verify their addresses while the server is up
    // (the built-in auth service requires it when SMTP is configured); then the
    // server goes away and SMTP_URL points to a closed port.
    mail = await startMailServer();
    t = await buildTestApp({ SMTP_URL: `smtp://127.0.0.1:${mail.port}` });
    owner = await ownerFrom(t.app, await signUpVerified(t.app, mail), 'Offline Tenant');
    firstInvitee = await signUpVerified(t.app, mail);
    secondInvitee = await signUpVerified(t.app, mail);
    await mail.close();
  });
  afterAll(() => t?.close());

  it('still creates the invitation (201, delivery failed); it is listed as pending and its token can be accepted', async () => {
    const response = await invite(t.app, owner.tenantUid, owner.accessToken, { email: firstInvitee.email, role: 'staff' });
    expect(response.status).toBe(201);
    expect(response.body.delivery.status).toBe('failed');
    expect(response.body.delivery.detail).toEqual(expect.any(String));
    expect(response.body.inviteToken).toMatch(/^inv_/);

    const listed = (await allInvites(t.app, owner)).find((i) => i.uid === response.body.invitation.uid);
    expect(listed?.status).toBe('pending');
    expect((await lookUpInvite(t.app, response.body.inviteToken)).status).toBe(200);
    const joined = await acceptInvite(t.app, firstInvitee.authToken, response.body.inviteToken);
    expect(joined.status).toBe(200);
    expect(joined.body.tenant.uid).toBe(owner.tenantUid);
  });

  it('lets the invitation be resent (200 with a new token, delivery failed again) and accepted with the new token', async () => {
    const created = await createInvitation(t.app, owner, { email: secondInvitee.email, role: 'staff' });
    expect(created.delivery.status).toBe('failed');
    const resent = await resend(t.app, owner.tenantUid, owner.accessToken, created.invitation.uid);
    expect(resent.status).toBe(200);
    expect(resent.body.delivery.status).toBe('failed');
    expect(resent.body.inviteToken).not.toBe(created.inviteToken);
    const joined = await acceptInvite(t.app, secondInvitee.authToken, resent.body.inviteToken);
    expect(joined.status).toBe(200);
  });
});
