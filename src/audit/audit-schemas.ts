import { Type, type Static } from 'typebox';
import { ListQuery, Nullable, Strict, Timestamp, Uid } from '../http/schemas.js';

export const AuditEventSchema = Type.Object(
  {
    uid: Type.String(),
    occurredAt: Timestamp,
    action: Type.String({ description: 'e.g. device.login, member.updated, invitation.accepted' }),
    outcome: Type.Enum(['success', 'failure']),
    actor: Type.Object({ type: Type.Enum(['member', 'device', 'user', 'anonymous']), uid: Nullable(Type.String()) }),
    target: Nullable(Type.Object({ type: Type.String(), uid: Type.String() })),
    ip: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    details: Type.Record(Type.String(), Type.Unknown(), { description: 'Changed field names, error code; never secret values' }),
  },
  { $id: 'AuditEvent', description: 'Who did what, when, from where, with what outcome' },
);
export type AuditEvent = Static<typeof AuditEventSchema>;

export const AuditQuery = Strict({
  ...ListQuery.properties,
  action: Type.Optional(Type.String({ pattern: '^[a-z_.]+$', maxLength: 64, description: 'Exact action, or a prefix ending in "." (e.g. "member.")' })),
  actor: Type.Optional(Uid),
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
});
export type AuditQueryType = Static<typeof AuditQuery>;
