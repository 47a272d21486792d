/**
 * The verdict on each purchase record of a settlement chunk: pure, given what the keys proved
 * (card-driver's verifier) and what the registry and earlier settlements say. Records are judged
 * in file order, so a duplicate inside the chunk and a card's running shadow balance are seen
 * exactly as a sequential reading of the file would see them.
 */
import type { RecordRejectionReason } from './rejection-reasons';
import { assertSettlement } from './settlement-error';

/**
 * What the keys alone say about a record (card-driver's verifier): `duplicate_in_file` when the
 * SAM's sequence number does not grow within the file (the SAM numbers every purchase once).
 */
export type RecordProof = 'valid' | 'malformed_record' | 'sam_mac_invalid' | 'card_mac_invalid' | 'duplicate_in_file';

export const PURSE_ECASH = 1;
export const PURSE_FOOD = 2;
export type SettlementPurse = typeof PURSE_ECASH | typeof PURSE_FOOD;

/** One purchase record as settlement sees it. Identities are kept as the file's text forms. */
export interface PurchaseRecordView {
  /** 0-based position in the file. */
  readonly index: number;
  /** The CSN as 16 digits (hex of the 8 bytes, so a malformed CSN still has a printable form). */
  readonly csn: string;
  readonly atc: number;
  readonly purse: number;
  readonly amount: bigint;
  /** 16 upper-case hex digits. */
  readonly samId: string;
  readonly samSeq: number;
  /** What the keys alone say about the record (spec 4.3, 4.5). */
  readonly proof: RecordProof;
}

export interface CardStanding {
  readonly blocked: boolean;
}

/** Loaded onto a purse of a card (posted downloads) and settled from it so far, minor units. */
export interface PurseShadow {
  readonly loaded: bigint;
  readonly settled: bigint;
}

export interface ChunkContext {
  readonly batchKey: string;
  readonly merchant: { readonly id: string; readonly foodEligible: boolean };
  /** SAM id → owning merchant id, for the SAMs named in the chunk that the registry knows. */
  readonly samOwners: ReadonlyMap<string, string>;
  /** CSN → standing, for the cards named in the chunk that the registry knows. */
  readonly cards: ReadonlyMap<string, CardStanding>;
  /** `cardAtcKey` → batch key of the accepted record that already holds the pair. */
  readonly settledCardAtc: ReadonlyMap<string, string>;
  /** `samSeqKey` → batch key of the accepted record that already holds the pair. */
  readonly settledSamSeq: ReadonlyMap<string, string>;
  /** `purseKey` → shadow balance before this chunk. */
  readonly purses: ReadonlyMap<string, PurseShadow>;
}

export type RecordVerdict =
  | { readonly index: number; readonly accepted: true }
  | { readonly index: number; readonly accepted: false; readonly reason: RecordRejectionReason };

export interface ChunkDecision {
  readonly verdicts: readonly RecordVerdict[];
  /** Minor units accepted per purse in this chunk. */
  readonly acceptedByPurse: ReadonlyMap<SettlementPurse, bigint>;
  /** `purseKey` → minor units to add to the purse's settled total. */
  readonly settledDeltas: ReadonlyMap<string, bigint>;
  /** `purseKey`s of purses that tried to spend more than was loaded (to flag for operators). */
  readonly overspentPurses: ReadonlySet<string>;
}

export const cardAtcKey = (csn: string, atc: number): string => `${csn}:${atc}`;
export const samSeqKey = (samId: string, samSeq: number): string => `${samId}:${samSeq}`;
export const purseKey = (csn: string, purse: number): string => `${csn}:${purse}`;

/** The card and purse a `purseKey` names. */
export function purseOfKey(key: string): { csn: string; purse: SettlementPurse } {
  const [csn, purse] = key.split(':');
  const p = Number(purse);
  assertSettlement(isSettlementPurse(p), `purse key ${key} names purse 1 or 2`);
  return { csn, purse: p };
}

