import type { App } from '../app.js';
import type { Authenticator } from '../http/auth.js';
import { ListOf, ListQuery, problems, TenantParams } from '../http/schemas.js';
import type { StoresService } from './stores-service.js';
import { CreateStoreBody, StoreParams, StoreSchema, UpdateStoreBody } from './stores-schemas.js';

const tags = ['stores'];

export function registerStoresRoutes(app: App, auth: Authenticator, stores: StoresService): void {
  app.get('/tenants/:tenantUid/stores', {
    schema: {
      tags,
      summary: "The tenant's stores (any member)",
      security: [{ accessToken: [] }],
      params: TenantParams,
      querystring: ListQuery,
      response: { 200: ListOf(StoreSchema), ...problems(400, 401, 403) },
    },
    handler: async (request) => {
      const grant = await auth.accessToTenant(request, request.params.tenantUid);
      return stores.list(grant, request.query.limit ?? 50, request.query.cursor);
    },
  });

  app.post('/tenants/:tenantUid/stores', {
    schema: {
      tags,
      summary: 'Create a store (admins)',
      security: [{ accessToken: [] }],
      params: TenantParams,
      body: CreateStoreBody,
      response: { 201: StoreSchema, ...problems(400, 401, 403, 409, 413) },
    },
    handler: async (request, reply) => {
      const grant = await auth.accessToTenant(request, request.params.tenantUid);
      return reply.status(201).send(await stores.create(grant, request.body));
    },
  });

  app.get('/tenants/:tenantUid/stores/:storeUid', {
    schema: {
      tags,
      summary: 'One store (any member)',
      security: [{ accessToken: [] }],
      params: StoreParams,
      response: { 200: StoreSchema, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => stores.get(await auth.accessToTenant(request, request.params.tenantUid), request.params.storeUid),
  });

  app.put('/tenants/:tenantUid/stores/:storeUid', {
    schema: {
      tags,
      summary: 'Rename a store (admins)',
      security: [{ accessToken: [] }],
      params: StoreParams,
      body: UpdateStoreBody,
      response: { 200: StoreSchema, ...problems(400, 401, 403, 404, 413) },
    },
    handler: async (request) =>
      stores.rename(await auth.accessToTenant(request, request.params.tenantUid), request.params.storeUid, request.body.name),
  });

  app.delete('/tenants/:tenantUid/stores/:storeUid', {
    schema: {
      tags,
      summary: 'Delete a store: devices are unbound, default stores cleared, store lists drop it (admins)',
      security: [{ accessToken: [] }],
      params: StoreParams,
      response: { 204: { type: 'null', description: 'Deleted' }, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      await stores.remove(await auth.accessToTenant(request, request.params.tenantUid), request.params.storeUid);
      return reply.status(204).send(null);
    },
  });
}
