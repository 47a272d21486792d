"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MIN_PASSWORD_LENGTH = void 0;
exports.hashPassword = hashPassword;
exports.passwordMatches = passwordMatches;
exports.decoyPasswordHash = decoyPasswordHash;
exports.generatePassword = generatePassword;
const argon2_1 = require("@node-rs/argon2");
/**
 * Passwords are hashed with Argon2id at @node-rs/argon2's defaults, which are OWASP's minimum
 * (m = 19456 KiB, t = 2, p = 1). The algorithm is not passed: `Algorithm` is a const enum that is
 * undefined at run time under isolated modules (portal-notes §2), and the default is Argon2id.
 * The async functions run off the event loop.
 */
async function hashPassword(password) {
    return (0, argon2_1.hash)(password);
}
async function passwordMatches(phcHash, password) {
    try {
        return await (0, argon2_1.verify)(phcHash, password);
    }
    catch {
        // A malformed stored hash matches nothing; the caller answers as for a wrong password.
        return false;
    }
}
/**
 * A hash of a random password, verified against when the email is unknown, so that an unknown
 * email costs the same time as a wrong password and the answer gives nothing away.
 */
let decoyHash;
function decoyPasswordHash() {
    decoyHash ??= (0, argon2_1.hash)(`decoy-${process.hrtime.bigint()}`);
    return decoyHash;
}
/** A password for `users add` when none is typed: 20 characters from a 57-letter alphabet (~117 bits). */
function generatePassword(randomBytes) {
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
    let out = '';
    while (out.length < 20) {
        for (const byte of randomBytes(32)) {
            // Rejection sampling keeps every letter equally likely.
            if (byte < 228 && out.length < 20)
                out += alphabet[byte % 57];
        }
    }
    return out;
}
exports.MIN_PASSWORD_LENGTH = 12;
