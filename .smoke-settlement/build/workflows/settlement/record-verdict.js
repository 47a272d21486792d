"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.purseKey = exports.samSeqKey = exports.cardAtcKey = exports.PURSE_FOOD = exports.PURSE_ECASH = void 0;
exports.purseOfKey = purseOfKey;
exports.isSettlementPurse = isSettlementPurse;
exports.decideChunk = decideChunk;
const settlement_error_1 = require("./settlement-error");
exports.PURSE_ECASH = 1;
exports.PURSE_FOOD = 2;
const cardAtcKey = (csn, atc) => `${csn}:${atc}`;
exports.cardAtcKey = cardAtcKey;
const samSeqKey = (samId, samSeq) => `${samId}:${samSeq}`;
exports.samSeqKey = samSeqKey;
const purseKey = (csn, purse) => `${csn}:${purse}`;
exports.purseKey = purseKey;
/** The card and purse a `purseKey` names. */
function purseOfKey(key) {
    const [csn, purse] = key.split(':');
    const p = Number(purse);
    (0, settlement_error_1.assertSettlement)(isSettlementPurse(p), `purse key ${key} names purse 1 or 2`);
    return { csn, purse: p };
}
function isSettlementPurse(purse) {
    return purse === exports.PURSE_ECASH || purse === exports.PURSE_FOOD;
}
function decideChunk(records, context) {
    const seenCardAtc = new Set();
    const seenSamSeq = new Set();
    const settledDeltas = new Map();
    const acceptedByPurse = new Map();
    const overspentPurses = new Set();
    const verdicts = [];
    let previousIndex = -1;
    for (const record of records) {
        (0, settlement_error_1.assertSettlement)(record.index > previousIndex, `records come in file order (record ${record.index} follows ${previousIndex})`);
        previousIndex = record.index;
        const reason = rejectionOf(record, context, seenCardAtc, seenSamSeq, settledDeltas);
        if (reason) {
            if (reason === 'card_overspent')
                overspentPurses.add((0, exports.purseKey)(record.csn, record.purse));
            verdicts.push({ index: record.index, accepted: false, reason });
            continue;
        }
        // Only accepted records claim their pairs: a rejected forgery must not shadow the genuine record.
        seenCardAtc.add((0, exports.cardAtcKey)(record.csn, record.atc));
        seenSamSeq.add((0, exports.samSeqKey)(record.samId, record.samSeq));
        const key = (0, exports.purseKey)(record.csn, record.purse);
        settledDeltas.set(key, (settledDeltas.get(key) ?? 0n) + record.amount);
        const purse = record.purse;
        acceptedByPurse.set(purse, (acceptedByPurse.get(purse) ?? 0n) + record.amount);
        verdicts.push({ index: record.index, accepted: true });
    }
    return { verdicts, acceptedByPurse, settledDeltas, overspentPurses };
}
function rejectionOf(record, context, seenCardAtc, seenSamSeq, settledDeltas) {
    if (record.proof === 'malformed_record' || !isSettlementPurse(record.purse) || record.amount <= 0n)
        return 'malformed_record';
    const samOwner = context.samOwners.get(record.samId);
    if (samOwner === undefined)
        return 'unknown_sam';
    if (samOwner !== context.merchant.id)
        return 'sam_of_other_merchant';
    if (record.proof === 'sam_mac_invalid')
        return 'sam_mac_invalid';
    if (record.proof === 'card_mac_invalid')
        return 'card_mac_invalid';
    if (record.proof === 'duplicate_in_file')
        return 'duplicate_in_file';
    const card = context.cards.get(record.csn);
    if (!card)
        return 'unknown_card';
    if (card.blocked)
        return 'card_blocked';
    if (record.purse === exports.PURSE_FOOD && !context.merchant.foodEligible)
        return 'food_not_accepted';
    const cardAtc = (0, exports.cardAtcKey)(record.csn, record.atc);
    const samSeq = (0, exports.samSeqKey)(record.samId, record.samSeq);
    if (seenCardAtc.has(cardAtc) || seenSamSeq.has(samSeq))
        return 'duplicate_in_file';
    const cardAtcHolder = context.settledCardAtc.get(cardAtc);
    const samSeqHolder = context.settledSamSeq.get(samSeq);
    if (cardAtcHolder === context.batchKey || samSeqHolder === context.batchKey)
        return 'duplicate_in_file';
    if (cardAtcHolder !== undefined)
        return 'already_settled';
    if (samSeqHolder !== undefined)
        return 'sam_sequence_replayed';
    const key = (0, exports.purseKey)(record.csn, record.purse);
    const shadow = context.purses.get(key) ?? { loaded: 0n, settled: 0n };
    const settledSoFar = shadow.settled + (settledDeltas.get(key) ?? 0n);
    if (settledSoFar + record.amount > shadow.loaded)
        return 'card_overspent';
    return undefined;
}
