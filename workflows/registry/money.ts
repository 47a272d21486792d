// Money at the edges: people write "250.00", the ledger and the cards count minor units (bigint),
// Temporal carries minor units as decimal strings. decimal.js does the text conversion, so no JS
// float ever holds an amount.
import Decimal from 'decimal.js';
import { RegistryError } from './registry-error';

/** The cards count 1/100 of the currency unit (spec §1). */
export const MINOR_DIGITS = 2;
const PLAIN_DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const MINOR_TEXT = /^(0|[1-9][0-9]*)$/;

/** "250.00" or "250" → 25000n. Refuses negative, zero, more than two decimals, exponents and spaces. */
export function parseMoney(text: string): bigint {
  if (typeof text !== 'string' || !PLAIN_DECIMAL.test(text)) {
    throw new RegistryError('amount_invalid', `The amount ${JSON.stringify(text)} is not a plain positive decimal; write it like 250.00.`);
  }
  const value = new Decimal(text);
  if (value.decimalPlaces() > MINOR_DIGITS) {
    throw new RegistryError('amount_invalid', `The amount ${text} has more than ${MINOR_DIGITS} decimals; round it to the paisa/cent.`);
  }
  const minor = BigInt(value.times(10 ** MINOR_DIGITS).toFixed(0));
  if (minor <= 0n) throw new RegistryError('amount_invalid', `The amount ${text} is not above zero; give a positive amount.`);
  return minor;
}

/** 25000n → "250.00". */
export function formatMoney(minor: bigint): string {
  return new Decimal(minor.toString()).dividedBy(10 ** MINOR_DIGITS).toFixed(MINOR_DIGITS);
}

/** Minor units as they cross Temporal ("25000") → bigint; refuses anything but a non-negative integer. */
export function parseMinor(text: string, what = 'amount'): bigint {
  if (typeof text !== 'string' || !MINOR_TEXT.test(text)) {
    throw new RegistryError('amount_invalid', `The ${what} ${JSON.stringify(text)} is not a whole number of minor units.`);
  }
  return BigInt(text);
}
