import type { App } from '../app.js';
import type { Authenticator } from '../http/auth.js';
import { problems, TenantParams } from '../http/schemas.js';
import { TenantAccountWithTokenSchema } from '../members/members-schemas.js';
import type { TenantsService } from './tenants-service.js';
import { CreateTenantBody, TenantSchema, UpdateTenantBody } from './tenants-schemas.js';

const tags = ['tenants'];

export function registerTenantsRoutes(app: App, auth: Authenticator, tenants: TenantsService): void {
  app.post('/tenants', {
    schema: {
      tags,
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

  app.get('/tenants/:tenantUid', {
    schema: {
      tags,
      summary: 'The tenant (any member)',
      security: [{ accessToken: [] }],
      params: TenantParams,
      response: { 200: TenantSchema, ...problems(400, 401, 403) },
    },
    handler: async (request) => tenants.get(await auth.accessToTenant(request, request.params.tenantUid)),
  });

  app.put('/tenants/:tenantUid', {
    schema: {
      tags,
      summary: 'Rename the tenant (admins)',
      security: [{ accessToken: [] }],
      params: TenantParams,
      body: UpdateTenantBody,
      response: { 200: TenantSchema, ...problems(400, 401, 403, 413) },
    },
    handler: async (request) => tenants.rename(await auth.accessToTenant(request, request.params.tenantUid), request.body.name),
  });
}
