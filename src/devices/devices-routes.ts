import type { App } from '../app.js';
import { originOf, type Authenticator } from '../http/auth.js';
import { ListOf, problems, TenantParams } from '../http/schemas.js';
import type { DevicesService } from './devices-service.js';
import {
  AttachedDeviceSchema,
  CreateDeviceBody,
  CreatePairingCodeBody,
  DeviceListQuery,
  DeviceParams,
  DeviceSchema,
  PairDeviceBody,
  PairingCodeSchema,
  UpdateDeviceBody,
} from './devices-schemas.js';

const tags = ['devices'];

export function registerDevicesRoutes(app: App, auth: Authenticator, devices: DevicesService): void {
  app.post('/tenants/:tenantUid/devices', {
    schema: {
      tags,
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

  app.get('/tenants/:tenantUid/devices', {
    schema: {
      tags,
      summary: "The tenant's devices (managers and above)",
      security: [{ accessToken: [] }],
      params: TenantParams,
      querystring: DeviceListQuery,
      response: { 200: ListOf(DeviceSchema), ...problems(400, 401, 403) },
    },
    handler: async (request) => devices.list(await auth.accessToTenant(request, request.params.tenantUid), request.query),
  });

  app.put('/tenants/:tenantUid/devices/:deviceUid', {
    schema: {
      tags,
      summary: 'Rename a device or bind it to a store (admins)',
      security: [{ accessToken: [] }],
      params: DeviceParams,
      body: UpdateDeviceBody,
      response: { 200: DeviceSchema, ...problems(400, 401, 403, 404, 413, 422) },
    },
    handler: async (request) =>
      devices.update(await auth.accessToTenant(request, request.params.tenantUid), request.params.deviceUid, request.body),
  });

  app.delete('/tenants/:tenantUid/devices/:deviceUid', {
    schema: {
      tags,
      summary: 'Revoke a device: its token and the access tokens issued through it stop working (admins)',
      security: [{ accessToken: [] }],
      params: DeviceParams,
      response: { 204: { type: 'null', description: 'Revoked' }, ...problems(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      await devices.revoke(await auth.accessToTenant(request, request.params.tenantUid), request.params.deviceUid);
      return reply.status(204).send(null);
    },
  });

  app.post('/tenants/:tenantUid/device-codes', {
    schema: {
      tags,
      summary: 'A short single-use pairing code for a new device (admins)',
      security: [{ accessToken: [] }],
      params: TenantParams,
      body: CreatePairingCodeBody,
      response: { 201: PairingCodeSchema, ...problems(400, 401, 403, 413, 422, 503) },
    },
    handler: async (request, reply) => {
      const grant = await auth.accessToTenant(request, request.params.tenantUid);
      return reply.status(201).send(await devices.createPairingCode(grant, request.body?.storeUid));
    },
  });

  app.post('/devices/pair', {
    schema: {
      tags,
      summary: 'Pair this device with a code an admin created; returns the device token once',
      body: PairDeviceBody,
      response: { 201: AttachedDeviceSchema, ...problems(400, 404, 410, 413, 429, 503) },
    },
    handler: async (request, reply) => reply.status(201).send(await devices.pair(request.body, originOf(request))),
  });
}
