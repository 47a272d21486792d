// The framing of an `.estb` file (spec 4.5), shared by the verifying reader and the cheap file
// pass: header, whole records a block at a time, trailer, with the file MAC computed on the way.
// Memory stays bounded whatever the file size, and an unreadable or malformed file throws
// EstbError with one set of codes and messages for both.
import * as fs from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { RetailMacStream } from '../crypto/retail-mac';
import type { KeyStore } from '../keys/key-store';
import type { TransferCardId } from '../esmart/identity';
import { EstbError } from './estb-error';
import { decodeHeader, FILE_MAC_TAG, HEADER_BYTES, RECORD_BYTES, TRAILER_BYTES, type EstbHeader } from './estb-format';

export type EstbFrame =
  /** `headerBytes` is a copy: the 32 bytes the file MAC covers. */
  | { kind: 'header'; header: EstbHeader; headerBytes: Buffer }
  /** `count` whole records from index `first`; `block` is a view, valid only until the next frame is asked for. */
  | { kind: 'records'; first: number; count: number; block: Buffer }
  /** The trailer: whether the MAC under KT holds over the header and every record. */
  | { kind: 'end'; records: number; fileMacValid: boolean };

const READ_CHUNK_BYTES = 64 * 1024;

/** Reads a file given as a path or a byte stream into frames of at most `maxBlockRecords` records. */
export async function* estbFrames(source: string | Readable, keys: KeyStore, maxBlockRecords: number): AsyncGenerator<EstbFrame, void, undefined> {
  const stream = typeof source === 'string' ? fileChunks(source) : source;
  // The bytes not yet framed, always a view of `window`: each chunk is copied in behind what was
  // left of the last. Joining them into a new buffer (Buffer.concat) made a chunk-sized buffer per
  // chunk that lived as long as its records took to check; the garbage collector promotes any
  // buffer that outlives two young-generation collections, and with 64 KiB chunks those piled up
  // in the old generation until a full GC: +25 MB of RSS over a million records.
  let window = Buffer.allocUnsafeSlow(READ_CHUNK_BYTES + RECORD_BYTES);
  let pending: Buffer = window.subarray(0, 0);
  let opened: { header: EstbHeader; mac: RetailMacStream } | undefined;
  let index = 0;
  try {
    for await (const piece of stream as AsyncIterable<Buffer | string>) {
      const chunk = typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece;
      const length = pending.length + chunk.length;
      if (length > window.length) {
        const wider = Buffer.allocUnsafeSlow(Math.max(length, 2 * window.length));
        pending.copy(wider, 0);
        window = wider;
      } else pending.copy(window, 0); // may overlap: Buffer#copy moves like memmove
      chunk.copy(window, pending.length);
      pending = window.subarray(0, length);
      if (!opened) {
        if (pending.length < HEADER_BYTES) continue;
        const headerBytes = Buffer.from(pending.subarray(0, HEADER_BYTES));
        const header = decodeHeader(headerBytes);
        opened = { header, mac: keys.transferFileMac(header.transferCardId as TransferCardId).update(FILE_MAC_TAG).update(headerBytes) };
        pending = pending.subarray(HEADER_BYTES);
        yield { kind: 'header', header, headerBytes };
      }
      const { header, mac } = opened;
      for (;;) {
        const count = Math.min(header.recordCount - index, Math.floor(pending.length / RECORD_BYTES), maxBlockRecords);
        if (count <= 0) break;
        const block = pending.subarray(0, count * RECORD_BYTES);
        mac.update(block);
        yield { kind: 'records', first: index, count, block };
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
  const expected = mac.digest();
  const trailer = pending.subarray(0, TRAILER_BYTES);
  yield { kind: 'end', records: index, fileMacValid: expected.length === trailer.length && timingSafeEqual(expected, trailer) };
}

/**
 * A file's bytes, read into one buffer over and over: each chunk is a view of it, valid until the
 * next is asked for (estbFrames copies it at once). A read stream would make a new buffer per
 * chunk, and keep the next one waiting while this one is checked: long enough to be promoted to
 * the old generation (see `window` above).
 */
async function* fileChunks(path: string): AsyncGenerator<Buffer, void, undefined> {
  const file = await fs.promises.open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafeSlow(READ_CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

// Duck-typed: errors from Node's fs may come from another realm (test sandboxes), failing instanceof.
function isIoError(err: unknown): err is { code: string } {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}
