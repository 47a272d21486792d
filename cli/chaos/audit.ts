/**
 * The audit after every fault and at the end: the load's notes against the ledger, the registry,
 * settlement's tables and the cards themselves. Mid-run, operations still in hand are allowed their
 * reservation and their in-doubt amount; at the end nothing may be left in doubt.
 *
 * lost         money that vanished: a reservation no download owns any more, a posting without
 *              the card's credit, a purchase the merchant was never paid for
 * doubled      money counted twice: a card credited for a voided download, a pending transfer
 *              ended twice, a purchase settled twice
 * unreconciled a card, a shadow balance or the ledger that disagree; a broken ledger invariant; a
 *              download voided without proof, or waiting for an operator
 */
import type { Knex } from 'knex';
import { checkLedgerInvariants } from '../../ledger';
import { PURSE, type LogRecord, type PurseId, type SimulatedCard } from '../../card-driver';
import { TRANSFER_CODE } from '../../workflows';
import type { DownloadClient, PurseName } from '../../workflows/client';
import type { DownloadOp, LoadBook } from './load';

export interface AuditFindings {
  readonly lost: string[];
  readonly doubled: string[];
  readonly unreconciled: string[];
}

export interface AuditInput {
  readonly db: Knex;
  readonly downloads: DownloadClient;
  readonly book: LoadBook;
  /** Every card of the run by CSN: what the chip itself holds. */
  readonly cards: ReadonlyMap<string, SimulatedCard>;
  /** At the end no operation is in hand and every amount must match exactly. */
  readonly final: boolean;
}

const PURSE_ID: Record<PurseName, PurseId> = { ecash: PURSE.ecash, food: PURSE.food };
const PENDING_FLAG = 2;
const SETTLEMENT_CODES: readonly number[] = [TRANSFER_CODE.settlementEcash, TRANSFER_CODE.settlementFood];

export interface PendingRow {
  id: string;
  amount: string;
  code: number;
  resolution: 'posted' | 'voided' | 'expired' | null;
}

