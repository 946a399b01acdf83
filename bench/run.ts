/**
 * The benchmark suite: `npm run bench` (all scenarios), `npm run bench -- <scenario>…`,
 * `npm run bench -- --smoke` (every scenario for a second, tiny seeds, no thresholds).
 * See bench/README.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RatioResult } from './lib/compare.js';
import { activeSchemas, type Check, type RunConfig, type ScenarioContext, type ScenarioResult } from './lib/context.js';
import { killAllTracked, loadAverage, machineCpu } from './lib/procs.js';
import { checksMarkdown, scenarioMarkdown, table } from './lib/report.js';
import { dropSchema } from './lib/seed-sql.js';
import { BENCH_DIR, ROOT, serviceHashConcurrency, serviceHashQueue, type DbTarget } from './lib/servers.js';
import { fmt, log } from './lib/util.js';
import { loginScenario } from './scenarios/login.js';
import { readScenario } from './scenarios/read.js';
import { scaleScenario } from './scenarios/scale.js';
import { stormScenario } from './scenarios/storm.js';
import { tenantScenario } from './scenarios/tenant.js';
// @ts-ignore plain .mjs module shared with the command line
import { profileMarkdown, summarizeProfile } from './profile-summary.mjs';

const SCENARIOS: Record<string, { run: (ctx: ScenarioContext) => Promise<ScenarioResult>; postgres: boolean }> = {
  read: { run: readScenario, postgres: true },
  tenant: { run: tenantScenario, postgres: false },
  login: { run: loginScenario, postgres: true },
  storm: { run: stormScenario, postgres: false },
  scale: { run: scaleScenario, postgres: true },
};

const USAGE = `usage: npm run bench -- [--smoke] [--rounds N] [--duration S] [--no-build] [scenario …]
scenarios: ${Object.keys(SCENARIOS).join(', ')} (default: all; peak RSS, scenario 6, is reported for every one)
env: BENCH_DATABASE_URL=postgres://… also runs ${Object.keys(SCENARIOS).filter((k) => SCENARIOS[k].postgres).join(', ')} on PostgreSQL;
     BENCH_CPU_PROF=1 profiles the service (node --cpu-prof); BENCH_KEEP=1 keeps the temporary data;
     BENCH_ROUNDS, BENCH_DURATION, BENCH_CONNECTIONS override the defaults.`;

interface Args {
  smoke: boolean;
  build: boolean;
  rounds?: number;
  duration?: number;
  scenarios: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { smoke: false, build: true, scenarios: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--smoke') args.smoke = true;
    else if (a === '--no-build') args.build = false;
    else if (a === '--rounds') args.rounds = Number(argv[++i]);
    else if (a === '--duration') args.duration = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.error(USAGE);
      process.exit(0);
    } else if (a === 'memory') {
      // Scenario 6 is measured in every scenario; `memory` alone means all of them.
    } else if (SCENARIOS[a]) args.scenarios.push(a);
    else {
      console.error(`unknown argument ${a}\n${USAGE}`);
      process.exit(2);
    }
  }
  if (args.scenarios.length === 0) args.scenarios = Object.keys(SCENARIOS);
  return args;
}

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  return v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : undefined;
}

function buildConfig(args: Args): RunConfig {
  const cores = os.availableParallelism();
  const runId = Date.now().toString(36);
  const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-bench-'));
  const smoke = args.smoke;
  return {
    smoke,
    rounds: args.rounds ?? envNumber('BENCH_ROUNDS') ?? (smoke ? 1 : 3),
    durationSec: args.duration ?? envNumber('BENCH_DURATION') ?? (smoke ? 1 : 5),
    warmupSec: smoke ? 0 : 2,
    connections: envNumber('BENCH_CONNECTIONS') ?? (smoke ? 8 : 32),
    loginConnections: smoke ? 4 : 16,
    stormLoginConnections: smoke ? 8 : 32,
    hashConcurrency: serviceHashConcurrency(),
    hashQueue: serviceHashQueue(),
    cores,
    scale: smoke
      ? { tenants: 50, members: 3_000, devices: 50, bigTenantMembers: 1_000, smallTenantMembers: 600 }
      : { tenants: 100_000, members: 1_000_000, devices: 100_000, bigTenantMembers: 100_000, smallTenantMembers: 1_000 },
    workRoot,
    profileDir: process.env.BENCH_CPU_PROF === '1' ? path.join(BENCH_DIR, 'results', 'profiles', runId) : undefined,
    keep: process.env.BENCH_KEEP === '1',
    runId,
  };
}

/**
 * Performance thresholds of the full run, on ratios measured in the same run
 * (so a slower or busier machine moves both sides). The smoke run has none.
 */
