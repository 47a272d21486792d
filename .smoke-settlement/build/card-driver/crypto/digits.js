"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.digits8 = digits8;
exports.luhnCheckDigit = luhnCheckDigit;
exports.hasValidLuhn = hasValidLuhn;
// Turning MACs into digits a person can type, and the check digit that catches typos (spec §2, 4.2).
const secret_key_1 = require("./secret-key");
/** DIGITS8(m4): the 4 bytes as an integer, and 0x7FFFFFFF, mod 10^8, 8 digits with leading zeros. */
function digits8(mac4) {
    if (mac4.length !== 4)
        throw new secret_key_1.CryptoError('block_length', `DIGITS8 takes 4 MAC bytes; got ${mac4.length}.`);
    const value = Buffer.from(mac4.buffer, mac4.byteOffset, 4).readUInt32BE(0) & 0x7fffffff;
    return String(value % 100_000_000).padStart(8, '0');
}
/** LUHN(s): the check digit to append to the decimal digits s. */
function luhnCheckDigit(digits) {
    if (!/^[0-9]+$/.test(digits))
        throw new secret_key_1.CryptoError('not_digits', 'Luhn check digits are computed over decimal digits only.');
    let sum = 0;
    // The rightmost payload digit is doubled, since the check digit will sit to its right.
    for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
        let d = digits.charCodeAt(i) - 48;
        if (double) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return String((10 - (sum % 10)) % 10);
}
/** True when the last digit of `digits` is the Luhn check digit of the others. */
function hasValidLuhn(digits) {
    if (!/^[0-9]{2,}$/.test(digits))
        return false;
    return luhnCheckDigit(digits.slice(0, -1)) === digits.slice(-1);
}
