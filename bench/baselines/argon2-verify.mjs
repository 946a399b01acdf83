// Baseline of device login: raw argon2id verifications per second with the
// service's parameters (m=19456 KiB, t=2, p=1; @node-rs/argon2 `verify`), keeping
// exactly CONCURRENCY verifications in flight, as the service's PasswordHasher
// does with PASSWORD_HASH_CONCURRENCY. Runs in its own process; prints one JSON
// line: { requests, durationSec, rps, latency: { p50, p90, p99, mean, max } }.
//
// Usage: node argon2-verify.mjs <concurrency> <durationSec> [warmupSec]
import { hash, verify } from '@node-rs/argon2';

const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };
const concurrency = Number(process.argv[2] ?? 1);
const durationSec = Number(process.argv[3] ?? 5);
const warmupSec = Number(process.argv[4] ?? 0);
if (!(concurrency >= 1) || !(durationSec > 0) || durationSec > 120) {
  console.error('usage: argon2-verify.mjs <concurrency 1..> <durationSec 0..120> [warmupSec]');
  process.exit(2);
}

const PIN = '482913';
const stored = await hash(PIN, ARGON2_OPTIONS);

async function run(seconds) {
  const latencies = [];
  let stop = false;
  const timer = setTimeout(() => (stop = true), seconds * 1000);
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (!stop) {
      const t0 = process.hrtime.bigint();
      if (!(await verify(stored, PIN))) throw new Error('argon2 verify returned false');
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearTimeout(timer);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return { latencies, elapsed };
}

if (warmupSec > 0) await run(warmupSec);
const { latencies, elapsed } = await run(durationSec);
latencies.sort((a, b) => a - b);
const pick = (q) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(q * latencies.length) - 1))] ?? 0;
const mean = latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length);
process.stdout.write(
  JSON.stringify({
    concurrency,
    requests: latencies.length,
    durationSec: elapsed,
    rps: latencies.length / elapsed,
    latency: { p50: pick(0.5), p90: pick(0.9), p99: pick(0.99), mean, max: latencies[latencies.length - 1] ?? 0 },
    threadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
  }) + '\n',
);
