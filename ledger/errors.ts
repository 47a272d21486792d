/**
 * Errors the ledger throws. Business outcomes of transfers and accounts are never thrown: they
 * are result codes (see result-codes.ts). What is thrown here means the caller broke a contract
 * (bad input at the edge) or the database could not be reached; each says what to do.
 */
export type LedgerErrorCode =
  | 'batch_too_large'
  | 'batch_empty'
  | 'ledger_unavailable'
  | 'ledger_closed'
  | 'history_not_enabled'
  | 'account_not_found'
  | 'cursor_malformed'
  | 'query_invalid'
  | 'ledger_definition_conflict'
  | 'invariant_broken'
  | 'input_malformed';

export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Fails loudly when an assumption of the ledger's own code does not hold (TigerBeetle style). */
export function assertLedger(condition: unknown, what: string): asserts condition {
  if (!condition) {
    throw new LedgerError('invariant_broken', `ledger invariant broken: ${what}. This is a bug in ledger/; report it with the operation that triggered it.`);
  }
}
