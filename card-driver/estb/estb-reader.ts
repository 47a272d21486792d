// Streaming reader and verifier of `.estb` files (spec 4.5). Memory stays bounded whatever the
// file size: the stream is read in chunks, records are verified a chunk at a time and handed out
// one by one, and the file MAC is computed incrementally. A record's verdict covers the rules
// that need no database; duplicates against earlier files, card status and ownership in the
// ledger are the caller's to check.
import type { Readable } from 'node:stream';
import { MAC4_BYTES, retailMacBatchAt } from '../crypto/retail-mac';
import type { SecretKey } from '../crypto/secret-key';
import type { KeyStore } from '../keys/key-store';
import { csnBcdNumber, type Csn, type SamId } from '../esmart/identity';
import { purchaseMacAt } from '../esmart/transaction-macs';
import { EstbError } from './estb-error';
import { estbFrames } from './estb-frames';
import {
  hexText,
  recordAt,
  RECORD_BYTES,
  SAM_MAC_SPAN,
  type EstbHeader,
  type EstbRecord,
} from './estb-format';

/** What the server knows about the uploading merchant; checks using it are skipped when absent. */
export interface MerchantFacts {
  samIds: ReadonlySet<string>;
  transferCardIds: ReadonlySet<string>;
  acceptsFoodVouchers: boolean;
}

export interface EstbReadOptions {
  keys: KeyStore;
  merchant?: MerchantFacts;
}

export type RecordRejection =
  | 'csn_invalid'
  | 'purse_unknown'
  | 'amount_zero'
  | 'padding_not_zero'
  | 'purchase_mac_invalid'
  | 'sam_mac_invalid'
  | 'sam_seq_repeated'
  | 'sam_not_of_merchant'
  | 'food_not_accepted';

export interface RecordVerdict {
  accepted: boolean;
  reasons: RecordRejection[];
}

export type FileRejection = 'file_mac_invalid' | 'transfer_card_not_of_merchant';

export type EstbEvent =
  | { kind: 'header'; header: EstbHeader }
  /** Provisional until the `end` event: a file whose MAC fails is rejected whole. */
  | { kind: 'record'; index: number; record: EstbRecord; verdict: RecordVerdict }
  | EstbEnd;

export interface EstbEnd {
  kind: 'end';
  fileAccepted: boolean;
  fileRejections: FileRejection[];
  records: number;
  acceptedRecords: number;
  rejectedRecords: number;
}

/** Consecutive records from `first` on, checked together; provisional like a single record. */
export interface CheckedBlock {
  kind: 'records';
  first: number;
  records: EstbRecord[];
  verdicts: RecordVerdict[];
}

export type EstbBlockEvent = { kind: 'header'; header: EstbHeader } | CheckedBlock | EstbEnd;

const CHECK_BATCH_RECORDS = 256;

/** Reads and verifies a file given as a path or a byte stream, one record per event. Unreadable files throw EstbError. */
export async function* readEstb(source: string | Readable, options: EstbReadOptions): AsyncGenerator<EstbEvent, void, undefined> {
  for await (const event of readEstbBlocks(source, options)) {
    if (event.kind !== 'records') {
      yield event;
      continue;
    }
    for (let i = 0; i < event.records.length; i++) {
      yield { kind: 'record', index: event.first + i, record: event.records[i], verdict: event.verdicts[i] };
    }
  }
}

/**
 * The same as readEstb with records handed out a block at a time: what a consumer of a large file
 * uses, since a generator step per record costs as much as checking a record's SAM MAC.
 */
export async function* readEstbBlocks(source: string | Readable, options: EstbReadOptions): AsyncGenerator<EstbBlockEvent, void, undefined> {
  const checker = new RecordChecker(options);
  let accepted = 0;
  const fileRejections: FileRejection[] = [];
  // Small blocks keep every record object short-lived (collected young, never promoted), so the
  // heap stays flat however large the file; the SAM MACs are still batched per SAM.
  for await (const frame of estbFrames(source, options.keys, CHECK_BATCH_RECORDS)) {
    if (frame.kind === 'header') {
      const merchant = options.merchant;
      if (merchant && !merchant.transferCardIds.has(frame.header.transferCardId)) fileRejections.push('transfer_card_not_of_merchant');
      yield { kind: 'header', header: frame.header };
    } else if (frame.kind === 'records') {
      const checked = checker.check(frame.block, frame.count);
      for (const v of checked.verdicts) if (v.accepted) accepted++;
      yield { kind: 'records', first: frame.first, records: checked.records, verdicts: checked.verdicts };
    } else {
      if (!frame.fileMacValid) fileRejections.unshift('file_mac_invalid');
      yield {
        kind: 'end',
        fileAccepted: fileRejections.length === 0,
        fileRejections,
        records: frame.records,
        acceptedRecords: accepted,
        rejectedRecords: frame.records - accepted,
      };
    }
  }
}

