import type { App } from '../app.js';
import type { Authenticator } from '../http/auth.js';
import { problems } from '../http/schemas.js';
import { TenantAccountWithTokenSchema } from '../members/members-schemas.js';
import type { TenantsService } from './tenants-service.js';
import { CreateTenantBody } from './tenants-schemas.js';

export function registerTenantsRoutes(app: App, auth: Authenticator, tenants: TenantsService): void {
  app.post('/tenants', {
    schema: {
      tags: ['tenants'],
      summary: 'Create a tenant; the caller becomes its owner',
      security: [{ authToken: [] }],
      body: CreateTenantBody,
      response: { 201: TenantAccountWithTokenSchema, ...problems(400, 401, 409, 413) },
    },
    handler: async (request, reply) => {
      const created = await tenants.create(await auth.authToken(request), request.body);
      return reply.status(201).send(created);
    },
  });
}
