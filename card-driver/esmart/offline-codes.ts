// The decimal codes of spec 4.2 that a person types between the eCom Pocket and the portal. Each
// ends in a Luhn digit so that a typo is refused before it costs one of the card's three attempts.
import { digits8, hasValidLuhn, luhnCheckDigit } from '../crypto/digits';
import { assertAtc } from './identity';
import { EsmartError } from './protocol-error';

export const REQUEST_CODE_DIGITS = 14;
export const AUTHORIZATION_CODE_DIGITS = 9;
export const CONFIRMATION_CODE_DIGITS = 9;

export interface RequestCode {
  atc: number;
  /** DIGITS8(MAC1) */
  mac1Digits: string;
}

/** Request code: ATC as 5 digits ‖ DIGITS8(MAC1) ‖ LUHN (14 digits). */
export function formatRequestCode(atc: number, mac1: Buffer): string {
  assertAtc(atc);
  const body = String(atc).padStart(5, '0') + digits8(mac1);
  return body + luhnCheckDigit(body);
}

export function parseRequestCode(text: string): RequestCode {
  const digits = typedDigits(text, REQUEST_CODE_DIGITS, 'a request code');
  const atc = Number(digits.slice(0, 5));
  if (atc > 0xffff) {
    throw new EsmartError('code_format', 'This request code cannot come from a card (its counter is above 65535); type it again from the pocket.');
  }
  return { atc, mac1Digits: digits.slice(5, 13) };
}

/** Authorization code: DIGITS8(MAC2) ‖ LUHN (9 digits). */
export function formatAuthorizationCode(mac2: Buffer): string {
  return withLuhn(digits8(mac2));
}

/** The 8 digits of an authorization code, for CREDIT LOAD's auth field (spec 4.1: the 8 digits as a 4-byte integer). */
export function parseAuthorizationCode(text: string): string {
  return typedDigits(text, AUTHORIZATION_CODE_DIGITS, 'an authorization code').slice(0, 8);
}

/** Confirmation code: DIGITS8(MAC3) ‖ LUHN (9 digits). */
export function formatConfirmationCode(mac3: Buffer): string {
  return withLuhn(digits8(mac3));
}

export function parseConfirmationCode(text: string): string {
  return typedDigits(text, CONFIRMATION_CODE_DIGITS, 'a confirmation code').slice(0, 8);
}

/** CREDIT LOAD's `auth` field offline: the 8 authorization digits as a 4-byte integer. */
export function authFieldFromDigits(eightDigits: string): Buffer {
  if (!/^[0-9]{8}$/.test(eightDigits)) throw new EsmartError('code_format', 'An authorization value is 8 digits.');
  const b = Buffer.alloc(4);
  b.writeUInt32BE(Number(eightDigits));
  return b;
}

function withLuhn(body: string): string {
  return body + luhnCheckDigit(body);
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Spaces and dashes are allowed between digit groups, as people copy codes in groups. */
function typedDigits(text: string, length: number, what: string): string {
  const digits = text.replace(/[\s-]/g, '');
  if (!/^[0-9]+$/.test(digits) || digits.length !== length) {
    throw new EsmartError('code_format', `${capitalized(what)} is ${length} digits; check what you typed.`);
  }
  if (!hasValidLuhn(digits)) {
    throw new EsmartError('code_check_digit', `${capitalized(what)} with this last digit has a typing error; type it again.`);
  }
  return digits;
}
