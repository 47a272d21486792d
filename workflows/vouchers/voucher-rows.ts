/**
 * A voucher file is CSV: a header `customer_id,amount`, then one voucher per line, e.g.
 * `alice,250.00`. Each line is judged on its own, so one bad line never stops the others.
 * Pure: no I/O, no registry.
 */
import { AmountError, parseAmount, type AmountErrorCode } from '../../ledger';
import { MAX_VOUCHER_MINOR, type RejectedVoucherRow, type VoucherRowRejectionReason } from './voucher-types';

export const VOUCHER_HEADER = ['customer_id', 'amount'] as const;

/** The cards count 1/100 of the currency unit (spec §1). */
const MINOR_DIGITS = 2;

export interface VoucherRow {
  /** 1-based line number in the file: what people see and what names the voucher. */
  readonly line: number;
  readonly customerId: string;
  readonly amountMinor: bigint;
}


export type ParsedVoucherLine = { readonly ok: true; readonly row: VoucherRow } | { readonly ok: false; readonly rejection: RejectedVoucherRow };

function fields(text: string): string[] {
  return text.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1').trim());
}

export function isVoucherHeader(text: string): boolean {
  const f = fields(text.replace(/^\uFEFF/, ''));
  return f.length === VOUCHER_HEADER.length && f.every((name, i) => name.toLowerCase() === VOUCHER_HEADER[i]);
}

/** True for lines that carry nothing (blank lines are allowed anywhere, e.g. at the end). */
export function isBlankLine(text: string): boolean {
  return text.trim().length === 0;
}

const AMOUNT_REASON: Record<AmountErrorCode, VoucherRowRejectionReason> = {
  amount_malformed: 'amount_malformed',
  amount_zero: 'amount_zero',
  amount_negative: 'amount_negative',
  amount_too_precise: 'amount_too_precise',
  amount_too_large: 'amount_too_large',
  exponent_invalid: 'amount_malformed',
};

export function parseVoucherLine(line: number, text: string): ParsedVoucherLine {
  const shown = text.trim().slice(0, 200);
  const reject = (reason: VoucherRowRejectionReason): ParsedVoucherLine => ({ ok: false, rejection: { line, reason, text: shown } });
  const f = fields(text);
  if (f.length !== 2 || f[0].length === 0) return reject('malformed_row');
  let amountMinor: bigint;
  try {
    amountMinor = parseAmount(f[1], MINOR_DIGITS);
  } catch (err) {
    if (err instanceof AmountError) return reject(AMOUNT_REASON[err.code]);
    throw err;
  }
  if (amountMinor > MAX_VOUCHER_MINOR) return reject('amount_too_large');
  return { ok: true, row: { line, customerId: f[0], amountMinor } };
}

/** The voucher's id: one file (by content) and one line name exactly one voucher. */
export function voucherIdOf(fileSha256: string, line: number): string {
  return `csv/${fileSha256}/${line}`;
}
