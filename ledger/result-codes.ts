/**
 * Result codes of createTransfers and createAccounts, named as TigerBeetle names them where
 * TigerBeetle has the same rule. One code per event, never a thrown string. The descriptions are
 * the documentation (README lists them) and tell the caller what to do.
 */

export const CREATE_TRANSFER_RESULTS = {
  ok: 'The transfer was applied.',
  linked_event_failed: 'Another event of the same linked chain failed, so this one was not applied; fix that event and resubmit the whole chain.',
  linked_event_chain_open: 'The last event of the request has the linked flag; close the chain by clearing linked on its last event.',
  // Imported events (a request is imported or not as a whole, decided by its first event).
  imported_event_expected: 'The first event of this request is imported, this one is not; send imported and live events in separate requests.',
  imported_event_not_expected: 'This event is imported but the first event of the request is not; send imported and live events in separate requests.',
  timestamp_must_be_zero: 'timestamp is set on an event that is not imported; leave it out (the ledger stamps live events) or set flags.imported.',
  imported_event_timestamp_out_of_range: 'An imported event needs a valid timestamp after 1970-01-01 (its original time); set timestamp.',
  imported_event_timestamp_must_not_advance: 'The imported timestamp is not in the past (by the database clock); imported events are history, send live events without imported.',
  // Id and idempotency (checked right after the id, before anything else, as TigerBeetle does).
  id_must_be_uuid: 'The transfer id is not a lower-case, non-nil UUID; generate one (UUIDv7, or UUIDv5 from your request id).',
  exists_with_different_flags: 'A transfer with this id exists with other flags; a retry must resend the same fields, or use a new id.',
  exists_with_different_pending_id: 'A transfer with this id exists with another pending_id; resend the original fields or use a new id.',
  exists_with_different_timeout: 'A transfer with this id exists with another timeout; resend the original fields or use a new id.',
  exists_with_different_debit_account_id: 'A transfer with this id exists with another debit account; resend the original fields or use a new id.',
  exists_with_different_credit_account_id: 'A transfer with this id exists with another credit account; resend the original fields or use a new id.',
  exists_with_different_amount: 'A transfer with this id exists with another amount; resend the original fields or use a new id.',
  exists_with_different_user_data: 'A transfer with this id exists with other user_data; resend the original fields or use a new id.',
  exists_with_different_ledger: 'A transfer with this id exists on another ledger; resend the original fields or use a new id.',
  exists_with_different_code: 'A transfer with this id exists with another code; resend the original fields or use a new id.',
  exists: 'A transfer with this id and the same fields was applied before; treat it as ok (nothing was applied twice).',
  id_already_failed: 'This id failed before for a reason that depended on state (not found, closed, limits); it stays failed. Retry with a new id.',
  // Shape of the event (no state needed).
  flags_are_mutually_exclusive: 'pending, post_pending_transfer and void_pending_transfer exclude each other, and balancing/closing flags cannot be set on a post or void.',
  debit_account_id_must_be_uuid: 'debit_account_id is missing or not a lower-case UUID.',
  credit_account_id_must_be_uuid: 'credit_account_id is missing or not a lower-case UUID.',
  accounts_must_be_different: 'debit and credit account are the same account; a transfer moves money between two accounts.',
  pending_id_must_be_zero: 'pending_id may only be set on a post or void of a pending transfer; remove it.',
  pending_id_must_be_uuid: 'A post or void needs pending_id, the lower-case UUID of the pending transfer it ends.',
  pending_id_must_be_different: 'pending_id equals the transfer\'s own id; a post or void is a new transfer with its own id.',
  timeout_reserved_for_pending_transfer: 'timeout may only be set on a pending transfer; remove it.',
  closing_transfer_must_be_pending: 'closing_debit/closing_credit must be set on a pending transfer, so that voiding it re-opens the account.',
  amount_must_not_be_zero: 'amount is zero (or missing); send a positive amount of minor units (zero only on a closing pending transfer).',
  amount_must_not_be_negative: 'amount is negative; amounts are positive and the direction is given by the accounts.',
  amount_must_not_exceed_maximum: 'amount exceeds 2^63-1 minor units.',
  code_must_not_be_zero: 'code is missing, zero or not an integer in 1..65535; set the code that says why money moves.',
  user_data_too_long: 'user_data is longer than 128 characters; store a reference (request id), not a document.',
  timeout_must_be_valid: 'timeout is not a whole number of seconds in 0..2147483647.',
  ledger_must_be_valid: 'ledger is given but is not a positive integer.',
  // References.
  debit_account_not_found: 'No account has debit_account_id; create it first, then retry with a NEW id (this id is now failed).',
  credit_account_not_found: 'No account has credit_account_id; create it first, then retry with a NEW id (this id is now failed).',
  accounts_must_have_the_same_ledger: 'The two accounts are on different ledgers (currencies); exchange through a liquidity account with a linked chain.',
  transfer_must_have_the_same_ledger_as_accounts: 'The ledger given on the transfer is not the ledger of its accounts.',
  // Two-phase.
  pending_transfer_not_found: 'No transfer has pending_id; check the id. Retry with a NEW id (this id is now failed).',
  pending_transfer_not_pending: 'The transfer named by pending_id is not a pending transfer.',
  pending_transfer_has_different_debit_account_id: 'debit_account_id is given but differs from the pending transfer\'s; leave it out to inherit it.',
  pending_transfer_has_different_credit_account_id: 'credit_account_id is given but differs from the pending transfer\'s; leave it out to inherit it.',
  pending_transfer_has_different_ledger: 'ledger is given but differs from the pending transfer\'s; leave it out to inherit it.',
  pending_transfer_has_different_code: 'code is given but differs from the pending transfer\'s; leave it out to inherit it.',
  exceeds_pending_transfer_amount: 'The post amount is larger than the pending amount; post at most the pending amount (leave amount out to post all of it).',
  pending_transfer_has_different_amount: 'A void must leave amount out or give exactly the pending amount; to release only part, post the rest.',
  pending_transfer_already_posted: 'The pending transfer was already posted; nothing more can happen to it.',
  pending_transfer_already_voided: 'The pending transfer was already voided; nothing more can happen to it.',
  pending_transfer_expired: 'The pending transfer passed its timeout; its reservation is (or will be) released by the expiry sweeper. Start again with a new pending transfer.',
  // Order of imported events.
  imported_event_timestamp_must_not_regress: 'The imported timestamp is not after the last imported event; import events in time order, each with a later timestamp.',
  imported_event_timestamp_must_postdate_debit_account: 'The imported timestamp is not after the debit account\'s creation or latest change; import events in time order.',
  imported_event_timestamp_must_postdate_credit_account: 'The imported timestamp is not after the credit account\'s creation or latest change; import events in time order.',
  imported_event_timeout_must_be_zero: 'An imported pending transfer cannot have a timeout (its deadline would lie in the past); leave timeout out and void it explicitly if needed.',
  // Account state.
  debit_account_already_closed: 'The debit account is closed; void its closing transfer to re-open it, then retry with a NEW id (this id is now failed).',
  credit_account_already_closed: 'The credit account is closed; void its closing transfer to re-open it, then retry with a NEW id (this id is now failed).',
  // Counters.
  overflows_debits_pending: 'The debit account\'s debits_pending would exceed 2^63-1.',
  overflows_credits_pending: 'The credit account\'s credits_pending would exceed 2^63-1.',
  overflows_debits_posted: 'The debit account\'s debits_posted would exceed 2^63-1.',
  overflows_credits_posted: 'The credit account\'s credits_posted would exceed 2^63-1.',
  overflows_debits: 'The debit account\'s debits_pending + debits_posted would exceed 2^63-1.',
  overflows_credits: 'The credit account\'s credits_pending + credits_posted would exceed 2^63-1.',
  // Limits.
  exceeds_credits: 'The debit account has debits_must_not_exceed_credits and not enough available balance; retry with a NEW id after it is funded (this id is now failed).',
  exceeds_debits: 'The credit account has credits_must_not_exceed_debits and this credit would pass its debits; retry with a NEW id later (this id is now failed).',
} as const;

