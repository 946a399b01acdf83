/**
 * Row types of the account service's tables, as Kysely sees them. Portable
 * across SQLite and PostgreSQL: text identifiers, ISO 8601 UTC timestamps as
 * text (they sort as they compare), integers instead of booleans, JSON as text.
 * The built-in auth service's tables (auth_*) are not listed: the account
 * service never reads them.
 */
export interface Database {
  users: UserRow;
  identities: IdentityRow;
  tenants: TenantRow;
  stores: StoreRow;
  members: MemberRow;
  member_stores: MemberStoreRow;
  devices: DeviceRow;
  access_tokens: AccessTokenRow;
  invitations: InvitationRow;
  login_throttles: LoginThrottleRow;
  audit_events: AuditEventRow;
  pairing_codes: PairingCodeRow;
  failure_windows: FailureWindowRow;
}

export interface UserRow {
  uid: string;
  email: string | null;
  display_name: string | null;
  default_tenant_uid: string | null;
  created_at: string;
  updated_at: string;
}

/** A user's identity at an auth service: issuer + subject of an authToken. */
export interface IdentityRow {
  issuer: string;
  subject: string;
  user_uid: string;
  email: string | null;
  created_at: string;
}

export interface TenantRow {
  uid: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface StoreRow {
  tenant_uid: string;
  uid: string;
  name: string;
  created_at: string;
  updated_at: string;
}

/** A tenant user (membership). */
export interface MemberRow {
  tenant_uid: string;
  uid: string;
  user_uid: string;
  role: string;
  status: string;
  user_code: string | null;
  password_hash: string | null;
  display_name: string | null;
  email: string | null;
  firstname: string | null;
  lastname: string | null;
  mobile: string | null;
  language_code: string | null;
  default_store_uid: string | null;
  created_at: string;
  updated_at: string;
}

/** The stores a member may use; none means all stores of the tenant. */
export interface MemberStoreRow {
  tenant_uid: string;
  member_uid: string;
  store_uid: string;
}

export interface DeviceRow {
  tenant_uid: string;
  uid: string;
  name: string;
  store_uid: string | null;
  token_hash: string;
  created_at: string;
  last_seen_at: string | null;
  revoked_at: string | null;
}

export interface AccessTokenRow {
  token_hash: string;
  tenant_uid: string;
  member_uid: string;
  user_uid: string;
  device_uid: string | null;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface InvitationRow {
  tenant_uid: string;
  uid: string;
  email: string | null;
  role: string;
  /** JSON array of store uids; [] means all stores. */
  store_uids: string;
  token_hash: string;
  invited_by_user_uid: string | null;
  invited_by_display_name: string | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_by_user_uid: string | null;
  revoked_at: string | null;
  /** The device-login user code the member gets on acceptance. */
  user_code: string | null;
  /** The language of the invitation e-mail. */
  language_code: string | null;
}

/** Consecutive failed device logins for one userCode in a tenant, known or not. */
export interface LoginThrottleRow {
  tenant_uid: string;
  user_code: string;
  failures: number;
  locked_until: string | null;
  updated_at: string;
}

/** Who did what, when, from where, with what outcome. */
export interface AuditEventRow {
  tenant_uid: string;
  uid: string;
  occurred_at: string;
  action: string;
  outcome: string;
  actor_type: string;
  actor_uid: string | null;
  target_type: string | null;
  target_uid: string | null;
  ip: string | null;
  user_agent: string | null;
  /** JSON object: changed field names, error code; never secret values. */
  details: string;
}

/** A short single-use code that pairs a device with a tenant; stored hashed. */
export interface PairingCodeRow {
  code_hash: string;
  tenant_uid: string;
  store_uid: string | null;
  created_by_member_uid: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** Failures counted per key (a client address, a device) in a fixed window. */
export interface FailureWindowRow {
  key: string;
  failures: number;
  window_started_at: string;
}