/**
 * Checks a run of whole records cut out of a file whose framing an earlier pass has proven (its
 * header, its file MAC, the run's bytes): the record rules only, a block at a time, with no header
 * or trailer to fake and no file MAC to compute again. `sam_seq_repeated` is judged within the run;
 * what came before it only the caller knows. `first` counts from the run's start.
 */
export function* checkEstbRecords(records: Buffer, options: EstbReadOptions): Generator<CheckedBlock, void, undefined> {
  if (records.length % RECORD_BYTES !== 0) {
    throw new EstbError('truncated', `A run of records is a whole number of ${RECORD_BYTES}-byte records; got ${records.length} bytes.`);
  }
  const checker = new RecordChecker(options);
  const total = records.length / RECORD_BYTES;
  for (let first = 0; first < total; first += CHECK_BATCH_RECORDS) {
    const count = Math.min(CHECK_BATCH_RECORDS, total - first);
    const checked = checker.check(records.subarray(first * RECORD_BYTES, (first + count) * RECORD_BYTES), count);
    yield { kind: 'records', first, records: checked.records, verdicts: checked.verdicts };
  }
}

export interface EstbSummary {
  header: EstbHeader;
  fileAccepted: boolean;
  fileRejections: FileRejection[];
  records: number;
  acceptedRecords: number;
  rejectedRecords: number;
  rejectionsByReason: Partial<Record<RecordRejection, number>>;
}

/** Reads a whole file, handing each record to `onRecord`, and sums up. */
export async function verifyEstb(
  source: string | Readable,
  options: EstbReadOptions,
  onRecord?: (index: number, record: EstbRecord, verdict: RecordVerdict) => void,
): Promise<EstbSummary> {
  let header: EstbHeader | undefined;
  const byReason: Partial<Record<RecordRejection, number>> = {};
  for await (const event of readEstbBlocks(source, options)) {
    if (event.kind === 'header') header = event.header;
    else if (event.kind === 'records') {
      for (let i = 0; i < event.records.length; i++) {
        const verdict = event.verdicts[i];
        for (const r of verdict.reasons) byReason[r] = (byReason[r] ?? 0) + 1;
        onRecord?.(event.first + i, event.records[i], verdict);
      }
    } else if (header) {
      const { fileAccepted, fileRejections, records, acceptedRecords, rejectedRecords } = event;
      return { header, fileAccepted, fileRejections, records, acceptedRecords, rejectedRecords, rejectionsByReason: byReason };
    }
  }
  // readEstb always ends with 'end' after 'header', or throws.
  throw new EstbError('truncated', 'The settlement file ended without its MAC.');
}

/** A card met in this file: its CSN as text and its purchase key, found once. */
interface CardSeen {
  csn: string;
  purchaseKey: SecretKey;
}

/** A SAM met in this file: its id as text, highest sequence number, and its records of the current block. */
interface SamSeen {
  readonly hi: number;
  readonly lo: number;
  readonly id: string;
  /** Another SAM whose id ends in the same 4 bytes. */
  next: SamSeen | undefined;
  ofMerchant: boolean | undefined;
  /** -1 until a record of this SAM was accepted as new. */
  lastSeq: number;
  /** This SAM's records in the current block, linked through RecordChecker's nextOfSam. */
  first: number;
  last: number;
  count: number;
}

// Enough for the regular customers of a large batch (the key store caches as many keys); bounded
// so that a file of random CSNs cannot grow memory without limit.
const CARDS_REMEMBERED = 8192;

/** Checks records a block at a time; remembers, per SAM, the highest sequence number seen. */
class RecordChecker {
  // Cards by the number their CSN digits make, SAMs by the last 4 bytes of their id: a record of a
  // card or SAM met before makes no key look-up and no id text.
  readonly #cards = new Map<number, CardSeen>();
  readonly #sams = new Map<number, SamSeen>();
  #nextOfSam = new Int32Array(CHECK_BATCH_RECORDS);
  #offsets = new Int32Array(CHECK_BATCH_RECORDS);
  constructor(private readonly options: EstbReadOptions) {}

