import { Transform, type TransformCallback } from 'node:stream';
import { PortalError } from './errors';

/**
 * A gate in front of the settlement workflow for an uploaded `.estb` file (spec/esmart-card.md
 * §4.5): it checks, while the bytes stream through, what can be checked without keys — the magic,
 * the version, the record count against the limit, and that the length matches the header — so a
 * wrong, empty, truncated or oversized file is refused with a clear reason. MACs are the
 * workflow's business. Nothing is buffered beyond the 32-byte header.
 */
export const ESTB_HEADER_BYTES = 32;
export const ESTB_RECORD_BYTES = 48;
export const ESTB_TRAILER_BYTES = 8;

export function estbLength(records: number): number {
  return ESTB_HEADER_BYTES + records * ESTB_RECORD_BYTES + ESTB_TRAILER_BYTES;
}

export class EstbUploadGate extends Transform {
  private header: Buffer = Buffer.alloc(0);
  private expectedBytes: number | null = null;
  private seenBytes = 0;

  constructor(private readonly maxRecords: number) {
    super();
  }

  /** Bytes that went through the gate so far. */
  get bytes(): number {
    return this.seenBytes;
  }

  /** The number of records the header announces, once the header went through. */
  recordCount: number | null = null;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seenBytes += chunk.length;
    if (this.expectedBytes === null) {
      this.header = Buffer.concat([this.header, chunk.subarray(0, ESTB_HEADER_BYTES - this.header.length)]);
      if (this.header.length === ESTB_HEADER_BYTES) {
        const refusal = this.checkHeader(this.header);
        if (refusal) return callback(refusal);
      }
    }
    if (this.expectedBytes !== null && this.seenBytes > this.expectedBytes) {
      return callback(new PortalError('upload_not_estb', 'The file is longer than its header says; upload the .estb file exactly as the Transfer card exported it.', { field: 'file' }));
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.seenBytes === 0) return callback(new PortalError('upload_empty', 'The file is empty; choose the .estb file the Transfer card exported.', { field: 'file' }));
    if (this.expectedBytes === null) {
      return callback(new PortalError('upload_truncated', 'The file ends inside its header; export it from the Transfer card again and upload the new file.', { field: 'file' }));
    }
    if (this.seenBytes < this.expectedBytes) {
      return callback(new PortalError('upload_truncated', `The file is cut short (${this.seenBytes} of ${this.expectedBytes} bytes); export it from the Transfer card again and upload the new file.`, { field: 'file' }));
    }
    callback();
  }

  private checkHeader(header: Buffer): PortalError | null {
    if (header.subarray(0, 4).toString('latin1') !== 'ESTB' || header[4] !== 0x01) {
      return new PortalError('upload_not_estb', 'This is not a settlement file (.estb); choose the file the Transfer card exported.', { field: 'file' });
    }
    const records = header.readUInt32BE(17);
    if (records > this.maxRecords) {
      return new PortalError('upload_too_many_records', `The file has ${records} records, more than the ${this.maxRecords} one upload takes; split the batch on the Transfer card.`, { field: 'file' });
    }
    this.recordCount = records;
    this.expectedBytes = estbLength(records);
    return null;
  }
}
