import { Type, type Static } from 'typebox';
import { Email, LanguageCode, ListQuery, Name, Nullable, RoleSchema, Strict, Timestamp, Uid, UID_PATTERN } from '../http/schemas.js';

export const MemberStatusSchema = Type.Enum(['active', 'disabled']);

export const TenantAccountSchema = Type.Object(
  {
    uid: Uid,
    tenant: Type.Object({ uid: Uid, name: Type.String() }),
    userUid: Uid,
    role: RoleSchema,
    status: MemberStatusSchema,
    userCode: Nullable(Type.String()),
    hasPassword: Type.Boolean(),
    displayName: Nullable(Type.String()),
    email: Nullable(Type.String()),
    firstname: Nullable(Type.String()),
    lastname: Nullable(Type.String()),
    mobile: Nullable(Type.String()),
    languageCode: Nullable(Type.String()),
    defaultStoreUid: Nullable(Type.String()),
    storeUids: Type.Array(Type.String(), { description: '[] means all stores of the tenant' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'TenantAccount', description: "A user's account inside one tenant" },
);
export type TenantAccount = Static<typeof TenantAccountSchema>;

export const TenantAccountWithTokenSchema = Type.Object(
  {
    ...TenantAccountSchema.properties,
    accessToken: Type.String({ description: 'acc_… : shown once' }),
    expiresAt: Timestamp,
  },
  { $id: 'TenantAccountWithToken', description: 'A tenant account and the access token just issued for it' },
);
export type TenantAccountWithToken = Static<typeof TenantAccountWithTokenSchema>;

/** A user code typed on a till: letters, digits, `-` and `_`, 1–32 characters. */
export const UserCode = Type.String({ pattern: UID_PATTERN, minLength: 1, maxLength: 32 });
/** A password or PIN; the minimum length is checked by the service (PINs may be shorter). */
export const Password = Type.String({ minLength: 1, maxLength: 128 });
export const Mobile = Type.String({ pattern: '^\\+?[0-9(][0-9 ()./-]{2,31}$', maxLength: 32, description: 'A phone number: digits, spaces and + ( ) . / -' });

/** Profile fields a member may set; null clears one. */
export const ProfileFields = {
  displayName: Type.Optional(Nullable(Name)),
  email: Type.Optional(Nullable(Email)),
  firstname: Type.Optional(Nullable(Name)),
  lastname: Type.Optional(Nullable(Name)),
  mobile: Type.Optional(Nullable(Mobile)),
  languageCode: Type.Optional(Nullable(LanguageCode)),
};

export const CreateMemberBody = Strict({
  role: RoleSchema,
  status: Type.Optional(MemberStatusSchema),
  userCode: Type.Optional(Nullable(UserCode)),
  password: Type.Optional(Password),
  storeUids: Type.Optional(Type.Array(Uid, { maxItems: 1000, uniqueItems: true })),
  defaultStoreUid: Type.Optional(Nullable(Uid)),
  ...ProfileFields,
});
export type CreateMemberInput = Static<typeof CreateMemberBody>;

export const UpdateMemberBody = Strict({
  role: Type.Optional(RoleSchema),
  status: Type.Optional(MemberStatusSchema),
  userCode: Type.Optional(Nullable(UserCode)),
  password: Type.Optional(Nullable(Password)),
  storeUids: Type.Optional(Type.Array(Uid, { maxItems: 1000, uniqueItems: true })),
  defaultStoreUid: Type.Optional(Nullable(Type.String({ pattern: '^[A-Za-z0-9-_]*$', maxLength: 64 }))),
  ...ProfileFields,
});
export type UpdateMemberInput = Static<typeof UpdateMemberBody>;

export const MemberParams = Strict({ tenantUid: Uid, memberUid: Uid });

export const MemberListQuery = Strict({
  ...ListQuery.properties,
  role: Type.Optional(RoleSchema),
  status: Type.Optional(MemberStatusSchema),
  storeUid: Type.Optional(Uid),
});
export type MemberListQueryType = Static<typeof MemberListQuery>;
