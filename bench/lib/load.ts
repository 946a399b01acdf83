import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnTracked, stopTracked } from './procs.js';
import { BENCH_DIR, ROOT } from './servers.js';
import { assertLoopback } from './util.js';

const AUTOCANNON = path.join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');

/** One measured run of one side. Latencies in ms. */
export interface Measure {
  /** Successful (2xx) responses per second. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
  /** Responses counted (any status). */
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  durationSec: number;
  bytesPerResponse: number;
  connections: number;
}

/** A device login: the device's token, and a user code and PIN of its tenant. */
export interface LoginCredentials {
  deviceToken: string;
  userCode: string;
  password: string;
}

export interface LoadSpec {
  url: string;
  /** POST /account rotating over these, one pair per request (see autocannon-rotating.mjs). */
  logins?: LoginCredentials[];
  method?: 'GET' | 'POST' | 'PUT';
  token?: string;
  body?: unknown;
  connections: number;
}

/**
 * Runs autocannon's CLI in its own process for a fixed duration with a fixed
 * number of connections (loopback only) and parses its `-j` JSON. A watchdog
 * ends it should it overrun.
 */
export async function autocannon(spec: LoadSpec, durationSec: number): Promise<Measure> {
  assertLoopback(spec.url);
  if (spec.logins) return rotatingLogins(spec, durationSec);
  const args = [AUTOCANNON, '-j', '-c', String(spec.connections), '-d', String(durationSec), '-t', '20', '-m', spec.method ?? 'GET'];
  if (spec.token) args.push('-H', `authorization=Bearer ${spec.token}`);
  if (spec.body !== undefined) args.push('-H', 'content-type=application/json', '-b', JSON.stringify(spec.body));
  args.push(spec.url);
  let stdout = '';
  const child = spawnTracked('autocannon', process.execPath, args, { cwd: ROOT, onStdout: (s) => (stdout += s) });
  const watchdog = setTimeout(() => void stopTracked(child, 2_000), (durationSec + 30) * 1000);
  const code = await child.exited;
  clearTimeout(watchdog);
  const line = stdout.split('\n').filter((l) => l.startsWith('{')).pop();
  if (code !== 0 || !line) throw new Error(`autocannon ${spec.method ?? 'GET'} ${spec.url} failed (${code}):\n${child.tail()}`);
  return fromAutocannon(JSON.parse(line), spec.connections);
}

let specCounter = 0;

/** Device logins over many (device, user code) pairs: autocannon's API in a separate process. */
async function rotatingLogins(spec: LoadSpec, durationSec: number): Promise<Measure> {
  const file = path.join(os.tmpdir(), `pos-bench-logins-${process.pid}-${++specCounter}.json`);
  fs.writeFileSync(file, JSON.stringify({ url: spec.url, connections: spec.connections, duration: durationSec, logins: spec.logins }));
  let stdout = '';
  const child = spawnTracked('autocannon-logins', process.execPath, [path.join(BENCH_DIR, 'lib', 'autocannon-rotating.mjs'), file], { cwd: ROOT, onStdout: (s) => (stdout += s) });
  const watchdog = setTimeout(() => void stopTracked(child, 2_000), (durationSec + 30) * 1000);
  const code = await child.exited;
  clearTimeout(watchdog);
  fs.rmSync(file, { force: true });
  const line = stdout.split('\n').filter((l) => l.startsWith('{')).pop();
  if (code !== 0 || !line) throw new Error(`autocannon logins ${spec.url} failed (${code}):\n${child.tail()}`);
  return fromAutocannon(JSON.parse(line), spec.connections);
}

function fromAutocannon(r: any, connections: number): Measure {
  const statusCodes: Record<string, number> = {};
  for (const [status, v] of Object.entries(r.statusCodeStats ?? {})) statusCodes[status] = (v as { count: number }).count;
  const ok = Number(r['2xx'] ?? 0);
  const requests = Object.values(statusCodes).reduce((s, n) => s + n, 0);
  return {
    rps: ok / r.duration,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    mean: r.latency.mean,
    max: r.latency.max,
    requests,
    ok,
    non2xx: Number(r.non2xx ?? 0),
    errors: Number(r.errors ?? 0),
    timeouts: Number(r.timeouts ?? 0),
    statusCodes,
    durationSec: r.duration,
    bytesPerResponse: ok > 0 ? r.throughput.total / ok : 0,
    connections,
  };
}

/** Raw argon2id verifications with `concurrency` in flight, in a separate process. */
export async function argon2Verifications(concurrency: number, durationSec: number): Promise<Measure> {
  let stdout = '';
  const child = spawnTracked('argon2-verify', process.execPath, [path.join(BENCH_DIR, 'baselines', 'argon2-verify.mjs'), String(concurrency), String(durationSec)], {
    cwd: ROOT,
    env: { ...process.env, UV_THREADPOOL_SIZE: String(Math.max(4, concurrency)) },
    onStdout: (s) => (stdout += s),
  });
  const watchdog = setTimeout(() => void stopTracked(child, 2_000), (durationSec + 30) * 1000);
  const code = await child.exited;
  clearTimeout(watchdog);
  const line = stdout.split('\n').filter((l) => l.startsWith('{')).pop();
  if (code !== 0 || !line) throw new Error(`argon2 baseline failed (${code}):\n${child.tail()}`);
  const r = JSON.parse(line);
  return {
    rps: r.rps,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    mean: r.latency.mean,
    max: r.latency.max,
    requests: r.requests,
    ok: r.requests,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    statusCodes: {},
    durationSec: r.durationSec,
    bytesPerResponse: 0,
    connections: concurrency,
  };
}
