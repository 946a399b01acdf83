import { interleave, ratios, type Side } from '../lib/compare.js';
import { ServiceHandle, validityChecks, type ScenarioContext, type ScenarioResult } from '../lib/context.js';
import { loginFixture, seedFixture, TENANT_UIDS } from '../lib/fixture.js';
import { autocannon, type Measure } from '../lib/load.js';
import { fmt, sleep } from '../lib/util.js';

/**
 * 4. Login storm: scenario 1's reads while a second autocannon floods device
 * logins, against the same reads with no logins, interleaved.
 */
export async function stormScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { config } = ctx;
  const handle = new ServiceHandle(ctx, 'service');
  try {
    const service = await handle.start();
    const fixture = await seedFixture(service.url, loginFixture(config.smoke));
    const read = (d: number) => autocannon({ url: `${service.url}/account`, token: fixture.ownerAccess[TENANT_UIDS[0]], connections: config.connections }, d);
    const floods: Measure[] = [];
    const lead = Math.min(1, config.durationSec / 2);
    const sides: Side[] = [
      { key: 'idle', label: 'GET /account, no logins', server: service, run: read },
      {
        key: 'storm',
        label: `GET /account during a login flood (${config.stormLoginConnections} conns)`,
        server: service,
        run: async (d) => {
          // The flood starts first and ends after the reads, so every read meets it.
          const flood = autocannon(
            { url: `${service.url}/account`, logins: fixture.logins, connections: config.stormLoginConnections },
            d + 2 * lead,
          );
          await sleep(lead * 1000);
          const measured = await read(d);
          const login = await flood;
          floods.push(login);
          // Let the logins still queued in the service finish before the next (idle) round.
          await sleep(lead * 1000);
          return { ...measured, extra: { flood: login } };
        },
      },
    ];
    const results = await interleave(sides, { ...config, servers: [service], title: ctx.id, db: ctx.db.kind });
    // Keep only the floods of measured rounds (the warm-up's comes first).
    const measuredFloods = floods.slice(-config.rounds);
    const flood503 = measuredFloods.reduce((s, f) => s + (f.statusCodes['503'] ?? 0), 0);
    const floodOther = measuredFloods.reduce((s, f) => s + f.non2xx + f.errors - (f.statusCodes['503'] ?? 0), 0);
    return {
      id: ctx.id,
      scenario: 'storm',
      db: ctx.db.kind,
      title: 'Login storm: reads during a device-login flood',
      description: `GET /account (${config.connections} connections) measured alone and while a second autocannon floods POST /account with ${config.stormLoginConnections} connections (${fixture.logins.length} user codes on ${3 * loginFixture(config.smoke).devicesPerTenant} tills of 3 tenants, one code per request in turn); rounds alternate idle, storm.`,
      sides: results,
      ratios: ratios(results, [{ label: 'storm / idle', baseline: 'idle', subject: 'storm', metrics: ['rps', 'p50', 'p99'] }]),
      memory: [],
      info: { floods: measuredFloods.map((f) => ({ rps: f.rps, p50: f.p50, p99: f.p99, statusCodes: f.statusCodes })) },
      notes: [],
      tables: [
        {
          title: 'The login flood during the storm rounds',
          header: ['round', 'logins ok/s', 'p50 ms', 'p99 ms', 'status codes'],
          rows: measuredFloods.map((f, i) => [String(i + 1), fmt(f.rps, 1), fmt(f.p50), fmt(f.p99), JSON.stringify(f.statusCodes)]),
        },
      ],
      checks: [
        ...validityChecks({ sides: results }),
        {
          name: 'the login flood got answers (503 beyond the hash bound is allowed)',
          kind: 'validity',
          ok: measuredFloods.every((f) => f.ok > 0) && floodOther === 0,
          detail: `${measuredFloods.reduce((s, f) => s + f.ok, 0)} ok, ${flood503} × 503, ${floodOther} other failures`,
        },
      ],
      profiles: [],
    };
  } finally {
    await handle.cleanup();
  }
}
