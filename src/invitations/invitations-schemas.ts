import { Type, type Static } from 'typebox';
import { Email, Nullable, RoleSchema, Strict, Timestamp, Uid } from '../http/schemas.js';

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
});
export type CreateInvitationInput = Static<typeof CreateInvitationBody>;

export const CreatedInvitationSchema = Type.Object({
  invitation: Type.Ref('Invitation'),
  inviteToken: Type.String({ description: 'inv_… : shown once' }),
  inviteUrl: Type.String(),
});

export const AcceptInvitationBody = Strict({ inviteToken: Type.String({ minLength: 1, maxLength: 200 }) });

export const InviteTokenHeaders = Type.Object({
  'x-invite-token': Type.String({ minLength: 1, maxLength: 200, description: 'The inviteToken' }),
});
