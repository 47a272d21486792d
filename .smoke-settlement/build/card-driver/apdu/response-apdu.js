"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.parseResponse = parseResponse;
exports.encodeResponse = encodeResponse;
const apdu_error_1 = require("./apdu-error");
const command_apdu_1 = require("./command-apdu");
const status_word_1 = require("./status-word");
function parseResponse(bytes) {
    if (bytes.length < 2)
        throw new apdu_error_1.ApduError('response_too_short', `A response APDU ends in two status bytes; got ${bytes.length} bytes.`);
    if (bytes.length > command_apdu_1.MAX_SHORT_NE + 2) {
        throw new apdu_error_1.ApduError('response_too_long', `A short response carries at most ${command_apdu_1.MAX_SHORT_NE} data bytes; got ${bytes.length - 2}.`);
    }
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const sw = b.readUInt16BE(b.length - 2);
    return { data: Buffer.from(b.subarray(0, b.length - 2)), sw, status: (0, status_word_1.statusOf)(sw) };
}
function encodeResponse(data, sw) {
    const out = Buffer.alloc(data.length + 2);
    out.set(data, 0);
    out.writeUInt16BE(sw, data.length);
    return out;
}
