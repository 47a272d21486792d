"use strict";
// ACR30 message layout (acr30-serial.md §1.3, §1.4) on binary values, before hex encoding:
//   command  01 INS LEN data… XOR              (LEN < 255)
//            01 INS FF Nhi Nlo data… XOR       (extended)
//   response 01 SW1 SW2 LEN data… XOR          (and the same FF Nhi Nlo extension)
// The XOR covers every byte before it, so XOR over the whole message is 00. Pure functions only.
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAX_DATA = exports.HEADER = void 0;
exports.xorOf = xorOf;
exports.encodeCommand = encodeCommand;
exports.encodeResponse = encodeResponse;
exports.decodeCommand = decodeCommand;
exports.decodeResponse = decodeResponse;
exports.HEADER = 0x01;
/** The length byte that announces a 2-byte length (spec: "when the length does not fit in one byte"). */
const EXTENDED = 0xff;
exports.MAX_DATA = 0xffff;
function xorOf(bytes, end = bytes.length) {
    let x = 0;
    for (let i = 0; i < end; i += 1)
        x ^= bytes[i];
    return x;
}
function assertByte(name, value) {
    if (!Number.isInteger(value) || value < 0 || value > 0xff)
        throw new RangeError(`${name} must be a byte, got ${value}`);
}
function lengthField(n) {
    if (n > exports.MAX_DATA)
        throw new RangeError(`ACR30 data of ${n} bytes exceeds ${exports.MAX_DATA}`);
    return n < EXTENDED ? [n] : [EXTENDED, n >> 8, n & 0xff];
}
function withChecksum(head, data) {
    const out = Buffer.allocUnsafe(head.length + data.length + 1);
    out.set(head, 0);
    data.copy(out, head.length);
    out[out.length - 1] = xorOf(out, out.length - 1);
    return out;
}
function encodeCommand(command) {
    assertByte('INS', command.ins);
    return withChecksum([exports.HEADER, command.ins, ...lengthField(command.data.length)], command.data);
}
function encodeResponse(response) {
    assertByte('SW1', response.sw1);
    assertByte('SW2', response.sw2);
    return withChecksum([exports.HEADER, response.sw1, response.sw2, ...lengthField(response.data.length)], response.data);
}
/** Reads the length field at `at`; returns the data length and where the data starts. */
function readLength(bytes, at) {
    if (bytes.length <= at)
        return null;
    if (bytes[at] !== EXTENDED)
        return { n: bytes[at], start: at + 1 };
    if (bytes.length <= at + 2)
        return null;
    return { n: bytes.readUInt16BE(at + 1), start: at + 3 };
}
function checked(bytes, lengthAt) {
    if (bytes.length < lengthAt + 2)
        return { ok: false, fault: 'too_short' };
    if (bytes[0] !== exports.HEADER)
        return { ok: false, fault: 'bad_header' };
    const len = readLength(bytes, lengthAt);
    if (!len)
        return { ok: false, fault: 'too_short' };
    if (bytes.length !== len.start + len.n + 1)
        return { ok: false, fault: 'bad_length' };
    if (xorOf(bytes) !== 0)
        return { ok: false, fault: 'bad_checksum' };
    return { ok: true, value: len };
}
function decodeCommand(bytes) {
    const c = checked(bytes, 2);
    if (!c.ok)
        return c;
    const { start, n } = c.value;
    return { ok: true, value: { ins: bytes[1], data: Buffer.from(bytes.subarray(start, start + n)) } };
}
function decodeResponse(bytes) {
    const c = checked(bytes, 3);
    if (!c.ok)
        return c;
    const { start, n } = c.value;
    return { ok: true, value: { sw1: bytes[1], sw2: bytes[2], data: Buffer.from(bytes.subarray(start, start + n)) } };
}
