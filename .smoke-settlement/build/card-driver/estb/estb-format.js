"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PURCHASE_FIELDS_SPAN = exports.SAM_MAC_SPAN = exports.FILE_MAC_TAG = exports.TRAILER_BYTES = exports.RECORD_BYTES = exports.HEADER_BYTES = exports.ESTB_VERSION = exports.ESTB_MAGIC = void 0;
exports.encodeHeader = encodeHeader;
exports.decodeHeader = decodeHeader;
exports.encodeRecord = encodeRecord;
exports.encodeSamSignedRecord = encodeSamSignedRecord;
exports.decodeRecord = decodeRecord;
const transaction_macs_1 = require("../esmart/transaction-macs");
const estb_error_1 = require("./estb-error");
exports.ESTB_MAGIC = Buffer.from('ESTB', 'ascii');
exports.ESTB_VERSION = 0x01;
exports.HEADER_BYTES = 32;
exports.RECORD_BYTES = 48;
exports.TRAILER_BYTES = 8;
/** The byte that starts the file MAC's input: MAC(KT, 06 ‖ header ‖ records). */
exports.FILE_MAC_TAG = Buffer.of(0x06);
/** MACS covers the record bytes before it (0..38); MACP covers bytes 0..30 behind the 04 tag. */
exports.SAM_MAC_SPAN = 39;
exports.PURCHASE_FIELDS_SPAN = 31;
function encodeHeader(h) {
    assertU32(h.batchSeq, 'batch seq');
    assertU32(h.recordCount, 'record count');
    assertU32(h.created, 'created time');
    const b = Buffer.alloc(exports.HEADER_BYTES);
    exports.ESTB_MAGIC.copy(b, 0);
    b[4] = exports.ESTB_VERSION;
    hexField(h.transferCardId, 'Transfer card id').copy(b, 5);
    b.writeUInt32BE(h.batchSeq, 13);
    b.writeUInt32BE(h.recordCount, 17);
    b.writeUInt32BE(h.created, 21);
    return b;
}
function decodeHeader(b) {
    if (b.length < exports.HEADER_BYTES)
        throw new estb_error_1.EstbError('too_short', `An .estb file starts with a ${exports.HEADER_BYTES}-byte header; this one has ${b.length} bytes. Export the file from the Transfer card again.`);
    if (!b.subarray(0, 4).equals(exports.ESTB_MAGIC))
        throw new estb_error_1.EstbError('bad_magic', 'This is not an .estb settlement file (it does not start with "ESTB"); upload the file exported from the Transfer card.');
    if (b[4] !== exports.ESTB_VERSION)
        throw new estb_error_1.EstbError('unsupported_version', `.estb version ${b[4]} is not supported (only 01); update the merchant software or the server.`);
    if (b.subarray(25, 32).some((x) => x !== 0))
        throw new estb_error_1.EstbError('header_padding', 'The .estb header padding is not zero; the file is damaged. Export it again.');
    return {
        transferCardId: b.subarray(5, 13).toString('hex').toUpperCase(),
        batchSeq: b.readUInt32BE(13),
        recordCount: b.readUInt32BE(17),
        created: b.readUInt32BE(21),
    };
}
/** The record's 48 bytes, with MACS as given. */
function encodeRecord(r) {
    const b = Buffer.alloc(exports.RECORD_BYTES);
    writeRecordHead(b, r);
    if (r.macp.length !== 4 || r.macs.length !== 4)
        throw new estb_error_1.EstbError('invalid_record', 'MACP and MACS are 4 bytes each.');
    r.macp.copy(b, 35);
    r.macs.copy(b, 39);
    return b;
}
/** The record signed by the SAM: MACS = MAC4(KS, 05 ‖ bytes 0..38). */
function encodeSamSignedRecord(r, samKey) {
    const b = Buffer.alloc(exports.RECORD_BYTES);
    writeRecordHead(b, r);
    if (r.macp.length !== 4)
        throw new estb_error_1.EstbError('invalid_record', 'MACP is 4 bytes.');
    r.macp.copy(b, 35);
    (0, transaction_macs_1.computeSamMac)(samKey, b.subarray(0, exports.SAM_MAC_SPAN)).copy(b, 39);
    return b;
}
function writeRecordHead(b, r) {
    const csn = Buffer.from(r.csn, 'hex');
    if (csn.length !== 8)
        throw new estb_error_1.EstbError('invalid_record', 'A record CSN is 16 digits.');
    csn.copy(b, 0);
    b.writeUInt16BE(r.atc, 8);
    b[10] = r.purse;
    b.writeUInt32BE(Number(r.amount), 11);
    b.writeUInt32BE(Number(r.balanceAfter), 15);
    hexField(r.samId, 'SAM id').copy(b, 19);
    b.writeUInt32BE(r.samSeq, 27);
    b.writeUInt32BE(r.time, 31);
}
function decodeRecord(b) {
    if (b.length !== exports.RECORD_BYTES)
        throw new estb_error_1.EstbError('invalid_record', `A record is ${exports.RECORD_BYTES} bytes; got ${b.length}.`);
    return {
        csn: b.toString('hex', 0, 8).toUpperCase(),
        atc: b.readUInt16BE(8),
        purse: b[10],
        amount: BigInt(b.readUInt32BE(11)),
        balanceAfter: BigInt(b.readUInt32BE(15)),
        samId: b.toString('hex', 19, 27).toUpperCase(),
        samSeq: b.readUInt32BE(27),
        time: b.readUInt32BE(31),
        macp: Buffer.from(b.subarray(35, 39)),
        macs: Buffer.from(b.subarray(39, 43)),
    };
}
function hexField(text, what) {
    if (!/^[0-9A-Fa-f]{16}$/.test(text))
        throw new estb_error_1.EstbError('invalid_record', `A ${what} is 16 hex digits.`);
    return Buffer.from(text, 'hex');
}
function assertU32(v, what) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
        throw new estb_error_1.EstbError('invalid_record', `The ${what} must be 0..2^32-1; got ${v}.`);
}