/** Runs a read again while PostgreSQL comes back from a restart. */
async function read<T>(what: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await what();
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

const sum = (values: Iterable<bigint>): bigint => {
  let total = 0n;
  for (const v of values) total += v;
  return total;
};

export async function auditChaos(input: AuditInput): Promise<AuditFindings> {
  const findings: AuditFindings = { lost: [], doubled: [], unreconciled: [] };
  const { db, book, final } = input;
  // One instant, taken synchronously: the simulated chips live in this process, so their balances and
  // the load's notes cannot move while this snapshot is taken.
  const ended = book.downloads.filter((op) => op.endedAt !== undefined);
  const endedIds = new Set(ended.map((op) => op.requestId));
  const inHandAtSnapshot = book.downloads.filter((op) => op.endedAt === undefined);
  const purchasesMade = [...book.purchases];
  const chips = new Map([...input.cards].map(([csn, card]) => [csn, { ecash: card.balance(PURSE.ecash), food: card.balance(PURSE.food) }]));
  if (final && inHandAtSnapshot.length > 0) findings.unreconciled.push(`${inHandAtSnapshot.length} download(s) still in hand at the end: ${inHandAtSnapshot.map((o) => o.requestId).join(', ')}`);

  // The ledger's own invariants (balances equal their journal, limits hold, pending ended once).
  for (const v of await read(() => checkLedgerInvariants(db))) findings.unreconciled.push(`ledger invariant ${v.code}: ${v.message}`);

  const readStartedAt = Date.now();
  const pending = await read(() =>
    db.raw<{ rows: PendingRow[] }>(
      `SELECT t.id, t.amount::text AS amount, t.code, r.resolution
         FROM ledger_transfers t LEFT JOIN ledger_pending_resolutions r ON r.pending_id = t.id
        WHERE (t.flags & ?) <> 0`,
      [PENDING_FLAG],
    ),
  );
  const shadows = await read(() => db('registry_card_purses').select<{ csn: string; purse: PurseName; loaded_minor: string; spent_minor: string }[]>('csn', 'purse', 'loaded_minor', 'spent_minor'));

  // Who owns the reservations read above: the downloads in hand now (those that started since the
  // snapshot included), and those that ended since they were read.
  const owned = new Set<string>();
  let unanswered = 0;
  for (const op of book.downloads.filter((o) => !endedIds.has(o.requestId))) {
    if (op.result?.reservationId) {
      owned.add(op.result.reservationId);
      continue;
    }
    try {
      const state = await input.downloads.state(op.requestId);
      if (state.reservationId) owned.add(state.reservationId);
      if (state.phase === 'needs_operator' || state.phase === 'locked') findings.unreconciled.push(`${op.requestId} waits for an operator (${state.phase}: ${state.operatorReason ?? ''})`);
    } catch {
      // Not answering right now (its workflow task is being retried): given the benefit of the doubt mid-run only.
      if (!final) unanswered += 1;
    }
  }
  const byId = new Map(pending.rows.map((r) => [r.id, r]));
  // A settlement in hand when the rows were read, or started since, may hold reservations.
  const settlementInHand = book.settlements.some((s) => s.endedAt === undefined || s.endedAt >= readStartedAt);
  const openDownloadReservations = pending.rows.filter((r) => r.resolution === null && !SETTLEMENT_CODES.includes(r.code) && !owned.has(r.id));
  // A reservation whose download did not answer may be one of those; more than that are lost.
  for (const r of openDownloadReservations.slice(unanswered)) findings.lost.push(`reservation ${r.id} (${r.amount} minor) is open but no download in hand owns it`);
  if (!settlementInHand) {
    for (const r of pending.rows.filter((p) => p.resolution === null && SETTLEMENT_CODES.includes(p.code))) findings.lost.push(`settlement reservation ${r.id} is open with no settlement running`);
  }
  for (const r of pending.rows.filter((p) => p.resolution === 'expired')) findings.lost.push(`reservation ${r.id} expired instead of ending on proof`);

  // A pending transfer is ended by one transfer at most.
  const twice = await read(() => db.raw<{ rows: { pending_id: string; n: string }[] }>('SELECT pending_id, count(*)::text AS n FROM ledger_transfers WHERE pending_id IS NOT NULL GROUP BY pending_id HAVING count(*) > 1'));
  for (const r of twice.rows) findings.doubled.push(`pending transfer ${r.pending_id} ended by ${r.n} transfers`);

  // Every download that had ended before the reads: its ledger end and the card's own log agree with its outcome.
  const downloads = auditEndedDownloads(ended, byId, (csn) => input.cards.get(csn)?.log);
  findings.lost.push(...downloads.lost);
  findings.doubled.push(...downloads.doubled);
  findings.unreconciled.push(...downloads.unreconciled);

  // Card by card, purse by purse: the chip, the registry's shadow and the posted downloads agree.
  const notEndedAtSnapshot = book.downloads.filter((o) => !endedIds.has(o.requestId));
  const purchasesSettled = book.settlements.filter((s) => s.outcome === 'settled').flatMap((s) => s.purchases);
  for (const [csn, chip] of chips) {
    for (const purse of ['ecash', 'food'] as const) {
      const mine = (o: DownloadOp): boolean => o.csn === csn && o.purse === purse;
      const posted = sum(ended.filter((o) => mine(o) && o.outcome === 'posted').map((o) => o.amountMinor));
      const inDoubtAtSnapshot = sum(inHandAtSnapshot.filter(mine).map((o) => o.amountMinor));
      const inDoubtSince = sum(notEndedAtSnapshot.filter(mine).map((o) => o.amountMinor));
      const spent = sum(purchasesMade.filter((p) => p.csn === csn && p.purse === purse).map((p) => p.amountMinor));
      const onCard = chip[purse];
      const expected = posted - spent;
      if (onCard < expected || onCard > expected + inDoubtAtSnapshot) {
        findings.unreconciled.push(`card ${csn} ${purse}: the chip holds ${onCard}, downloads posted ${posted} minus purchases ${spent} = ${expected}${inDoubtAtSnapshot > 0n ? ` (+ up to ${inDoubtAtSnapshot} in hand)` : ''}`);
      }
      const shadow = shadows.find((s) => s.csn === csn && s.purse === purse);
      const loaded = BigInt(shadow?.loaded_minor ?? '0');
      if (loaded < posted || loaded > posted + inDoubtSince) findings.unreconciled.push(`card ${csn} ${purse}: the registry counts ${loaded} loaded, downloads posted ${posted}${inDoubtSince > 0n ? ` (+ up to ${inDoubtSince} in hand)` : ''}`);
      const settled = sum(purchasesSettled.filter((p) => p.csn === csn && p.purse === purse).map((p) => p.amountMinor));
      const shadowSpent = BigInt(shadow?.spent_minor ?? '0');
      // Mid-run a purchase made since the snapshot may already be settled: the bound is every purchase made by now.
      const madeByNow = sum(book.purchases.filter((p) => p.csn === csn && p.purse === purse).map((p) => p.amountMinor));
      if (final ? shadowSpent !== spent : shadowSpent > madeByNow) {
        findings.unreconciled.push(`card ${csn} ${purse}: the registry counts ${shadowSpent} spent, purchases settled ${settled} of ${spent} made`);
      }
    }
  }

  // Settlement: a purchase is paid once, whatever file brought it; what was accepted is what moved.
  const replays = await read(() =>
    db.raw<{ rows: { what: string; n: string }[] }>(`
      SELECT 'card ' || csn || ' ATC ' || atc AS what, count(*)::text AS n FROM settlement_records WHERE verdict = 'accepted' GROUP BY csn, atc HAVING count(*) > 1
      UNION ALL
      SELECT 'SAM ' || sam_id || ' seq ' || sam_seq, count(*)::text FROM settlement_records WHERE verdict = 'accepted' GROUP BY sam_id, sam_seq HAVING count(*) > 1`),
  );
  for (const r of replays.rows) findings.doubled.push(`${r.what} settled ${r.n} times`);
  for (const s of book.settlements.filter((x) => x.outcome === 'settled')) {
    const accepted = s.accepted ?? 0;
    if (accepted < s.purchases.length) findings.lost.push(`settlement batch ${s.batchSeq}: ${accepted} of ${s.purchases.length} purchases accepted`);
    if (accepted > s.purchases.length) findings.doubled.push(`settlement batch ${s.batchSeq}: ${accepted} accepted for ${s.purchases.length} purchases`);
  }
  if (final) {
    for (const s of book.settlements.filter((x) => x.outcome !== 'settled')) findings.lost.push(`settlement batch ${s.batchSeq} did not settle (${s.outcome ?? 'still running'})`);
    const acceptedMinor = BigInt(
      (await read(() => db.raw<{ rows: { total: string | null }[] }>(`SELECT sum(amount_minor)::text AS total FROM settlement_records WHERE verdict = 'accepted'`))).rows[0].total ?? '0',
    );
    const movedMinor = sum(pending.rows.filter((r) => SETTLEMENT_CODES.includes(r.code) && r.resolution === 'posted').map((r) => BigInt(r.amount)));
    if (acceptedMinor !== movedMinor) findings.unreconciled.push(`settlement: accepted records total ${acceptedMinor}, the ledger posted ${movedMinor} to merchants`);
    const made = sum(purchasesMade.map((p) => p.amountMinor));
    if (acceptedMinor !== made) findings.unreconciled.push(`settlement: purchases made total ${made}, accepted ${acceptedMinor}`);
  }
  return findings;
}

function loadKey(op: DownloadOp, atc: number): string {
  return `${op.csn}/${atc}/${op.purse}/${op.amountMinor}`;
}

/**
 * Ended downloads against the ledger's reservations (by id) and each card's log, newest first.
 * A load record is one credit: when a posted download proved it, a voided download of the same
 * card, ATC, purse and amount was not credited by it — two loads share an ATC whenever the first
 * was never credited (the card takes ATC_card + 1 at every INITIALIZE LOAD).
 */
export function auditEndedDownloads(ended: readonly DownloadOp[], pending: ReadonlyMap<string, PendingRow>, logOf: (csn: string) => readonly LogRecord[] | undefined): AuditFindings {
  const findings: AuditFindings = { lost: [], doubled: [], unreconciled: [] };
  const postedLoads = new Set(ended.filter((op) => op.result?.outcome === 'posted' && op.result.atc !== undefined).map((op) => loadKey(op, op.result!.atc!)));
  for (const op of ended) auditDownload(op, pending, logOf(op.csn), postedLoads, findings);
  return findings;
}

function auditDownload(op: DownloadOp, pending: ReadonlyMap<string, PendingRow>, log: readonly LogRecord[] | undefined, postedLoads: ReadonlySet<string>, findings: AuditFindings): void {
  if (op.outcome === 'refused') return;
  const result = op.result;
  if (!result) {
    findings.unreconciled.push(`${op.requestId} ended without an outcome`);
    return;
  }
  if (!result.proof || /attest/i.test(result.proof)) findings.unreconciled.push(`${op.requestId} ${result.outcome} without proof (${result.proof || 'none'})`);
  const reservation = result.reservationId ? pending.get(result.reservationId) : undefined;
  if (!reservation) {
    findings.lost.push(`${op.requestId} ${result.outcome} but the ledger has no reservation ${result.reservationId ?? '(none named)'}`);
  } else {
    if (reservation.resolution !== result.outcome) findings.unreconciled.push(`${op.requestId} ${result.outcome}, the ledger says ${reservation.resolution ?? 'open'}`);
    if (BigInt(reservation.amount) !== op.amountMinor) findings.unreconciled.push(`${op.requestId}: reserved ${reservation.amount}, asked ${op.amountMinor}`);
  }
  if (!log || result.atc === undefined) return;
  const credited = log.some((r) => r.type === 'load' && r.atc === result.atc && r.purse === PURSE_ID[op.purse] && r.amount === op.amountMinor);
  // The log holds the latest records only: a load older than its oldest record can no longer be seen.
  const visible = log.length > 0 && Math.min(...log.map((r) => r.atc)) <= result.atc;
  if (result.outcome === 'posted' && !credited && visible) findings.lost.push(`${op.requestId} posted but card ${op.csn} has no credit with ATC ${result.atc}`);
  if (result.outcome === 'voided' && credited && !postedLoads.has(loadKey(op, result.atc))) findings.doubled.push(`${op.requestId} voided (${result.proof}) but card ${op.csn} was credited with ATC ${result.atc}`);
}
