"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.judgeLog = judgeLog;
exports.provesCredit = provesCredit;
// What a card's log proves about a load whose CREDIT LOAD got no trustworthy answer (spec 4.1):
// a load record with this ATC, purse and amount whose MAC equals MAC3 proves the credit; a newest
// record older than this ATC (ATC_card < ATC) proves it did not happen; anything else is for an
// operator. Pure: the reader agent brings the records, the key store here checks the MAC.
const card_driver_1 = require("../../card-driver");
/** Judges a whole log, newest record first, as READ LOG 1..n returned it. */
function judgeLog(keys, load, newestFirst) {
    // Every transaction that moves ATC_card is logged, so the newest record's ATC is ATC_card.
    const atcCard = newestFirst[0]?.atc ?? 0;
    if (atcCard < load.atc)
        return { outcome: 'not_credited', atcCard };
    const position = atcCard - load.atc; // 0 = newest
    if (position >= card_driver_1.LOG_CAPACITY || position >= newestFirst.length)
        return { outcome: 'undetermined', reason: 'rolled_out_of_log', atcCard };
    const record = newestFirst[position];
    if (!provesCredit(keys, load, record))
        return { outcome: 'undetermined', reason: 'record_mismatch', atcCard };
    return { outcome: 'credited', mac3Hex: record.mac.toString('hex').toUpperCase(), balanceAfterMinor: record.balanceAfter.toString(), atcCard };
}
/** Does this one record (from a log, or handed to an operator) prove that the load was credited? */
function provesCredit(keys, load, record) {
    return record.type === 'load' && record.atc === load.atc && record.purse === load.purse && record.amount === load.amount && keys.verifyMac3(load, record.mac);
}
