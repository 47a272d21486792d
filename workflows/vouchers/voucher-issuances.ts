/**
 * Which run issued a voucher, kept beside the ledger so a re-run's counts are exact. The ledger
 * answers `exists` both to a voucher issued by an earlier run and to one that this run's own
 * attempt wrote just before its worker died (before the bookkeeping committed); the claim row,
 * written before the ledger call, tells the two apart.
 */
import type { Knex } from 'knex';
import { assertSettlement } from '../settlement/settlement-error';

export type IssuanceOutcome = 'issued' | 'issued_before';

export interface VoucherClaim {
  readonly voucherId: string;
  readonly issuingRun: string;
  /** Undefined while the claiming run's bookkeeping has not committed. */
  readonly outcome?: IssuanceOutcome;
}

/** The claims already made for these vouchers, by any run. */
export async function voucherClaims(db: Knex, voucherIds: readonly string[]): Promise<Map<string, VoucherClaim>> {
  if (voucherIds.length === 0) return new Map();
  const rows: { voucher_id: string; issuing_run: string; outcome: IssuanceOutcome | null }[] = await db('voucher_issuances')
    .whereIn('voucher_id', voucherIds)
    .select('voucher_id', 'issuing_run', 'outcome');
  return new Map(rows.map((r) => [r.voucher_id, { voucherId: r.voucher_id, issuingRun: r.issuing_run, outcome: r.outcome ?? undefined }]));
}

/**
 * Claims unclaimed vouchers for a run, in one statement; those the ledger already held (issued by
 * other means under the same voucher id) are claimed as issued before.
 */
export async function claimVouchers(db: Knex, issuingRun: string, claims: readonly { voucherId: string; heldByLedger: boolean }[]): Promise<void> {
  if (claims.length === 0) return;
  await db.raw(
    `INSERT INTO voucher_issuances (voucher_id, issuing_run, outcome)
     SELECT id, ?, CASE WHEN held THEN 'issued_before' END FROM unnest(?::text[], ?::boolean[]) AS c(id, held)
     ON CONFLICT (voucher_id) DO NOTHING`,
    [issuingRun, claims.map((c) => c.voucherId), claims.map((c) => c.heldByLedger)],
  );
}

/**
 * What the ledger's answer means for this run: `ok` is issued now; `exists` is issued by this run
 * when its own claim has no other outcome yet (an attempt that died after the ledger write) or
 * says issued, and issued before otherwise.
 */
export function issuanceOutcome(ledgerResult: 'ok' | 'exists', claim: VoucherClaim | undefined, issuingRun: string): IssuanceOutcome {
  if (ledgerResult === 'ok') return 'issued';
  assertSettlement(claim, 'every voucher is claimed before it is sent to the ledger');
  if (claim.issuingRun !== issuingRun) return 'issued_before';
  return claim.outcome ?? 'issued';
}

/** Records the run's outcomes (in the transaction that records the fundings). */
export async function settleClaims(trx: Knex.Transaction, issuingRun: string, outcomes: readonly { voucherId: string; outcome: IssuanceOutcome }[]): Promise<void> {
  if (outcomes.length === 0) return;
  // A voucher claimed by a run that never wrote it (its worker died before the ledger call) is this run's now.
  await trx.raw(
    `UPDATE voucher_issuances v SET issuing_run = ?, outcome = o.outcome
       FROM unnest(?::text[], ?::text[]) AS o(id, outcome)
      WHERE v.voucher_id = o.id AND (o.outcome = 'issued' OR v.issuing_run = ?)`,
    [issuingRun, outcomes.map((o) => o.voucherId), outcomes.map((o) => o.outcome), issuingRun],
  );
}
