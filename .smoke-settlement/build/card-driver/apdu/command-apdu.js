"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAX_SHORT_NE = exports.MAX_SHORT_NC = void 0;
exports.apduCase = apduCase;
exports.encodeCommand = encodeCommand;
exports.decodeCommand = decodeCommand;
// ISO/IEC 7816-4 command APDUs, short lengths only (cases 1, 2S, 3S, 4S; background §3.1): the
// e-Smart application never needs more than 255 bytes of data, and the ACR30 carries short APDUs.
const apdu_error_1 = require("./apdu-error");
exports.MAX_SHORT_NC = 255;
exports.MAX_SHORT_NE = 256;
function apduCase(c) {
    if (c.data.length === 0)
        return c.ne === undefined ? 1 : 2;
    return c.ne === undefined ? 3 : 4;
}
function encodeCommand(c) {
    for (const [name, v] of [['CLA', c.cla], ['INS', c.ins], ['P1', c.p1], ['P2', c.p2]]) {
        if (!Number.isInteger(v) || v < 0 || v > 0xff)
            throw new apdu_error_1.ApduError('apdu_field_range', `${name} must be one byte; got ${v}.`);
    }
    if (c.data.length > exports.MAX_SHORT_NC) {
        throw new apdu_error_1.ApduError('apdu_field_range', `Command data is at most ${exports.MAX_SHORT_NC} bytes with short lengths; got ${c.data.length}.`);
    }
    if (c.ne !== undefined && (!Number.isInteger(c.ne) || c.ne < 1 || c.ne > exports.MAX_SHORT_NE)) {
        throw new apdu_error_1.ApduError('apdu_field_range', `Ne must be 1..${exports.MAX_SHORT_NE} with short lengths; got ${c.ne}.`);
    }
    const parts = [c.cla, c.ins, c.p1, c.p2];
    const lc = c.data.length > 0 ? [c.data.length] : [];
    const le = c.ne === undefined ? [] : [c.ne & 0xff];
    return Buffer.concat([Buffer.from(parts), Buffer.from(lc), c.data, Buffer.from(le)]);
}
/**
 * Parses a short command APDU. Rule (background §3.1): 4 bytes = case 1; 5 bytes = case 2 with
 * Le; otherwise b[4] is Lc and the length must be 5 + Lc (case 3) or 6 + Lc (case 4). A b[4] of
 * 00 with more bytes is extended length, refused with its own code.
 */
function decodeCommand(bytes) {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    if (b.length < 4)
        throw new apdu_error_1.ApduError('apdu_too_short', `A command APDU has at least 4 header bytes; got ${b.length}.`);
    const header = { cla: b[0], ins: b[1], p1: b[2], p2: b[3] };
    if (b.length === 4)
        return { ...header, data: Buffer.alloc(0) };
    if (b.length === 5)
        return { ...header, data: Buffer.alloc(0), ne: b[4] === 0 ? exports.MAX_SHORT_NE : b[4] };
    const lc = b[4];
    if (lc === 0) {
        throw new apdu_error_1.ApduError('apdu_extended_length', 'Extended-length APDUs are not supported; send short APDUs (at most 255 data bytes).');
    }
    if (b.length === 5 + lc)
        return { ...header, data: Buffer.from(b.subarray(5)) };
    if (b.length === 6 + lc) {
        const le = b[5 + lc];
        return { ...header, data: Buffer.from(b.subarray(5, 5 + lc)), ne: le === 0 ? exports.MAX_SHORT_NE : le };
    }
    throw new apdu_error_1.ApduError('apdu_length_mismatch', `Lc says ${lc} data bytes but the APDU is ${b.length} bytes long (expected ${5 + lc} or ${6 + lc}).`);
}
