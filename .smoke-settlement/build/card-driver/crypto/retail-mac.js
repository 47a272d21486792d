"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RetailMacStream = exports.MAC4_BYTES = exports.MAC_BYTES = void 0;
exports.retailMac = retailMac;
exports.retailMac4 = retailMac4;
exports.retailMac4Batch = retailMac4Batch;
const padding_1 = require("./padding");
const secret_key_1 = require("./secret-key");
exports.MAC_BYTES = 8;
exports.MAC4_BYTES = 4;
// Below this many blocks, per-block calls on the cached ECB context beat creating a CBC context.
const CBC_CONTEXT_THRESHOLD_BLOCKS = 4;
/** MAC(K, M): 8 bytes. */
function retailMac(key, message) {
    const padded = (0, padding_1.pad2)(message);
    const blocks = padded.length / secret_key_1.BLOCK_BYTES;
    let chain = Buffer.alloc(secret_key_1.BLOCK_BYTES);
    const head = blocks - 1;
    if (head > 0 && (head >= CBC_CONTEXT_THRESHOLD_BLOCKS || key.isSessionKey)) {
        const out = key.encryptCbcK1(padded.subarray(0, head * secret_key_1.BLOCK_BYTES), chain);
        chain = out.subarray(out.length - secret_key_1.BLOCK_BYTES);
    }
    else {
        for (let i = 0; i < head; i++) {
            chain = key.encryptEcbK1(xorBlock(chain, padded, i * secret_key_1.BLOCK_BYTES));
        }
    }
    return key.encryptEcb(xorBlock(chain, padded, head * secret_key_1.BLOCK_BYTES));
}
/** MAC4(K, M): the first 4 bytes of MAC(K, M). */
function retailMac4(key, message) {
    return retailMac(key, message).subarray(0, exports.MAC4_BYTES);
}
/**
 * MAC4 of many messages of the same length under one key, computed block column by block column:
 * one native call per block position instead of one per block, which is what lets a settlement
 * file's SAM MACs be checked at tens of thousands per second.
 */
function retailMac4Batch(key, messages) {
    if (messages.length === 0)
        return [];
    const length = messages[0].length;
    if (messages.some((m) => m.length !== length))
        throw new secret_key_1.CryptoError('block_length', 'A MAC batch takes messages of one length.');
    const padded = messages.map(padding_1.pad2);
    const blocks = padded[0].length / secret_key_1.BLOCK_BYTES;
    const n = messages.length;
    let chains = Buffer.alloc(n * secret_key_1.BLOCK_BYTES);
    for (let j = 0; j < blocks; j++) {
        const column = Buffer.allocUnsafe(n * secret_key_1.BLOCK_BYTES);
        for (let r = 0; r < n; r++) {
            const p = padded[r];
            for (let b = 0; b < secret_key_1.BLOCK_BYTES; b++)
                column[r * secret_key_1.BLOCK_BYTES + b] = chains[r * secret_key_1.BLOCK_BYTES + b] ^ p[j * secret_key_1.BLOCK_BYTES + b];
        }
        chains = j === blocks - 1 ? key.encryptEcb(column) : key.encryptEcbK1(column);
    }
    return Array.from({ length: n }, (_, r) => Buffer.from(chains.subarray(r * secret_key_1.BLOCK_BYTES, r * secret_key_1.BLOCK_BYTES + exports.MAC4_BYTES)));
}
function xorBlock(chain, data, offset) {
    const out = Buffer.allocUnsafe(secret_key_1.BLOCK_BYTES);
    for (let j = 0; j < secret_key_1.BLOCK_BYTES; j++)
        out[j] = chain[j] ^ data[offset + j];
    return out;
}
/**
 * The same MAC over a message that arrives in pieces (a settlement file of any size): memory stays
 * constant, whole blocks go through one native CBC context, and only the tail (< 8 bytes) waits here.
 */
class RetailMacStream {
    #key;
    #cbc;
    #tail = Buffer.alloc(0);
    #chain = Buffer.alloc(secret_key_1.BLOCK_BYTES);
    #done = false;
    constructor(key) {
        this.#key = key;
        this.#cbc = key.cbcK1Stream();
    }
    update(piece) {
        if (this.#done)
            throw new secret_key_1.CryptoError('mac_finished', 'This MAC is already finished; start a new RetailMacStream.');
        const data = this.#tail.length === 0 ? Buffer.from(piece.buffer, piece.byteOffset, piece.length) : Buffer.concat([this.#tail, piece]);
        const whole = data.length - (data.length % secret_key_1.BLOCK_BYTES);
        if (whole > 0) {
            const out = this.#cbc.update(data.subarray(0, whole));
            this.#chain = Buffer.from(out.subarray(out.length - secret_key_1.BLOCK_BYTES));
        }
        this.#tail = Buffer.from(data.subarray(whole));
        return this;
    }
    /** The 8-byte MAC of everything given to update(). */
    digest() {
        if (this.#done)
            throw new secret_key_1.CryptoError('mac_finished', 'digest() was already called on this MAC.');
        this.#done = true;
        const last = (0, padding_1.pad2)(this.#tail);
        return this.#key.encryptEcb(xorBlock(this.#chain, last, 0));
    }
}
exports.RetailMacStream = RetailMacStream;
