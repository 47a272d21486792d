import { PortalError } from './errors';

/**
 * The decimal codes a customer copies between the eCom Pocket and the page
 * (spec/esmart-card.md §4.2). Each ends in a Luhn digit that only guards typing; the MAC inside
 * gives the security and is checked by the workflow. The page checks format and Luhn digit in the
 * browser (static/portal.js) and here again, so a mistyped code never costs an attempt.
 */
export type OfflineCodeKind = 'request' | 'authorization' | 'confirmation';

export const CODE_LENGTH: Record<OfflineCodeKind, number> = { request: 14, authorization: 9, confirmation: 9 };

const LABEL: Record<OfflineCodeKind, string> = {
  request: 'request code',
  authorization: 'authorization code',
  confirmation: 'confirmation code',
};

/** The Luhn check digit of a string of decimal digits. */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    // Doubling starts with the rightmost digit of the payload (the check digit goes after it).
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * Normalises what a person typed (spaces and dashes between groups allowed) and checks length,
 * digits and check digit. Returns the bare digits; throws PortalError naming the field.
 */
export function parseOfflineCode(kind: OfflineCodeKind, typed: unknown, field = `${kind}Code`): string {
  const digits = typeof typed === 'string' ? typed.replace(/[\s-]/g, '') : '';
  const length = CODE_LENGTH[kind];
  if (!/^[0-9]*$/.test(digits)) {
    throw new PortalError('code_malformed', `The ${LABEL[kind]} has only digits; type the ${length} digits the Pocket shows.`, { field });
  }
  if (digits.length !== length) {
    throw new PortalError('code_malformed', `The ${LABEL[kind]} has ${length} digits, you typed ${digits.length}; check the Pocket's display and type it again.`, { field });
  }
  const payload = digits.slice(0, -1);
  if (luhnCheckDigit(payload) !== Number(digits[digits.length - 1])) {
    throw new PortalError('code_check_digit', `That ${LABEL[kind]} has a typing mistake (its last digit does not match); compare it digit by digit with the Pocket and type it again.`, { field });
  }
  return digits;
}

/** Groups a code for reading aloud and typing: "123 456 789". */
export function groupCode(digits: string): string {
  return digits.replace(/(\d{3})(?=\d)/g, '$1 ');
}
