"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.AmountError = exports.MAX_AMOUNT = void 0;
exports.parseAmount = parseAmount;
exports.formatAmount = formatAmount;
const decimal_js_1 = __importDefault(require("decimal.js"));
/**
 * Amounts live as bigint minor units inside the ledger; decimal strings such as "250.00" exist
 * only at the edge. decimal.js does the conversion so that no JS float ever holds money.
 */
/** Largest amount or counter a PostgreSQL bigint can hold. */
exports.MAX_AMOUNT = 9223372036854775807n;
class AmountError extends Error {
    code;
    name = 'AmountError';
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}
exports.AmountError = AmountError;
// Plain decimal notation only: "1e3", " 5", "1,00" or "+5" are refused rather than guessed at.
const DECIMAL_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
function checkExponent(exponent) {
    if (!Number.isInteger(exponent) || exponent < 0 || exponent > 18) {
        throw new AmountError('exponent_invalid', `currency exponent ${exponent} is not an integer between 0 and 18; fix the ledger definition.`);
    }
}
/**
 * Parses a positive decimal amount ("250.00") into minor units of a currency with `exponent`
 * decimal places (2 for EUR). Throws AmountError for anything that is not a positive amount
 * representable exactly.
 */
function parseAmount(text, exponent) {
    checkExponent(exponent);
    if (typeof text !== 'string' || !DECIMAL_TEXT.test(text)) {
        throw new AmountError('amount_malformed', `amount ${JSON.stringify(text)} is not a plain decimal number; write it like "250.00".`);
    }
    const value = new decimal_js_1.default(text);
    if (value.isNegative() && !value.isZero()) {
        throw new AmountError('amount_negative', `amount ${text} is negative; amounts are always positive, the direction is given by debit and credit accounts.`);
    }
    if (value.isZero()) {
        throw new AmountError('amount_zero', `amount ${text} is zero; send an amount greater than zero.`);
    }
    if (value.decimalPlaces() > exponent) {
        throw new AmountError('amount_too_precise', `amount ${text} has more than ${exponent} decimal places; round it to the currency's minor unit first.`);
    }
    const minor = BigInt(value.times(new decimal_js_1.default(10).pow(exponent)).toFixed(0));
    if (minor > exports.MAX_AMOUNT) {
        throw new AmountError('amount_too_large', `amount ${text} exceeds the largest amount the ledger can hold (${formatAmount(exports.MAX_AMOUNT, exponent)}).`);
    }
    return minor;
}
/** Formats minor units as a decimal string with exactly `exponent` places ("250.00"); negatives keep their sign. */
function formatAmount(minor, exponent) {
    checkExponent(exponent);
    const negative = minor < 0n;
    const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
    const whole = digits.slice(0, digits.length - exponent);
    const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
    return `${negative ? '-' : ''}${whole}${fraction}`;
}
