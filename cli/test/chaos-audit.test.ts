// The chaos audit's judgement of ended downloads against the card's log (pure: no database, no
// cluster). The suite itself runs in chaos.test.ts; these pin the rules it applies after each fault.
import { PURSE, type Csn, type LogRecord } from '../../card-driver';
import { auditEndedDownloads, type DownloadOp, type PendingRow } from '../chaos';

const CSN = '6079000000000011' as Csn;

function ended(requestId: string, outcome: 'posted' | 'voided', atc: number, amountMinor = 100n): DownloadOp {
  return {
    kind: 'download',
    mode: 'connected',
    lane: 'lane-0',
    requestId,
    csn: CSN,
    purse: 'ecash',
    amountMinor,
    startedAt: 0,
    endedAt: 1,
    outcome,
    result: { requestId, outcome, csn: CSN, purse: 'ecash', amountMinor: amountMinor.toString(), atc, reservationId: `res-${requestId}`, proof: 'MAC3 of CREDIT LOAD' },
  };
}

function reservations(...ops: DownloadOp[]): Map<string, PendingRow> {
  return new Map(ops.map((op) => [`res-${op.requestId}`, { id: `res-${op.requestId}`, amount: op.amountMinor.toString(), code: 1, resolution: op.outcome === 'posted' ? 'posted' : 'voided' }]));
}

function load(atc: number, amount = 100n): LogRecord {
  return { type: 'load', purse: PURSE.ecash, atc, amount, balanceAfter: amount, counterparty: Buffer.alloc(8), seq: 0, mac: Buffer.alloc(4) };
}

test('a voided download whose ATC a later posted download of the same purse and amount was credited with is not a double credit', () => {
  // A's CREDIT LOAD was never sent, so B's INITIALIZE LOAD got the same ATC and B was credited.
  const a = ended('a', 'voided', 569);
  const b = ended('b', 'posted', 569);
  expect(auditEndedDownloads([a, b], reservations(a, b), () => [load(569)])).toEqual({ lost: [], doubled: [], unreconciled: [] });
});

test('a voided download whose credit is on the card and proven by no posted download is a double credit', () => {
  const a = ended('a', 'voided', 569);
  const findings = auditEndedDownloads([a], reservations(a), () => [load(569)]);
  expect(findings.doubled).toEqual([expect.stringContaining('a voided')]);
});

test('a posted download with no credit on a card whose log still reaches its ATC is lost', () => {
  const b = ended('b', 'posted', 570);
  const findings = auditEndedDownloads([b], reservations(b), () => [load(571, 5n), load(569)]);
  expect(findings.lost).toEqual([expect.stringContaining('b posted but card')]);
});
