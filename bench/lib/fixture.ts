import { expectStatus, request } from './http.js';
import type { LoginCredentials } from './load.js';

export const STAFF_PIN = '482913';
export const TENANT_UIDS = ['bench-t1', 'bench-t2', 'bench-t3'];

/** What the small, HTTP-seeded data set gives the scenarios. */
export interface Fixture {
  /** The owner's access token per tenant; the owner is a member of all three. */
  ownerAccess: Record<string, string>;
  /**
   * Device logins, interleaved across the tenants and devices: consecutive
   * entries are distinct user codes (one code's concurrent attempts would lock it).
   */
  logins: LoginCredentials[];
  /** GET /account of the owner (3 tenant accounts), as the service answers it. */
  accountBody: string;
}

export interface FixtureOptions {
  /** Staff members with a PIN per tenant (user codes staff-01 …). */
  staffPerTenant: number;
  /** Tills per tenant, bound to its store. */
  devicesPerTenant: number;
}

/**
 * Seeds through the HTTP API, as a person would: sign up at the built-in auth
 * service, exchange for an authToken, create three tenants (the owner is a
 * member of each); in each a store, tills bound to it and staff members with a
 * PIN who may use it.
 */
export async function seedFixture(baseUrl: string, options: FixtureOptions = { staffPerTenant: 1, devicesPerTenant: 1 }): Promise<Fixture> {
  const email = 'owner@bench.example.com';
  const password = 'bench owner password';
  await expectStatus(200, 'POST', `${baseUrl}/auth/sign-up/email`, { body: { name: 'Bench Owner', email, password } });
  const session = (await expectStatus(200, 'POST', `${baseUrl}/auth/sign-in/email`, { body: { email, password } })).json.token as string;
  const authToken = (await expectStatus(200, 'GET', `${baseUrl}/auth/token`, { token: session })).json.token as string;

  const ownerAccess: Record<string, string> = {};
  const perTenant: LoginCredentials[][] = [];
  for (const [i, uid] of TENANT_UIDS.entries()) {
    const res = await expectStatus(201, 'POST', `${baseUrl}/tenants`, { token: authToken, body: { uid, name: `Bench tenant ${i + 1}` } });
    const admin = (ownerAccess[uid] = res.json.accessToken as string);
    await expectStatus(201, 'POST', `${baseUrl}/tenants/${uid}/stores`, { token: admin, body: { uid: 'main', name: 'Main street' } });
    const devices: string[] = [];
    for (let d = 1; d <= options.devicesPerTenant; d++) {
      const device = await expectStatus(201, 'POST', `${baseUrl}/tenants/${uid}/devices`, { token: admin, body: { name: `Till ${d}`, storeUid: 'main' } });
      devices.push(device.json.deviceToken);
    }
    const logins: LoginCredentials[] = [];
    for (let s = 1; s <= options.staffPerTenant; s++) {
      const userCode = `staff-${String(s).padStart(2, '0')}`;
      await expectStatus(201, 'POST', `${baseUrl}/tenants/${uid}/users`, {
        token: admin,
        body: { role: 'staff', displayName: `Bench Staff ${s}`, userCode, password: STAFF_PIN, storeUids: ['main'] },
      });
      logins.push({ deviceToken: devices[(s - 1) % devices.length], userCode, password: STAFF_PIN });
    }
    perTenant.push(logins);
  }
  const logins: LoginCredentials[] = [];
  for (let s = 0; s < options.staffPerTenant; s++) for (const list of perTenant) logins.push(list[s]);

  const account = await expectStatus(200, 'GET', `${baseUrl}/account`, { token: ownerAccess[TENANT_UIDS[0]] });
  if (account.json?.tenants?.length !== TENANT_UIDS.length) throw new Error(`GET /account lists ${account.json?.tenants?.length} tenants, expected 3`);
  const fixture: Fixture = { ownerAccess, logins, accountBody: account.text };
  await checkLogin(baseUrl, fixture.logins[0]);
  return fixture;
}

/**
 * For scenarios that log in: 16 staff and 2 tills per tenant, 48 user codes in
 * all, more than any login load's connections (each creates an argon2 hash, so
 * the smoke run makes fewer).
 */
export function loginFixture(smoke: boolean): FixtureOptions {
  return smoke ? { staffPerTenant: 4, devicesPerTenant: 2 } : { staffPerTenant: 16, devicesPerTenant: 2 };
}

/** One device login, which must succeed (the scenarios measure successes only). */
export async function checkLogin(baseUrl: string, login: LoginCredentials): Promise<void> {
  const res = await request('POST', `${baseUrl}/account`, { token: login.deviceToken, body: { userCode: login.userCode, password: login.password } });
  if (res.status !== 200 || typeof res.json?.accessToken !== 'string') throw new Error(`device login failed: ${res.status} ${res.text.slice(0, 300)}`);
}
