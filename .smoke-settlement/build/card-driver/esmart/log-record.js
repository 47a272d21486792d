"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.LOG_CAPACITY = exports.LOG_RECORD_BYTES = void 0;
exports.encodeLogRecord = encodeLogRecord;
exports.decodeLogRecord = decodeLogRecord;
// A card's transaction log record (spec 4.4), 28 bytes.
const identity_1 = require("./identity");
const protocol_error_1 = require("./protocol-error");
exports.LOG_RECORD_BYTES = 28;
exports.LOG_CAPACITY = 10;
const TYPE_BYTE = { load: 0x01, purchase: 0x02 };
function encodeLogRecord(r) {
    (0, identity_1.assertAtc)(r.atc);
    if (r.counterparty.length !== 8 || r.mac.length !== 4)
        throw new protocol_error_1.EsmartError('invalid_field', 'A log record has an 8-byte counterparty and a 4-byte MAC.');
    const b = Buffer.alloc(exports.LOG_RECORD_BYTES);
    b[0] = TYPE_BYTE[r.type];
    b[1] = r.purse;
    b.writeUInt16BE(r.atc, 2);
    b.writeUInt32BE(Number(r.amount), 4);
    b.writeUInt32BE(Number(r.balanceAfter), 8);
    r.counterparty.copy(b, 12);
    b.writeUInt32BE(r.seq, 20);
    r.mac.copy(b, 24);
    return b;
}
function decodeLogRecord(bytes) {
    if (bytes.length !== exports.LOG_RECORD_BYTES) {
        throw new protocol_error_1.EsmartError('malformed_response', `A log record is ${exports.LOG_RECORD_BYTES} bytes; the card sent ${bytes.length}.`);
    }
    const type = bytes[0] === 0x01 ? 'load' : bytes[0] === 0x02 ? 'purchase' : undefined;
    if (!type)
        throw new protocol_error_1.EsmartError('malformed_response', `Log record type ${bytes[0]} is neither load (01) nor purchase (02).`);
    let purse;
    try {
        purse = (0, identity_1.purseId)(bytes[1]);
    }
    catch {
        throw new protocol_error_1.EsmartError('malformed_response', `Log record purse ${bytes[1]} is neither 01 nor 02.`);
    }
    return {
        type,
        purse,
        atc: bytes.readUInt16BE(2),
        amount: BigInt(bytes.readUInt32BE(4)),
        balanceAfter: BigInt(bytes.readUInt32BE(8)),
        counterparty: Buffer.from(bytes.subarray(12, 20)),
        seq: bytes.readUInt32BE(20),
        mac: Buffer.from(bytes.subarray(24, 28)),
    };
}
