"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CONFIRMATION_CODE_DIGITS = exports.AUTHORIZATION_CODE_DIGITS = exports.REQUEST_CODE_DIGITS = void 0;
exports.formatRequestCode = formatRequestCode;
exports.parseRequestCode = parseRequestCode;
exports.formatAuthorizationCode = formatAuthorizationCode;
exports.parseAuthorizationCode = parseAuthorizationCode;
exports.formatConfirmationCode = formatConfirmationCode;
exports.parseConfirmationCode = parseConfirmationCode;
exports.authFieldFromDigits = authFieldFromDigits;
// The decimal codes of spec 4.2 that a person types between the eCom Pocket and the portal. Each
// ends in a Luhn digit so that a typo is refused before it costs one of the card's three attempts.
const digits_1 = require("../crypto/digits");
const identity_1 = require("./identity");
const protocol_error_1 = require("./protocol-error");
exports.REQUEST_CODE_DIGITS = 14;
exports.AUTHORIZATION_CODE_DIGITS = 9;
exports.CONFIRMATION_CODE_DIGITS = 9;
/** Request code: ATC as 5 digits ‖ DIGITS8(MAC1) ‖ LUHN (14 digits). */
function formatRequestCode(atc, mac1) {
    (0, identity_1.assertAtc)(atc);
    const body = String(atc).padStart(5, '0') + (0, digits_1.digits8)(mac1);
    return body + (0, digits_1.luhnCheckDigit)(body);
}
function parseRequestCode(text) {
    const digits = typedDigits(text, exports.REQUEST_CODE_DIGITS, 'request code');
    const atc = Number(digits.slice(0, 5));
    if (atc > 0xffff) {
        throw new protocol_error_1.EsmartError('code_format', 'This request code cannot come from a card (its counter is above 65535); type it again from the pocket.');
    }
    return { atc, mac1Digits: digits.slice(5, 13) };
}
/** Authorization code: DIGITS8(MAC2) ‖ LUHN (9 digits). */
function formatAuthorizationCode(mac2) {
    return withLuhn((0, digits_1.digits8)(mac2));
}
/** The 8 digits of an authorization code, for CREDIT LOAD's auth field (spec 4.1: the 8 digits as a 4-byte integer). */
function parseAuthorizationCode(text) {
    return typedDigits(text, exports.AUTHORIZATION_CODE_DIGITS, 'authorization code').slice(0, 8);
}
/** Confirmation code: DIGITS8(MAC3) ‖ LUHN (9 digits). */
function formatConfirmationCode(mac3) {
    return withLuhn((0, digits_1.digits8)(mac3));
}
function parseConfirmationCode(text) {
    return typedDigits(text, exports.CONFIRMATION_CODE_DIGITS, 'confirmation code').slice(0, 8);
}
/** CREDIT LOAD's `auth` field offline: the 8 authorization digits as a 4-byte integer. */
function authFieldFromDigits(eightDigits) {
    if (!/^[0-9]{8}$/.test(eightDigits))
        throw new protocol_error_1.EsmartError('code_format', 'An authorization value is 8 digits.');
    const b = Buffer.alloc(4);
    b.writeUInt32BE(Number(eightDigits));
    return b;
}
function withLuhn(body) {
    return body + (0, digits_1.luhnCheckDigit)(body);
}
/** Spaces and dashes are allowed between digit groups, as people copy codes in groups. */
function typedDigits(text, length, what) {
    const digits = text.replace(/[\s-]/g, '');
    if (!/^[0-9]+$/.test(digits) || digits.length !== length) {
        throw new protocol_error_1.EsmartError('code_format', `A ${what} is ${length} digits; check what you typed.`);
    }
    if (!(0, digits_1.hasValidLuhn)(digits)) {
        throw new protocol_error_1.EsmartError('code_check_digit', `This ${what} has a typing error (its last digit does not match); type it again.`);
    }
    return digits;
}
