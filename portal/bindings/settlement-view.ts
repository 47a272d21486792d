import { RECORD_REJECTION_REASONS, type DecidedRecord, type RejectedRecord, type SettlementResult } from '../../workflows/client';
import type { SettlementRecordView, SettlementView } from '../ports';

/**
 * SettlementWorkflow's outcome and stored verdicts (workflows/client) in the portal's words. Pure.
 */
export interface SettlementOwner {
  readonly settlementId: string;
  readonly merchantId: string;
  readonly fileName: string;
  readonly startedAt: Date;
}

export function runningSettlementView(owner: SettlementOwner, progress: { records: number; accepted: number; rejected: number } | null): SettlementView {
  return {
    ...owner,
    state: 'running',
    totals: [],
    recordCount: progress?.records ?? 0,
    acceptedCount: progress?.accepted ?? 0,
    refusedCount: progress?.rejected ?? 0,
    reason: null,
  };
}

export function finishedSettlementView(owner: SettlementOwner, result: SettlementResult): SettlementView {
  if (result.outcome === 'file_rejected') {
    return { ...owner, state: 'rejected', totals: [], recordCount: 0, acceptedCount: 0, refusedCount: 0, reason: result.message };
  }
  return {
    ...owner,
    state: 'settled',
    totals: [
      { purse: 'ecash', acceptedMinor: BigInt(result.settledMinor.ecash) },
      { purse: 'food', acceptedMinor: BigInt(result.settledMinor.food) },
    ],
    recordCount: result.records,
    acceptedCount: result.accepted,
    refusedCount: result.rejected,
    reason: null,
  };
}

/** Purse byte of a record: `01` e-Cash, `02` Food Voucher (spec/esmart-card.md §1). */
export function refusedRecordView(record: RejectedRecord): SettlementRecordView {
  return {
    index: record.index,
    csn: record.csn,
    purse: record.purse === 2 ? 'food' : 'ecash',
    amountMinor: BigInt(record.amountMinor),
    verdict: 'refused',
    reason: RECORD_REJECTION_REASONS[record.reason] ?? record.reason,
  };
}

/** A decided record (accepted or refused) as the merchant's page lists it. */
export function decidedRecordView(record: DecidedRecord): SettlementRecordView {
  if (record.verdict === 'rejected') {
    if (record.reason === null) throw new Error(`portal invariant broken: refused record ${record.index} has no reason`);
    return refusedRecordView({ ...record, reason: record.reason });
  }
  return { index: record.index, csn: record.csn, purse: record.purse === 2 ? 'food' : 'ecash', amountMinor: BigInt(record.amountMinor), verdict: 'accepted', reason: null };
}
