/**
 * Errors settlement code throws when a caller broke a contract or an invariant does not hold.
 * Business refusals of records and files are not errors: they are verdicts (rejection-reasons.ts).
 */
export type SettlementErrorCode =
  | 'invariant_broken'
  | 'upload_unreadable'
  | 'not_an_estb_file'
  | 'merchant_unknown'
  | 'ledger_refused'
  | 'payout_refused'
  | 'invalid_argument'
  | 'not_your_batch'
  | 'settlement_not_running'
  | 'nothing_to_retry'
  | 'no_worker';

export class SettlementError extends Error {
  override readonly name = 'SettlementError';
  constructor(
    readonly code: SettlementErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Fails loudly when settlement's own assumptions do not hold (TigerBeetle style). */
export function assertSettlement(condition: unknown, what: string): asserts condition {
  if (!condition) {
    throw new SettlementError('invariant_broken', `settlement invariant broken: ${what}. This is a bug in workflows/settlement; report it with the batch that triggered it.`);
  }
}
