import type { Measure } from './load.js';
import { cpuSecondsOfCommand, loadAverage, machineCpu, selfAndReapedChildrenCpu } from './procs.js';
import type { Server } from './servers.js';
import { log, median, minMaxMedian } from './util.js';

/** One side of a comparison: something measured for a fixed time per round. */
export interface Side {
  key: string;
  label: string;
  /** The server process that does the work, for CPU per request. */
  server?: Server;
  /** False for a side with nothing to warm up (native code in its own fresh process). */
  warmup?: boolean;
  run(durationSec: number): Promise<Measure & { extra?: Record<string, unknown> }>;
}

export interface RoundResult extends Measure {
  round: number;
  /** CPU seconds the side's server used in the round (all its threads). */
  serverCpuSec?: number;
  /** 2xx responses per CPU second of the server: "per core" throughput. */
  okPerServerCpuSec?: number;
  /** CPU seconds of the local PostgreSQL server's processes in the round (PostgreSQL runs only). */
  dbCpuSec?: number;
  /** 2xx responses per CPU second of the server and the database together (PostgreSQL runs only). */
  okPerServerAndDbCpuSec?: number;
  /** CPU seconds of the load generator(s) of the round. */
  loadgenCpuSec: number;
  /** Busy share of all cores during the round, %. */
  machineBusyPct: number;
  /** Busy share of all cores used by processes that are not this bench's, %. */
  othersBusyPct: number;
  loadavg: number[];
  extra?: Record<string, unknown>;
}

export interface SideSummary {
  rps: number;
  rpsMin: number;
  rpsMax: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  okPerServerCpuSec?: number;
  okPerServerAndDbCpuSec?: number;
  dbCpuSec?: number;
  othersBusyPct: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  bytesPerResponse: number;
  connections: number;
}

export interface SideResult {
  key: string;
  label: string;
  rounds: RoundResult[];
  summary: SideSummary;
}

export type Metric = 'rps' | 'p50' | 'p99' | 'okPerServerCpuSec' | 'okPerServerAndDbCpuSec';

export interface RatioSpec {
  label: string;
  baseline: string;
  subject: string;
  metrics?: Metric[];
}

export interface RatioResult {
  label: string;
  baseline: string;
  subject: string;
  metric: Metric;
  perRound: number[];
  min: number;
  median: number;
  max: number;
}

export interface InterleaveOptions {
  rounds: number;
  durationSec: number;
  warmupSec: number;
  /** Every server alive during the comparison (their CPU is the bench's own, not "others"). */
  servers: Server[];
  title: string;
  /** With PostgreSQL, the database server's CPU is accounted apart (it is neither this bench's nor others'). */
  db?: 'sqlite' | 'postgres';
}

/**
 * Runs the sides interleaved: A, B, C, A, B, C … for `rounds` rounds of
 * `durationSec` each, after one warm-up run per side that is not recorded.
 */
export async function interleave(sides: Side[], options: InterleaveOptions): Promise<SideResult[]> {
  if (options.warmupSec > 0) {
    for (const side of sides) {
      if (side.warmup === false) continue;
      log(`${options.title}: warm-up ${side.label} (${options.warmupSec} s)`);
      await side.run(options.warmupSec);
    }
  }
  const results: SideResult[] = sides.map((s) => ({ key: s.key, label: s.label, rounds: [], summary: undefined as unknown as SideSummary }));
  for (let round = 1; round <= options.rounds; round++) {
    for (const [i, side] of sides.entries()) {
      const serversBefore = options.servers.map((s) => s.cpuSeconds());
      const ownBefore = selfAndReapedChildrenCpu();
      const dbBefore = options.db === 'postgres' ? cpuSecondsOfCommand('postgres') : 0;
      const machineBefore = machineCpu();
      const sideServerBefore = side.server?.cpuSeconds();
      const measure = await side.run(options.durationSec);
      const sideServerAfter = side.server?.cpuSeconds();
      const machineAfter = machineCpu();
      const dbCpu = options.db === 'postgres' ? cpuSecondsOfCommand('postgres') - dbBefore : undefined;
      const ownAfter = selfAndReapedChildrenCpu();
      const serversAfter = options.servers.map((s) => s.cpuSeconds());

      const serversCpu = serversAfter.reduce((sum, after, j) => sum + (Number.isFinite(after - serversBefore[j]) ? after - serversBefore[j] : 0), 0);
      const loadgenCpuSec = ownAfter.children - ownBefore.children;
      const benchCpu = serversCpu + loadgenCpuSec + (ownAfter.self - ownBefore.self) + Math.max(0, dbCpu ?? 0);
      const total = machineAfter.total - machineBefore.total;
      const busy = machineAfter.busy - machineBefore.busy;
      const serverCpuSec = sideServerBefore !== undefined && sideServerAfter !== undefined ? sideServerAfter - sideServerBefore : undefined;
      const row: RoundResult = {
        ...measure,
        round,
        serverCpuSec,
        okPerServerCpuSec: serverCpuSec && serverCpuSec > 0 ? measure.ok / serverCpuSec : undefined,
        dbCpuSec: dbCpu,
        okPerServerAndDbCpuSec: serverCpuSec && dbCpu !== undefined && side.server ? measure.ok / (serverCpuSec + Math.max(0, dbCpu)) : undefined,
        loadgenCpuSec,
        machineBusyPct: total > 0 ? (100 * busy) / total : NaN,
        othersBusyPct: total > 0 ? Math.max(0, (100 * (busy - benchCpu)) / total) : NaN,
        loadavg: loadAverage(),
      };
      results[i].rounds.push(row);
      log(
        `${options.title}: round ${round}/${options.rounds} ${side.label}: ${measure.rps.toFixed(0)} ok/s, p50 ${+measure.p50.toFixed(1)} ms, p99 ${+measure.p99.toFixed(1)} ms` +
          (measure.non2xx || measure.errors ? `, NON-2XX ${measure.non2xx} ERRORS ${measure.errors} ${JSON.stringify(measure.statusCodes)}` : '') +
          `, others ${row.othersBusyPct.toFixed(0)}% of the machine`,
      );
    }
  }
  for (const r of results) r.summary = summarize(r.rounds);
  return results;
}