interface Threshold {
  scenario: string;
  db?: 'sqlite' | 'postgres';
  ratio: RegExp;
  metric: RatioResult['metric'];
  min?: number;
  max?: number;
  why: string;
}
const THRESHOLDS: Threshold[] = [
  // The bare-Fastify ceiling is partly the load generator's own ceiling; these catch a large regression.
  { scenario: 'read', db: 'sqlite', ratio: /bare Fastify/, metric: 'rps', min: 0.03, why: 'GET /account keeps 3%+ of bare Fastify' },
  { scenario: 'read', db: 'postgres', ratio: /bare Fastify/, metric: 'rps', min: 0.01, why: 'GET /account keeps 1%+ of bare Fastify' },
  { scenario: 'read', ratio: /Better Auth/, metric: 'rps', min: 1, why: 'GET /account is at least as fast as a Better Auth session lookup' },
  { scenario: 'tenant', ratio: /^GET \/tenants/, metric: 'rps', min: 0.7, why: 'a tenant account read costs about what GET /account does' },
  { scenario: 'tenant', ratio: /^PUT \/tenants/, metric: 'rps', min: 0.25, why: 'a profile write keeps a quarter of the read rate' },
  { scenario: 'login', ratio: /hash concurrency/, metric: 'rps', min: 0.6, why: 'logins run at 60%+ of raw argon2 at the same concurrency' },
  { scenario: 'login', ratio: /login \(1 conn\)/, metric: 'p50', max: 2, why: 'one login takes at most twice one argon2 verification' },
  { scenario: 'storm', ratio: /storm \/ idle/, metric: 'p99', max: 3, why: 'a login storm at most triples the read p99' },
  { scenario: 'scale', ratio: /large \/ small: GET \/account/, metric: 'rps', min: 0.7, why: 'reads stay fast at a million members' },
  { scenario: 'scale', ratio: /large \/ small: POST/, metric: 'rps', min: 0.7, why: 'logins stay fast at a million members' },
  { scenario: 'scale', ratio: /large \/ small: users first/, metric: 'rps', min: 0.7, why: 'the first page stays fast' },
  { scenario: 'scale', ratio: /large: deep page \/ first page/, metric: 'rps', min: 0.7, why: 'a deep page costs what the first does (keyset pagination)' },
];

function thresholdChecks(result: ScenarioResult): Check[] {
  return THRESHOLDS.filter((t) => t.scenario === result.scenario && (t.db === undefined || t.db === result.db)).flatMap((t) => {
    const r = result.ratios.find((x) => t.ratio.test(x.label) && x.metric === t.metric);
    if (!r) return [];
    const ok = Number.isFinite(r.median) && (t.min === undefined || r.median >= t.min) && (t.max === undefined || r.median <= t.max);
    return [{ name: `${t.why}: ${r.label} ${t.metric} median ${t.min !== undefined ? `≥ ${t.min}` : `≤ ${t.max}`}`, kind: 'threshold' as const, ok, detail: `median ${r.median.toFixed(2)} (min ${r.min.toFixed(2)}, max ${r.max.toFixed(2)})` }];
  });
}

