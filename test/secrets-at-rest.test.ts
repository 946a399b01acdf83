import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { attachDevice, call, createOwner, createStaff, createStore, deviceLogin, signUp, unique, type Owner, type SignedUpUser } from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

interface Secret {
  label: string;
  value: string;
}

/** Every table of the database with all its rows, as text per row. */
async function dumpDatabase(t: TestApp): Promise<Map<string, string[]>> {
  const db = t.database.db;
  const tables =
    t.database.dialect === 'postgres'
      ? (
          await sql<{ name: string }>`select table_name as name from information_schema.tables
            where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
        ).rows
      : (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)).rows;
  const dump = new Map<string, string[]>();
  for (const { name } of tables) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows;
    dump.set(
      name,
      rows.map((row) => Object.entries(row).map(([column, value]) => `${column}=${asText(value)}`).join('\u0000')),
    );
  }
  return dump;
}

/** A column value as text; binary values in every encoding a secret could hide in. */
function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Uint8Array) {
    const buffer = Buffer.from(value);
    return [buffer.toString('utf8'), buffer.toString('hex'), buffer.toString('base64'), buffer.toString('base64url')].join(' ');
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * The forms of a secret that must not be stored: the secret itself and, for an
 * opaque token, its random part without the prefix and those bytes in hex.
 */
function formsOf(secret: Secret): Secret[] {
  const forms = [secret];
  const opaque = /^(?:acc|dev|inv)_([A-Za-z0-9_-]{43})$/.exec(secret.value);
  if (opaque) {
    forms.push({ label: `${secret.label} (without prefix)`, value: opaque[1] });
    forms.push({ label: `${secret.label} (random bytes, hex)`, value: Buffer.from(opaque[1], 'base64url').toString('hex') });
  }
  return forms;
}

function findLeaks(dump: Map<string, string[]>, secrets: Secret[], tableFilter: (name: string) => boolean): string[] {
  const leaks: string[] = [];
  for (const [table, rows] of dump) {
    if (!tableFilter(table)) continue;
    rows.forEach((row, i) => {
      for (const secret of secrets.flatMap(formsOf)) {
        if (row.includes(secret.value)) leaks.push(`${secret.label} found in ${table} row ${i}`);
      }
    });
  }
  return leaks;
}

describe('secrets at rest', () => {
  let t: TestApp;
  let owner: Owner;
  let invitee: SignedUpUser;
  const tokens: Secret[] = [];
  const passwords: Secret[] = [];
  let staffUserCode: string;
  let pairingCode: string;
  let dump: Map<string, string[]>;

  beforeAll(async () => {
    t = await buildTestApp();

    // Sign-up and tenant creation (POST /tenants issues the owner's access token).
    owner = await createOwner(t.app);
    tokens.push({ label: 'owner accessToken (POST /tenants)', value: owner.accessToken });
    tokens.push({ label: 'owner authToken', value: owner.authToken });
    tokens.push({ label: 'owner auth session token', value: owner.sessionToken });
    passwords.push({ label: 'owner sign-up password', value: owner.password });

    // Store, store-bound device, staff with a PIN and staff with a password.
    const storeUid = await createStore(t.app, owner);
    const deviceToken = await attachDevice(t.app, owner, storeUid);
    tokens.push({ label: 'deviceToken', value: deviceToken });
    const pinStaff = await createStaff(t.app, owner, { password: '739164' });
    const passwordStaff = await createStaff(t.app, owner, { password: `Staff-Pw-${unique()}` });
    staffUserCode = pinStaff.userCode;
    passwords.push({ label: 'staff PIN', value: pinStaff.password });
    passwords.push({ label: 'staff password', value: passwordStaff.password });

    // Device logins.
    const pinLogin = await deviceLogin(t.app, deviceToken, pinStaff.userCode, pinStaff.password);
    expect(pinLogin.status).toBe(200);
    tokens.push({ label: 'staff accessToken (device login)', value: pinLogin.body.accessToken });
    const passwordLogin = await deviceLogin(t.app, deviceToken, passwordStaff.userCode, passwordStaff.password);
    expect(passwordLogin.status).toBe(200);
    tokens.push({ label: 'second staff accessToken (device login)', value: passwordLogin.body.accessToken });

    // Token exchange.
    const exchanged = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/account`, token: owner.authToken });
    expect(exchanged.status).toBe(200);
    tokens.push({ label: 'owner accessToken (token exchange)', value: exchanged.body.accessToken });

    // Invitation created and accepted.
    invitee = await signUp(t.app);
    tokens.push({ label: 'invitee authToken', value: invitee.authToken });
    tokens.push({ label: 'invitee auth session token', value: invitee.sessionToken });
    passwords.push({ label: 'invitee sign-up password', value: invitee.password });
    const invite = await call(t.app, {
      method: 'POST',
      url: `/tenants/${owner.tenantUid}/invites`,
      token: owner.accessToken,
      body: { email: invitee.email, role: 'manager' },
    });
    expect(invite.status).toBe(201);
    tokens.push({ label: 'inviteToken', value: invite.body.inviteToken });
    const accepted = await call(t.app, { method: 'PUT', url: '/account/invite', token: invitee.authToken, body: { inviteToken: invite.body.inviteToken } });
    expect(accepted.status).toBe(200);
    tokens.push({ label: 'invitee accessToken (invitation accepted)', value: accepted.body.accessToken });

    // Password change through PUT /tenants/{t}/account, then a login with the new one.
    const newPassword = `New-Pw-${unique()}-${unique()}`;
    passwords.push({ label: 'changed password', value: newPassword });
    const changed = await call(t.app, {
      method: 'PUT',
      url: `/tenants/${owner.tenantUid}/account`,
      token: pinLogin.body.accessToken,
      body: { password: newPassword },
    });
    expect(changed.status).toBe(200);
    const relogin = await deviceLogin(t.app, deviceToken, pinStaff.userCode, newPassword);
    expect(relogin.status).toBe(200);
    tokens.push({ label: 'staff accessToken (after password change)', value: relogin.body.accessToken });

    // A device pairing code, created and used.
    const code = await call(t.app, { method: 'POST', url: `/tenants/${owner.tenantUid}/device-codes`, token: owner.accessToken, body: {} });
    expect(code.status).toBe(201);
    pairingCode = code.body.code;
    tokens.push({ label: 'pairing code', value: pairingCode });
    tokens.push({ label: 'pairing code without dash', value: pairingCode.replace('-', '') });
    const paired = await call(t.app, { method: 'POST', url: '/devices/pair', body: { code: pairingCode, name: 'Paired till' } });
    expect(paired.status).toBe(201);
    tokens.push({ label: 'paired deviceToken', value: paired.body.deviceToken });

    for (const secret of [...tokens, ...passwords]) expect(secret.value, secret.label).toEqual(expect.any(String));
    dump = await dumpDatabase(t);
  });
  afterAll(() => t.close());

  it('dumps the account service tables with the rows the flow wrote (the check is not vacuous)', () => {
    for (const table of ['users', 'identities', 'tenants', 'stores', 'members', 'devices', 'access_tokens', 'invitations']) {
      expect([...dump.keys()], table).toContain(table);
    }
    expect(dump.get('access_tokens')!.length).toBeGreaterThanOrEqual(6);
    expect(dump.get('devices')!.length).toBe(2);
    expect(dump.get('pairing_codes')!.length).toBe(1);
    expect(dump.get('invitations')!.length).toBe(1);
    expect(dump.get('members')!.some((row) => row.includes(staffUserCode))).toBe(true);
  });

  it('stores no token, password or PIN the API handed out in any account-service table', () => {
    const leaks = findLeaks(dump, [...tokens, ...passwords], (table) => !table.startsWith('auth_'));
    expect(leaks).toEqual([]);
  });

  it('stores a pairing code as a slow hash (scrypt), never as a fast one a stolen table could be searched with', async () => {
    const rows = await t.database.db.selectFrom('pairing_codes').select('code_hash').execute();
    expect(rows).toHaveLength(1);
    const plain = pairingCode.replace('-', '');
    const { createHash, scryptSync } = await import('node:crypto');
    for (const fast of [createHash('sha256').update(plain).digest('hex'), createHash('sha256').update(pairingCode).digest('hex')]) {
      expect(rows[0].code_hash).not.toBe(fast);
    }
    expect(rows[0].code_hash).toBe(scryptSync(plain, 'pos-accounts:pairing-code:v1', 32, { N: 2 ** 14, r: 8, p: 1 }).toString('hex'));
  });

  it('stores no plaintext password or PIN in the built-in auth service’s tables either', () => {
    expect(dump.get('auth_users')?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(dump.get('auth_accounts')?.length ?? 0).toBeGreaterThanOrEqual(2);
    const leaks = findLeaks(dump, passwords, (table) => table.startsWith('auth_'));
    expect(leaks).toEqual([]);
  });

  it('stores member passwords and PINs as argon2id hashes with m=19456, t=2, p=1', async () => {
    const rows = await t.database.db.selectFrom('members').select(['uid', 'password_hash']).where('password_hash', 'is not', null).execute();
    // The PIN staff (changed password) and the password staff; owners and invitees have none.
    expect(rows.length).toBe(2);
    for (const row of rows) {
      expect(row.password_hash!.startsWith('$argon2id$')).toBe(true);
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    }
    expect(rows[0].password_hash).not.toBe(rows[1].password_hash);
  });

  it('stores the built-in auth service’s passwords as argon2id hashes with the same parameters', async () => {
    const rows = await t.database.db.selectFrom('auth_accounts' as any).select('password').where('password', 'is not', null).execute();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows as { password: string }[]) {
      expect(row.password).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    }
  });
});
