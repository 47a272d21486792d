"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.diversify = diversify;
exports.sessionKey = sessionKey;
// Key derivations of spec §2: card/SAM/Transfer-card keys (EMV option A style) and session keys
// (EMV common session key style).
const secret_key_1 = require("./secret-key");
/** DIV(MK, D) = odd(3DES(MK, D) ‖ 3DES(MK, D xor FF…FF)), D 8 bytes. */
function diversify(master, diversifier, label) {
    if (diversifier.length !== 8) {
        throw new secret_key_1.CryptoError('block_length', `A key diversifier is 8 bytes; got ${diversifier.length}.`);
    }
    const input = Buffer.alloc(secret_key_1.KEY_BYTES);
    for (let i = 0; i < 8; i++) {
        input[i] = diversifier[i];
        input[8 + i] = diversifier[i] ^ 0xff;
    }
    return master.deriveOddParity(input, label);
}
/** SK(K, ATC) = odd(3DES(K, ATC‖F0‖00×5) ‖ 3DES(K, ATC‖0F‖00×5)). */
function sessionKey(cardKey, atc) {
    if (!Number.isInteger(atc) || atc < 0 || atc > 0xffff) {
        throw new secret_key_1.CryptoError('atc_range', `An ATC is a 2-byte counter 0..65535; got ${atc}.`);
    }
    const input = Buffer.alloc(secret_key_1.KEY_BYTES);
    input.writeUInt16BE(atc, 0);
    input[2] = 0xf0;
    input.writeUInt16BE(atc, 8);
    input[10] = 0x0f;
    return cardKey.deriveOddParity(input, `${cardKey.label}/SK`, 'session');
}
