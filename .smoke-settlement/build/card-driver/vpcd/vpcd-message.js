"use strict";
// The vpcd ↔ virtual card wire format (background.md §2.2): each message in either direction is a
// big-endian uint16 length followed by that many bytes. A 1-byte body is a control byte from vpcd;
// any other length is an APDU. Pure code: no sockets here.
Object.defineProperty(exports, "__esModule", { value: true });
exports.VpcdMessageDecoder = exports.VPCD_MAX_BODY = void 0;
exports.classifyVpcdRequest = classifyVpcdRequest;
exports.encodeVpcdMessage = encodeVpcdMessage;
exports.VPCD_MAX_BODY = 0xffff;
const CONTROL = { 0: 'power-off', 1: 'power-on', 2: 'reset', 4: 'get-atr' };
function classifyVpcdRequest(body) {
    if (body.length === 1) {
        const byte = body[0];
        const kind = CONTROL[byte];
        if (kind === 'power-off' || kind === 'power-on' || kind === 'reset' || kind === 'get-atr')
            return { kind };
        return { kind: 'unknown-control', byte };
    }
    return { kind: 'apdu', apdu: body };
}
function encodeVpcdMessage(body) {
    if (body.length > exports.VPCD_MAX_BODY) {
        throw new RangeError(`vpcd message body of ${body.length} bytes exceeds ${exports.VPCD_MAX_BODY}`);
    }
    const out = Buffer.allocUnsafe(2 + body.length);
    out.writeUInt16BE(body.length, 0);
    body.copy(out, 2);
    return out;
}
/**
 * Reassembles length-prefixed messages from TCP chunks, which may split a header or a body anywhere
 * or carry several messages at once. Every 16-bit length is legal, so no input is malformed: the
 * decoder only ever waits for more bytes.
 */
class VpcdMessageDecoder {
    pending = Buffer.alloc(0);
    push(chunk) {
        this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
        const messages = [];
        let offset = 0;
        while (this.pending.length - offset >= 2) {
            const length = this.pending.readUInt16BE(offset);
            if (this.pending.length - offset - 2 < length)
                break;
            messages.push(Buffer.from(this.pending.subarray(offset + 2, offset + 2 + length)));
            offset += 2 + length;
        }
        this.pending = this.pending.subarray(offset);
        return messages;
    }
    /** Bytes received but not yet part of a whole message. */
    get buffered() {
        return this.pending.length;
    }
}
exports.VpcdMessageDecoder = VpcdMessageDecoder;
