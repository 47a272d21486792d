// The MACs of a load (spec 4.1) and a purchase (4.3). Card and server compute them with the same
// functions: the card with its personalised keys, the server through the key store.
import { retailMac4 } from '../crypto/retail-mac';
import { sessionKey, sessionRetailMac } from '../crypto/derivation';
import type { SecretKey } from '../crypto/secret-key';
import {
  amountBytes,
  assertAtc,
  assertTransactionAmount,
  csnToBytes,
  hexIdToBytes,
  u16,
  u32,
  type Csn,
  type PurseId,
  type SamId,
} from './identity';
import { EsmartError } from './protocol-error';

export const RANDOM_BYTES = 8;
/** Offline loads use eight 00 bytes for both randoms (spec 4.1). */
export const OFFLINE_RANDOM = Buffer.alloc(RANDOM_BYTES);

/** What MAC3 covers: the credit itself. */
export interface LoadCredit {
  csn: Csn;
  atc: number;
  purse: PurseId;
  amount: bigint;
}

/** What MAC1 and MAC2 cover: the credit plus both randoms. */
export interface LoadSession extends LoadCredit {
  /** Host random RH, 8 bytes (zeros offline). */
  rh: Buffer;
  /** Card random RC, 8 bytes (zeros offline). */
  rc: Buffer;
}

export interface PurchaseProof {
  csn: Csn;
  atc: number;
  purse: PurseId;
  amount: bigint;
  newBalance: bigint;
  samId: SamId;
  samSeq: number;
}

function creditFields(credit: LoadCredit): Buffer {
  assertAtc(credit.atc);
  assertTransactionAmount(credit.amount);
  return Buffer.concat([csnToBytes(credit.csn), u16(credit.atc), Buffer.of(credit.purse), amountBytes(credit.amount)]);
}

function assertRandoms(session: LoadSession): void {
  if (session.rh.length !== RANDOM_BYTES || session.rc.length !== RANDOM_BYTES) {
    throw new EsmartError('invalid_field', 'RH and RC are 8 bytes each.');
  }
}

/** MAC1 = MAC4(SK(KL, ATC), 01 ‖ CSN ‖ ATC ‖ PP ‖ amount ‖ RH ‖ RC). */
export function computeMac1(loadKey: SecretKey, s: LoadSession): Buffer {
  assertRandoms(s);
  return retailMac4(sessionKey(loadKey, s.atc), Buffer.concat([Buffer.of(0x01), creditFields(s), s.rh, s.rc]));
}

/** MAC2 = MAC4(SK(KL, ATC), 02 ‖ CSN ‖ ATC ‖ PP ‖ amount ‖ RC ‖ RH). */
export function computeMac2(loadKey: SecretKey, s: LoadSession): Buffer {
  assertRandoms(s);
  return retailMac4(sessionKey(loadKey, s.atc), Buffer.concat([Buffer.of(0x02), creditFields(s), s.rc, s.rh]));
}

/** MAC3 = MAC4(SK(KL, ATC), 03 ‖ CSN ‖ ATC ‖ PP ‖ amount). */
export function computeMac3(loadKey: SecretKey, c: LoadCredit): Buffer {
  return retailMac4(sessionKey(loadKey, c.atc), Buffer.concat([Buffer.of(0x03), creditFields(c)]));
}

/** MACP = MAC4(SK(KP, ATC), 04 ‖ CSN ‖ ATC ‖ PP ‖ amount ‖ new balance ‖ SAM id ‖ SAM seq). */
export function computePurchaseMac(purchaseKey: SecretKey, p: PurchaseProof): Buffer {
  return purchaseMacOverFields(purchaseKey, p.atc, purchaseFields(p));
}

/** The 31 bytes CSN ‖ ATC ‖ PP ‖ amount ‖ new balance ‖ SAM id ‖ SAM seq (also the head of an .estb record). */
export function purchaseFields(p: PurchaseProof): Buffer {
  if (p.newBalance < 0n || p.newBalance > 0xffffffffn) throw new EsmartError('invalid_amount', 'A balance is 0..2^32-1 minor units.');
  if (!Number.isInteger(p.samSeq) || p.samSeq < 0 || p.samSeq > 0xffffffff) {
    throw new EsmartError('invalid_field', 'A SAM sequence number is 0..2^32-1.');
  }
  return Buffer.concat([creditFields(p), amountBytes(p.newBalance), hexIdToBytes(p.samId), u32(p.samSeq)]);
}

/** MACP over already-encoded purchase fields (31 bytes): the settlement verifier's fast path. */
export function purchaseMacOverFields(purchaseKey: SecretKey, atc: number, fields: Buffer): Buffer {
  if (fields.length !== 31) throw new EsmartError('invalid_field', 'Purchase fields are 31 bytes.');
  return retailMac4(sessionKey(purchaseKey, atc), Buffer.concat([Buffer.of(0x04), fields]));
}

/**
 * The full 8-byte MAC whose first 4 bytes are MACP, over the 31 purchase fields at `at` of `bytes`
 * (a block of `.estb` records): the same bytes as purchaseMacOverFields, but nothing is copied or
 * sliced and no session key object is made — the settlement verifier checks a million of these.
 */
export function purchaseMacAt(purchaseKey: SecretKey, bytes: Buffer, at: number): Buffer {
  if (at < 0 || at + PURCHASE_FIELDS_BYTES > bytes.length) throw new EsmartError('invalid_field', 'Purchase fields are 31 bytes.');
  const head = PURCHASE_HEAD;
  for (let i = 0; i < PURCHASE_FIELDS_BYTES; i++) head[1 + i] = bytes[at + i];
  return sessionRetailMac(purchaseKey, (bytes[at + 8] << 8) | bytes[at + 9], head, PURCHASE_LAST_BLOCK);
}

const PURCHASE_FIELDS_BYTES = 31;
// 04 ‖ the 31 fields is exactly 4 blocks, so the padded last block is always 80 00…00. The head is
// scratch (calls are synchronous) and holds no secret.
const PURCHASE_HEAD = Buffer.alloc(32, 0x04);
const PURCHASE_LAST_BLOCK = Buffer.of(0x80, 0, 0, 0, 0, 0, 0, 0);

/** MACS = MAC4(KS, 05 ‖ the 39 record bytes before MACS) — the vectors fix the span at bytes 0..38. */
export function computeSamMac(samKey: SecretKey, recordHead: Buffer): Buffer {
  if (recordHead.length !== 39) throw new EsmartError('invalid_field', 'MACS covers the first 39 bytes of a purchase record.');
  return retailMac4(samKey, Buffer.concat([Buffer.of(0x05), recordHead]));
}
