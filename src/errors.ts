/**
 * The one table of error codes. Every error a client sees is an AppError with one
 * of these codes, written as RFC 9457 problem+json by http/error-handler.ts.
 */
export const ERROR_CODES = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  invalid_token: { status: 401, title: 'The token is missing, invalid, expired or revoked' },
  invalid_credentials: { status: 401, title: 'The user code or password is wrong' },
  tenant_mismatch: { status: 403, title: 'The token belongs to another tenant' },
  not_a_member: { status: 403, title: 'The user is not a member of this tenant' },
  forbidden: { status: 403, title: 'The role does not allow this' },
  store_access_denied: { status: 403, title: 'The user may not use this store' },
  account_disabled: { status: 403, title: 'The account is disabled in this tenant' },
  invitation_email_mismatch: { status: 403, title: 'The invitation is for another e-mail address' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'The resource already exists' },
  user_code_taken: { status: 409, title: 'The user code is already used in this tenant' },
  already_member: { status: 409, title: 'The user is already a member of this tenant' },
  last_owner: { status: 409, title: 'The tenant must keep at least one active owner' },
  invitation_expired: { status: 410, title: 'The invitation has expired' },
  invitation_revoked: { status: 410, title: 'The invitation has been revoked' },
  invitation_used: { status: 410, title: 'The invitation has already been used' },
  pairing_code_expired: { status: 410, title: 'The pairing code has expired' },
  pairing_code_used: { status: 410, title: 'The pairing code has already been used' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unknown_store: { status: 422, title: 'The store is unknown or not allowed' },
  unknown_tenant: { status: 422, title: 'The tenant is unknown or the user is not an active member' },
  too_many_attempts: { status: 429, title: 'Too many failed attempts; try again later' },
  internal_error: { status: 500, title: 'Internal server error' },
  service_unavailable: { status: 503, title: 'The service cannot take the request now; try again shortly' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? ERROR_CODES[code].title);
    this.name = 'AppError';
    this.status = ERROR_CODES[code].status;
    this.title = ERROR_CODES[code].title;
  }
}
