import type { LogEvidence } from '../../workflows/client';
import type { CardLogEvidence, CardLogRecord, Purse } from '../ports';

/**
 * Decodes one 28-byte READ LOG record. The portal may not import card-driver (design.md), so the
 * composition root hands it card-driver's `decodeLogRecord`; this is the shape the portal reads of
 * it. It throws on bytes that are not a log record.
 */
export type LogRecordDecoder = (bytes: Buffer) => {
  readonly type: 'load' | 'purchase';
  readonly purse: number;
  readonly atc: number;
  readonly amount: bigint;
  readonly balanceAfter: bigint;
};

/** Card purse ids (spec 4.4): 01 e-Cash, 02 Food Voucher. */
const PURSE_OF_ID: Readonly<Record<number, Purse>> = { 1: 'ecash', 2: 'food' };

/** DownloadWorkflow's logEvidence in the portal's words. Pure: tested without Temporal. */
export function cardLogEvidenceOf(evidence: LogEvidence, decode: LogRecordDecoder): CardLogEvidence {
  return {
    readerId: evidence.readerId,
    readAt: new Date(evidence.readAt),
    atcCard: evidence.atcCard,
    reason: evidence.reason,
    records: evidence.recordsHex.map((hex) => cardLogRecordOf(hex, decode)),
  };
}

function cardLogRecordOf(hex: string, decode: LogRecordDecoder): CardLogRecord {
  // The workflow stored what the card sent; a record that does not decode is still evidence, as hex.
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) return { hex, decoded: null };
  try {
    const r = decode(Buffer.from(hex, 'hex'));
    const purse = PURSE_OF_ID[r.purse];
    if (!purse) return { hex, decoded: null };
    return { hex, decoded: { atc: r.atc, kind: r.type, purse, amountMinor: r.amount, balanceAfterMinor: r.balanceAfter } };
  } catch {
    return { hex, decoded: null };
  }
}

