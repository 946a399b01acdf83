import { Type } from 'typebox';
import type { App } from '../app.js';
import type { OpenedDatabase } from '../db/database.js';
import { AppError } from '../errors.js';
import { problems } from './schemas.js';

const Status = Type.Object({ status: Type.String() });

/** Whether the node is on its way down: /readyz answers 503 from then on. */
export interface Lifecycle {
  draining: boolean;
}

export function registerHealthRoutes(app: App, database: OpenedDatabase, lifecycle: Lifecycle): void {
  app.addHook('onClose', async () => {
    lifecycle.draining = true;
  });

  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: Status } } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Readiness: the database answers', response: { 200: Status, ...problems(503) } } },
    async (request) => {
      if (lifecycle.draining) throw new AppError('service_unavailable', 'The node is shutting down');
      try {
        await database.ping();
      } catch (error) {
        request.log.warn({ err: error }, 'database ping failed');
        throw new AppError('service_unavailable', 'The database does not answer');
      }
      return { status: 'ready' };
    },
  );
}
