import { hash } from '@node-rs/argon2';
import { interleave, ratios, type RatioSpec, type Side } from '../lib/compare.js';
import { ServiceHandle, validityChecks, type Check, type ScenarioContext, type ScenarioResult } from '../lib/context.js';
import { loginFixture, seedFixture, TENANT_UIDS, type Fixture } from '../lib/fixture.js';
import { expectStatus } from '../lib/http.js';
import { autocannon } from '../lib/load.js';
import { seedScale, type ScaleTargets, type SeedReport } from '../lib/seed-sql.js';
import { fmt, log } from '../lib/util.js';

const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * 5. Scale: the same reads and logins, and the member list's first and a deep
 * page, on a database of 100,000 tenants / 1,000,000 members (each with a user) /
 * 100,000 devices against the same on a small database, both services running,
 * rounds interleaved.
 */
export async function scaleScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { config } = ctx;
  const small = new ServiceHandle(ctx, 'small');
  const large = new ServiceHandle(ctx, 'large');
  const big = TENANT_UIDS[0];
  try {
    // First start: the service creates the schema; the fixture goes in through HTTP.
    const fixtures = new Map<ServiceHandle, Fixture>();
    await Promise.all(
      [small, large].map(async (h) => {
        const service = await h.start();
        fixtures.set(h, await seedFixture(service.url, loginFixture(config.smoke)));
        await h.stop();
      }),
    );
    // Set-based bulk seeding while the services are stopped; one argon2 hash for every seeded PIN.
    const pinHash = await hash('135790', ARGON2_OPTIONS as any);
    const targets: Record<'small' | 'large', ScaleTargets> = {
      small: { tenants: 0, members: 0, devices: 0, bigTenantUid: big, bigTenantMembers: config.scale.smallTenantMembers },
      large: { tenants: config.scale.tenants, members: config.scale.members, devices: config.scale.devices, bigTenantUid: big, bigTenantMembers: config.scale.bigTenantMembers },
    };
    const seeds = new Map<ServiceHandle, SeedReport>();
    for (const [h, t] of [[small, targets.small], [large, targets.large]] as const) {
      log(`${ctx.id}: seeding ${h.name} (${fmt(t.tenants)} tenants, ${fmt(t.members)} members, ${fmt(t.devices)} devices, ${fmt(t.bigTenantMembers)} members in ${big}) …`);
      const report = await seedScale(ctx.db, { dataDir: h.dataDir, schema: h.schema }, t, pinHash);
      log(`${ctx.id}: seeded ${h.name} in ${report.seconds.toFixed(1)} s: ${JSON.stringify(report.counts)}, ${(report.dbBytes / 2 ** 20).toFixed(0)} MiB`);
      seeds.set(h, report);
    }
    const sides: Side[] = [];
    const checks: Check[] = [];
    const kinds = ['read', 'login', 'first', 'deep'] as const;
    const perDb: Record<string, Side[]> = {};
    await Promise.all([small.start(), large.start()]);
    for (const h of [small, large]) {
      const service = h.service!;
      const fixture = fixtures.get(h)!;
      const seed = seeds.get(h)!;
      const token = fixture.ownerAccess[big];
      const list = `${service.url}/tenants/${big}/users?limit=50`;
      const deep = `${list}&cursor=${seed.deepCursor}`;
      for (const [what, url] of [['first page', list], ['deep page', deep]] as const) {
        const page = await expectStatus(200, 'GET', url, { token });
        checks.push({
          name: `${h.name}: the ${what} lists 50 members and has a next cursor`,
          kind: 'validity',
          ok: page.json.items.length === 50 && typeof page.json.nextCursor === 'string',
          detail: `${page.json.items.length} items, nextCursor ${page.json.nextCursor ? 'set' : 'null'}, ${Buffer.byteLength(page.text)} bytes`,
        });
      }
      perDb[h.name] = [
        { key: `read-${h.name}`, label: `${h.name}: GET /account`, server: service, run: (d) => autocannon({ url: `${service.url}/account`, token, connections: config.connections }, d) },
        {
          key: `login-${h.name}`,
          label: `${h.name}: POST /account, 1 connection`,
          server: service,
          run: (d) => autocannon({ url: `${service.url}/account`, logins: fixture.logins, connections: 1 }, d),
        },
        { key: `first-${h.name}`, label: `${h.name}: GET /tenants/{t}/users?limit=50`, server: service, run: (d) => autocannon({ url: list, token, connections: config.connections }, d) },
        {
          key: `deep-${h.name}`,
          label: `${h.name}: GET /tenants/{t}/users?limit=50&cursor=(${Math.round((100 * seed.deepPosition) / seed.counts.bigTenantMembers)}%)`,
          server: service,
          run: (d) => autocannon({ url: deep, token, connections: config.connections }, d),
        },
      ];
    }
    for (const k of kinds.keys()) sides.push(perDb.small[k], perDb.large[k]);
    const results = await interleave(sides, { ...config, servers: [small.service!, large.service!], title: ctx.id, db: ctx.db.kind });
    const specs: RatioSpec[] = [
      { label: 'large / small: GET /account', baseline: 'read-small', subject: 'read-large' },
      { label: 'large / small: POST /account (1 conn)', baseline: 'login-small', subject: 'login-large' },
      { label: 'large / small: users first page', baseline: 'first-small', subject: 'first-large' },
      { label: 'large / small: users deep page', baseline: 'deep-small', subject: 'deep-large' },
      { label: 'large: deep page / first page', baseline: 'first-large', subject: 'deep-large' },
    ];
    const s = seeds.get(small)!;
    const l = seeds.get(large)!;
    return {
      id: ctx.id,
      scenario: 'scale',
      db: ctx.db.kind,
      title: 'Scale: a million members',
      description:
        `The same reads (GET /account, ${config.connections} conns), logins (1 conn) and member-list pages (limit 50, ${config.connections} conns) on a large database ` +
        `(${fmt(l.counts.tenants)} tenants, ${fmt(l.counts.members)} members, ${fmt(l.counts.users)} users, ${fmt(l.counts.devices)} devices; ${fmt(l.counts.bigTenantMembers)} members in the paged tenant) ` +
        `against a small one (${fmt(s.counts.tenants)} tenants, ${fmt(s.counts.members)} members; ${fmt(s.counts.bigTenantMembers)} in the paged tenant). The deep page starts at member ${fmt(l.deepPosition)} (large) / ${fmt(s.deepPosition)} (small) in uid order.`,
      sides: results,
      ratios: ratios(results, specs),
      memory: [],
      info: {
        seed: { small: s, large: l },
      },
      notes: [
        `Seeding (not timed): small ${s.seconds.toFixed(1)} s, ${(s.dbBytes / 2 ** 20).toFixed(0)} MiB; large ${l.seconds.toFixed(1)} s, ${(l.dbBytes / 2 ** 20).toFixed(0)} MiB` +
          (ctx.db.kind === 'postgres' ? ' (ANALYZEd after seeding, as autovacuum would).' : ' (no ANALYZE: the service never runs it).'),
      ],
      checks: [...checks, ...validityChecks({ sides: results })],
      profiles: [],
    };
  } finally {
    await small.cleanup();
    await large.cleanup();
  }
}
