import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { App } from '../app.js';
import type { PasswordHasher } from '../crypto/passwords.js';

/**
 * Prometheus metrics at GET /metrics: the process (CPU, memory, event-loop lag),
 * every request by route, method and status, and the password hasher's load.
 * One registry per app, so that several apps in one process keep apart.
 */
export function registerMetrics(app: App, passwords: PasswordHasher): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route, method and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route and method',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'password_hashes_running',
    help: 'argon2 hashes running now',
    registers: [registry],
    collect() {
      this.set(passwords.load().running);
    },
  });
  new Gauge({
    name: 'password_hashes_waiting',
    help: 'argon2 hashes waiting for a slot',
    registers: [registry],
    collect() {
      this.set(passwords.load().waiting);
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    // Unmatched paths share one label, so that scanners cannot grow the series.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics', produces: ['text/plain'] } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
