// The shape of the offline codes (spec 4.2) as the update validators check them, inside the
// workflow sandbox where card-driver (Node crypto, native readers) cannot be loaded. Only shape and
// the Luhn digit: whether a code is genuine is for the key store, on the server worker.
import type { CodeRefusal } from './download-contract';

export const REQUEST_CODE_LENGTH = 14;
export const CONFIRMATION_CODE_LENGTH = 9;

export interface CodeShapeProblem {
  refusal: Extract<CodeRefusal, 'format' | 'check_digit'>;
  message: string;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Digits as typed, without the spaces and dashes people put between groups. */
export function normalizeCode(text: unknown): string {
  return typeof text === 'string' ? text.replace(/[\s-]/g, '') : '';
}

/** Undefined when the code is well formed; otherwise why not, in words for the customer. */
export function codeShapeProblem(text: unknown, length: number, what: string): CodeShapeProblem | undefined {
  const digits = normalizeCode(text);
  if (!/^[0-9]+$/.test(digits) || digits.length !== length) {
    return { refusal: 'format', message: `A ${what} is ${length} digits; check what you typed.` };
  }
  if (!luhnValid(digits)) {
    return { refusal: 'check_digit', message: `This ${what} has a typing error (its last digit does not match); type it again.` };
  }
  if (what === 'request code' && Number(digits.slice(0, 5)) > 0xffff) {
    return { refusal: 'format', message: 'This request code cannot come from a card (its counter is above 65535); type it again from the pocket.' };
  }
  return undefined;
}

/** The ATC a well-formed request code carries (its first five digits). */
export function requestCodeAtc(text: string): number {
  return Number(normalizeCode(text).slice(0, 5));
}
