import type { App } from '../app.js';
import type { Authenticator } from '../http/auth.js';
import { problems, TenantParams } from '../http/schemas.js';
import type { MembersService } from './members-service.js';
import { CreateMemberBody, TenantAccountSchema } from './members-schemas.js';

export function registerMembersRoutes(app: App, auth: Authenticator, members: MembersService): void {
  app.post('/tenants/:tenantUid/users', {
    schema: {
      tags: ['members'],
      summary: 'Create a staff account (managers create staff; only owners create owners)',
      security: [{ accessToken: [] }],
      params: TenantParams,
      body: CreateMemberBody,
      response: { 201: TenantAccountSchema, ...problems(400, 401, 403, 409, 413, 422) },
    },
    handler: async (request, reply) => {
      const grant = await auth.accessToTenant(request, request.params.tenantUid);
      return reply.status(201).send(await members.create(grant, request.body));
    },
  });
}
