// Streaming reader and verifier of `.estb` files (spec 4.5). Memory stays bounded whatever the
// file size: the stream is read in chunks, records are verified a chunk at a time and handed out
// one by one, and the file MAC is computed incrementally. A record's verdict covers the rules
// that need no database; duplicates against earlier files, card status and ownership in the
// ledger are the caller's to check.
import * as fs from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import { retailMac4Batch, type RetailMacStream } from '../crypto/retail-mac';
import type { KeyStore } from '../keys/key-store';
import { isCsnBcd, type Csn, type SamId, type TransferCardId } from '../esmart/identity';
import { purchaseMacOverFields } from '../esmart/transaction-macs';
import { EstbError } from './estb-error';
import {
  decodeHeader,
  decodeRecordAt,
  FILE_MAC_TAG,
  HEADER_BYTES,
  PURCHASE_FIELDS_SPAN,
  RECORD_BYTES,
  SAM_MAC_SPAN,
  TRAILER_BYTES,
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

const READ_CHUNK_BYTES = 256 * 1024;
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
  const stream = typeof source === 'string' ? fs.createReadStream(source, { highWaterMark: READ_CHUNK_BYTES }) : source;
  const checker = new RecordChecker(options);
  let pending: Buffer = Buffer.alloc(0);
  let opened: { header: EstbHeader; mac: RetailMacStream } | undefined;
  let index = 0;
  let accepted = 0;
  const fileRejections: FileRejection[] = [];
  try {
    for await (const piece of stream as AsyncIterable<Buffer | string>) {
      const chunk = typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      if (!opened) {
        if (pending.length < HEADER_BYTES) continue;
        const header = decodeHeader(pending.subarray(0, HEADER_BYTES));
        const merchant = options.merchant;
        if (merchant && !merchant.transferCardIds.has(header.transferCardId)) fileRejections.push('transfer_card_not_of_merchant');
        const mac = options.keys.transferFileMac(header.transferCardId as TransferCardId).update(FILE_MAC_TAG).update(pending.subarray(0, HEADER_BYTES));
        opened = { header, mac };
        pending = pending.subarray(HEADER_BYTES);
        yield { kind: 'header', header };
      }
      const { header, mac } = opened;
      // Small batches keep every record object short-lived (collected young, never promoted), so
      // the heap stays flat however large the file; the SAM MACs are still batched per SAM.
      for (;;) {
        const count = Math.min(header.recordCount - index, Math.floor(pending.length / RECORD_BYTES), CHECK_BATCH_RECORDS);
        if (count <= 0) break;
        const block = pending.subarray(0, count * RECORD_BYTES);
        mac.update(block);
        const checked = checker.check(block, count);
        for (const v of checked.verdicts) if (v.accepted) accepted++;
        yield { kind: 'records', first: index, records: checked.records, verdicts: checked.verdicts };
        index += count;
        pending = pending.subarray(count * RECORD_BYTES);
      }
      if (index === header.recordCount && pending.length > TRAILER_BYTES) {
        throw new EstbError('trailing_bytes', `The file holds more than the ${header.recordCount} records its header announces; it is damaged or tampered with. Export it again.`);
      }
    }
  } catch (err) {
    if (err instanceof EstbError) throw err;
    if (isIoError(err)) {
      throw new EstbError('file_unreadable', `Cannot read the settlement file (${err.code}); check the path and permissions.`);
    }
    throw err;
  }
  if (!opened) throw new EstbError('too_short', `An .estb file starts with a ${HEADER_BYTES}-byte header; this one has ${pending.length} bytes. Export the file from the Transfer card again.`);
  const { header, mac } = opened;
  if (index < header.recordCount || pending.length < TRAILER_BYTES) {
    throw new EstbError('truncated', `The file ends early: its header announces ${header.recordCount} records and a MAC, but only ${index} records${index === header.recordCount ? ' and no complete MAC' : ''} arrived. Upload the complete file.`);
  }
  if (!sameBytes(mac.digest(), pending.subarray(0, TRAILER_BYTES))) fileRejections.unshift('file_mac_invalid');
  yield {
    kind: 'end',
    fileAccepted: fileRejections.length === 0,
    fileRejections,
    records: index,
    acceptedRecords: accepted,
    rejectedRecords: index - accepted,
  };
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

/** Checks records a block at a time; remembers, per SAM, the highest sequence number seen. */
class RecordChecker {
  readonly #lastSeqBySam = new Map<string, number>();
  constructor(private readonly options: EstbReadOptions) {}

  check(block: Buffer, count: number): { records: EstbRecord[]; verdicts: RecordVerdict[] } {
    const { keys, merchant } = this.options;
    const records: EstbRecord[] = new Array(count);
    const verdicts: RecordVerdict[] = new Array(count);
    const bySam = new Map<string, number[]>();
    for (let i = 0; i < count; i++) {
      const at = i * RECORD_BYTES;
      const record = decodeRecordAt(block, at);
      const reasons: RecordRejection[] = [];
      const csnValid = isCsnBcd(block, at);
      const purseValid = record.purse === 1 || record.purse === 2;
      if (!csnValid) reasons.push('csn_invalid');
      if (!purseValid) reasons.push('purse_unknown');
      if (record.amount === 0n) reasons.push('amount_zero');
      if (!isZero(block, at + 43, at + RECORD_BYTES)) reasons.push('padding_not_zero');
      if (csnValid) {
        const kp = keys.cardPurchaseKey(record.csn as Csn);
        const macp = purchaseMacOverFields(kp, record.atc, block.subarray(at, at + PURCHASE_FIELDS_SPAN));
        if (!sameBytes(macp, record.macp)) reasons.push('purchase_mac_invalid');
      }
      const last = this.#lastSeqBySam.get(record.samId);
      if (last !== undefined && record.samSeq <= last) reasons.push('sam_seq_repeated');
      else this.#lastSeqBySam.set(record.samId, record.samSeq);
      if (merchant) {
        if (!merchant.samIds.has(record.samId)) reasons.push('sam_not_of_merchant');
        if (record.purse === 2 && !merchant.acceptsFoodVouchers) reasons.push('food_not_accepted');
      }
      let group = bySam.get(record.samId);
      if (!group) bySam.set(record.samId, (group = []));
      group.push(i);
      records[i] = record;
      verdicts[i] = { accepted: false, reasons };
    }
    for (const [samId, indexes] of bySam) {
      const heads = indexes.map((i) => block.subarray(i * RECORD_BYTES, i * RECORD_BYTES + SAM_MAC_SPAN));
      const macs = retailMac4Batch(keys.samKey(samId as SamId), heads, SAM_TAG);
      for (let k = 0; k < indexes.length; k++) {
        const i = indexes[k];
        if (!sameBytes(macs[k], records[i].macs)) verdicts[i].reasons.push('sam_mac_invalid');
      }
    }
    for (const v of verdicts) v.accepted = v.reasons.length === 0;
    return { records, verdicts };
  }
}

const SAM_TAG = Buffer.of(0x05);

function isZero(b: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// Duck-typed: errors from Node's fs may come from another realm (test sandboxes), failing instanceof.
function isIoError(err: unknown): err is { code: string } {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}
