import { Type, type Static } from 'typebox';
import { Email, LanguageCode, ListQuery, Nullable, RoleSchema, Strict, Timestamp, Uid } from '../http/schemas.js';
import { UserCode } from '../members/members-schemas.js';

export const InvitationStatusSchema = Type.Enum(['pending', 'accepted', 'revoked', 'expired']);

export const InvitationSchema = Type.Object(
  {
    uid: Uid,
    tenant: Type.Object({ uid: Uid, name: Type.String() }),
    email: Nullable(Type.String()),
    role: RoleSchema,
    storeUids: Type.Array(Uid),
    status: InvitationStatusSchema,
    invitedBy: Nullable(Type.Object({ displayName: Nullable(Type.String()) })),
    createdAt: Timestamp,
    expiresAt: Timestamp,
  },
  { $id: 'Invitation', description: 'An offer to join a tenant with a role' },
);
export type Invitation = Static<typeof InvitationSchema>;

export const CreateInvitationBody = Strict({
  email: Type.Optional(Email),
  role: RoleSchema,
  storeUids: Type.Optional(Type.Array(Uid, { maxItems: 1000, uniqueItems: true })),
  expiresInHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720, default: 168 })),
  userCode: Type.Optional(UserCode),
  languageCode: Type.Optional(LanguageCode),
});
export type CreateInvitationInput = Static<typeof CreateInvitationBody>;

export const DeliverySchema = Nullable(
  Type.Object(
    {
      status: Type.Enum(['sent', 'written', 'failed']),
      detail: Nullable(Type.String()),
    },
    { description: 'What happened to the invitation e-mail: sent over SMTP, written to the data folder (no SMTP), or failed (resend works)' },
  ),
);

export const CreatedInvitationSchema = Type.Object({
  invitation: Type.Ref('Invitation'),
  inviteToken: Type.String({ description: 'inv_… : shown once' }),
  inviteUrl: Type.String(),
  delivery: DeliverySchema,
});

export const InvitationParams = Strict({ tenantUid: Uid, invitationUid: Uid });

export const ResendInvitationBody = Strict({
  expiresInHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720, default: 168 })),
});

export const InvitationListQuery = Strict({
  ...ListQuery.properties,
  status: Type.Optional(InvitationStatusSchema),
});
export type InvitationListQueryType = Static<typeof InvitationListQuery>;

export const AcceptInvitationBody = Strict({ inviteToken: Type.String({ minLength: 1, maxLength: 200 }) });

export const InviteTokenHeaders = Type.Object({
  'x-invite-token': Type.String({ minLength: 1, maxLength: 200, description: 'The inviteToken' }),
});
