"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.nameBasedUuid = nameBasedUuid;
exports.settlementPendingId = settlementPendingId;
exports.settlementPostId = settlementPostId;
/**
 * Ledger transfer ids derived from what is being settled, never random: a retried activity, a
 * continued-as-new run or a re-uploaded file computes the same ids, and the ledger answers
 * `exists` instead of moving money twice. Name-based UUIDs (RFC 9562 version 5).
 */
const node_crypto_1 = require("node:crypto");
// Fixed namespace of purseflow's derived transfer ids (random once, never change: ids depend on it).
const PURSEFLOW_NAMESPACE = Buffer.from('6f1d8a3c5b2e4c7a9e0f1a2b3c4d5e6f', 'hex');
function nameBasedUuid(name) {
    const hash = (0, node_crypto_1.createHash)('sha1').update(PURSEFLOW_NAMESPACE).update(name, 'utf8').digest();
    const bytes = hash.subarray(0, 16);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
/**
 * One pending transfer per (chunk, purse) of a batch: the chunk's accepted records are fixed once
 * decided (their verdict rows are written before the transfer and never change) and the chunk
 * size is fixed per batch when it is first registered, so the name always means the same records.
 */
function settlementPendingId(batchKey, chunkIndex, purse) {
    return nameBasedUuid(`settlement/${batchKey}/chunk/${chunkIndex}/purse/${purse}/pending`);
}
function settlementPostId(batchKey, chunkIndex, purse) {
    return nameBasedUuid(`settlement/${batchKey}/chunk/${chunkIndex}/purse/${purse}/post`);
}
