import type { App } from '../app.js';
import type { Authenticator } from '../http/auth.js';
import { ListOf, problems, TenantParams } from '../http/schemas.js';
import type { MembersService } from './members-service.js';
import { CreateMemberBody, MemberListQuery, MemberParams, TenantAccountSchema, UpdateMemberBody } from './members-schemas.js';

const tags = ['members'];

export function registerMembersRoutes(app: App, auth: Authenticator, members: MembersService): void {
  app.get('/tenants/:tenantUid/users', {
    schema: {
      tags,
      summary: "The tenant's members, filtered by role, status or store (managers and above)",
      security: [{ accessToken: [] }],
      params: TenantParams,
      querystring: MemberListQuery,
      response: { 200: ListOf(TenantAccountSchema), ...problems(400, 401, 403) },
    },
    handler: async (request) => members.list(await auth.accessToTenant(request, request.params.tenantUid), request.query),
  });

  app.post('/tenants/:tenantUid/users', {
    schema: {
      tags,
      summary: 'Create a staff account (managers create staff; only owners create owners)',
      security: [{ accessToken: [] }],
      params: TenantParams,
      body: CreateMemberBody,
      response: { 201: TenantAccountSchema, ...problems(400, 401, 403, 409, 413, 422, 503) },
    },
    handler: async (request, reply) => {
      const grant = await auth.accessToTenant(request, request.params.tenantUid);
      return reply.status(201).send(await members.create(grant, request.body));
    },
  });

  app.get('/tenants/:tenantUid/users/:memberUid', {
    schema: {
      tags,
      summary: 'One member, by the tenant account uid (managers and above)',
      security: [{ accessToken: [] }],
      params: MemberParams,
      response: { 200: TenantAccountSchema, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => members.getAsManager(await auth.accessToTenant(request, request.params.tenantUid), request.params.memberUid),
  });

  app.put('/tenants/:tenantUid/users/:memberUid', {
    schema: {
      tags,
      summary: 'Change a member: role, status, stores, user code, password, profile',
      description: 'Disabling a member or changing their password revokes their tokens. The last active owner cannot be demoted or disabled (409 last_owner).',
      security: [{ accessToken: [] }],
      params: MemberParams,
      body: UpdateMemberBody,
      response: { 200: TenantAccountSchema, ...problems(400, 401, 403, 404, 409, 413, 422, 503) },
    },
    handler: async (request) =>
      members.update(await auth.accessToTenant(request, request.params.tenantUid), request.params.memberUid, request.body),
  });

  app.delete('/tenants/:tenantUid/users/:memberUid', {
    schema: {
      tags,
      summary: 'Remove a member; their tokens stop working',
      security: [{ accessToken: [] }],
      params: MemberParams,
      response: { 204: { type: 'null', description: 'Removed' }, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      await members.remove(await auth.accessToTenant(request, request.params.tenantUid), request.params.memberUid);
      return reply.status(204).send(null);
    },
  });

  app.post('/tenants/:tenantUid/users/:memberUid/unlock', {
    schema: {
      tags,
      summary: "Lift the device-login lockout of a member's user code",
      security: [{ accessToken: [] }],
      params: MemberParams,
      response: { 200: TenantAccountSchema, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => members.unlock(await auth.accessToTenant(request, request.params.tenantUid), request.params.memberUid),
  });
}
