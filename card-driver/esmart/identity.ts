// Identities and fields of spec §1, as validated values. CSN is 16 decimal digits (BCD on the card)
// ending in a Luhn digit; SAM and Transfer card ids are opaque 8 bytes shown as 16 hex digits.
import { hasValidLuhn, luhnCheckDigit } from '../crypto/digits';
import { EsmartError } from './protocol-error';

declare const csnBrand: unique symbol;
declare const samIdBrand: unique symbol;
declare const transferCardIdBrand: unique symbol;

/** 16 decimal digits, Luhn-checked, no spaces: `6071000000000019`. */
export type Csn = string & { readonly [csnBrand]: true };
/** 16 upper-case hex digits. */
export type SamId = string & { readonly [samIdBrand]: true };
/** 16 upper-case hex digits. */
export type TransferCardId = string & { readonly [transferCardIdBrand]: true };

/** Purse ids PP of spec §1. */
export const PURSE = { ecash: 1, food: 2 } as const;
export type PurseId = (typeof PURSE)[keyof typeof PURSE];
export type PurseName = keyof typeof PURSE;

export const AID = Buffer.from('F045534D41525401', 'hex');
/** The largest amount or balance a 4-byte field holds. */
export const MAX_AMOUNT = 0xffffffffn;
export const MAX_ATC = 0xffff;

/** Accepts `6071 0000 0000 0019` or `6071000000000019`; refuses a wrong Luhn digit. */
export function parseCsn(text: string): Csn {
  const digits = text.replace(/[\s-]/g, '');
  if (!/^[0-9]{16}$/.test(digits)) {
    throw new EsmartError('invalid_csn', 'A card serial number (CSN) is 16 digits, e.g. 6071 0000 0000 0019.');
  }
  if (!hasValidLuhn(digits)) {
    throw new EsmartError('invalid_csn', `The CSN ${formatCsn(digits as Csn)} has a wrong check digit; check the number on the card.`);
  }
  return digits as Csn;
}

/** Completes 15 digits with their Luhn digit: a way to mint CSNs for simulated cards. */
export function csnWithCheckDigit(fifteenDigits: string): Csn {
  if (!/^[0-9]{15}$/.test(fifteenDigits)) throw new EsmartError('invalid_csn', 'Give 15 digits to make a CSN.');
  return (fifteenDigits + luhnCheckDigit(fifteenDigits)) as Csn;
}

export function formatCsn(csn: Csn): string {
  return csn.replace(/(\d{4})(?=\d)/g, '$1 ');
}

export function csnToBytes(csn: Csn): Buffer {
  return Buffer.from(csn, 'hex'); // 16 BCD digits pack exactly like hex digits 0-9
}

/**
 * Whether 8 bytes at `offset` are a valid CSN in BCD: 16 decimal digits whose last is the Luhn digit
 * of the others. The same rule as parseCsn, without making strings: a settlement file checks one per record.
 */
export function isCsnBcd(bytes: Uint8Array, offset: number): boolean {
  let sum = 0;
  // Digits from the right: the check digit (index 15) is not doubled, index 14 is, and so on.
  for (let i = 15; i >= 0; i--) {
    const byte = bytes[offset + (i >> 1)];
    let digit = (i & 1) === 0 ? byte >> 4 : byte & 0x0f;
    if (digit > 9) return false;
    if ((i & 1) === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * The CSN in BCD at `offset` as the number its first 15 digits make (the 16th, their Luhn digit,
 * adds nothing), or -1 when the bytes are not a valid CSN (the rule of isCsnBcd). Below 10^15, so
 * exact: a settlement verifier's key for the cards it has met, without making a string per record.
 */
export function csnBcdNumber(bytes: Uint8Array, offset: number): number {
  if (!isCsnBcd(bytes, offset)) return -1;
  let value = 0;
  for (let i = 0; i < 7; i++) {
    const byte = bytes[offset + i];
    value = value * 100 + (byte >> 4) * 10 + (byte & 0x0f);
  }
  return value * 10 + (bytes[offset + 7] >> 4);
}

export function csnFromBytes(bytes: Uint8Array): Csn {
  if (bytes.length !== 8) throw new EsmartError('invalid_csn', `A CSN is 8 bytes; got ${bytes.length}.`);
  return parseCsn(Buffer.from(bytes).toString('hex'));
}

export function parseSamId(text: string): SamId {
  return parseHexId(text, 'SAM id') as SamId;
}

export function parseTransferCardId(text: string): TransferCardId {
  return parseHexId(text, 'Transfer card id') as TransferCardId;
}

function parseHexId(text: string, what: string): string {
  const clean = text.replace(/\s+/g, '');
  if (!/^[0-9A-Fa-f]{16}$/.test(clean)) {
    throw new EsmartError('invalid_id', `A ${what} is 16 hexadecimal digits (8 bytes), e.g. 53414D0000000007.`);
  }
  return clean.toUpperCase();
}

export function hexIdToBytes(id: SamId | TransferCardId): Buffer {
  return Buffer.from(id, 'hex');
}

export function purseId(value: number): PurseId {
  if (value !== PURSE.ecash && value !== PURSE.food) {
    throw new EsmartError('invalid_purse', `Purse ${value} does not exist: 1 is e-Cash, 2 is Food Voucher.`);
  }
  return value;
}

export function purseName(purse: PurseId): PurseName {
  return purse === PURSE.ecash ? 'ecash' : 'food';
}

/** An amount in minor units for a transaction: 1 .. 2^32-1. */
export function assertTransactionAmount(amount: bigint): void {
  if (typeof amount !== 'bigint' || amount <= 0n || amount > MAX_AMOUNT) {
    throw new EsmartError('invalid_amount', `An amount is 1 to ${MAX_AMOUNT} minor units; got ${String(amount)}.`);
  }
}

export function assertAtc(atc: number): void {
  if (!Number.isInteger(atc) || atc < 0 || atc > MAX_ATC) {
    throw new EsmartError('invalid_atc', `An ATC is 0..65535; got ${atc}.`);
  }
}

export function amountBytes(amount: bigint): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(Number(amount));
  return b;
}

export function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

export function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}