export type CreateTransferResult = keyof typeof CREATE_TRANSFER_RESULTS;

/**
 * Failures that depend on state which may change later. They are remembered, so that a retry with
 * the same id can never turn a failure into a success (TigerBeetle's `id_already_failed`).
 */
export const TRANSIENT_TRANSFER_RESULTS: ReadonlySet<CreateTransferResult> = new Set<CreateTransferResult>([
  'debit_account_not_found',
  'credit_account_not_found',
  'pending_transfer_not_found',
  'exceeds_credits',
  'exceeds_debits',
  'debit_account_already_closed',
  'credit_account_already_closed',
]);

/** `ok` and `exists` both mean "the transfer is in the ledger exactly once". */
export function isTransferApplied(result: CreateTransferResult): boolean {
  return result === 'ok' || result === 'exists';
}

export const CREATE_ACCOUNT_RESULTS = {
  ok: 'The account was created.',
  linked_event_failed: 'Another account of the same linked chain failed, so this one was not created; fix it and resubmit the chain.',
  linked_event_chain_open: 'The last account of the request has the linked flag; clear linked on the last one.',
  imported_event_expected: 'The first account of this request is imported, this one is not; send imported and live accounts in separate requests.',
  imported_event_not_expected: 'This account is imported but the first account of the request is not; send imported and live accounts in separate requests.',
  timestamp_must_be_zero: 'timestamp is set on an account that is not imported; leave it out (the ledger stamps live accounts) or set flags.imported.',
  imported_event_timestamp_out_of_range: 'An imported account needs a valid timestamp after 1970-01-01 (when it was opened); set timestamp.',
  imported_event_timestamp_must_not_advance: 'The imported timestamp is not in the past (by the database clock); create live accounts without imported.',
  imported_event_timestamp_must_not_regress: 'The imported timestamp is not after the last imported event; import accounts and transfers in time order.',
  id_must_be_uuid: 'The account id is not a lower-case, non-nil UUID.',
  exists_with_different_flags: 'An account with this id exists with other flags; resend the original fields or use a new id.',
  exists_with_different_ledger: 'An account with this id exists on another ledger; resend the original fields or use a new id.',
  exists_with_different_code: 'An account with this id exists with another code; resend the original fields or use a new id.',
  exists_with_different_owner_ref: 'An account with this id exists with another owner_ref; resend the original fields or use a new id.',
  exists_with_different_metadata: 'An account with this id exists with other metadata; resend the original fields or use a new id.',
  exists: 'An account with this id and the same fields exists; treat it as ok.',
  flags_are_mutually_exclusive: 'debits_must_not_exceed_credits and credits_must_not_exceed_debits exclude each other.',
  code_must_be_known: 'code is not one of the account codes (ACCOUNT_CODES); add the code to ledger/account.ts if it is a new kind of account.',
  owner_ref_too_long: 'owner_ref is longer than 128 characters; store the owner\'s id, not a description.',
  metadata_must_be_object: 'metadata must be a plain JSON object (or left out).',
  ledger_not_found: 'No ledger (currency) has this id; define it with defineLedgers first.',
} as const;

export type CreateAccountResult = keyof typeof CREATE_ACCOUNT_RESULTS;
