"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PortalError = void 0;
exports.isPortalError = isPortalError;
exports.assertPortal = assertPortal;
const STATUS = {
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
class PortalError extends Error {
    code;
    name = 'PortalError';
    status;
    /** The form field the error is about, so that the page can put the message beside it. */
    field;
    constructor(code, message, options) {
        super(message, options?.cause === undefined ? undefined : { cause: options.cause });
        this.code = code;
        this.status = STATUS[code];
        this.field = options?.field;
    }
}
exports.PortalError = PortalError;
function isPortalError(err) {
    return err instanceof PortalError;
}
/** Fails loudly when the portal's own code breaks an assumption (TigerBeetle style). */
function assertPortal(condition, what) {
    if (!condition) {
        throw new Error(`portal invariant broken: ${what}. This is a bug in portal/; report it with the page you were on.`);
    }
}
