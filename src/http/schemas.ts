import { Type, type Static, type TSchema } from 'typebox';
import { ERROR_CODES } from '../errors.js';

/** Identifiers: `^[A-Za-z0-9-_]+$`, 1–64 characters. */
export const UID_PATTERN = '^[A-Za-z0-9-_]+$';
export const Uid = Type.String({ pattern: UID_PATTERN, minLength: 1, maxLength: 64 });

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC' });

export const Roles = ['owner', 'admin', 'manager', 'staff'] as const;
export type Role = (typeof Roles)[number];
export const RoleSchema = Type.Enum([...Roles]);

/** Strict object: an unknown field is a 400. */
export function Strict<T extends Record<string, TSchema>>(properties: T, options: Record<string, unknown> = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.Enum(Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);
export type Problem = Static<typeof ProblemSchema>;

/** Response schemas for a route's error statuses, all application/problem+json. */
export function problems(...statuses: number[]) {
  const out: Record<number, unknown> = {};
  for (const status of statuses) {
    out[status] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'Error',
      content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
    };
  }
  return out;
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'validation_failed',
  401: 'invalid_token or invalid_credentials',
  403: 'tenant_mismatch, not_a_member, forbidden, store_access_denied, account_disabled or invitation_email_mismatch',
  404: 'not_found',
  409: 'conflict, user_code_taken, already_member or last_owner',
  410: 'invitation_expired, invitation_revoked or invitation_used',
  413: 'payload_too_large',
  422: 'unknown_store or unknown_tenant',
  429: 'too_many_attempts (see Retry-After)',
  503: 'service_unavailable: too many password hashes at once (see Retry-After), or the node is not ready',
};

export const ListQuery = Strict({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
});
export type ListQueryType = Static<typeof ListQuery>;

export function ListOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });
}

export const TenantParams = Strict({ tenantUid: Uid });

/** ISO 639-1 two-letter language codes. */
export const LANGUAGE_CODES = (
  'aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu ' +
  'fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km ' +
  'kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om ' +
  'or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ' +
  'ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu'
).split(' ');
export const LanguageCode = Type.Enum(LANGUAGE_CODES, { description: 'ISO 639-1 language code' });

export const Email = Type.String({ format: 'email', maxLength: 254 });
/** Free text shown to people: no control characters (PostgreSQL text cannot even hold NUL). */
export const PRINTABLE_PATTERN = '^[^\\u0000-\\u001F\\u007F]*$';
export const Name = Type.String({ minLength: 1, maxLength: 200, pattern: PRINTABLE_PATTERN });
