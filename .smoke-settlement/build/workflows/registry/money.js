"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.MINOR_DIGITS = void 0;
exports.parseMoney = parseMoney;
exports.formatMoney = formatMoney;
exports.parseMinor = parseMinor;
// Money at the edges: people write "250.00", the ledger and the cards count minor units (bigint),
// Temporal carries minor units as decimal strings. decimal.js does the text conversion, so no JS
// float ever holds an amount.
const decimal_js_1 = __importDefault(require("decimal.js"));
const registry_error_1 = require("./registry-error");
/** The cards count 1/100 of the currency unit (spec §1). */
exports.MINOR_DIGITS = 2;
const PLAIN_DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const MINOR_TEXT = /^(0|[1-9][0-9]*)$/;
/** "250.00" or "250" → 25000n. Refuses negative, zero, more than two decimals, exponents and spaces. */
function parseMoney(text) {
    if (typeof text !== 'string' || !PLAIN_DECIMAL.test(text)) {
        throw new registry_error_1.RegistryError('amount_invalid', `The amount ${JSON.stringify(text)} is not a plain positive decimal; write it like 250.00.`);
    }
    const value = new decimal_js_1.default(text);
    if (value.decimalPlaces() > exports.MINOR_DIGITS) {
        throw new registry_error_1.RegistryError('amount_invalid', `The amount ${text} has more than ${exports.MINOR_DIGITS} decimals; round it to the paisa/cent.`);
    }
    const minor = BigInt(value.times(10 ** exports.MINOR_DIGITS).toFixed(0));
    if (minor <= 0n)
        throw new registry_error_1.RegistryError('amount_invalid', `The amount ${text} is not above zero; give a positive amount.`);
    return minor;
}
/** 25000n → "250.00". */
function formatMoney(minor) {
    return new decimal_js_1.default(minor.toString()).dividedBy(10 ** exports.MINOR_DIGITS).toFixed(exports.MINOR_DIGITS);
}
/** Minor units as they cross Temporal ("25000") → bigint; refuses anything but a non-negative integer. */
function parseMinor(text, what = 'amount') {
    if (typeof text !== 'string' || !MINOR_TEXT.test(text)) {
        throw new registry_error_1.RegistryError('amount_invalid', `The ${what} ${JSON.stringify(text)} is not a whole number of minor units.`);
    }
    return BigInt(text);
}
