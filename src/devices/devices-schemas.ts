import { Type, type Static } from 'typebox';
import { ListQuery, Name, Nullable, Strict, Timestamp, Uid } from '../http/schemas.js';

export const DeviceSchema = Type.Object(
  {
    uid: Uid,
    name: Type.String(),
    storeUid: Nullable(Uid),
    status: Type.Enum(['active', 'revoked']),
    createdAt: Timestamp,
    lastSeenAt: Nullable(Timestamp),
  },
  { $id: 'Device', description: 'A shared terminal attached to a tenant' },
);
export type Device = Static<typeof DeviceSchema>;

export const CreateDeviceBody = Strict({ name: Name, storeUid: Type.Optional(Uid) });
export type CreateDeviceInput = Static<typeof CreateDeviceBody>;

export const UpdateDeviceBody = Strict({
  name: Type.Optional(Name),
  storeUid: Type.Optional(Nullable(Uid)),
});
export type UpdateDeviceInput = Static<typeof UpdateDeviceBody>;

export const DeviceParams = Strict({ tenantUid: Uid, deviceUid: Uid });

export const DeviceListQuery = Strict({
  ...ListQuery.properties,
  status: Type.Optional(Type.Enum(['active', 'revoked'])),
});
export type DeviceListQueryType = Static<typeof DeviceListQuery>;

export const AttachedDeviceSchema = Type.Object({
  device: Type.Ref('Device'),
  deviceToken: Type.String({ description: 'dev_… : shown once' }),
});

export const CreatePairingCodeBody = Strict({ storeUid: Type.Optional(Uid) });
export const PairingCodeSchema = Type.Object({
  code: Type.String({ description: 'Eight characters to type on the device, shown as XXXX-XXXX' }),
  expiresAt: Timestamp,
});

export const PairDeviceBody = Strict({
  code: Type.String({ minLength: 8, maxLength: 16, description: 'The pairing code; case and dashes do not matter' }),
  name: Name,
});
export type PairDeviceInput = Static<typeof PairDeviceBody>;