export function isSettlementPurse(purse: number): purse is SettlementPurse {
  return purse === PURSE_ECASH || purse === PURSE_FOOD;
}

export function decideChunk(records: readonly PurchaseRecordView[], context: ChunkContext): ChunkDecision {
  const seenCardAtc = new Set<string>();
  const seenSamSeq = new Set<string>();
  const settledDeltas = new Map<string, bigint>();
  const acceptedByPurse = new Map<SettlementPurse, bigint>();
  const overspentPurses = new Set<string>();
  const verdicts: RecordVerdict[] = [];
  let previousIndex = -1;

  for (const record of records) {
    assertSettlement(record.index > previousIndex, `records come in file order (record ${record.index} follows ${previousIndex})`);
    previousIndex = record.index;
    const reason = rejectionOf(record, context, seenCardAtc, seenSamSeq, settledDeltas);
    if (reason) {
      if (reason === 'card_overspent') overspentPurses.add(purseKey(record.csn, record.purse));
      verdicts.push({ index: record.index, accepted: false, reason });
      continue;
    }
    // Only accepted records claim their pairs: a rejected forgery must not shadow the genuine record.
    seenCardAtc.add(cardAtcKey(record.csn, record.atc));
    seenSamSeq.add(samSeqKey(record.samId, record.samSeq));
    const key = purseKey(record.csn, record.purse);
    settledDeltas.set(key, (settledDeltas.get(key) ?? 0n) + record.amount);
    const purse = record.purse as SettlementPurse;
    acceptedByPurse.set(purse, (acceptedByPurse.get(purse) ?? 0n) + record.amount);
    verdicts.push({ index: record.index, accepted: true });
  }
  return { verdicts, acceptedByPurse, settledDeltas, overspentPurses };
}

function rejectionOf(
  record: PurchaseRecordView,
  context: ChunkContext,
  seenCardAtc: ReadonlySet<string>,
  seenSamSeq: ReadonlySet<string>,
  settledDeltas: ReadonlyMap<string, bigint>,
): RecordRejectionReason | undefined {
  if (record.proof === 'malformed_record' || !isSettlementPurse(record.purse) || record.amount <= 0n) return 'malformed_record';
  const samOwner = context.samOwners.get(record.samId);
  if (samOwner === undefined) return 'unknown_sam';
  if (samOwner !== context.merchant.id) return 'sam_of_other_merchant';
  if (record.proof === 'sam_mac_invalid') return 'sam_mac_invalid';
  if (record.proof === 'card_mac_invalid') return 'card_mac_invalid';
  if (record.proof === 'duplicate_in_file') return 'duplicate_in_file';
  const card = context.cards.get(record.csn);
  if (!card) return 'unknown_card';
  if (card.blocked) return 'card_blocked';
  if (record.purse === PURSE_FOOD && !context.merchant.foodEligible) return 'food_not_accepted';

  const cardAtc = cardAtcKey(record.csn, record.atc);
  const samSeq = samSeqKey(record.samId, record.samSeq);
  if (seenCardAtc.has(cardAtc) || seenSamSeq.has(samSeq)) return 'duplicate_in_file';
  const cardAtcHolder = context.settledCardAtc.get(cardAtc);
  const samSeqHolder = context.settledSamSeq.get(samSeq);
  if (cardAtcHolder === context.batchKey || samSeqHolder === context.batchKey) return 'duplicate_in_file';
  if (cardAtcHolder !== undefined) return 'already_settled';
  if (samSeqHolder !== undefined) return 'sam_sequence_replayed';

  const key = purseKey(record.csn, record.purse);
  const shadow = context.purses.get(key) ?? { loaded: 0n, settled: 0n };
  const settledSoFar = shadow.settled + (settledDeltas.get(key) ?? 0n);
  if (settledSoFar + record.amount > shadow.loaded) return 'card_overspent';
  return undefined;
}
