import type { RatioResult } from './compare.js';
import type { Check, ScenarioResult } from './context.js';
import { fmt, fmtRatio } from './util.js';

function table(header: string[], rows: string[][], align?: string[]): string {
  const sep = header.map((_, i) => align?.[i] ?? '---');
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

const METRIC_NAMES: Record<RatioResult['metric'], string> = {
  rps: 'ok/s',
  p50: 'p50 latency',
  p99: 'p99 latency',
  okPerServerCpuSec: 'ok per server CPU·s',
  okPerServerAndDbCpuSec: 'ok per (server + DB) CPU·s',
};

/** Autocannon reports whole milliseconds (0 means under 1 ms); the argon2 baseline reports fractions. */
function latency(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 1) return '<1';
  return Number.isInteger(ms) || ms >= 20 ? fmt(ms) : fmt(ms, 1);
}

export function scenarioMarkdown(r: ScenarioResult, rounds: number): string {
  const out: string[] = [];
  out.push(`## ${r.title} (${r.db}) — \`${r.id}\``, '', r.description, '');
  if (r.error) {
    out.push(`**FAILED:** ${r.error}`, '');
    return out.join('\n');
  }
  out.push(
    table(
      ['side', 'conns', 'ok/s (median)', 'ok/s min–max', 'p50 ms', 'p99 ms', 'ok per server CPU·s', 'non-2xx', 'others\' CPU %'],
      r.sides.map((s) => [
        s.label,
        String(s.summary.connections),
        fmt(s.summary.rps, s.summary.rps < 100 ? 1 : 0),
        `${fmt(s.summary.rpsMin, s.summary.rps < 100 ? 1 : 0)}–${fmt(s.summary.rpsMax, s.summary.rps < 100 ? 1 : 0)}`,
        latency(s.summary.p50),
        latency(s.summary.p99),
        s.summary.okPerServerCpuSec === undefined
          ? '–'
          : fmt(s.summary.okPerServerCpuSec) + (s.summary.okPerServerAndDbCpuSec !== undefined ? ` (${fmt(s.summary.okPerServerAndDbCpuSec)} with DB)` : ''),
        String(s.summary.non2xx + s.summary.errors + s.summary.timeouts),
        fmt(s.summary.othersBusyPct),
      ]),
      ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
    ),
    '',
    `Medians over ${rounds} round(s) per side. "ok per server CPU·s": 2xx responses per CPU second the server process used (all threads) — requests per core; on PostgreSQL also per CPU second of server plus database processes. "others' CPU %": share of all the machine's cores busy with processes outside this bench during the round.`,
    '',
  );
  if (r.ratios.length) {
    out.push(
      table(
        ['ratio (subject / baseline, per round pair)', 'metric', 'min', 'median', 'max'],
        r.ratios.map((x) => [x.label, METRIC_NAMES[x.metric], fmtRatio(x.min), `**${fmtRatio(x.median)}**`, fmtRatio(x.max)]),
        ['---', '---', '---:', '---:', '---:'],
      ),
      '',
    );
  }
  for (const t of r.tables ?? []) out.push(`${t.title}:`, '', table(t.header, t.rows), '');
  if (r.memory.length) {
    out.push(table(['process', 'peak RSS (VmHWM) MiB'], r.memory.map((m) => [m.process + (m.note ? ` (${m.note})` : ''), fmt(m.peakRssMiB)]), ['---', '---:']), '');
  }
  for (const n of r.notes) out.push(`- ${n}`);
  if (r.notes.length) out.push('');
  return out.join('\n');
}

export function checksMarkdown(checks: (Check & { scenario: string })[]): string {
  if (checks.length === 0) return '';
  return table(
    ['scenario', 'kind', 'check', 'result', 'detail'],
    checks.map((c) => [c.scenario, c.kind, c.name, c.ok ? 'ok' : '**FAIL**', c.detail]),
  );
}

export { table };
