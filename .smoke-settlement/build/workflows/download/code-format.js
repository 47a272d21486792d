"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CONFIRMATION_CODE_LENGTH = exports.REQUEST_CODE_LENGTH = void 0;
exports.luhnValid = luhnValid;
exports.normalizeCode = normalizeCode;
exports.codeShapeProblem = codeShapeProblem;
exports.requestCodeAtc = requestCodeAtc;
exports.REQUEST_CODE_LENGTH = 14;
exports.CONFIRMATION_CODE_LENGTH = 9;
function luhnValid(digits) {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
        let d = digits.charCodeAt(digits.length - 1 - i) - 48;
        if (i % 2 === 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 === 0;
}
/** Digits as typed, without the spaces and dashes people put between groups. */
function normalizeCode(text) {
    return typeof text === 'string' ? text.replace(/[\s-]/g, '') : '';
}
/** Undefined when the code is well formed; otherwise why not, in words for the customer. */
function codeShapeProblem(text, length, what) {
    const digits = normalizeCode(text);
    if (!/^[0-9]+$/.test(digits) || digits.length !== length) {
        return { refusal: 'format', message: `A ${what} is ${length} digits; check what you typed.` };
    }
    if (!luhnValid(digits)) {
        return { refusal: 'check_digit', message: `This ${what} has a typing error (its last digit does not match); type it again.` };
    }
    if (what === 'request code' && Number(digits.slice(0, 5)) > 0xffff) {
        return { refusal: 'format', message: 'This request code cannot come from a card (its counter is above 65535); type it again from the pocket.' };
    }
    return undefined;
}
/** The ATC a well-formed request code carries (its first five digits). */
function requestCodeAtc(text) {
    return Number(normalizeCode(text).slice(0, 5));
}
