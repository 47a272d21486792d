import Decimal from 'decimal.js';
import { PortalError } from './errors';

/**
 * Amounts typed by people ("250.00") become bigint minor units here, at the edge; no JS float ever
 * holds money. The card's amount field is 4 bytes (spec/esmart-card.md §4), so no single download
 * can exceed 2^32 - 1 minor units whatever the balance.
 */
export const CARD_AMOUNT_MAX_MINOR = 0xffff_ffffn;
export const CURRENCY_EXPONENT = 2;

// Plain decimal notation only; "1e3", "+5" or "1,00" are refused rather than guessed at.
const DECIMAL_TEXT = /^-?[0-9]+(\.[0-9]+)?$/;

/** Parses a download amount; throws PortalError (field `amount`) with what to type instead. */
export function parseDownloadAmount(text: unknown, exponent = CURRENCY_EXPONENT): bigint {
  const typed = typeof text === 'string' ? text.trim() : '';
  if (!DECIMAL_TEXT.test(typed)) {
    throw new PortalError('amount_malformed', 'Type the amount as a number such as 25.00, with a dot before the cents.', { field: 'amount' });
  }
  const value = new Decimal(typed);
  if (value.isZero()) throw new PortalError('amount_zero', 'The amount is zero; type an amount greater than 0.00.', { field: 'amount' });
  if (value.isNegative()) throw new PortalError('amount_negative', 'The amount is negative; type an amount greater than 0.00.', { field: 'amount' });
  if (value.decimalPlaces() > exponent) {
    throw new PortalError('amount_too_precise', `The amount has more than ${exponent} decimals; round it to the cent.`, { field: 'amount' });
  }
  const minor = BigInt(value.times(new Decimal(10).pow(exponent)).toFixed(0));
  if (minor > CARD_AMOUNT_MAX_MINOR) {
    throw new PortalError('amount_too_large', `A card takes at most ${formatMinor(CARD_AMOUNT_MAX_MINOR, exponent)} in one download; type a smaller amount.`, { field: 'amount' });
  }
  return minor;
}

/** Formats minor units as "1234.50" (exactly `exponent` decimals). */
export function formatMinor(minor: bigint, exponent = CURRENCY_EXPONENT): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** Reads a decimal string handed over by another part ("250.00") back into minor units. */
export function minorFromDecimal(text: string, exponent = CURRENCY_EXPONENT): bigint {
  return BigInt(new Decimal(text).times(new Decimal(10).pow(exponent)).toFixed(0));
}
