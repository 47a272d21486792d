"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.pad2 = pad2;
const secret_key_1 = require("./secret-key");
/** ISO/IEC 9797-1 padding method 2: append 80, then 00 up to a multiple of 8 (always at least one byte). */
function pad2(message) {
    const length = (Math.floor(message.length / secret_key_1.BLOCK_BYTES) + 1) * secret_key_1.BLOCK_BYTES;
    const out = Buffer.alloc(length);
    out.set(message, 0);
    out[message.length] = 0x80;
    return out;
}
