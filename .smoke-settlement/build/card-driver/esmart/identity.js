"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAX_ATC = exports.MAX_AMOUNT = exports.AID = exports.PURSE = void 0;
exports.parseCsn = parseCsn;
exports.csnWithCheckDigit = csnWithCheckDigit;
exports.formatCsn = formatCsn;
exports.csnToBytes = csnToBytes;
exports.csnFromBytes = csnFromBytes;
exports.parseSamId = parseSamId;
exports.parseTransferCardId = parseTransferCardId;
exports.hexIdToBytes = hexIdToBytes;
exports.purseId = purseId;
exports.purseName = purseName;
exports.assertTransactionAmount = assertTransactionAmount;
exports.assertAtc = assertAtc;
exports.amountBytes = amountBytes;
exports.u16 = u16;
exports.u32 = u32;
// Identities and fields of spec §1, as validated values. CSN is 16 decimal digits (BCD on the card)
// ending in a Luhn digit; SAM and Transfer card ids are opaque 8 bytes shown as 16 hex digits.
const digits_1 = require("../crypto/digits");
const protocol_error_1 = require("./protocol-error");
/** Purse ids PP of spec §1. */
exports.PURSE = { ecash: 1, food: 2 };
exports.AID = Buffer.from('F045534D41525401', 'hex');
/** The largest amount or balance a 4-byte field holds. */
exports.MAX_AMOUNT = 0xffffffffn;
exports.MAX_ATC = 0xffff;
/** Accepts `6071 0000 0000 0019` or `6071000000000019`; refuses a wrong Luhn digit. */
function parseCsn(text) {
    const digits = text.replace(/[\s-]/g, '');
    if (!/^[0-9]{16}$/.test(digits)) {
        throw new protocol_error_1.EsmartError('invalid_csn', 'A card serial number (CSN) is 16 digits, e.g. 6071 0000 0000 0019.');
    }
    if (!(0, digits_1.hasValidLuhn)(digits)) {
        throw new protocol_error_1.EsmartError('invalid_csn', `The CSN ${formatCsn(digits)} has a wrong check digit; check the number on the card.`);
    }
    return digits;
}
/** Completes 15 digits with their Luhn digit: a way to mint CSNs for simulated cards. */
function csnWithCheckDigit(fifteenDigits) {
    if (!/^[0-9]{15}$/.test(fifteenDigits))
        throw new protocol_error_1.EsmartError('invalid_csn', 'Give 15 digits to make a CSN.');
    return (fifteenDigits + (0, digits_1.luhnCheckDigit)(fifteenDigits));
}
function formatCsn(csn) {
    return csn.replace(/(\d{4})(?=\d)/g, '$1 ');
}
function csnToBytes(csn) {
    return Buffer.from(csn, 'hex'); // 16 BCD digits pack exactly like hex digits 0-9
}
function csnFromBytes(bytes) {
    if (bytes.length !== 8)
        throw new protocol_error_1.EsmartError('invalid_csn', `A CSN is 8 bytes; got ${bytes.length}.`);
    return parseCsn(Buffer.from(bytes).toString('hex'));
}
function parseSamId(text) {
    return parseHexId(text, 'SAM id');
}
function parseTransferCardId(text) {
    return parseHexId(text, 'Transfer card id');
}
function parseHexId(text, what) {
    const clean = text.replace(/\s+/g, '');
    if (!/^[0-9A-Fa-f]{16}$/.test(clean)) {
        throw new protocol_error_1.EsmartError('invalid_id', `A ${what} is 16 hexadecimal digits (8 bytes), e.g. 53414D0000000007.`);
    }
    return clean.toUpperCase();
}
function hexIdToBytes(id) {
    return Buffer.from(id, 'hex');
}
function purseId(value) {
    if (value !== exports.PURSE.ecash && value !== exports.PURSE.food) {
        throw new protocol_error_1.EsmartError('invalid_purse', `Purse ${value} does not exist: 1 is e-Cash, 2 is Food Voucher.`);
    }
    return value;
}
function purseName(purse) {
    return purse === exports.PURSE.ecash ? 'ecash' : 'food';
}
/** An amount in minor units for a transaction: 1 .. 2^32-1. */
function assertTransactionAmount(amount) {
    if (typeof amount !== 'bigint' || amount <= 0n || amount > exports.MAX_AMOUNT) {
        throw new protocol_error_1.EsmartError('invalid_amount', `An amount is 1 to ${exports.MAX_AMOUNT} minor units; got ${String(amount)}.`);
    }
}
function assertAtc(atc) {
    if (!Number.isInteger(atc) || atc < 0 || atc > exports.MAX_ATC) {
        throw new protocol_error_1.EsmartError('invalid_atc', `An ATC is 0..65535; got ${atc}.`);
    }
}
function amountBytes(amount) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(Number(amount));
    return b;
}
function u16(value) {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(value);
    return b;
}
function u32(value) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value);
    return b;
}