function gitInfo(): { commit?: string; dirty?: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return { commit, dirty };
  } catch {
    return {};
  }
}

async function cleanupAfterInterrupt(db?: string): Promise<void> {
  killAllTracked();
  if (db) for (const schema of activeSchemas) await dropSchema(db, schema).catch(() => {});
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = buildConfig(args);
  const pgUrl = process.env.BENCH_DATABASE_URL?.trim() || undefined;
  const started = Date.now();

  // Every load is bounded; so is the whole run.
  const budgetSec = args.smoke ? 180 : 40 * 60;
  const watchdog = setTimeout(async () => {
    log(`the run exceeded its ${budgetSec} s budget: stopping`);
    await cleanupAfterInterrupt(pgUrl);
    process.exit(1);
  }, budgetSec * 1000);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, async () => {
      log(`${signal}: stopping every process the bench started`);
      await cleanupAfterInterrupt(pgUrl);
      process.exit(130);
    });
  }

  if (args.build) {
    log('npm run build');
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run npm run build');

  const targets: DbTarget[] = [{ kind: 'sqlite' }];
  if (pgUrl) targets.push({ kind: 'postgres', url: pgUrl });
  const loadBefore = loadAverage();
  const cpuBefore = machineCpu();
  log(
    `${args.smoke ? 'SMOKE run' : 'full run'}: ${args.scenarios.join(', ')} on ${targets.map((t) => t.kind).join(' + ')}; ${config.rounds} round(s) × ${config.durationSec} s per side; ` +
      `${config.cores} cores, hash concurrency ${config.hashConcurrency}; load average ${loadBefore.join(' ')}`,
  );

  const results: ScenarioResult[] = [];
  for (const db of targets) {
    for (const name of args.scenarios) {
      if (db.kind === 'postgres' && !SCENARIOS[name].postgres) continue;
      const id = `${name}@${db.kind}`;
      const workDir = fs.mkdtempSync(path.join(config.workRoot, `${name}-${db.kind}-`));
      const ctx: ScenarioContext = { config, db, id, workDir, handles: [] };
      const t0 = Date.now();
      log(`=== ${id}`);
      let result: ScenarioResult;
      try {
        result = await SCENARIOS[name].run(ctx);
      } catch (error) {
        log(`${id} FAILED: ${(error as Error).stack ?? String(error)}`);
        for (const h of ctx.handles) await h.cleanup().catch(() => {});
        result = { id, scenario: name, db: db.kind, title: name, description: '', sides: [], ratios: [], memory: [], info: {}, notes: [], checks: [], profiles: [], error: (error as Error).message };
        result.checks.push({ name: `${id} ran to the end`, kind: 'validity', ok: false, detail: (error as Error).message.split('\n')[0] });
      }
      // Scenario 6: peak RSS of every service process of the scenario (read after it stopped).
      result.memory = [...ctx.handles.map((h) => ({ process: `service${ctx.handles.length > 1 ? ` (${h.name})` : ''}`, peakRssMiB: h.peakRssKiB / 1024 })), ...result.memory];
      result.profiles = ctx.handles.flatMap((h) => h.profiles());
      result.info.seconds = (Date.now() - t0) / 1000;
      if (!config.smoke && !result.error) result.checks.push(...thresholdChecks(result));
      results.push(result);
      if (!config.keep) fs.rmSync(workDir, { recursive: true, force: true });
      log(`=== ${id} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  }
  clearTimeout(watchdog);
  const cpuAfter = machineCpu();
  const loadAfter = loadAverage();
  const git = gitInfo();

  // ---- the report (stdout) ----
  const out: string[] = [];
  out.push(`# Benchmark results${config.smoke ? ' (SMOKE: one short round, tiny seeds — not for reading numbers)' : ''}`, '');
  out.push(
    table(
      ['', ''],
      [
        ['date', new Date(started).toISOString()],
        ['commit', `${git.commit ?? 'unknown'}${git.dirty ? ' (with uncommitted changes)' : ''}`],
        ['node', process.version],
        ['machine', `${config.cores} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`],
        ['service', `node dist/main.js, PASSWORD_HASH_CONCURRENCY=${config.hashConcurrency}, queue ${config.hashQueue}`],
        ['rounds', `${config.rounds} × ${config.durationSec} s per side, interleaved; ${config.warmupSec} s warm-up per side`],
        ['load average', `${loadBefore.join(' ')} at start, ${loadAfter.join(' ')} at end`],
        ['machine busy', `${fmt((100 * (cpuAfter.busy - cpuBefore.busy)) / Math.max(1, cpuAfter.total - cpuBefore.total))}% of all cores over the run (this bench plus anything else running)`],
        ['took', `${((Date.now() - started) / 1000).toFixed(0)} s`],
      ],
    ),
    '',
  );
  for (const r of results) out.push(scenarioMarkdown(r, config.rounds));

  out.push('## Peak memory of the service (scenario 6)', '');
  out.push(
    table(
      ['scenario', 'process', 'peak RSS (VmHWM) MiB'],
      results.flatMap((r) => r.memory.map((m) => [r.id, m.process, fmt(m.peakRssMiB)])),
      ['---', '---', '---:'],
    ),
    '',
  );

  const checks = results.flatMap((r) => r.checks.map((c) => ({ ...c, scenario: r.id })));
  out.push('## Checks', '', checksMarkdown(checks) || 'none', '');

  const profiles = results.flatMap((r) => r.profiles);
  if (profiles.length) {
    out.push('## CPU profiles', '');
    for (const p of profiles) {
      try {
        out.push(profileMarkdown(summarizeProfile(p, 20)), '');
      } catch (error) {
        out.push(`${p}: could not be read (${String(error)})`, '');
      }
    }
  }
  process.stdout.write(out.join('\n') + '\n');

  // ---- the full results (JSON) ----
  const resultsDir = path.join(BENCH_DIR, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const jsonFile = path.join(resultsDir, config.smoke ? 'smoke.json' : args.scenarios.length === Object.keys(SCENARIOS).length ? 'latest.json' : `latest-${args.scenarios.join('-')}.json`);
  const { workRoot, ...configForJson } = config;
  fs.writeFileSync(
    jsonFile,
    JSON.stringify(
      {
        date: new Date(started).toISOString(),
        tookSec: (Date.now() - started) / 1000,
        git,
        node: process.version,
        machine: { cores: config.cores, cpu: os.cpus()[0]?.model, memoryBytes: os.totalmem(), loadBefore, loadAfter, busyPct: (100 * (cpuAfter.busy - cpuBefore.busy)) / Math.max(1, cpuAfter.total - cpuBefore.total) },
        config: configForJson,
        databases: targets.map((t) => t.kind),
        results,
        checks,
      },
      null,
      2,
    ) + '\n',
  );
  log(`results written to ${path.relative(ROOT, jsonFile)}`);
  if (profiles.length) log(`CPU profiles: ${profiles.map((p) => path.relative(ROOT, p)).join(', ')} (open in Chrome DevTools › Performance, or node bench/profile-summary.mjs <file>)`);
  if (!config.keep) fs.rmSync(config.workRoot, { recursive: true, force: true });
  else log(`temporary data kept in ${config.workRoot}`);

  const failed = checks.filter((c) => !c.ok);
  if (failed.length) {
    log(`${failed.length} check(s) failed: ${failed.map((c) => `${c.scenario}: ${c.name}`).join('; ')}`);
    process.exit(1);
  }
  process.exit(0);
}

main().catch(async (error: unknown) => {
  log(`bench failed: ${(error as Error).stack ?? String(error)}`);
  await cleanupAfterInterrupt(process.env.BENCH_DATABASE_URL);
  process.exit(1);
});
