"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_FOREIGN_SAM_ID = exports.SimulatedTransferCard = exports.SimulatedPos = exports.SimulatedSam = void 0;
exports.runMerchant = runMerchant;
const commands_1 = require("../esmart/commands");
const protocol_error_1 = require("../esmart/protocol-error");
const identity_1 = require("../esmart/identity");
const estb_writer_1 = require("../estb/estb-writer");
const estb_format_1 = require("../estb/estb-format");
const transaction_macs_1 = require("../esmart/transaction-macs");
/** The merchant's purchase module: numbers purchases and signs their records with KS. */
class SimulatedSam {
    samId;
    #nextSeq;
    #key;
    constructor(samId, key, firstSeq = 1) {
        this.samId = samId;
        this.#key = key;
        this.#nextSeq = firstSeq;
    }
    static issue(keys, samId, firstSeq = 1) {
        return new SimulatedSam(samId, keys.samKey(samId), firstSeq);
    }
    get nextSeq() {
        return this.#nextSeq;
    }
    /** Takes the next sequence number (the SAM's counter only grows). */
    takeSeq() {
        return this.#nextSeq++;
    }
    sign(record) {
        return (0, estb_format_1.encodeSamSignedRecord)(record, this.#key);
    }
    /** Re-signs a record whose fields were changed (to make a tampered MACP look SAM-approved). */
    resign(record) {
        const out = Buffer.from(record);
        (0, transaction_macs_1.computeSamMac)(this.#key, out.subarray(0, estb_format_1.SAM_MAC_SPAN)).copy(out, estb_format_1.SAM_MAC_SPAN);
        return out;
    }
}
exports.SimulatedSam = SimulatedSam;
/** A point of sale: debits a card and keeps the SAM-signed record. */
class SimulatedPos {
    sam;
    now;
    records = [];
    constructor(sam, now = () => Math.floor(Date.now() / 1000)) {
        this.sam = sam;
        this.now = now;
    }
    purchase(card, purse, amount) {
        (0, commands_1.successData)(card.process((0, commands_1.selectCommand)()), 'SELECT');
        const samSeq = this.sam.takeSeq();
        const debit = (0, commands_1.parseDebitData)((0, commands_1.successData)(card.process((0, commands_1.debitCommand)({ purse, amount, samId: this.sam.samId, samSeq })), 'DEBIT'));
        // DEBIT does not answer the ATC; the purchase's own log record does.
        const logged = (0, commands_1.parseLogData)((0, commands_1.successData)(card.process((0, commands_1.readLogCommand)(1)), 'READ LOG'));
        if (logged.type !== 'purchase' || logged.seq !== samSeq || !logged.mac.equals(debit.macp)) {
            throw new protocol_error_1.EsmartError('malformed_response', 'The card did not log the purchase it just made; take the card out and try again.');
        }
        const record = this.sam.sign({
            csn: card.csn,
            atc: logged.atc,
            purse,
            amount,
            balanceAfter: debit.newBalance,
            samId: this.sam.samId,
            samSeq,
            time: this.now(),
            macp: debit.macp,
        });
        this.records.push(record);
        return record;
    }
}
exports.SimulatedPos = SimulatedPos;
/** The Transfer card: collects records from SAMs and exports them as one signed file. */
class SimulatedTransferCard {
    id;
    #key;
    #batchSeq;
    constructor(id, key, firstBatchSeq = 1) {
        this.id = id;
        this.#key = key;
        this.#batchSeq = firstBatchSeq;
    }
    static issue(keys, id, firstBatchSeq = 1) {
        return new SimulatedTransferCard(id, keys.transferCardKey(id), firstBatchSeq);
    }
    exportFile(records, created) {
        const batchSeq = this.#batchSeq++;
        return { file: (0, estb_writer_1.encodeEstbFile)({ transferCardId: this.id, batchSeq, created }, records, this.#key), batchSeq };
    }
}
exports.SimulatedTransferCard = SimulatedTransferCard;
exports.DEFAULT_FOREIGN_SAM_ID = (0, identity_1.parseSamId)('53414D00000000FF');
/**
 * Debits the cards round-robin and writes the Transfer card's file. Returns the file and what
 * each fault did, so a test or a demo can say which records the server must refuse.
 */
function runMerchant(keys, cards, run) {
    if (cards.length === 0)
        throw new RangeError('The merchant simulation needs at least one card to debit.');
    const now = run.now ?? (() => Math.floor(Date.now() / 1000));
    const faults = run.faults ?? {};
    const pos = new SimulatedPos(SimulatedSam.issue(keys, (0, identity_1.parseSamId)(run.samId), run.firstSamSeq ?? 1), now);
    const applied = {};
    const mark = (what, index) => {
        (applied[what] ??= []).push(index);
    };
    const records = [];
    let next = 0;
    const card = () => cards[next++ % cards.length];
    for (let i = 0; i < run.purchases; i++)
        records.push(pos.purchase(card(), run.purse ?? identity_1.PURSE.ecash, run.amount));
    for (let i = 0; i < (faults.foodPurchases ?? 0); i++) {
        mark('foodPurchases', records.length);
        records.push(pos.purchase(card(), identity_1.PURSE.food, run.amount));
    }
    if (faults.foreignSamPurchases) {
        const foreign = new SimulatedPos(SimulatedSam.issue(keys, run.foreignSamId ?? exports.DEFAULT_FOREIGN_SAM_ID), now);
        for (let i = 0; i < faults.foreignSamPurchases; i++) {
            mark('foreignSamPurchases', records.length);
            records.push(foreign.purchase(card(), run.purse ?? identity_1.PURSE.ecash, run.amount));
        }
    }
    for (let i = 0; i < (faults.tamperPurchaseMacs ?? 0) && i < records.length; i++) {
        const tampered = Buffer.from(records[i]);
        tampered[35] ^= 0x01;
        records[i] = pos.sam.resign(tampered);
        mark('tamperPurchaseMacs', i);
    }
    for (let i = 0; i < (faults.tamperSamMacs ?? 0) && i < records.length; i++) {
        const index = records.length - 1 - i;
        const tampered = Buffer.from(records[index]);
        tampered[estb_format_1.SAM_MAC_SPAN] ^= 0x01;
        records[index] = tampered;
        mark('tamperSamMacs', index);
    }
    const originals = records.length;
    for (let i = 0; i < (faults.replayRecords ?? 0); i++) {
        mark('replayRecords', records.length);
        records.push(Buffer.from(records[i % originals]));
    }
    const transfer = SimulatedTransferCard.issue(keys, (0, identity_1.parseTransferCardId)(run.transferCardId), run.batchSeq ?? 1);
    let { file } = transfer.exportFile(records, now());
    if (faults.tamperFileMac)
        file[file.length - 1] ^= 0x01;
    if (faults.truncateBytes)
        file = file.subarray(0, Math.max(0, file.length - faults.truncateBytes));
    return { file, records: records.length, faultsApplied: applied };
}
