"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CODE_LENGTH = void 0;
exports.luhnCheckDigit = luhnCheckDigit;
exports.parseOfflineCode = parseOfflineCode;
exports.groupCode = groupCode;
const errors_1 = require("./errors");
exports.CODE_LENGTH = { request: 14, authorization: 9, confirmation: 9 };
const LABEL = {
    request: 'request code',
    authorization: 'authorization code',
    confirmation: 'confirmation code',
};
/** The Luhn check digit of a string of decimal digits. */
function luhnCheckDigit(digits) {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
        // Doubling starts with the rightmost digit of the payload (the check digit goes after it).
        let d = digits.charCodeAt(digits.length - 1 - i) - 48;
        if (i % 2 === 0) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return (10 - (sum % 10)) % 10;
}
/**
 * Normalises what a person typed (spaces and dashes between groups allowed) and checks length,
 * digits and check digit. Returns the bare digits; throws PortalError naming the field.
 */
function parseOfflineCode(kind, typed, field = `${kind}Code`) {
    const digits = typeof typed === 'string' ? typed.replace(/[\s-]/g, '') : '';
    const length = exports.CODE_LENGTH[kind];
    if (!/^[0-9]*$/.test(digits)) {
        throw new errors_1.PortalError('code_malformed', `The ${LABEL[kind]} has only digits; type the ${length} digits the Pocket shows.`, { field });
    }
    if (digits.length !== length) {
        throw new errors_1.PortalError('code_malformed', `The ${LABEL[kind]} has ${length} digits, you typed ${digits.length}; check the Pocket's display and type it again.`, { field });
    }
    const payload = digits.slice(0, -1);
    if (luhnCheckDigit(payload) !== Number(digits[digits.length - 1])) {
        throw new errors_1.PortalError('code_check_digit', `That ${LABEL[kind]} has a typing mistake (its last digit does not match); compare it digit by digit with the Pocket and type it again.`, { field });
    }
    return digits;
}
/** Groups a code for reading aloud and typing: "123 456 789". */
function groupCode(digits) {
    return digits.replace(/(\d{3})(?=\d)/g, '$1 ');
}
