import { interleave, ratios, type RatioSpec, type Side } from '../lib/compare.js';
import { ServiceHandle, validityChecks, type ScenarioContext, type ScenarioResult } from '../lib/context.js';
import { loginFixture, seedFixture } from '../lib/fixture.js';
import { argon2Verifications, autocannon } from '../lib/load.js';

/**
 * 3. Device login: POST /account with a device token, user code and PIN, one
 * connection (how fast one login is) and saturating (logins per second), against
 * raw argon2id verifications with the same parameters in a separate process.
 */
export async function loginScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { config } = ctx;
  const H = config.hashConcurrency;
  const handle = new ServiceHandle(ctx, 'service');
  try {
    const service = await handle.start();
    const fixture = await seedFixture(service.url, loginFixture(config.smoke));
    const login = (connections: number) => (d: number) =>
      autocannon({ url: `${service.url}/account`, logins: fixture.logins, connections }, d);
    const levels = [...new Set([1, H, config.cores])].sort((a, b) => a - b);
    const argonLabel = (n: number) => {
      const what = [n === H ? "service's hash concurrency" : '', n === config.cores ? 'all cores' : ''].filter(Boolean).join(', ');
      return `raw argon2id verify, ${n} in flight${what ? ` (${what})` : ''}`;
    };
    const sides: Side[] = [
      ...levels.map((n) => ({ key: `argon2-${n}`, label: argonLabel(n), warmup: false, run: (d: number) => argon2Verifications(n, d) })),
      { key: 'login-1', label: 'service POST /account, 1 connection', server: service, run: login(1) },
      { key: 'login-sat', label: `service POST /account, ${config.loginConnections} connections`, server: service, run: login(config.loginConnections) },
    ];
    const results = await interleave(sides, { ...config, servers: [service], title: ctx.id, db: ctx.db.kind });
    const specs: RatioSpec[] = [
      { label: 'login (1 conn) / argon2 ×1', baseline: 'argon2-1', subject: 'login-1', metrics: ['rps', 'p50', 'p99'] },
      { label: `login (${config.loginConnections} conns) / argon2 ×${H} (service's hash concurrency)`, baseline: `argon2-${H}`, subject: 'login-sat', metrics: ['rps'] },
    ];
    if (config.cores !== H) specs.push({ label: `login (${config.loginConnections} conns) / argon2 ×${config.cores} (all cores)`, baseline: `argon2-${config.cores}`, subject: 'login-sat', metrics: ['rps'] });
    return {
      id: ctx.id,
      scenario: 'login',
      db: ctx.db.kind,
      title: 'Device login: POST /account',
      description:
        `Staff login on a till (device token + user code + PIN; argon2id m=19456 KiB, t=2, p=1), each request the next of ${fixture.logins.length} user codes on ${3 * loginFixture(config.smoke).devicesPerTenant} tills of 3 tenants. The service hashes at most ` +
        `PASSWORD_HASH_CONCURRENCY=${H} at once (${config.cores} cores; queue ${config.hashQueue}, 503 beyond). Baseline: raw @node-rs/argon2 verify ` +
        `in a separate process with ${levels.map((n) => argonLabel(n).replace(/^raw argon2id verify, /, '').replace(' in flight', '')).join('; ')} verifications in flight.`,
      sides: results,
      ratios: ratios(results, specs),
      memory: [],
      info: { hashConcurrency: H, hashQueue: config.hashQueue, cores: config.cores },
      notes: [
        `Each successful login also writes: device last_seen_at, an audit event and an access token (one transaction).`,
        `The saturating load keeps ${config.loginConnections} logins open, within the hash bound + queue (${H} + ${config.hashQueue}) and each tenant's share of it, so none gets 503.`,
      ],
      checks: validityChecks({ sides: results }),
      profiles: [],
    };
  } finally {
    await handle.cleanup();
  }
}
