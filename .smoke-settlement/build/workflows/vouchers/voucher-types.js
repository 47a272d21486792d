"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.VOUCHER_FILE_REJECTED_FAILURE = exports.voucherProgressQuery = exports.RESULT_ROW_REJECTIONS_LIMIT = exports.VOUCHER_FILE_REJECTIONS = exports.VOUCHER_ROW_REJECTIONS = exports.MAX_VOUCHER_MINOR = void 0;
/** What crosses Temporal for a voucher file: byte ranges and counts, never the rows themselves. */
const workflow_1 = require("@temporalio/workflow");
/** The most one voucher may carry: what a card's purse can ever hold (a 4-byte balance, spec §1). */
exports.MAX_VOUCHER_MINOR = 0xffffffffn;
exports.VOUCHER_ROW_REJECTIONS = {
    malformed_row: 'The line is not `customer_id,amount` (two fields separated by a comma); fix it and run the same file again: rows already issued are not issued twice.',
    amount_malformed: 'The amount is not a plain decimal number like 250.00; fix it and run the file again.',
    amount_zero: 'The amount is zero; a voucher carries a positive amount. Fix or remove the line.',
    amount_negative: 'The amount is negative; vouchers only add money. Fix or remove the line.',
    amount_too_precise: 'The amount has more than two decimals; round it to the paisa/cent.',
    amount_too_large: `The amount exceeds ${exports.MAX_VOUCHER_MINOR} minor units, more than a card purse can ever hold; split it into several vouchers.`,
    unknown_customer: 'No customer has this id; enrol the customer (purseflow customers enrol), then run the same file again: only the missing rows are issued.',
    ledger_refused: 'The ledger refused the voucher; run purseflow ledger check and ask an operator.',
};
exports.VOUCHER_FILE_REJECTIONS = {
    file_unreadable: 'The stored voucher file cannot be read; upload it again.',
    file_changed: 'The stored file does not match the upload (its SHA-256 differs); upload it again.',
    header_missing: 'The first line must be the header `customer_id,amount`; add it and run the file again.',
};
/** At most this many rejected rows travel in the result. */
exports.RESULT_ROW_REJECTIONS_LIMIT = 1000;
/** The terminal's progress bar and the portal read this while a file is issued. */
exports.voucherProgressQuery = (0, workflow_1.defineQuery)('voucherProgress');
/** The ApplicationFailure type of a refused file; its details hold the typed result. */
exports.VOUCHER_FILE_REJECTED_FAILURE = 'VoucherFileRejected';
