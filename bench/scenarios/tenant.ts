import { interleave, ratios, type Side } from '../lib/compare.js';
import { ServiceHandle, validityChecks, type ScenarioContext, type ScenarioResult } from '../lib/context.js';
import { seedFixture, TENANT_UIDS } from '../lib/fixture.js';
import { autocannon } from '../lib/load.js';

/** 2. Tenant read and write: GET and PUT /tenants/{t}/account against scenario 1's read. */
export async function tenantScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { config } = ctx;
  const handle = new ServiceHandle(ctx, 'service');
  try {
    const service = await handle.start();
    const fixture = await seedFixture(service.url);
    const t = TENANT_UIDS[0];
    const token = fixture.ownerAccess[t];
    const c = config.connections;
    const sides: Side[] = [
      { key: 'account', label: 'GET /account', server: service, run: (d) => autocannon({ url: `${service.url}/account`, token, connections: c }, d) },
      { key: 'tenant-get', label: `GET /tenants/{t}/account`, server: service, run: (d) => autocannon({ url: `${service.url}/tenants/${t}/account`, token, connections: c }, d) },
      {
        key: 'tenant-put',
        label: `PUT /tenants/{t}/account`,
        server: service,
        run: (d) => autocannon({ url: `${service.url}/tenants/${t}/account`, method: 'PUT', token, body: { displayName: 'Bench' }, connections: c }, d),
      },
    ];
    const results = await interleave(sides, { ...config, servers: [service], title: ctx.id, db: ctx.db.kind });
    return {
      id: ctx.id,
      scenario: 'tenant',
      db: ctx.db.kind,
      title: 'Tenant read and write: GET and PUT /tenants/{t}/account',
      description: `The owner's own tenant account read and profile update ({"displayName":"Bench"}: an UPDATE and an audit event in one transaction), ${c} connections each, against scenario 1's GET /account measured in the same rounds.`,
      sides: results,
      ratios: ratios(results, [
        { label: 'GET /tenants/{t}/account / GET /account', baseline: 'account', subject: 'tenant-get', metrics: ['rps', 'p50', 'p99', 'okPerServerCpuSec'] },
        { label: 'PUT /tenants/{t}/account / GET /account', baseline: 'account', subject: 'tenant-put', metrics: ['rps', 'p50', 'p99', 'okPerServerCpuSec'] },
      ]),
      memory: [],
      info: {},
      notes: [],
      checks: validityChecks({ sides: results }),
      profiles: [],
    };
  } finally {
    await handle.cleanup();
  }
}
