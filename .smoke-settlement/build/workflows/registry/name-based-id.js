"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.nameBasedId = nameBasedId;
exports.accountIdFor = accountIdFor;
exports.transferIdFor = transferIdFor;
// Ledger ids are UUIDs chosen by the caller. Ours are name-based (RFC 9562 UUIDv5): the same
// name always gives the same id, so every creation and every transfer can be retried without a
// lookup and without ever applying twice.
const node_crypto_1 = require("node:crypto");
/** Our own namespace UUID (a fixed random v4), so our names never collide with anyone else's. */
const PURSEFLOW_NAMESPACE = Buffer.from('6f1c2b9e4d3a4f0c9b7e2a5d8c1f3e60', 'hex');
function nameBasedId(name) {
    if (typeof name !== 'string' || name.length === 0)
        throw new RangeError('nameBasedId needs a non-empty name');
    const hash = (0, node_crypto_1.createHash)('sha1').update(PURSEFLOW_NAMESPACE).update(name, 'utf8').digest();
    const b = hash.subarray(0, 16);
    b[6] = (b[6] & 0x0f) | 0x50; // version 5
    b[8] = (b[8] & 0x3f) | 0x80; // RFC variant
    const hex = b.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
/** The ledger account id of a platform account (float, bank, programme) or an owner's account. */
function accountIdFor(code, ownerRef) {
    return nameBasedId(ownerRef === null ? `account/platform/${code}` : `account/${ownerRef}/${code}`);
}
function transferIdFor(key) {
    for (const part of [key.workflowId, key.originalRunId, key.step]) {
        if (typeof part !== 'string' || part.length === 0)
            throw new RangeError('a transfer key needs workflowId, originalRunId and step');
    }
    return nameBasedId(`transfer/${key.workflowId}/${key.originalRunId}/${key.step}`);
}
