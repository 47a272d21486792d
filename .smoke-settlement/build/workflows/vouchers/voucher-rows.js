"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.VOUCHER_HEADER = void 0;
exports.isVoucherHeader = isVoucherHeader;
exports.isBlankLine = isBlankLine;
exports.parseVoucherLine = parseVoucherLine;
exports.voucherIdOf = voucherIdOf;
/**
 * A voucher file is CSV: a header `customer_id,amount`, then one voucher per line, e.g.
 * `alice,250.00`. Each line is judged on its own, so one bad line never stops the others.
 * Pure: no I/O, no registry.
 */
const ledger_1 = require("../../ledger");
const voucher_types_1 = require("./voucher-types");
exports.VOUCHER_HEADER = ['customer_id', 'amount'];
/** The cards count 1/100 of the currency unit (spec §1). */
const MINOR_DIGITS = 2;
function fields(text) {
    return text.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1').trim());
}
function isVoucherHeader(text) {
    const f = fields(text.replace(/^\uFEFF/, ''));
    return f.length === exports.VOUCHER_HEADER.length && f.every((name, i) => name.toLowerCase() === exports.VOUCHER_HEADER[i]);
}
/** True for lines that carry nothing (blank lines are allowed anywhere, e.g. at the end). */
function isBlankLine(text) {
    return text.trim().length === 0;
}
const AMOUNT_REASON = {
    amount_malformed: 'amount_malformed',
    amount_zero: 'amount_zero',
    amount_negative: 'amount_negative',
    amount_too_precise: 'amount_too_precise',
    amount_too_large: 'amount_too_large',
    exponent_invalid: 'amount_malformed',
};
function parseVoucherLine(line, text) {
    const shown = text.trim().slice(0, 200);
    const reject = (reason) => ({ ok: false, rejection: { line, reason, text: shown } });
    const f = fields(text);
    if (f.length !== 2 || f[0].length === 0)
        return reject('malformed_row');
    let amountMinor;
    try {
        amountMinor = (0, ledger_1.parseAmount)(f[1], MINOR_DIGITS);
    }
    catch (err) {
        if (err instanceof ledger_1.AmountError)
            return reject(AMOUNT_REASON[err.code]);
        throw err;
    }
    if (amountMinor > voucher_types_1.MAX_VOUCHER_MINOR)
        return reject('amount_too_large');
    return { ok: true, row: { line, customerId: f[0], amountMinor } };
}
/** The voucher's id: one file (by content) and one line name exactly one voucher. */
function voucherIdOf(fileSha256, line) {
    return `csv/${fileSha256}/${line}`;
}
