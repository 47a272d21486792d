"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.csnOf = csnOf;
exports.purseIdOf = purseIdOf;
exports.minorOf = minorOf;
exports.bytesOf = bytesOf;
exports.loadCreditOf = loadCreditOf;
exports.loadSessionOf = loadSessionOf;
exports.hex = hex;
// What crosses Temporal about a load: plain JSON (hex strings, minor units as decimal strings),
// never Buffers, bigints or keys. These turn payloads into card-driver's typed values at the edge
// of each activity, and refuse malformed ones loudly (a bug, not a customer error).
const common_1 = require("@temporalio/common");
const card_driver_1 = require("../../card-driver");
function malformed(what) {
    return common_1.ApplicationFailure.create({ type: 'payload_malformed', nonRetryable: true, message: `Malformed ${what} in an activity payload; this is a bug in workflows/.` });
}
function csnOf(text) {
    try {
        return (0, card_driver_1.parseCsn)(text);
    }
    catch {
        throw malformed('card serial number');
    }
}
function purseIdOf(purse) {
    if (purse === 'ecash')
        return card_driver_1.PURSE.ecash;
    if (purse === 'food')
        return card_driver_1.PURSE.food;
    throw malformed('purse');
}
function minorOf(text) {
    if (typeof text !== 'string' || !/^(0|[1-9][0-9]*)$/.test(text))
        throw malformed('amount');
    return BigInt(text);
}
function bytesOf(hex, length, what) {
    if (typeof hex !== 'string' || hex.length !== length * 2 || !/^[0-9A-Fa-f]*$/.test(hex))
        throw malformed(what);
    return Buffer.from(hex, 'hex');
}
function loadCreditOf(p) {
    if (!Number.isInteger(p.atc) || p.atc < 1 || p.atc > 0xffff)
        throw malformed('ATC');
    return { csn: csnOf(p.csn), atc: p.atc, purse: purseIdOf(p.purse), amount: minorOf(p.amountMinor) };
}
function loadSessionOf(p) {
    return { ...loadCreditOf(p), rh: bytesOf(p.rhHex, 8, 'RH'), rc: bytesOf(p.rcHex, 8, 'RC') };
}
function hex(b) {
    return b.toString('hex').toUpperCase();
}
