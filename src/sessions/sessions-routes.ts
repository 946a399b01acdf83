import type { App } from '../app.js';
import type { Authenticator } from '../http/auth.js';
import { problems } from '../http/schemas.js';
import type { SessionsService } from './sessions-service.js';

export function registerSessionsRoutes(app: App, auth: Authenticator, sessions: SessionsService): void {
  app.delete('/account/session', {
    schema: {
      tags: ['account'],
      summary: 'Log out: the access token stops working',
      security: [{ accessToken: [] }],
      response: { 204: { type: 'null', description: 'Logged out' }, ...problems(401) },
    },
    handler: async (request, reply) => {
      await sessions.revoke(await auth.access(request));
      return reply.status(204).send(null);
    },
  });
}
