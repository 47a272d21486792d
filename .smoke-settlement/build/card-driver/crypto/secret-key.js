"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.SecretKey = exports.CryptoError = exports.KEY_BYTES = exports.BLOCK_BYTES = void 0;
exports.withOddParity = withOddParity;
// A 3DES key that cannot leak by accident: its bytes live in a private field, and every way an
// object usually becomes text (toString, util.inspect, JSON.stringify, template strings) shows only
// the key's label. Only the block-cipher operations in this module ever touch the bytes.
const crypto = __importStar(require("node:crypto"));
const node_util_1 = require("node:util");
exports.BLOCK_BYTES = 8;
exports.KEY_BYTES = 16;
class CryptoError extends Error {
    code;
    constructor(code, message) {
        super(message);
        this.code = code;
        this.name = 'CryptoError';
    }
}
exports.CryptoError = CryptoError;
const REDACTED = '[redacted]';
/** Two-key 3DES key K = K1 ‖ K2 (16 bytes). */
class SecretKey {
    label;
    #bytes;
    // ECB cipher contexts are reusable without final(): encryption with padding off returns every
    // whole block at once and carries no state between calls. Creating a context costs ~4 µs, an
    // update ~1 µs, so caching them is what makes per-record verification fast.
    #ede;
    #single;
    // A session key lives for one transaction: its contexts are freed at once (final() releases
    // OpenSSL's context) instead of waiting for a GC that cannot see native memory.
    #ephemeral;
    constructor(bytes, label, ephemeral = false) {
        this.label = label;
        this.#bytes = bytes;
        this.#ephemeral = ephemeral;
    }
    /** Copies the bytes, so the caller may wipe its buffer. */
    static fromBytes(bytes, label) {
        if (bytes.length !== exports.KEY_BYTES) {
            throw new CryptoError('key_length', `Key ${label} must be ${exports.KEY_BYTES} bytes (two-key 3DES), got ${bytes.length}.`);
        }
        return new SecretKey(Buffer.from(bytes), label);
    }
    /** Parses 32 hex digits. The error never repeats the text it was given. */
    static fromHex(hex, label) {
        const clean = hex.replace(/\s+/g, '');
        if (!/^[0-9A-Fa-f]{32}$/.test(clean)) {
            throw new CryptoError('key_format', `Key ${label} must be 32 hexadecimal digits (16 bytes); check the configured value.`);
        }
        return new SecretKey(Buffer.from(clean, 'hex'), label);
    }
    /** Constant-time comparison of two keys' bytes. */
    equals(other) {
        return crypto.timingSafeEqual(this.#bytes, other.#bytes);
    }
    /** Session keys do not keep cipher contexts: each operation pays one context creation. */
    get isSessionKey() {
        return this.#ephemeral;
    }
    /** True when K1 = K2, i.e. the key degenerates to single DES. */
    get isSingleLength() {
        return this.#bytes.subarray(0, 8).equals(this.#bytes.subarray(8));
    }
    /** 3DES-EDE2 encryption of whole 8-byte blocks, ECB. */
    encryptEcb(data) {
        assertBlocks(data);
        if (this.#ephemeral)
            return once(ecb(this.#bytes), data);
        this.#ede ??= ecb(this.#bytes);
        return this.#ede.update(data);
    }
    /** Single DES under K1 of whole 8-byte blocks, ECB (single DES k = EDE with k‖k, spec §2). */
    encryptEcbK1(data) {
        assertBlocks(data);
        if (this.#ephemeral)
            return once(ecb(this.#k1k1()), data);
        this.#single ??= ecb(this.#k1k1());
        return this.#single.update(data);
    }
    /** Single DES CBC under K1 from `iv`, for long messages: one native call instead of one per block. */
    encryptCbcK1(data, iv) {
        assertBlocks(data);
        const cipher = crypto.createCipheriv('des-ede-cbc', this.#k1k1(), iv);
        cipher.setAutoPadding(false);
        return once(cipher, data);
    }
    /** A fresh streaming single-DES CBC context under K1, IV zero (for the incremental MAC). */
    cbcK1Stream() {
        const cipher = crypto.createCipheriv('des-ede-cbc', this.#k1k1(), Buffer.alloc(exports.BLOCK_BYTES));
        cipher.setAutoPadding(false);
        return cipher;
    }
    /**
     * Builds a key from the output of a derivation over this key (DIV, SK): the 16 bytes are
     * `encryptEcb(input)` with odd parity, and never leave this module.
     */
    deriveOddParity(input, label, use = 'long-lived') {
        if (input.length !== exports.KEY_BYTES)
            throw new CryptoError('block_length', 'A derivation input is two blocks (16 bytes).');
        return new SecretKey(withOddParity(this.encryptEcb(input)), label, use === 'session');
    }
    /**
     * Frees the cached cipher contexts now rather than at some later GC (V8 does not see their
     * native memory). The key stays usable; contexts are made again when needed.
     */
    releaseContexts() {
        this.#ede?.final();
        this.#single?.final();
        this.#ede = undefined;
        this.#single = undefined;
    }
    #k1k1() {
        const out = Buffer.allocUnsafe(exports.KEY_BYTES);
        this.#bytes.copy(out, 0, 0, 8);
        this.#bytes.copy(out, 8, 0, 8);
        return out;
    }
    toString() {
        return `SecretKey(${this.label}, ${REDACTED})`;
    }
    toJSON() {
        return this.toString();
    }
    [node_util_1.inspect.custom]() {
        return this.toString();
    }
    get [Symbol.toStringTag]() {
        return 'SecretKey';
    }
}
exports.SecretKey = SecretKey;
function ecb(key) {
    const cipher = crypto.createCipheriv('des-ede', key, null);
    cipher.setAutoPadding(false);
    return cipher;
}
/** One update, then final(): the output is complete (no padding) and the native context is freed. */
function once(cipher, data) {
    const out = cipher.update(data);
    cipher.final();
    return out;
}
function assertBlocks(data) {
    if (data.length === 0 || data.length % exports.BLOCK_BYTES !== 0) {
        throw new CryptoError('block_length', `DES works on whole 8-byte blocks; got ${data.length} bytes.`);
    }
}
/** odd(K): sets each byte's low bit so that the byte has an odd number of 1 bits. Returns a new buffer. */
function withOddParity(bytes) {
    const out = Buffer.alloc(bytes.length);
    for (let i = 0; i < bytes.length; i++) {
        const high = bytes[i] & 0xfe;
        let ones = 0;
        for (let b = high; b !== 0; b >>= 1)
            ones += b & 1;
        out[i] = ones % 2 === 1 ? high : high | 1;
    }
    return out;
}
