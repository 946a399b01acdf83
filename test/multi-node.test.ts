import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, freshDatabase, TEST_DIALECT } from './support/test-app.js';

/**
 * Two service processes on one PostgreSQL database, no load balancer, the client
 * alternating between them. Runs in the PostgreSQL project only: SQLite is one
 * file for one node.
 */
describe.skipIf(TEST_DIALECT !== 'postgres')('several nodes on one PostgreSQL database', () => {
  const PUBLIC_URL = 'http://accounts.multi-node.test';
  let nodes: Node[] = [];
  let dropDatabase: () => Promise<void>;
  let dataDir: string;

  beforeAll(async () => {
    const fresh = await freshDatabase();
    dropDatabase = fresh.dropDatabase;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-accounts-nodes-'));
    const env = {
      ...fresh.databaseEnv,
      PUBLIC_URL,
      // Every node must share the auth service's secret: it encrypts the signing keys.
      AUTH_SECRET: 'multi-node-secret-multi-node-secret-0123456789',
      AUTH_RATE_LIMIT: 'false',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
    };
    // Both start at once: one migrates, the other waits for it.
    nodes = await Promise.all([startNode(env), startNode(env)]);
  }, 120_000);

  afterAll(async () => {
    for (const node of nodes) node.process.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    await dropDatabase?.();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const [a, b] = [() => nodes[0], () => nodes[1]];

  it('accepts on node B the tokens issued on node A', async () => {
    const owner = await signUpOwner(a(), b());
    const staff = await createStaffWithDevice(b(), owner);
    const login = await request(a(), 'POST', '/account', staff.deviceToken, { userCode: staff.userCode, password: staff.pin });
    expect(login.status).toBe(200);
    const me = await request(b(), 'GET', '/account', login.body.accessToken);
    expect(me.status).toBe(200);
    expect(me.body.tenants.map((t: { tenant: { uid: string } }) => t.tenant.uid)).toEqual([owner.tenantUid]);
  });

  it('refuses on node B, on the very next request, a token revoked on node A', async () => {
    const owner = await signUpOwner(a(), b());
    expect((await request(b(), 'GET', '/account', owner.accessToken)).status).toBe(200);
    expect((await request(a(), 'DELETE', '/account/session', owner.accessToken)).status).toBe(204);
    const after = await request(b(), 'GET', '/account', owner.accessToken);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('invalid_token');
  });

  it('locks a user code after five failed device logins spread over both nodes', async () => {
    const owner = await signUpOwner(a(), b());
    const staff = await createStaffWithDevice(a(), owner);
    for (let i = 0; i < 5; i++) {
      const node = i % 2 === 0 ? a() : b();
      const failed = await request(node, 'POST', '/account', staff.deviceToken, { userCode: staff.userCode, password: 'wrong-pin' });
      expect(failed.status).toBe(401);
    }
    for (const node of [a(), b()]) {
      const locked = await request(node, 'POST', '/account', staff.deviceToken, { userCode: staff.userCode, password: staff.pin });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('lets exactly one of twenty concurrent acceptances of one invitation, spread over both nodes, succeed', async () => {
    const owner = await signUpOwner(a(), b());
    const invite = await request(a(), 'POST', `/tenants/${owner.tenantUid}/invites`, owner.accessToken, { role: 'staff' });
    expect(invite.status).toBe(201);
    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => signUp(i % 2 === 0 ? a() : b())));
    const results = await Promise.all(
      users.map((user, i) => request(i % 2 === 0 ? b() : a(), 'PUT', '/account/invite', user.authToken, { inviteToken: invite.body.inviteToken })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 410 || s === 409)).toBe(true);
    const members = await request(b(), 'GET', `/tenants/${owner.tenantUid}/users?role=staff`, owner.accessToken);
    expect(members.body.items).toHaveLength(1);
  });

  it('loses no committed change when a node is killed with SIGKILL under load', async () => {
    const owner = await signUpOwner(a(), b());
    const committed: string[] = [];
    let sent = 0;
    let killed = false;
    const worker = async (w: number) => {
      for (let i = 0; i < 40; i++) {
        const uid = `s-${w}-${i}`;
        const node = i % 2 === 0 ? a() : b();
        if (node === a() && killed) continue;
        sent++;
        try {
          const created = await request(node, 'POST', `/tenants/${owner.tenantUid}/stores`, owner.accessToken, { uid, name: `Store ${uid}` });
          if (created.status === 201) committed.push(uid);
        } catch {
          // The killed node dropped the connection: the outcome of this one is unknown.
        }
        if (!killed && committed.length >= 60) {
          killed = true;
          a().process.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    expect(killed).toBe(true);
    expect(sent).toBeGreaterThan(committed.length / 2);

    const stored = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = await request(b(), 'GET', `/tenants/${owner.tenantUid}/stores?limit=200${cursor ? `&cursor=${cursor}` : ''}`, owner.accessToken);
      expect(page.status).toBe(200);
      for (const store of page.body.items) stored.add(store.uid);
      cursor = page.body.nextCursor;
    } while (cursor);
    const lost = committed.filter((uid) => !stored.has(uid));
    expect(lost).toEqual([]);
    expect(committed.length).toBeGreaterThan(60);
  }, 120_000);
});

interface Node {
  url: string;
  process: ChildProcess;
  exited: Promise<void>;
}

/** Starts `src/main.ts` as its own process and waits until /readyz says ready. */
async function startNode(env: Record<string, string>): Promise<Node> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`node exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return { url, process: child, exited };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`node did not become ready: ${stderr}`);
}

async function request(node: Node, method: string, url: string, token?: string, body?: unknown) {
  const response = await fetch(node.url + url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

let counter = 0;

async function signUp(node: Node) {
  const email = `node-user-${process.pid}-${++counter}-${Date.now()}@example.com`;
  const signedUp = await request(node, 'POST', '/auth/sign-up/email', undefined, { name: 'Node User', email, password: 'a good long password' });
  if (signedUp.status !== 200) throw new Error(`sign-up failed: ${signedUp.status} ${JSON.stringify(signedUp.body)}`);
  const token = await request(node, 'GET', '/auth/token', signedUp.body.token);
  return { email, authToken: token.body.token as string };
}

/** Signs up on one node and creates a tenant on the other. */
async function signUpOwner(signUpNode: Node, tenantNode: Node) {
  const user = await signUp(signUpNode);
  const created = await request(tenantNode, 'POST', '/tenants', user.authToken, { name: 'Multi-node tenant' });
  if (created.status !== 201) throw new Error(`tenant creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  return { ...user, tenantUid: created.body.tenant.uid as string, accessToken: created.body.accessToken as string };
}

async function createStaffWithDevice(node: Node, owner: { tenantUid: string; accessToken: string }) {
  const device = await request(node, 'POST', `/tenants/${owner.tenantUid}/devices`, owner.accessToken, { name: 'Till' });
  const userCode = `c${++counter}`;
  const pin = '482913';
  const staff = await request(node, 'POST', `/tenants/${owner.tenantUid}/users`, owner.accessToken, { role: 'staff', userCode, password: pin });
  if (device.status !== 201 || staff.status !== 201) throw new Error('fixture failed');
  return { deviceToken: device.body.deviceToken as string, userCode, pin };
}