  check(block: Buffer, count: number): { records: EstbRecord[]; verdicts: RecordVerdict[] } {
    const { keys, merchant } = this.options;
    const records: EstbRecord[] = new Array(count);
    const verdicts: RecordVerdict[] = new Array(count);
    if (this.#nextOfSam.length < count) {
      this.#nextOfSam = new Int32Array(count);
      this.#offsets = new Int32Array(count);
    }
    const nextOfSam = this.#nextOfSam;
    // Every record's MACP ‖ MACS, copied out of the file chunk into one buffer of its own (not
    // Buffer's shared pool, whose slabs a block's live records would drag into the old generation).
    const macCopies = Buffer.allocUnsafeSlow(count * 8);
    const samsInBlock: SamSeen[] = [];
    for (let i = 0; i < count; i++) {
      const at = i * RECORD_BYTES;
      const verdict = new Verdict();
      const reasons = verdict.reasons;
      const csnNumber = csnBcdNumber(block, at);
      const card = csnNumber < 0 ? undefined : this.#card(csnNumber, block, at);
      const purse = block[at + 10];
      if (!card) reasons.push('csn_invalid');
      if (purse !== 1 && purse !== 2) reasons.push('purse_unknown');
      if (isZero(block, at + 11, at + 15)) reasons.push('amount_zero');
      if (!isZero(block, at + 43, at + RECORD_BYTES)) reasons.push('padding_not_zero');
      if (card && !sameBytesAt(purchaseMacAt(card.purchaseKey, block, at), 0, block, at + MACP_AT, MAC4_BYTES)) reasons.push('purchase_mac_invalid');
      const sam = this.#sam(block, at + SAM_ID_AT);
      const samSeq = block.readUInt32BE(at + SAM_SEQ_AT);
      if (sam.lastSeq >= 0 && samSeq <= sam.lastSeq) reasons.push('sam_seq_repeated');
      else sam.lastSeq = samSeq;
      if (merchant) {
        sam.ofMerchant ??= merchant.samIds.has(sam.id);
        if (!sam.ofMerchant) reasons.push('sam_not_of_merchant');
        if (purse === 2 && !merchant.acceptsFoodVouchers) reasons.push('food_not_accepted');
      }
      nextOfSam[i] = -1;
      if (sam.count === 0) {
        samsInBlock.push(sam);
        sam.first = i;
      } else nextOfSam[sam.last] = i;
      sam.last = i;
      sam.count++;
      for (let k = 0; k < 8; k++) macCopies[i * 8 + k] = block[at + MACP_AT + k];
      records[i] = recordAt(block, at, card ? card.csn : hexText(block, at), sam.id, macCopies, i * 8);
      verdicts[i] = verdict;
    }
    // The SAM MACs, one batch per SAM: one native call per block column instead of one per block.
    const offsets = this.#offsets;
    for (const sam of samsInBlock) {
      for (let k = 0, i = sam.first; k < sam.count; k++, i = nextOfSam[i]) offsets[k] = i * RECORD_BYTES;
      // Asked of the key store each block, not kept here: a file naming a great many SAMs must not
      // keep that many keys (and their cipher contexts) alive; the store's cache is bounded.
      const macs = retailMacBatchAt(keys.samKey(sam.id as SamId), block, offsets, sam.count, SAM_MAC_SPAN, SAM_TAG);
      for (let k = 0; k < sam.count; k++) {
        if (!sameBytesAt(macs, k * 8, block, offsets[k] + MACS_AT, MAC4_BYTES)) verdicts[offsets[k] / RECORD_BYTES].reasons.push('sam_mac_invalid');
      }
      sam.count = 0;
    }
    for (const v of verdicts) v.accepted = v.reasons.length === 0;
    return { records, verdicts };
  }

  #card(csnNumber: number, block: Buffer, at: number): CardSeen {
    let card = this.#cards.get(csnNumber);
    if (!card) {
      if (this.#cards.size >= CARDS_REMEMBERED) this.#cards.clear();
      // A valid CSN is decimal digits, so its hex text needs no case change.
      const csn = block.toString('hex', at, at + 8);
      card = { csn, purchaseKey: this.options.keys.cardPurchaseKey(csn as Csn) };
      this.#cards.set(csnNumber, card);
    }
    return card;
  }

  #sam(block: Buffer, at: number): SamSeen {
    const hi = block.readInt32BE(at);
    const lo = block.readInt32BE(at + 4);
    const head = this.#sams.get(lo);
    for (let sam = head; sam; sam = sam.next) if (sam.hi === hi) return sam;
    const sam: SamSeen = { hi, lo, id: hexText(block, at), next: head, ofMerchant: undefined, lastSeq: -1, first: -1, last: -1, count: 0 };
    this.#sams.set(lo, sam);
    return sam;
  }
}

// A class, not a literal, for the reason given at DecodedRecord (estb-format.ts).
class Verdict implements RecordVerdict {
  accepted = false;
  reasons: RecordRejection[] = Array.of<RecordRejection>();
}

const MACP_AT = 35;
const MACS_AT = 39;
const SAM_ID_AT = 19;
const SAM_SEQ_AT = 27;

/** Constant-time comparison of n bytes of a at ai with n bytes of b at bi, without views. */
function sameBytesAt(a: Uint8Array, ai: number, b: Uint8Array, bi: number, n: number): boolean {
  let diff = 0;
  for (let k = 0; k < n; k++) diff |= a[ai + k] ^ b[bi + k];
  return diff === 0;
}

const SAM_TAG = Buffer.of(0x05);

function isZero(b: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

