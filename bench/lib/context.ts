import fs from 'node:fs';
import path from 'node:path';
import type { RatioResult, SideResult } from './compare.js';
import { dropSchema } from './seed-sql.js';
import { startService, type DbTarget, type Service } from './servers.js';
import { log } from './util.js';

export interface RunConfig {
  smoke: boolean;
  rounds: number;
  durationSec: number;
  warmupSec: number;
  /** Connections of the read loads. */
  connections: number;
  /** Connections of a saturating device-login load (kept within hash concurrency + queue, so no 503). */
  loginConnections: number;
  /** Connections of the login flood in the storm. */
  stormLoginConnections: number;
  hashConcurrency: number;
  hashQueue: number;
  cores: number;
  scale: { tenants: number; members: number; devices: number; bigTenantMembers: number; smallTenantMembers: number };
  /** Temporary folder of this run (data dirs, SQLite files). */
  workRoot: string;
  /** Set with BENCH_CPU_PROF=1: where the services' .cpuprofile files go. */
  profileDir?: string;
  keep: boolean;
  runId: string;
}

export interface ScenarioContext {
  config: RunConfig;
  db: DbTarget;
  /** `read@sqlite` */
  id: string;
  /** A fresh folder for this scenario. */
  workDir: string;
  /** Services the scenario started (their peak RSS and profiles are reported after it ends). */
  handles: ServiceHandle[];
}

export interface MemoryRow {
  process: string;
  peakRssMiB: number;
  note?: string;
}

export interface Check {
  name: string;
  kind: 'validity' | 'threshold';
  ok: boolean;
  detail: string;
}

export interface ScenarioResult {
  id: string;
  scenario: string;
  db: 'sqlite' | 'postgres';
  title: string;
  description: string;
  sides: SideResult[];
  ratios: RatioResult[];
  memory: MemoryRow[];
  info: Record<string, unknown>;
  notes: string[];
  checks: Check[];
  profiles: string[];
  /** Extra tables (markdown) a scenario adds. */
  tables?: { title: string; header: string[]; rows: string[][] }[];
  error?: string;
}

let schemaCounter = 0;

/**
 * The service of a scenario on its own data: a fresh DATA_DIR (SQLite) or a
 * fresh PostgreSQL schema, dropped again in cleanup(). Can be restarted on the
 * same data; its peak RSS is the highest over its runs.
 */
export class ServiceHandle {
  readonly dataDir: string;
  readonly schema?: string;
  service?: Service;
  peakRssKiB = 0;
  private port?: number;

  constructor(
    private readonly ctx: ScenarioContext,
    readonly name: string,
  ) {
    this.dataDir = path.join(ctx.workDir, `data-${name}`);
    ctx.handles.push(this);
    if (ctx.db.kind === 'postgres') {
      this.schema = `bench_${ctx.config.runId}_${++schemaCounter}`;
      activeSchemas.add(this.schema);
    }
  }

  async start(): Promise<Service> {
    const profile = this.ctx.config.profileDir ? path.join(this.ctx.config.profileDir, this.ctx.id.replace('@', '-'), this.name) : undefined;
    this.service = await startService({ name: `${this.ctx.id}:${this.name}`, dataDir: this.dataDir, db: this.ctx.db, schema: this.schema, cpuProfDir: profile, port: this.port });
    this.port = this.service.port;
    return this.service;
  }

  /** Peak RSS so far (the service must be running). */
  sample(): void {
    const m = this.service?.memory();
    if (m && m.peakRssKiB > this.peakRssKiB) this.peakRssKiB = m.peakRssKiB;
  }

  async stop(): Promise<void> {
    if (!this.service) return;
    const m = await this.service.stop();
    if (m && m.peakRssKiB > this.peakRssKiB) this.peakRssKiB = m.peakRssKiB;
    this.service = undefined;
  }

  /** Profiles the service wrote on exit (BENCH_CPU_PROF=1). */
  profiles(): string[] {
    if (!this.ctx.config.profileDir) return [];
    const dir = path.join(this.ctx.config.profileDir, this.ctx.id.replace('@', '-'), this.name);
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f)) : [];
  }

  async cleanup(): Promise<void> {
    await this.stop();
    if (this.schema && this.ctx.db.url) {
      await dropSchema(this.ctx.db.url, this.schema).catch((error: unknown) => log(`could not drop schema ${this.schema}: ${String(error)}`));
      activeSchemas.delete(this.schema);
    }
    if (!this.ctx.config.keep) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Schemas created and not yet dropped, for a cleanup after an interruption. */
export const activeSchemas = new Set<string>();

export function validityChecks(result: Pick<ScenarioResult, 'sides'>, allowNon2xx: string[] = []): Check[] {
  return result.sides.map((side) => {
    const s = side.summary;
    const okRounds = side.rounds.every((r) => r.ok > 0);
    const clean = allowNon2xx.includes(side.key) || (s.non2xx === 0 && s.errors === 0 && s.timeouts === 0);
    return {
      name: `${side.label}: every round answered 2xx`,
      kind: 'validity' as const,
      ok: okRounds && clean,
      detail: `${s.ok} ok, ${s.non2xx} non-2xx, ${s.errors} errors, ${s.timeouts} timeouts${Object.keys(s.statusCodes).length ? ` ${JSON.stringify(s.statusCodes)}` : ''}`,
    };
  });
}
