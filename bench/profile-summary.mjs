#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the
// most self time, and self time grouped by where the code lives (the service's
// own files, each package in node_modules, Node's internals, native/GC).
//
// Usage: node bench/profile-summary.mjs <file.cpuprofile> [top=25]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a frame's code lives: `src/…` of the service, a package name, `node:internal`, or a V8 pseudo-frame. */
export function areaOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  // Kysely's SQLite driver calls better-sqlite3 synchronously: its self time is SQLite's.
  if (functionName === 'executeQuery' && url.includes('kysely/dist/esm/dialect/sqlite/sqlite-driver')) return 'SQLite (native, via better-sqlite3)';
  if (url.startsWith('node:')) return 'node:internal';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `service ${url.slice(dist + 1)}`;
  return url.replace(/^file:\/\//, '');
}

export function summarizeProfile(file, top = 25) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const total = [...self.values()].reduce((s, x) => s + x, 0);
  const functions = new Map();
  const areas = new Map();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    if (functionName === '(idle)') continue;
    const name = functionName || '(anonymous)';
    const where = url ? `${url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '')}:${lineNumber + 1}` : '';
    const key = `${name}\u0000${where}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
    const area = areaOf(url, name);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  // Inclusive time of the service's own functions (dist/…, not node_modules): each
  // sample counts once for every distinct service function on its stack.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const { functionName, url, lineNumber } = byId.get(cur).callFrame;
      if (!url || url.includes('node_modules') || !url.includes('/dist/')) continue;
      const key = `${functionName || '(anonymous)'}\u0000${url.slice(url.indexOf('/dist/') + 1)}:${lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const rank = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  const idle = [...self.entries()].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)').reduce((s, [, us]) => s + us, 0);
  return {
    file,
    totalMs: total / 1000,
    idleMs: idle / 1000,
    functions: rank(functions).slice(0, top).map(([key, us]) => {
      const [name, where] = key.split('\u0000');
      return { name, where, selfMs: us / 1000, pct: (100 * us) / total, pctBusy: (100 * us) / Math.max(1, total - idle) };
    }),
    service: rank(inclusive).slice(0, top).map(([key, us]) => {
      const [name, where] = key.split('\u0000');
      return { name, where, totalMs: us / 1000, pctBusy: (100 * us) / Math.max(1, total - idle) };
    }),
    areas: rank(areas).slice(0, top).map(([area, us]) => ({ area, selfMs: us / 1000, pct: (100 * us) / total, pctBusy: (100 * us) / Math.max(1, total - idle) })),
  };
}

export function profileMarkdown(summary) {
  const lines = [];
  const busy = summary.totalMs - summary.idleMs;
  lines.push(`Profile \`${summary.file}\`: ${summary.totalMs.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy on the main thread (${summary.idleMs.toFixed(0)} ms idle); shares below are of the busy time. Self time of a JS function includes the native code it calls (SQLite inside better-sqlite3, socket writes).`);
  lines.push('', '| self ms | % busy | function | where |', '|---:|---:|---|---|');
  for (const f of summary.functions) lines.push(`| ${f.selfMs.toFixed(0)} | ${f.pctBusy.toFixed(1)} | \`${f.name}\` | ${f.where || ''} |`);
  lines.push('', '| self ms | % busy | where the code lives |', '|---:|---:|---|');
  for (const a of summary.areas) lines.push(`| ${a.selfMs.toFixed(0)} | ${a.pctBusy.toFixed(1)} | ${a.area} |`);
  lines.push('', '| total ms | % busy | the service\'s own function (inclusive: with everything it calls) | where |', '|---:|---:|---|---|');
  for (const f of summary.service) lines.push(`| ${f.totalMs.toFixed(0)} | ${f.pctBusy.toFixed(1)} | \`${f.name}\` | ${f.where} |`);
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [top=25]');
    process.exit(2);
  }
  console.log(profileMarkdown(summarizeProfile(file, Number(process.argv[3] ?? 25))));
}
