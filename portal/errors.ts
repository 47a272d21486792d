/**
 * Errors the portal shows to people. Each has a code (stable, for API clients and tests), the HTTP
 * status it answers with, and a message that says what to do next. Messages never carry keys,
 * MACs of other people, passwords or session material.
 */
export type PortalErrorCode =
  | 'sign_in_failed'
  | 'session_expired'
  | 'not_signed_in'
  | 'not_found'
  | 'csrf_invalid'
  | 'too_many_requests'
  | 'input_invalid'
  | 'body_too_large'
  | 'amount_malformed'
  | 'amount_zero'
  | 'amount_negative'
  | 'amount_too_precise'
  | 'amount_too_large'
  | 'amount_over_purse_limit'
  | 'amount_over_balance'
  | 'code_malformed'
  | 'code_check_digit'
  | 'code_refused'
  | 'reader_offline'
  | 'download_not_waiting'
  | 'upload_missing'
  | 'upload_not_estb'
  | 'upload_too_large'
  | 'upload_too_many_records'
  | 'upload_empty'
  | 'upload_truncated'
  | 'action_refused'
  | 'workflows_unavailable'
  | 'database_unavailable'
  | 'user_exists'
  | 'user_link_invalid'
  | 'config_invalid'
  | 'internal_error';

const STATUS: Record<PortalErrorCode, number> = {
  sign_in_failed: 401,
  session_expired: 401,
  not_signed_in: 401,
  // Anything a role may not see answers exactly as if it did not exist (issue 7).
  not_found: 404,
  csrf_invalid: 403,
  too_many_requests: 429,
  input_invalid: 400,
  body_too_large: 413,
  amount_malformed: 400,
  amount_zero: 400,
  amount_negative: 400,
  amount_too_precise: 400,
  amount_too_large: 400,
  amount_over_purse_limit: 422,
  amount_over_balance: 422,
  code_malformed: 400,
  code_check_digit: 400,
  code_refused: 422,
  reader_offline: 409,
  download_not_waiting: 409,
  upload_missing: 400,
  upload_not_estb: 415,
  upload_too_large: 413,
  upload_too_many_records: 413,
  upload_empty: 400,
  upload_truncated: 400,
  action_refused: 422,
  workflows_unavailable: 503,
  database_unavailable: 503,
  user_exists: 409,
  user_link_invalid: 400,
  config_invalid: 500,
  internal_error: 500,
};

export class PortalError extends Error {
  override readonly name = 'PortalError';
  readonly status: number;
  /** The form field the error is about, so that the page can put the message beside it. */
  readonly field: string | undefined;
  constructor(
    readonly code: PortalErrorCode,
    message: string,
    options?: { cause?: unknown; field?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = STATUS[code];
    this.field = options?.field;
  }
}

export function isPortalError(err: unknown): err is PortalError {
  return err instanceof PortalError;
}

/** Fails loudly when the portal's own code breaks an assumption (TigerBeetle style). */
export function assertPortal(condition: unknown, what: string): asserts condition {
  if (!condition) {
    throw new Error(`portal invariant broken: ${what}. This is a bug in portal/; report it with the page you were on.`);
  }
}
