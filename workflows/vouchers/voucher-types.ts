/** What crosses Temporal for a voucher file: byte ranges and counts, never the rows themselves. */
import { defineQuery } from '@temporalio/workflow';
import type { StoredUpload } from '../settlement/settlement-types';

/** The most one voucher may carry: what a card's purse can ever hold (a 4-byte balance, spec §1). */
export const MAX_VOUCHER_MINOR = 0xffffffffn;

export const VOUCHER_ROW_REJECTIONS = {
  malformed_row: 'The line is not `customer_id,amount` (two fields separated by a comma); fix it and run the same file again: rows already issued are not issued twice.',
  amount_malformed: 'The amount is not a plain decimal number like 250.00; fix it and run the file again.',
  amount_zero: 'The amount is zero; a voucher carries a positive amount. Fix or remove the line.',
  amount_negative: 'The amount is negative; vouchers only add money. Fix or remove the line.',
  amount_too_precise: 'The amount has more than two decimals; round it to the paisa/cent.',
  amount_too_large: `The amount exceeds ${MAX_VOUCHER_MINOR} minor units, more than a card purse can ever hold; split it into several vouchers.`,
  unknown_customer: 'No customer has this id; enrol the customer (purseflow customers enrol), then run the same file again: only the missing rows are issued.',
  ledger_refused: 'The ledger refused the voucher; run purseflow ledger check and ask an operator.',
} as const;

export type VoucherRowRejectionReason = keyof typeof VOUCHER_ROW_REJECTIONS;

export interface RejectedVoucherRow {
  readonly line: number;
  readonly reason: VoucherRowRejectionReason;
  /** The line as read (trimmed, at most 200 characters), so the operator can find it. */
  readonly text: string;
}

export interface VoucherIssuanceInput {
  readonly upload: StoredUpload;
  /** Data rows per chunk activity. */
  readonly rowsPerChunk?: number;
}

/** A run of whole lines of the file: bytes [fromByte, toByte), the first of them being line `firstLine`. */
export interface VoucherChunk {
  readonly fromByte: number;
  readonly toByte: number;
  readonly firstLine: number;
  readonly rows: number;
}

export type VoucherFileScan =
  | { readonly accepted: true; readonly rows: number; readonly chunks: readonly VoucherChunk[] }
  | { readonly accepted: false; readonly reason: VoucherFileRejectionReason; readonly message: string };

export const VOUCHER_FILE_REJECTIONS = {
  file_unreadable: 'The stored voucher file cannot be read; upload it again.',
  file_changed: 'The stored file does not match the upload (its SHA-256 differs); upload it again.',
  header_missing: 'The first line must be the header `customer_id,amount`; add it and run the file again.',
} as const;

export type VoucherFileRejectionReason = keyof typeof VOUCHER_FILE_REJECTIONS;

export interface VoucherChunkSummary {
  readonly rows: number;
  readonly issued: number;
  readonly alreadyIssued: number;
  /** Minor units newly issued by this run, decimal string. */
  readonly issuedMinor: string;
  readonly rejections: readonly RejectedVoucherRow[];
}

export interface VoucherProgress {
  readonly phase: 'scanning' | 'issuing' | 'done' | 'file_rejected';
  readonly totalRows: number;
  readonly processedRows: number;
  readonly issued: number;
  readonly alreadyIssued: number;
  readonly rejected: number;
}

/** At most this many rejected rows travel in the result. */
export const RESULT_ROW_REJECTIONS_LIMIT = 1000;

export type VoucherIssuanceResult =
  | {
      readonly outcome: 'processed';
      readonly fileSha256: string;
      readonly rows: number;
      readonly issued: number;
      /** Issued by an earlier run of the same file: not issued again. */
      readonly alreadyIssued: number;
      readonly rejected: number;
      readonly issuedMinor: string;
      readonly rejections: readonly RejectedVoucherRow[];
      readonly moreRejections: boolean;
    }
  | { readonly outcome: 'file_rejected'; readonly fileSha256: string; readonly reason: VoucherFileRejectionReason; readonly message: string };

/** The terminal's progress bar and the portal read this while a file is issued. */
export const voucherProgressQuery = defineQuery<VoucherProgress>('voucherProgress');

/** The ApplicationFailure type of a refused file; its details hold the typed result. */
export const VOUCHER_FILE_REJECTED_FAILURE = 'VoucherFileRejected';
