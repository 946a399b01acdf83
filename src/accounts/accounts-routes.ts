import type { App } from '../app.js';
import type { Authenticator } from '../http/auth.js';
import { problems, TenantParams } from '../http/schemas.js';
import type { MembersService } from '../members/members-service.js';
import { TenantAccountSchema, TenantAccountWithTokenSchema } from '../members/members-schemas.js';
import type { AccountsService } from './accounts-service.js';
import { AccountSchema, DeviceLoginBody, UpdateAccountBody, UpdateTenantAccountBody } from './accounts-schemas.js';

const tags = ['account'];

/** The documented `User` section (except the invitation calls, in invitations/). */
export function registerAccountsRoutes(app: App, auth: Authenticator, accounts: AccountsService, members: MembersService): void {
  app.get('/account', {
    schema: {
      tags,
      summary: 'The signed-in user and their active tenant accounts',
      security: [{ accessToken: [] }],
      response: { 200: AccountSchema, ...problems(401) },
    },
    handler: async (request) => accounts.getAccount((await auth.access(request)).userUid),
  });

  app.post('/account', {
    schema: {
      tags,
      summary: 'Staff login on a device with user code and password or PIN',
      security: [{ deviceToken: [] }],
      body: DeviceLoginBody,
      response: { 200: TenantAccountWithTokenSchema, ...problems(400, 401, 403, 413, 429, 503) },
    },
    handler: async (request) => accounts.deviceLogin(await auth.device(request), request.body),
  });

  app.put('/account', {
    schema: {
      tags,
      summary: 'Set the default tenant',
      security: [{ accessToken: [] }],
      body: UpdateAccountBody,
      response: { 200: AccountSchema, ...problems(400, 401, 413, 422) },
    },
    handler: async (request) => accounts.setDefaultTenant(await auth.access(request), request.body.defaultTenantUid),
  });

  app.get('/tenants/:tenantUid/account', {
    schema: {
      tags,
      summary: "The caller's account in this tenant",
      security: [{ accessToken: [] }],
      params: TenantParams,
      response: { 200: TenantAccountSchema, ...problems(400, 401, 403) },
    },
    handler: async (request) => {
      const grant = await auth.accessToTenant(request, request.params.tenantUid);
      return members.get(grant.tenantUid, grant.memberUid);
    },
  });

  app.post('/tenants/:tenantUid/account', {
    schema: {
      tags,
      summary: 'Exchange an authToken for an access token of this tenant',
      security: [{ authToken: [] }],
      params: TenantParams,
      response: { 200: TenantAccountWithTokenSchema, ...problems(400, 401, 403) },
    },
    handler: async (request) => accounts.exchangeAuthToken(await auth.authToken(request), request.params.tenantUid),
  });

  app.put('/tenants/:tenantUid/account', {
    schema: {
      tags,
      summary: "Change the caller's profile, default store or password in this tenant",
      description: 'A new password revokes the member’s other access tokens.',
      security: [{ accessToken: [] }],
      params: TenantParams,
      body: UpdateTenantAccountBody,
      response: { 200: TenantAccountSchema, ...problems(400, 401, 403, 413, 422, 503) },
    },
    handler: async (request) => members.updateOwn(await auth.accessToTenant(request, request.params.tenantUid), request.body),
  });
}
