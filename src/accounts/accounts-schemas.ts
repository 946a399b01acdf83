import { Type, type Static } from 'typebox';
import { Nullable, Strict, Timestamp, Uid } from '../http/schemas.js';
import { Password, ProfileFields, TenantAccountSchema, UserCode } from '../members/members-schemas.js';

export const AccountSchema = Type.Object(
  {
    uid: Uid,
    email: Nullable(Type.String()),
    displayName: Nullable(Type.String()),
    defaultTenantUid: Nullable(Uid),
    createdAt: Timestamp,
    tenants: Type.Array(Type.Ref('TenantAccount'), { description: 'Active memberships only' }),
  },
  { $id: 'Account', description: 'A person, platform-wide, with their active tenant accounts' },
);
export type Account = Omit<Static<typeof AccountSchema>, 'tenants'> & { tenants: Static<typeof TenantAccountSchema>[] };

export const DeviceLoginBody = Strict({ userCode: UserCode, password: Password });
export type DeviceLoginInput = Static<typeof DeviceLoginBody>;

export const UpdateAccountBody = Strict({ defaultTenantUid: Uid });

export const UpdateTenantAccountBody = Strict({
  defaultStoreUid: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-_]*$', maxLength: 64, description: '"" clears it' })),
  ...ProfileFields,
  password: Type.Optional(Password),
});
