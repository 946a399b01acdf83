import type { App } from '../app.js';
import type { Authenticator } from '../http/auth.js';
import { ListOf, problems, TenantParams } from '../http/schemas.js';
import { TenantAccountWithTokenSchema } from '../members/members-schemas.js';
import type { InvitationsService } from './invitations-service.js';
import {
  AcceptInvitationBody,
  CreatedInvitationSchema,
  CreateInvitationBody,
  InvitationListQuery,
  InvitationParams,
  InvitationSchema,
  InviteTokenHeaders,
  ResendInvitationBody,
} from './invitations-schemas.js';

const tags = ['invitations'];

export function registerInvitationsRoutes(app: App, auth: Authenticator, invitations: InvitationsService): void {
  app.get('/account/invite', {
    schema: {
      tags,
      summary: 'Look at an invitation by its token (no sign-in needed)',
      headers: InviteTokenHeaders,
      response: { 200: InvitationSchema, ...problems(400, 404, 410) },
    },
    handler: async (request) => invitations.lookup(request.headers['x-invite-token']),
  });

  app.put('/account/invite', {
    schema: {
      tags,
      summary: 'Accept an invitation',
      security: [{ authToken: [] }],
      body: AcceptInvitationBody,
      response: { 200: TenantAccountWithTokenSchema, ...problems(400, 401, 403, 404, 409, 410, 413) },
    },
    handler: async (request) => invitations.accept(await auth.authToken(request), request.body.inviteToken),
  });

  app.post('/tenants/:tenantUid/invites', {
    schema: {
      tags,
      summary: 'Invite someone to the tenant (admins; only owners invite owners); e-mails it when it has an address',
      security: [{ accessToken: [] }],
      params: TenantParams,
      body: CreateInvitationBody,
      response: { 201: CreatedInvitationSchema, ...problems(400, 401, 403, 409, 413, 422) },
    },
    handler: async (request, reply) => {
      const grant = await auth.accessToTenant(request, request.params.tenantUid);
      return reply.status(201).send(await invitations.create(grant, request.body));
    },
  });

  app.get('/tenants/:tenantUid/invites', {
    schema: {
      tags,
      summary: "The tenant's invitations, newest first (admins)",
      security: [{ accessToken: [] }],
      params: TenantParams,
      querystring: InvitationListQuery,
      response: { 200: ListOf(InvitationSchema), ...problems(400, 401, 403) },
    },
    handler: async (request) => invitations.list(await auth.accessToTenant(request, request.params.tenantUid), request.query),
  });

  app.delete('/tenants/:tenantUid/invites/:invitationUid', {
    schema: {
      tags,
      summary: 'Revoke an invitation (admins)',
      security: [{ accessToken: [] }],
      params: InvitationParams,
      response: { 204: { type: 'null', description: 'Revoked' }, ...problems(400, 401, 403, 404, 410) },
    },
    handler: async (request, reply) => {
      await invitations.revoke(await auth.accessToTenant(request, request.params.tenantUid), request.params.invitationUid);
      return reply.status(204).send(null);
    },
  });

  app.post('/tenants/:tenantUid/invites/:invitationUid/resend', {
    schema: {
      tags,
      summary: 'A new token and expiry for an invitation, sent again; the old token stops working (admins)',
      security: [{ accessToken: [] }],
      params: InvitationParams,
      body: ResendInvitationBody,
      response: { 200: CreatedInvitationSchema, ...problems(400, 401, 403, 404, 409, 410, 413) },
    },
    handler: async (request) =>
      invitations.resend(
        await auth.accessToTenant(request, request.params.tenantUid),
        request.params.invitationUid,
        request.body?.expiresInHours,
      ),
  });
}
