import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createOwner, type Owner } from './support/factories.js';
import { buildTestApp, freePort, TEST_DIALECT, type TestApp } from './support/test-app.js';

describe('operations endpoints', () => {
  let t: TestApp;
  let owner: Owner;

  beforeAll(async () => {
    t = await buildTestApp();
    owner = await createOwner(t.app);
  });
  afterAll(() => t.close());

  it('exposes Prometheus metrics with request counts by route, method and status', async () => {
    await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken });
    await call(t.app, { method: 'GET', url: '/account', token: 'acc_unknown' });
    const metrics = await call(t.app, { method: 'GET', url: '/metrics' });
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.text).toContain('http_requests_total{method="GET",route="/account",status="200"} 2');
    expect(metrics.text).toContain('http_requests_total{method="GET",route="/account",status="401"} 1');
    expect(metrics.text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(metrics.text).toMatch(/^password_hashes_waiting 0$/m);
  });

  it('labels unmatched paths as one route, so that scanners cannot grow the series', async () => {
    await call(t.app, { method: 'GET', url: `/no-such-path-${Date.now()}` });
    const metrics = await call(t.app, { method: 'GET', url: '/metrics' });
    expect(metrics.text).toMatch(/http_requests_total\{method="GET",route="unmatched",status="404"\} \d+/);
    expect(metrics.text).not.toContain('no-such-path');
  });

  it('turns /readyz unready once the node starts draining, while /healthz stays live', async () => {
    expect((await call(t.app, { method: 'GET', url: '/readyz' })).status).toBe(200);
    t.app.drain();
    const ready = await call(t.app, { method: 'GET', url: '/readyz' });
    expect(ready.status).toBe(503);
    expect(ready.body.code).toBe('service_unavailable');
    expect((await call(t.app, { method: 'GET', url: '/healthz' })).status).toBe(200);
  });
});

describe('request logs', () => {
  it('never carry query strings, tokens in reset-link paths, or headers', async () => {
    const lines: string[] = [];
    const stream = { write: (line: string) => void lines.push(line) };
    const t = await buildTestApp({}, { logger: { level: 'info', stream } });
    try {
      const owner = await createOwner(t.app);
      await call(t.app, { method: 'GET', url: '/invite?token=inv_secretsecretsecretsecretsecretsecretsecret12' });
      await call(t.app, { method: 'GET', url: '/auth/reset-password/resettoken123456?callbackURL=%2F' });
      await call(t.app, { method: 'GET', url: '/account', token: owner.accessToken, headers: { 'x-invite-token': 'inv_headersecret' } });
      const log = lines.join('');
      expect(log).toContain('"url":"/invite"');
      expect(log).toContain('"url":"/auth/reset-password/[redacted]"');
      for (const secret of ['inv_secretsecret', 'resettoken123456', owner.accessToken, 'inv_headersecret', owner.authToken]) {
        expect(log).not.toContain(secret);
      }
    } finally {
      await t.close();
    }
  });
});

describe.skipIf(TEST_DIALECT !== 'sqlite')('a node receiving SIGTERM', () => {
  it('answers /readyz with 503 during the drain, keeps serving, then exits cleanly', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-accounts-sigterm-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: path.resolve(__dirname, '..'),
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', SHUTDOWN_DRAIN: '2s' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200);
      child.kill('SIGTERM');
      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 503);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('timed out waiting');
}
