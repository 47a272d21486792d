// The `.estb` settlement file of spec 4.5: a 32-byte header, 48-byte records, an 8-byte MAC trailer.
import type { SecretKey } from '../crypto/secret-key';
import { computeSamMac } from '../esmart/transaction-macs';
import { EstbError } from './estb-error';

export const ESTB_MAGIC = Buffer.from('ESTB', 'ascii');
export const ESTB_VERSION = 0x01;
export const HEADER_BYTES = 32;
export const RECORD_BYTES = 48;
export const TRAILER_BYTES = 8;
/** The byte that starts the file MAC's input: MAC(KT, 06 ‖ header ‖ records). */
export const FILE_MAC_TAG = Buffer.of(0x06);
/** MACS covers the record bytes before it (0..38). */
export const SAM_MAC_SPAN = 39;

export interface EstbHeader {
  /** 16 upper-case hex digits. */
  transferCardId: string;
  batchSeq: number;
  recordCount: number;
  /** Unix seconds. */
  created: number;
}

/**
 * One purchase as the SAM recorded it. Fields are as read from the file (a CSN that is not BCD is
 * kept as its hex text); the verdict says whether they are acceptable.
 */
export interface EstbRecord {
  csn: string;
  atc: number;
  purse: number;
  amount: bigint;
  balanceAfter: bigint;
  samId: string;
  samSeq: number;
  /** Unix seconds. */
  time: number;
  macp: Buffer;
  macs: Buffer;
}

export function encodeHeader(h: EstbHeader): Buffer {
  assertU32(h.batchSeq, 'batch seq');
  assertU32(h.recordCount, 'record count');
  assertU32(h.created, 'created time');
  const b = Buffer.alloc(HEADER_BYTES);
  ESTB_MAGIC.copy(b, 0);
  b[4] = ESTB_VERSION;
  hexField(h.transferCardId, 'Transfer card id').copy(b, 5);
  b.writeUInt32BE(h.batchSeq, 13);
  b.writeUInt32BE(h.recordCount, 17);
  b.writeUInt32BE(h.created, 21);
  return b;
}

export function decodeHeader(b: Buffer): EstbHeader {
  if (b.length < HEADER_BYTES) throw new EstbError('too_short', `An .estb file starts with a ${HEADER_BYTES}-byte header; this one has ${b.length} bytes. Export the file from the Transfer card again.`);
  if (!b.subarray(0, 4).equals(ESTB_MAGIC)) throw new EstbError('bad_magic', 'This is not an .estb settlement file (it does not start with "ESTB"); upload the file exported from the Transfer card.');
  if (b[4] !== ESTB_VERSION) throw new EstbError('unsupported_version', `.estb version ${b[4]} is not supported (only 01); update the merchant software or the server.`);
  if (b.subarray(25, 32).some((x) => x !== 0)) throw new EstbError('header_padding', 'The .estb header padding is not zero; the file is damaged. Export it again.');
  return {
    transferCardId: b.subarray(5, 13).toString('hex').toUpperCase(),
    batchSeq: b.readUInt32BE(13),
    recordCount: b.readUInt32BE(17),
    created: b.readUInt32BE(21),
  };
}

/** The record's 48 bytes, with MACS as given. */
export function encodeRecord(r: EstbRecord): Buffer {
  const b = Buffer.alloc(RECORD_BYTES);
  writeRecordHead(b, r);
  if (r.macp.length !== 4 || r.macs.length !== 4) throw new EstbError('invalid_record', 'MACP and MACS are 4 bytes each.');
  r.macp.copy(b, 35);
  r.macs.copy(b, 39);
  return b;
}

/** The record signed by the SAM: MACS = MAC4(KS, 05 ‖ bytes 0..38). */
export function encodeSamSignedRecord(r: Omit<EstbRecord, 'macs'>, samKey: SecretKey): Buffer {
  const b = Buffer.alloc(RECORD_BYTES);
  writeRecordHead(b, r);
  if (r.macp.length !== 4) throw new EstbError('invalid_record', 'MACP is 4 bytes.');
  r.macp.copy(b, 35);
  computeSamMac(samKey, b.subarray(0, SAM_MAC_SPAN)).copy(b, 39);
  return b;
}

