/**
 * The settlement file seen chunk by chunk. verifySettlementFile proves the file whole in one cheap
 * pass (structure, file MAC, SHA-256: card-driver's scanEstb) and notes, per chunk, what a chunk
 * cannot see by itself (its ChunkPlan); each chunk step then reads its own records from the upload
 * store and verifies them (MACP, MACS) while other chunks are decided, so verifying overlaps deciding
 * and no record is written before its verdict.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import {
  checkEstbRecords,
  decodeHeader,
  estbSamOf,
  HEADER_BYTES,
  RECORD_BYTES,
  type EstbHeader,
  type KeyStore,
  type RecordRejection,
} from '../../card-driver';
import { proofOf } from './record-proof';
import { assertSettlement } from './settlement-error';
import type { ChunkPlan, StagedRecord } from './settlement-store';

/** Builds the chunk plans from the records as the file pass hands them over, in file order. */
export class ChunkPlanner {
  readonly #chunkRecords: number;
  readonly #plans: ChunkPlan[] = [];
  readonly #highestSeq = new Map<string, number>();
  #digest = createHash('sha256');
  #floor: Record<string, number> = {};
  #seenInChunk = new Set<string>();
  #next = 0;

  constructor(chunkRecords: number) {
    this.#chunkRecords = chunkRecords;
  }

  add(first: number, block: Buffer): void {
    assertSettlement(first === this.#next, `the file pass hands over records in order (${first} after ${this.#next - 1})`);
    const count = block.length / RECORD_BYTES;
    let i = 0;
    while (i < count) {
      const index = first + i;
      const chunkEnd = (Math.floor(index / this.#chunkRecords) + 1) * this.#chunkRecords;
      const upto = Math.min(count, chunkEnd - first);
      this.#digest.update(block.subarray(i * RECORD_BYTES, upto * RECORD_BYTES));
      for (; i < upto; i++) {
        const { samId, samSeq } = estbSamOf(block, i);
        const highest = this.#highestSeq.get(samId);
        if (!this.#seenInChunk.has(samId)) {
          this.#seenInChunk.add(samId);
          if (highest !== undefined) this.#floor[samId] = highest;
        }
        if (highest === undefined || samSeq > highest) this.#highestSeq.set(samId, samSeq);
      }
      if (first + upto === chunkEnd) this.#close();
    }
    this.#next = first + count;
  }

  /** Every chunk's plan; the last chunk may be short. */
  finish(): ChunkPlan[] {
    if (this.#next % this.#chunkRecords !== 0) this.#close();
    return this.#plans;
  }

  #close(): void {
    this.#plans.push({ chunkIndex: this.#plans.length, recordsSha256: this.#digest.digest(), samSeqFloor: this.#floor });
    this.#digest = createHash('sha256');
    this.#floor = {};
    this.#seenInChunk = new Set();
  }
}

/**
 * The stored upload cannot be read as it was verified. Retryable on purpose (not a SettlementError):
 * the chunk steps already decided stay decided, and the settlement goes on once an operator has
 * restored the file (`settlementWait` shows this message as the step's last failure).
 */
export class StoredFileError extends Error {
  override readonly name = 'StoredFileError';
  constructor(
    readonly code: 'upload_unreadable' | 'file_changed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Reads bytes [position, position + length) of a file; fewer bytes than asked means the file changed. */
async function readExactly(handle: fs.promises.FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  if (done !== length) throw fileChanged('it is shorter than when it was verified');
  return buffer;
}

const fileChanged = (what: string): StoredFileError =>
  new StoredFileError('file_changed', `The stored settlement file changed after it was verified (${what}); restore the upload store from a backup, or ask the merchant to upload the file again.`);

/**
 * The stored file's header, read on its own so the header's checks (its batch, its Transfer card)
 * come before the file pass, in the order the reasons were always given. Throws card-driver's
 * EstbError for a header that is not one, StoredFileError for a file that cannot be opened.
 */
export async function readStoredHeader(filePath: string): Promise<EstbHeader> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(filePath, 'r');
  } catch (err) {
    throw unreadable(filePath, err);
  }
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    return decodeHeader(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

const unreadable = (filePath: string, err: unknown): StoredFileError =>
  new StoredFileError('upload_unreadable', `Cannot read the stored settlement file ${filePath} (${(err as NodeJS.ErrnoException).code ?? 'unknown'}); check the upload store (PURSEFLOW_UPLOAD_DIR) on this worker.`, { cause: err });

/**
 * Records [from, to) of the stored file, verified by card-driver's record checker, with what the
 * keys prove about each. The file pass proved the header and the file MAC, and these bytes are
 * checked against that pass's digest, so only the records are checked here; whether a SAM's
 * sequence number grows is judged over the whole file, from the plan's floors.
 */
export async function readChunkRecords(filePath: string, plan: ChunkPlan, from: number, to: number, keys: KeyStore): Promise<StagedRecord[]> {
  const count = to - from;
  const handle = await fs.promises.open(filePath, 'r').catch((err: unknown) => {
    throw unreadable(filePath, err);
  });
  let recordBytes: Buffer;
  try {
    recordBytes = await readExactly(handle, HEADER_BYTES + from * RECORD_BYTES, count * RECORD_BYTES);
  } finally {
    await handle.close();
  }
  if (!createHash('sha256').update(recordBytes).digest().equals(plan.recordsSha256)) throw fileChanged(`records ${from}..${to - 1} differ`);

  const records: StagedRecord[] = new Array(count);
  const highest = new Map(Object.entries(plan.samSeqFloor));
  let seen = 0;
  for (const event of checkEstbRecords(recordBytes, { keys })) {
    for (let i = 0; i < event.records.length; i++) {
      const r = event.records[i];
      const reasons: RecordRejection[] = event.verdicts[i].reasons.filter((reason) => reason !== 'sam_seq_repeated');
      const last = highest.get(r.samId);
      if (last !== undefined && r.samSeq <= last) reasons.push('sam_seq_repeated');
      else highest.set(r.samId, r.samSeq);
      records[event.first + i] = {
        index: from + event.first + i,
        csn: r.csn,
        atc: r.atc,
        purse: r.purse,
        amount: r.amount,
        balanceAfter: r.balanceAfter,
        samId: r.samId,
        samSeq: r.samSeq,
        time: r.time,
        proof: proofOf(reasons),
      };
      seen++;
    }
    // Without this, a chunk's whole verification would run in one go before any database reply
    // reaches the other chunks, and a chunk
    // holding card purse locks would keep them (and every chunk queued on them) waiting meanwhile.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (seen !== count) throw fileChanged(`${seen} of ${count} records of the chunk could be read`);
  return records;
}
