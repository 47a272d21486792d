"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.EsmartSession = void 0;
exports.performOnlineLoad = performOnlineLoad;
exports.recoverTornLoad = recoverTornLoad;
// The host side of the e-Smart protocol over any ApduChannel: one method per card command, and
// the two flows that need several of them (an online load, and the recovery of a torn load).
const node_crypto_1 = require("node:crypto");
const status_word_1 = require("../apdu/status-word");
const commands_1 = require("./commands");
const identity_1 = require("./identity");
const log_record_1 = require("./log-record");
const protocol_error_1 = require("./protocol-error");
const transaction_macs_1 = require("./transaction-macs");
class EsmartSession {
    channel;
    constructor(channel) {
        this.channel = channel;
    }
    async select() {
        return (0, commands_1.parseSelectData)((0, commands_1.successData)(await this.channel.transmit((0, commands_1.selectCommand)()), 'SELECT'));
    }
    async balance(purse) {
        return (0, commands_1.parseBalanceData)((0, commands_1.successData)(await this.channel.transmit((0, commands_1.getBalanceCommand)(purse)), 'GET BALANCE'));
    }
    async balances() {
        return { ecash: await this.balance(identity_1.PURSE.ecash), food: await this.balance(identity_1.PURSE.food) };
    }
    /** Log record n (1 = newest), or undefined when the card has fewer records (6A83). */
    async readLog(n) {
        const response = await this.channel.transmit((0, commands_1.readLogCommand)(n));
        if (response.length === 2 && response.readUInt16BE(0) === status_word_1.SW.RECORD_NOT_FOUND)
            return undefined;
        return (0, commands_1.parseLogData)((0, commands_1.successData)(response, 'READ LOG'));
    }
    /** The whole log, newest first. */
    async readWholeLog() {
        const records = [];
        for (let n = 1; n <= log_record_1.LOG_CAPACITY; n++) {
            const r = await this.readLog(n);
            if (!r)
                break;
            records.push(r);
        }
        return records;
    }
    async initializeLoad(p) {
        return (0, commands_1.parseInitializeLoadData)((0, commands_1.successData)(await this.channel.transmit((0, commands_1.initializeLoadCommand)(p)), 'INITIALIZE LOAD'));
    }
    async creditLoad(p) {
        return (0, commands_1.parseCreditLoadData)((0, commands_1.successData)(await this.channel.transmit((0, commands_1.creditLoadCommand)(p)), 'CREDIT LOAD'));
    }
    async debit(p) {
        return (0, commands_1.parseDebitData)((0, commands_1.successData)(await this.channel.transmit((0, commands_1.debitCommand)(p)), 'DEBIT'));
    }
}
exports.EsmartSession = EsmartSession;
/** Online load (spec 4.1): SELECT → INITIALIZE LOAD → MAC1 check → authorize → MAC2 → CREDIT LOAD → MAC3 check. */
async function performOnlineLoad(channel, keys, request) {
    const card = new EsmartSession(channel);
    const info = await card.select();
    assertSameCard(info.csn, request.csn);
    const rh = request.rh ?? (0, node_crypto_1.randomBytes)(transaction_macs_1.RANDOM_BYTES);
    const init = await card.initializeLoad({ mode: 'online', purse: request.purse, amount: request.amount, rh });
    const session = { csn: info.csn, atc: init.atc, purse: request.purse, amount: request.amount, rh, rc: init.rc };
    if (!keys.verifyMac1(session, init.mac1)) {
        throw new protocol_error_1.EsmartError('mac1_invalid', `Card ${(0, identity_1.formatCsn)(info.csn)} answered INITIALIZE LOAD with a MAC1 that does not verify: it is not a genuine card or not ours; nothing was reserved.`);
    }
    await request.authorize?.(session);
    const credit = await card.creditLoad({ mode: 'online', purse: request.purse, amount: request.amount, auth: keys.mac2(session) });
    if (!keys.verifyMac3(session, credit.mac3)) {
        throw new protocol_error_1.EsmartError('mac3_invalid', `Card ${(0, identity_1.formatCsn)(info.csn)} answered CREDIT LOAD with a MAC3 that does not verify; keep the reservation and recover from the card's log (spec 4.1).`);
    }
    return { ...session, balanceBefore: init.balance, newBalance: credit.newBalance, mac3: credit.mac3 };
}
/**
 * What became of a load whose CREDIT LOAD got no answer (spec 4.1). Read-only: it never sends a
 * purse command, so it is safe to repeat.
 */
async function recoverTornLoad(channel, keys, load) {
    const card = new EsmartSession(channel);
    const info = await card.select();
    assertSameCard(info.csn, load.csn);
    const newest = await card.readLog(1);
    // Every transaction that moves ATC_card is logged, so the newest record's ATC is ATC_card.
    const atcCard = newest?.atc ?? 0;
    if (atcCard < load.atc)
        return { outcome: 'not_credited', atcCard };
    const position = atcCard - load.atc + 1;
    if (position > log_record_1.LOG_CAPACITY)
        return { outcome: 'undetermined', reason: 'rolled_out_of_log', atcCard };
    const record = position === 1 ? newest : await card.readLog(position);
    if (!record)
        return { outcome: 'undetermined', reason: 'rolled_out_of_log', atcCard };
    const matches = record.type === 'load' &&
        record.atc === load.atc &&
        record.purse === load.purse &&
        record.amount === load.amount &&
        keys.verifyMac3(load, record.mac);
    if (!matches)
        return { outcome: 'undetermined', reason: 'record_mismatch', atcCard, record };
    return { outcome: 'credited', mac3: record.mac, record, atcCard };
}
function assertSameCard(actual, expected) {
    if (expected !== undefined && actual !== expected) {
        throw new protocol_error_1.EsmartError('wrong_card', `The reader holds card ${(0, identity_1.formatCsn)(actual)}, not ${(0, identity_1.formatCsn)(expected)}; insert the right card.`);
    }
}
