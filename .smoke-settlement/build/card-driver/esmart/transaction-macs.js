"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.OFFLINE_RANDOM = exports.RANDOM_BYTES = void 0;
exports.computeMac1 = computeMac1;
exports.computeMac2 = computeMac2;
exports.computeMac3 = computeMac3;
exports.computePurchaseMac = computePurchaseMac;
exports.purchaseFields = purchaseFields;
exports.purchaseMacOverFields = purchaseMacOverFields;
exports.computeSamMac = computeSamMac;
// The MACs of a load (spec 4.1) and a purchase (4.3). Card and server compute them with the same
// functions: the card with its personalised keys, the server through the key store.
const retail_mac_1 = require("../crypto/retail-mac");
const derivation_1 = require("../crypto/derivation");
const identity_1 = require("./identity");
const protocol_error_1 = require("./protocol-error");
exports.RANDOM_BYTES = 8;
/** Offline loads use eight 00 bytes for both randoms (spec 4.1). */
exports.OFFLINE_RANDOM = Buffer.alloc(exports.RANDOM_BYTES);
function creditFields(credit) {
    (0, identity_1.assertAtc)(credit.atc);
    (0, identity_1.assertTransactionAmount)(credit.amount);
    return Buffer.concat([(0, identity_1.csnToBytes)(credit.csn), (0, identity_1.u16)(credit.atc), Buffer.of(credit.purse), (0, identity_1.amountBytes)(credit.amount)]);
}
function assertRandoms(session) {
    if (session.rh.length !== exports.RANDOM_BYTES || session.rc.length !== exports.RANDOM_BYTES) {
        throw new protocol_error_1.EsmartError('invalid_field', 'RH and RC are 8 bytes each.');
    }
}
/** MAC1 = MAC4(SK(KL, ATC), 01 ‖ CSN ‖ ATC ‖ PP ‖ amount ‖ RH ‖ RC). */
function computeMac1(loadKey, s) {
    assertRandoms(s);
    return (0, retail_mac_1.retailMac4)((0, derivation_1.sessionKey)(loadKey, s.atc), Buffer.concat([Buffer.of(0x01), creditFields(s), s.rh, s.rc]));
}
/** MAC2 = MAC4(SK(KL, ATC), 02 ‖ CSN ‖ ATC ‖ PP ‖ amount ‖ RC ‖ RH). */
function computeMac2(loadKey, s) {
    assertRandoms(s);
    return (0, retail_mac_1.retailMac4)((0, derivation_1.sessionKey)(loadKey, s.atc), Buffer.concat([Buffer.of(0x02), creditFields(s), s.rc, s.rh]));
}
/** MAC3 = MAC4(SK(KL, ATC), 03 ‖ CSN ‖ ATC ‖ PP ‖ amount). */
function computeMac3(loadKey, c) {
    return (0, retail_mac_1.retailMac4)((0, derivation_1.sessionKey)(loadKey, c.atc), Buffer.concat([Buffer.of(0x03), creditFields(c)]));
}
/** MACP = MAC4(SK(KP, ATC), 04 ‖ CSN ‖ ATC ‖ PP ‖ amount ‖ new balance ‖ SAM id ‖ SAM seq). */
function computePurchaseMac(purchaseKey, p) {
    return purchaseMacOverFields(purchaseKey, p.atc, purchaseFields(p));
}
/** The 31 bytes CSN ‖ ATC ‖ PP ‖ amount ‖ new balance ‖ SAM id ‖ SAM seq (also the head of an .estb record). */
function purchaseFields(p) {
    if (p.newBalance < 0n || p.newBalance > 0xffffffffn)
        throw new protocol_error_1.EsmartError('invalid_amount', 'A balance is 0..2^32-1 minor units.');
    if (!Number.isInteger(p.samSeq) || p.samSeq < 0 || p.samSeq > 0xffffffff) {
        throw new protocol_error_1.EsmartError('invalid_field', 'A SAM sequence number is 0..2^32-1.');
    }
    return Buffer.concat([creditFields(p), (0, identity_1.amountBytes)(p.newBalance), (0, identity_1.hexIdToBytes)(p.samId), (0, identity_1.u32)(p.samSeq)]);
}
/** MACP over already-encoded purchase fields (31 bytes): the settlement verifier's fast path. */
function purchaseMacOverFields(purchaseKey, atc, fields) {
    if (fields.length !== 31)
        throw new protocol_error_1.EsmartError('invalid_field', 'Purchase fields are 31 bytes.');
    return (0, retail_mac_1.retailMac4)((0, derivation_1.sessionKey)(purchaseKey, atc), Buffer.concat([Buffer.of(0x04), fields]));
}
/** MACS = MAC4(KS, 05 ‖ the 39 record bytes before MACS) — the vectors fix the span at bytes 0..38. */
function computeSamMac(samKey, recordHead) {
    if (recordHead.length !== 39)
        throw new protocol_error_1.EsmartError('invalid_field', 'MACS covers the first 39 bytes of a purchase record.');
    return (0, retail_mac_1.retailMac4)(samKey, Buffer.concat([Buffer.of(0x05), recordHead]));
}
