import type { App } from '../app.js';
import type { Authenticator } from '../http/auth.js';
import { ListOf, problems, TenantParams } from '../http/schemas.js';
import { AuditEventSchema, AuditQuery } from './audit-schemas.js';
import type { AuditService } from './audit-service.js';

export function registerAuditRoutes(app: App, auth: Authenticator, audit: AuditService): void {
  app.get('/tenants/:tenantUid/audit-events', {
    schema: {
      tags: ['audit'],
      summary: 'Who did what, when, from where, with what outcome; newest first (admins)',
      security: [{ accessToken: [] }],
      params: TenantParams,
      querystring: AuditQuery,
      response: { 200: ListOf(AuditEventSchema), ...problems(400, 401, 403) },
    },
    handler: async (request) => audit.list(await auth.accessToTenant(request, request.params.tenantUid), request.query),
  });
}
