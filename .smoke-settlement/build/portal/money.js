"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.CURRENCY_EXPONENT = exports.CARD_AMOUNT_MAX_MINOR = void 0;
exports.parseDownloadAmount = parseDownloadAmount;
exports.formatMinor = formatMinor;
exports.minorFromDecimal = minorFromDecimal;
const decimal_js_1 = __importDefault(require("decimal.js"));
const errors_1 = require("./errors");
/**
 * Amounts typed by people ("250.00") become bigint minor units here, at the edge; no JS float ever
 * holds money. The card's amount field is 4 bytes (spec/esmart-card.md §4), so no single download
 * can exceed 2^32 - 1 minor units whatever the balance.
 */
exports.CARD_AMOUNT_MAX_MINOR = 0xffffffffn;
exports.CURRENCY_EXPONENT = 2;
// Plain decimal notation only; "1e3", "+5" or "1,00" are refused rather than guessed at.
const DECIMAL_TEXT = /^-?[0-9]+(\.[0-9]+)?$/;
/** Parses a download amount; throws PortalError (field `amount`) with what to type instead. */
function parseDownloadAmount(text, exponent = exports.CURRENCY_EXPONENT) {
    const typed = typeof text === 'string' ? text.trim() : '';
    if (!DECIMAL_TEXT.test(typed)) {
        throw new errors_1.PortalError('amount_malformed', 'Type the amount as a number such as 25.00, with a dot before the cents.', { field: 'amount' });
    }
    const value = new decimal_js_1.default(typed);
    if (value.isZero())
        throw new errors_1.PortalError('amount_zero', 'The amount is zero; type an amount greater than 0.00.', { field: 'amount' });
    if (value.isNegative())
        throw new errors_1.PortalError('amount_negative', 'The amount is negative; type an amount greater than 0.00.', { field: 'amount' });
    if (value.decimalPlaces() > exponent) {
        throw new errors_1.PortalError('amount_too_precise', `The amount has more than ${exponent} decimals; round it to the cent.`, { field: 'amount' });
    }
    const minor = BigInt(value.times(new decimal_js_1.default(10).pow(exponent)).toFixed(0));
    if (minor > exports.CARD_AMOUNT_MAX_MINOR) {
        throw new errors_1.PortalError('amount_too_large', `A card takes at most ${formatMinor(exports.CARD_AMOUNT_MAX_MINOR, exponent)} in one download; type a smaller amount.`, { field: 'amount' });
    }
    return minor;
}
/** Formats minor units as "1234.50" (exactly `exponent` decimals). */
function formatMinor(minor, exponent = exports.CURRENCY_EXPONENT) {
    const negative = minor < 0n;
    const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
    const whole = digits.slice(0, digits.length - exponent);
    const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
    return `${negative ? '-' : ''}${whole}${fraction}`;
}
/** Reads a decimal string handed over by another part ("250.00") back into minor units. */
function minorFromDecimal(text, exponent = exports.CURRENCY_EXPONENT) {
    return BigInt(new decimal_js_1.default(text).times(new decimal_js_1.default(10).pow(exponent)).toFixed(0));
}
