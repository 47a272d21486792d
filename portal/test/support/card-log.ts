import { decodeLogRecord, encodeLogRecord, LOG_CAPACITY, PURSE } from '../../../card-driver';
import type { LogEvidence } from '../../../workflows/client';
import { cardLogEvidenceOf } from '../../bindings/card-log-view';
import type { CardLogEvidence } from '../../ports';

/**
 * A card's log as DownloadWorkflow keeps it in `logEvidence` after "the log too old": a 30.00
 * load at ATC 1 followed by ten 1.00 purchases (ATC 2..11), so the load rolled out and the log
 * holds the purchases, newest first. Encoded by card-driver, as the card would send them.
 */
export function rolledOutLogEvidence(readerId = 'reader-<b>1</b>'): LogEvidence {
  const records = Array.from({ length: LOG_CAPACITY }, (_, i) => {
    const atc = 11 - i;
    return encodeLogRecord({
      type: 'purchase',
      purse: PURSE.ecash,
      atc,
      amount: 100n,
      balanceAfter: 3000n - BigInt(atc - 1) * 100n,
      counterparty: Buffer.from('5443000000000001', 'hex'),
      seq: atc,
      mac: Buffer.from('0a0b0c0d', 'hex'),
    }).toString('hex');
  });
  return { readerId, readAt: '2026-11-25T10:15:30.000Z', atcCard: 11, reason: 'rolled_out_of_log', recordsHex: records };
}

export function rolledOutCardLog(readerId?: string): CardLogEvidence {
  return cardLogEvidenceOf(rolledOutLogEvidence(readerId), decodeLogRecord);
}