function summarize(rounds: RoundResult[]): SideSummary {
  const pick = (f: (r: RoundResult) => number | undefined) => rounds.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));
  const statusCodes: Record<string, number> = {};
  for (const r of rounds) for (const [k, v] of Object.entries(r.statusCodes)) statusCodes[k] = (statusCodes[k] ?? 0) + v;
  const rps = minMaxMedian(pick((r) => r.rps));
  const cpu = pick((r) => r.okPerServerCpuSec);
  const cpuDb = pick((r) => r.okPerServerAndDbCpuSec);
  const db = pick((r) => r.dbCpuSec);
  return {
    rps: rps.median,
    rpsMin: rps.min,
    rpsMax: rps.max,
    p50: median(pick((r) => r.p50)),
    p90: median(pick((r) => r.p90)),
    p99: median(pick((r) => r.p99)),
    mean: median(pick((r) => r.mean)),
    okPerServerCpuSec: cpu.length ? median(cpu) : undefined,
    okPerServerAndDbCpuSec: cpuDb.length ? median(cpuDb) : undefined,
    dbCpuSec: db.length ? median(db) : undefined,
    othersBusyPct: median(pick((r) => r.othersBusyPct)),
    ok: rounds.reduce((s, r) => s + r.ok, 0),
    non2xx: rounds.reduce((s, r) => s + r.non2xx, 0),
    errors: rounds.reduce((s, r) => s + r.errors, 0),
    timeouts: rounds.reduce((s, r) => s + r.timeouts, 0),
    statusCodes,
    bytesPerResponse: median(pick((r) => r.bytesPerResponse)),
    connections: rounds[0]?.connections ?? 0,
  };
}

/** Autocannon's latencies have 1 ms resolution: a latency ratio over a sub-millisecond baseline means nothing. */
const LATENCY_FLOOR_MS = 1;

/** Subject / baseline for each round pair, with min, median and max. */
export function ratios(sides: SideResult[], specs: RatioSpec[]): RatioResult[] {
  const out: RatioResult[] = [];
  for (const spec of specs) {
    const a = sides.find((s) => s.key === spec.baseline);
    const b = sides.find((s) => s.key === spec.subject);
    if (!a || !b) throw new Error(`ratio ${spec.label}: unknown side ${!a ? spec.baseline : spec.subject}`);
    for (const metric of spec.metrics ?? (['rps', 'p50', 'p99'] as Metric[])) {
      const perRound = a.rounds.map((ra, i) => {
        const rb = b.rounds[i];
        const x = ra[metric];
        const y = rb?.[metric];
        if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y)) return NaN;
        if ((metric === 'p50' || metric === 'p99') && x < LATENCY_FLOOR_MS) return NaN;
        return x === 0 ? NaN : y / x;
      });
      out.push({ label: spec.label, baseline: spec.baseline, subject: spec.subject, metric, perRound, ...minMaxMedian(perRound) });
    }
  }
  return out;
}
