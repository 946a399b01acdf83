import { interleave, ratios, type Side } from '../lib/compare.js';
import { ServiceHandle, validityChecks, type ScenarioContext, type ScenarioResult } from '../lib/context.js';
import { seedFixture, TENANT_UIDS } from '../lib/fixture.js';
import { autocannon } from '../lib/load.js';
import { betterAuthSession, startBareFastify, startBetterAuth, type Server } from '../lib/servers.js';

/**
 * 1. Authenticated read: GET /account of a member of 3 tenants (access token),
 * against a bare Fastify server returning the same bytes (the ceiling) and a
 * standalone Better Auth server answering get-session for a bearer token.
 */
export async function readScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { config } = ctx;
  const handle = new ServiceHandle(ctx, 'service');
  const baselines: Server[] = [];
  try {
    const service = await handle.start();
    const fixture = await seedFixture(service.url);
    const bare = await startBareFastify(ctx.workDir, fixture.accountBody);
    baselines.push(bare);
    const betterAuth = await startBetterAuth(ctx.workDir);
    baselines.push(betterAuth);
    const session = await betterAuthSession(betterAuth);
    const c = config.connections;
    const sides: Side[] = [
      { key: 'bare', label: 'bare Fastify, constant body', server: bare, run: (d) => autocannon({ url: `${bare.url}/account`, connections: c }, d) },
      {
        key: 'better-auth',
        label: 'Better Auth get-session (bearer)',
        server: betterAuth,
        run: (d) => autocannon({ url: `${betterAuth.url}/api/auth/get-session`, token: session, connections: c }, d),
      },
      { key: 'service', label: 'service GET /account', server: service, run: (d) => autocannon({ url: `${service.url}/account`, token: fixture.ownerAccess[TENANT_UIDS[0]], connections: c }, d) },
    ];
    const results = await interleave(sides, { ...config, servers: [service, bare, betterAuth], title: ctx.id, db: ctx.db.kind });
    const memory = baselines.map((b) => ({ process: `${b.name} (baseline)`, peakRssMiB: (b.memory()?.peakRssKiB ?? NaN) / 1024 }));
    return {
      id: ctx.id,
      scenario: 'read',
      db: ctx.db.kind,
      title: 'Authenticated read: GET /account',
      description: `GET /account of a member of ${TENANT_UIDS.length} tenants with an access token, ${c} connections, against (a) bare Fastify returning the same ${Buffer.byteLength(fixture.accountBody)} bytes and (b) a standalone Better Auth get-session with a bearer session token (its own SQLite file).`,
      sides: results,
      ratios: ratios(results, [
        { label: 'service / bare Fastify', baseline: 'bare', subject: 'service', metrics: ['rps', 'p50', 'p99', 'okPerServerCpuSec'] },
        { label: 'service / Better Auth', baseline: 'better-auth', subject: 'service', metrics: ['rps', 'p50', 'p99', 'okPerServerCpuSec'] },
      ]),
      memory,
      info: { accountBodyBytes: Buffer.byteLength(fixture.accountBody) },
      notes: [],
      checks: validityChecks({ sides: results }),
      profiles: [],
    };
  } finally {
    for (const b of baselines) await b.stop();
    await handle.cleanup();
  }
}
