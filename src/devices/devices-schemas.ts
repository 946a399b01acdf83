import { Type, type Static } from 'typebox';
import { Name, Nullable, Strict, Timestamp, Uid } from '../http/schemas.js';

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

export const AttachedDeviceSchema = Type.Object({
  device: Type.Ref('Device'),
  deviceToken: Type.String({ description: 'dev_… : shown once' }),
});