function writeRecordHead(b: Buffer, r: Omit<EstbRecord, 'macs'>): void {
  const csn = Buffer.from(r.csn, 'hex');
  if (csn.length !== 8) throw new EstbError('invalid_record', 'A record CSN is 16 digits.');
  csn.copy(b, 0);
  b.writeUInt16BE(r.atc, 8);
  b[10] = r.purse;
  b.writeUInt32BE(Number(r.amount), 11);
  b.writeUInt32BE(Number(r.balanceAfter), 15);
  hexField(r.samId, 'SAM id').copy(b, 19);
  b.writeUInt32BE(r.samSeq, 27);
  b.writeUInt32BE(r.time, 31);
}

export function decodeRecord(b: Buffer): EstbRecord {
  if (b.length !== RECORD_BYTES) throw new EstbError('invalid_record', `A record is ${RECORD_BYTES} bytes; got ${b.length}.`);
  return decodeRecordAt(b, 0);
}

/** The record at `offset` of a block of records (the caller knows 48 bytes are there). */
export function decodeRecordAt(b: Buffer, offset: number): EstbRecord {
  return recordAt(b, offset, hexText(b, offset), hexText(b, offset + 19), Buffer.from(b.subarray(offset + 35, offset + 43)), 0);
}

/** The 8 bytes at `offset` as 16 upper-case hex digits (a CSN, a SAM id). */
export function hexText(b: Buffer, offset: number): string {
  return b.toString('hex', offset, offset + 8).toUpperCase();
}

/**
 * The record at `offset`, its CSN and SAM id already known as text (hexText of their bytes), its
 * MACP ‖ MACS already copied to `macs` at `macsAt`: a verifier that has met the card and the SAM
 * before makes no strings, and copies the MACs of a whole block into one buffer (a kept record
 * then pins those 8 bytes' buffer, never the file chunk it was read from).
 */
export function recordAt(b: Buffer, offset: number, csn: string, samId: string, macs: Buffer, macsAt: number): EstbRecord {
  return new DecodedRecord(b, offset, csn, samId, macs, macsAt);
}

// A class rather than an object literal: V8 tracks the allocation sites of literals and, seeing
// nearly all of a block's records alive at each young-generation GC, starts allocating them in the
// old generation ("pretenuring"), where a million records' garbage piles up until a full GC (+16 MB
// of heap). Objects made by a constructor are never pretenured. Plain data all the same: the
// fields below, in this order, and nothing else.
class DecodedRecord implements EstbRecord {
  csn: string;
  atc: number;
  purse: number;
  amount: bigint;
  balanceAfter: bigint;
  samId: string;
  samSeq: number;
  time: number;
  macp: Buffer;
  macs: Buffer;
  constructor(b: Buffer, offset: number, csn: string, samId: string, macs: Buffer, macsAt: number) {
    this.csn = csn;
    this.atc = (b[offset + 8] << 8) | b[offset + 9];
    this.purse = b[offset + 10];
    this.amount = BigInt(b.readUInt32BE(offset + 11));
    this.balanceAfter = BigInt(b.readUInt32BE(offset + 15));
    this.samId = samId;
    this.samSeq = b.readUInt32BE(offset + 27);
    this.time = b.readUInt32BE(offset + 31);
    this.macp = macs.subarray(macsAt, macsAt + 4);
    this.macs = macs.subarray(macsAt + 4, macsAt + 8);
  }
}

function hexField(text: string, what: string): Buffer {
  if (!/^[0-9A-Fa-f]{16}$/.test(text)) throw new EstbError('invalid_record', `A ${what} is 16 hex digits.`);
  return Buffer.from(text, 'hex');
}

function assertU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new EstbError('invalid_record', `The ${what} must be 0..2^32-1; got ${v}.`);
}
