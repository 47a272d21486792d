import Decimal from 'decimal.js';

/**
 * Amounts live as bigint minor units inside the ledger; decimal strings such as "250.00" exist
 * only at the edge. decimal.js does the conversion so that no JS float ever holds money.
 */

/** Largest amount or counter a PostgreSQL bigint can hold. */
export const MAX_AMOUNT = 9_223_372_036_854_775_807n;

export type AmountErrorCode = 'amount_malformed' | 'amount_zero' | 'amount_negative' | 'amount_too_precise' | 'amount_too_large' | 'exponent_invalid';

export class AmountError extends Error {
  override readonly name = 'AmountError';
  constructor(
    readonly code: AmountErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// Plain decimal notation only: "1e3", " 5", "1,00" or "+5" are refused rather than guessed at.
const DECIMAL_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

function checkExponent(exponent: number): void {
  if (!Number.isInteger(exponent) || exponent < 0 || exponent > 18) {
    throw new AmountError('exponent_invalid', `currency exponent ${exponent} is not an integer between 0 and 18; fix the ledger definition.`);
  }
}

/**
 * Parses a positive decimal amount ("250.00") into minor units of a currency with `exponent`
 * decimal places (2 for EUR). Throws AmountError for anything that is not a positive amount
 * representable exactly.
 */
export function parseAmount(text: string, exponent: number): bigint {
  checkExponent(exponent);
  if (typeof text !== 'string' || !DECIMAL_TEXT.test(text)) {
    throw new AmountError('amount_malformed', `amount ${JSON.stringify(text)} is not a plain decimal number; write it like "250.00".`);
  }
  const value = new Decimal(text);
  if (value.isNegative() && !value.isZero()) {
    throw new AmountError('amount_negative', `amount ${text} is negative; amounts are always positive, the direction is given by debit and credit accounts.`);
  }
  if (value.isZero()) {
    throw new AmountError('amount_zero', `amount ${text} is zero; send an amount greater than zero.`);
  }
  if (value.decimalPlaces() > exponent) {
    throw new AmountError('amount_too_precise', `amount ${text} has more than ${exponent} decimal places; round it to the currency's minor unit first.`);
  }
  const minor = BigInt(value.times(new Decimal(10).pow(exponent)).toFixed(0));
  if (minor > MAX_AMOUNT) {
    throw new AmountError('amount_too_large', `amount ${text} exceeds the largest amount the ledger can hold (${formatAmount(MAX_AMOUNT, exponent)}).`);
  }
  return minor;
}

/** Formats minor units as a decimal string with exactly `exponent` places ("250.00"); negatives keep their sign. */
export function formatAmount(minor: bigint, exponent: number): string {
  checkExponent(exponent);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}
