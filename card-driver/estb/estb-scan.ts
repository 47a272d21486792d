// A cheap first pass over an `.estb` file: its structure and its file MAC (one single-DES CBC chain
// over the bytes), without checking any record, which is the expensive part. A settlement proves
// the file whole this way before it looks at a record, then verifies and decides the records chunk
// by chunk (readEstbBlocks over each chunk), so deciding overlaps verifying.
import type { Readable } from 'node:stream';
import type { KeyStore } from '../keys/key-store';
import { EstbError } from './estb-error';
import { RECORD_BYTES, type EstbHeader } from './estb-format';
import { estbFrames } from './estb-frames';

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

/**
 * Reads the file once: header, size against the header's record count, file MAC. Throws EstbError
 * with the codes readEstbBlocks uses (`too_short`, `bad_magic`, `unsupported_version`,
 * `header_padding`, `truncated`, `trailing_bytes`, `file_unreadable`) for a file that is not one:
 * both read through the same framing (estb-frames.ts).
 */
export async function scanEstb(source: string | Readable, keys: KeyStore, onRecords?: EstbRecordBytes): Promise<EstbScan> {
  let opened: { header: EstbHeader; headerBytes: Buffer } | undefined;
  // Records are only hashed and passed on here, so a block is as many as the read brought.
  for await (const frame of estbFrames(source, keys, Number.MAX_SAFE_INTEGER)) {
    if (frame.kind === 'header') opened = { header: frame.header, headerBytes: frame.headerBytes };
    else if (frame.kind === 'records') onRecords?.(frame.first, frame.block);
    else if (opened) return { ...opened, fileAccepted: frame.fileMacValid, records: frame.records };
  }
  // The framing ends a file only after its header, with its trailer, or throws.
  throw new EstbError('truncated', 'The settlement file ended without its MAC.');
}

/** The SAM id (16 upper-case hex digits) and SAM sequence number of record `i` of a block of records. */
export function estbSamOf(block: Buffer, i: number): { samId: string; samSeq: number } {
  const at = i * RECORD_BYTES;
  return { samId: block.toString('hex', at + 19, at + 27).toUpperCase(), samSeq: block.readUInt32BE(at + 27) };
}
