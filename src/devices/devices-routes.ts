import type { App } from '../app.js';
import type { Authenticator } from '../http/auth.js';
import { problems, TenantParams } from '../http/schemas.js';
import type { DevicesService } from './devices-service.js';
import { AttachedDeviceSchema, CreateDeviceBody } from './devices-schemas.js';

export function registerDevicesRoutes(app: App, auth: Authenticator, devices: DevicesService): void {
  app.post('/tenants/:tenantUid/devices', {
    schema: {
      tags: ['devices'],
      summary: 'Attach a device (admins); the device token is shown once',
      security: [{ accessToken: [] }],
      params: TenantParams,
      body: CreateDeviceBody,
      response: { 201: AttachedDeviceSchema, ...problems(400, 401, 403, 413, 422) },
    },
    handler: async (request, reply) => {
      const grant = await auth.accessToTenant(request, request.params.tenantUid);
      return reply.status(201).send(await devices.attach(grant, request.body));
    },
  });
}
