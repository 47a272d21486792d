// A cheap first pass over an `.estb` file: its structure and its file MAC (one single-DES CBC chain
// over the bytes), without checking any record, which is the expensive part. A settlement proves
// the file whole this way before it looks at a record, then verifies and decides the records chunk
// by chunk (readEstbBlocks over each chunk), so deciding overlaps verifying.
import * as fs from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { KeyStore } from '../keys/key-store';
import type { TransferCardId } from '../esmart/identity';
import type { RetailMacStream } from '../crypto/retail-mac';
import { EstbError } from './estb-error';
import { decodeHeader, FILE_MAC_TAG, HEADER_BYTES, RECORD_BYTES, TRAILER_BYTES, type EstbHeader } from './estb-format';

export interface EstbScan {
  header: EstbHeader;
  /** The raw 32 header bytes, as the file MAC covers them. */
  headerBytes: Buffer;
  /** The trailer MAC under KT holds over the header and every record. */
  fileAccepted: boolean;
  records: number;
}

/**
 * Records as they pass, a block of whole records at a time (`first` is the index of the block's
 * first record; the block is only valid during the call). Called before the file MAC is known.
 */
export type EstbRecordBytes = (first: number, block: Buffer) => void;

const READ_CHUNK_BYTES = 1 << 20;

/**
 * Reads the file once: header, size against the header's record count, file MAC. Throws EstbError
 * with the codes readEstbBlocks uses (`too_short`, `bad_magic`, `unsupported_version`,
 * `header_padding`, `truncated`, `trailing_bytes`, `file_unreadable`) for a file that is not one.
 */
export async function scanEstb(source: string | Readable, keys: KeyStore, onRecords?: EstbRecordBytes): Promise<EstbScan> {
  const stream = typeof source === 'string' ? fs.createReadStream(source, { highWaterMark: READ_CHUNK_BYTES }) : source;
  let pending: Buffer = Buffer.alloc(0);
  let opened: { header: EstbHeader; headerBytes: Buffer; mac: RetailMacStream } | undefined;
  let index = 0;
  try {
    for await (const piece of stream as AsyncIterable<Buffer | string>) {
      const chunk = typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      if (!opened) {
        if (pending.length < HEADER_BYTES) continue;
        const headerBytes = Buffer.from(pending.subarray(0, HEADER_BYTES));
        const header = decodeHeader(headerBytes);
        const mac = keys.transferFileMac(header.transferCardId as TransferCardId).update(FILE_MAC_TAG).update(headerBytes);
        opened = { header, headerBytes, mac };
        pending = pending.subarray(HEADER_BYTES);
      }
      const count = Math.min(opened.header.recordCount - index, Math.floor(pending.length / RECORD_BYTES));
      if (count > 0) {
        const block = pending.subarray(0, count * RECORD_BYTES);
        opened.mac.update(block);
        onRecords?.(index, block);
        index += count;
        pending = pending.subarray(count * RECORD_BYTES);
      }
      if (index === opened.header.recordCount && pending.length > TRAILER_BYTES) {
        throw new EstbError('trailing_bytes', `The file holds more than the ${opened.header.recordCount} records its header announces; it is damaged or tampered with. Export it again.`);
      }
    }
  } catch (err) {
    if (err instanceof EstbError) throw err;
    const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      throw new EstbError('file_unreadable', `Cannot read the settlement file (${code}); check the path and permissions.`);
    }
    throw err;
  }
  if (!opened) throw new EstbError('too_short', `An .estb file starts with a ${HEADER_BYTES}-byte header; this one has ${pending.length} bytes. Export the file from the Transfer card again.`);
  const { header, headerBytes, mac } = opened;
  if (index < header.recordCount || pending.length < TRAILER_BYTES) {
    throw new EstbError('truncated', `The file ends early: its header announces ${header.recordCount} records and a MAC, but only ${index} records${index === header.recordCount ? ' and no complete MAC' : ''} arrived. Upload the complete file.`);
  }
  const expected = mac.digest();
  const trailer = pending.subarray(0, TRAILER_BYTES);
  return { header, headerBytes, fileAccepted: expected.length === trailer.length && timingSafeEqual(expected, trailer), records: index };
}

/** The SAM id (16 upper-case hex digits) and SAM sequence number of record `i` of a block of records. */
export function estbSamOf(block: Buffer, i: number): { samId: string; samSeq: number } {
  const at = i * RECORD_BYTES;
  return { samId: block.toString('hex', at + 19, at + 27).toUpperCase(), samSeq: block.readUInt32BE(at + 27) };
}
