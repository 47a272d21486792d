// Writing a signed `.estb` file: in memory for small batches, or streamed to disk for large ones
// (the Transfer card simulator and the benchmark write a million records without holding them).
import * as fs from 'node:fs';
import { RetailMacStream } from '../crypto/retail-mac';
import type { SecretKey } from '../crypto/secret-key';
import { EstbError } from './estb-error';
import { encodeHeader, FILE_MAC_TAG, RECORD_BYTES, type EstbHeader } from './estb-format';

/** The whole file: header ‖ records ‖ MAC(KT, 06 ‖ header ‖ records). Records are 48-byte encoded records. */
export function encodeEstbFile(header: Omit<EstbHeader, 'recordCount'>, records: readonly Buffer[], transferKey: SecretKey): Buffer {
  const head = encodeHeader({ ...header, recordCount: records.length });
  const mac = new RetailMacStream(transferKey).update(FILE_MAC_TAG).update(head);
  for (const r of records) {
    if (r.length !== RECORD_BYTES) throw new EstbError('invalid_record', `A record is ${RECORD_BYTES} bytes.`);
    mac.update(r);
  }
  return Buffer.concat([head, ...records, mac.digest()]);
}

const FLUSH_BYTES = 1 << 20;

/** Streams a file to disk; the record count goes into the header, so it is fixed up front. */
export class EstbFileWriter {
  readonly #fd: number;
  readonly #mac: RetailMacStream;
  readonly #expected: number;
  #written = 0;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #closed = false;

  constructor(path: string, header: EstbHeader, transferKey: SecretKey) {
    this.#expected = header.recordCount;
    const head = encodeHeader(header);
    this.#fd = fs.openSync(path, 'w');
    this.#mac = new RetailMacStream(transferKey).update(FILE_MAC_TAG);
    this.#push(head);
  }

  write(record: Buffer): void {
    if (this.#closed) throw new EstbError('record_count_mismatch', 'This .estb file is already finished.');
    if (record.length !== RECORD_BYTES) throw new EstbError('invalid_record', `A record is ${RECORD_BYTES} bytes.`);
    if (this.#written >= this.#expected) throw new EstbError('record_count_mismatch', `The header announced ${this.#expected} records; no more fit.`);
    this.#written++;
    this.#push(record);
  }

  /** Writes the trailer and closes the file; refuses when fewer records than announced were written. */
  finish(): void {
    if (this.#written !== this.#expected) {
      this.#abandon();
      throw new EstbError('record_count_mismatch', `The header announced ${this.#expected} records but ${this.#written} were written.`);
    }
    this.#flush();
    fs.writeSync(this.#fd, this.#mac.digest());
    this.#closed = true;
    fs.closeSync(this.#fd);
  }

  #push(bytes: Buffer): void {
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes >= FLUSH_BYTES) this.#flush();
  }

  #flush(): void {
    if (this.#pendingBytes === 0) return;
    const chunk = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#mac.update(chunk);
    fs.writeSync(this.#fd, chunk);
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #abandon(): void {
    this.#closed = true;
    fs.closeSync(this.#fd);
  }
}
