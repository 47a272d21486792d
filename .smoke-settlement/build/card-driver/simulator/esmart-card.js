"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SimulatedCard = exports.CardTornError = exports.OFFLINE_CODE_ATTEMPTS = exports.DEFAULT_MAX_BALANCE = exports.DEFAULT_CURRENCY = exports.ESMART_ATR = void 0;
// The e-Smart card application of the spec, simulated: two purses, ATC, a 10-record log, the
// pending-load slot in RAM, the offline wrong-code counter and MAXBAL, answering every status word
// of spec §5. Synchronous and deterministic given a random source, so vectors can be replayed.
const node_crypto_1 = require("node:crypto");
const command_apdu_1 = require("../apdu/command-apdu");
const response_apdu_1 = require("../apdu/response-apdu");
const status_word_1 = require("../apdu/status-word");
const digits_1 = require("../crypto/digits");
const commands_1 = require("../esmart/commands");
const identity_1 = require("../esmart/identity");
const log_record_1 = require("../esmart/log-record");
const protocol_error_1 = require("../esmart/protocol-error");
const transaction_macs_1 = require("../esmart/transaction-macs");
/** `3B 88 80 01 "ESMART01" TCK` (spec §1). */
exports.ESMART_ATR = withTck(Buffer.from('3B88800145534D41525430 31'.replace(/ /g, ''), 'hex'));
exports.DEFAULT_CURRENCY = '0356';
/** 10 000.00 in minor units. */
exports.DEFAULT_MAX_BALANCE = 1000000n;
/** Spec §3: three wrong offline codes clear the pending slot. */
exports.OFFLINE_CODE_ATTEMPTS = 3;
function withTck(body) {
    let tck = 0;
    for (let i = 1; i < body.length; i++)
        tck ^= body[i];
    return Buffer.concat([body, Buffer.of(tck)]);
}
/** The card left the reader: no response comes back. A transport turns this into "card removed". */
class CardTornError extends Error {
    code;
    point;
    constructor(code, point) {
        super(code === 'card_torn'
            ? `The card was torn away (${point}); insert it again and recover the load from its log.`
            : 'No card in the reader; insert the card (simulator: insert()).');
        this.code = code;
        this.point = point;
        this.name = 'CardTornError';
    }
}
exports.CardTornError = CardTornError;
class SimulatedCard {
    atr = exports.ESMART_ATR;
    csn;
    currency;
    maxBalance;
    #keys;
    #random;
    #balances = { [identity_1.PURSE.ecash]: 0n, [identity_1.PURSE.food]: 0n };
    #atcCard = 0;
    #log = [];
    #selected = false;
    #pending;
    #present = true;
    #tear;
    constructor(options) {
        this.csn = (0, identity_1.parseCsn)(options.csn);
        this.currency = options.currency ?? exports.DEFAULT_CURRENCY;
        if (!/^[0-9]{4}$/.test(this.currency))
            throw new protocol_error_1.EsmartError('invalid_field', 'A currency is 4 BCD digits, e.g. 0356.');
        this.maxBalance = options.maxBalance ?? exports.DEFAULT_MAX_BALANCE;
        if (this.maxBalance < 0n || this.maxBalance > identity_1.MAX_AMOUNT)
            throw new protocol_error_1.EsmartError('invalid_amount', 'MAXBAL is 0..2^32-1 minor units.');
        this.#keys = options.keys;
        this.#random = options.random ?? node_crypto_1.randomBytes;
    }
    /** A new card personalised with the keys the issuer derives for this CSN. */
    static issue(keys, csn, options = {}) {
        return new SimulatedCard({ ...options, csn, keys: keys.cardKeys(csn) });
    }
    /** A card from its JSON state; its keys come from the key store, never from the file. */
    static restore(state, keys, options = {}) {
        if (state?.format !== 'esmart-card/1')
            throw new protocol_error_1.EsmartError('invalid_field', 'This is not an e-Smart card state file (format esmart-card/1).');
        const csn = (0, identity_1.parseCsn)(state.csn);
        const card = SimulatedCard.issue(keys, csn, { currency: state.currency, maxBalance: BigInt(state.maxBalance), random: options.random });
        card.#balances = { [identity_1.PURSE.ecash]: BigInt(state.balances.ecash), [identity_1.PURSE.food]: BigInt(state.balances.food) };
        if (!Number.isInteger(state.atcCard) || state.atcCard < 0 || state.atcCard > identity_1.MAX_ATC)
            throw new protocol_error_1.EsmartError('invalid_atc', 'The state file has an ATC outside 0..65535.');
        card.#atcCard = state.atcCard;
        card.#log = state.log.map((hex) => {
            const b = Buffer.from(hex, 'hex');
            (0, log_record_1.decodeLogRecord)(b);
            return b;
        });
        if (state.ram) {
            card.#selected = state.ram.selected;
            const p = state.ram.pending;
            if (p) {
                card.#pending = {
                    mode: p.mode,
                    purse: (0, identity_1.purseId)(p.purse),
                    amount: BigInt(p.amount),
                    atc: p.atc,
                    rh: Buffer.from(p.rh, 'hex'),
                    rc: Buffer.from(p.rc, 'hex'),
                    wrongCodes: p.wrongCodes,
                };
            }
        }
        return card;
    }
    snapshot(options = {}) {
        const state = {
            format: 'esmart-card/1',
            csn: this.csn,
            currency: this.currency,
            maxBalance: this.maxBalance.toString(),
            balances: { ecash: this.#balances[identity_1.PURSE.ecash].toString(), food: this.#balances[identity_1.PURSE.food].toString() },
            atcCard: this.#atcCard,
            log: this.#log.map((b) => b.toString('hex').toUpperCase()),
        };
        if (options.withRam) {
            const p = this.#pending;
            state.ram = {
                selected: this.#selected,
                pending: p && {
                    mode: p.mode,
                    purse: p.purse,
                    amount: p.amount.toString(),
                    atc: p.atc,
                    rh: p.rh.toString('hex').toUpperCase(),
                    rc: p.rc.toString('hex').toUpperCase(),
                    wrongCodes: p.wrongCodes,
                },
            };
        }
        return state;
    }
    /** Inspection for tests and demos (a real card shows these only through its commands). */
    get atcCard() {
        return this.#atcCard;
    }
    balance(purse) {
        return this.#balances[purse];
    }
    get log() {
        return this.#log.map(log_record_1.decodeLogRecord);
    }
    get hasPendingLoad() {
        return this.#pending !== undefined;
    }
    get present() {
        return this.#present;
    }
    /** One-shot: the next command of that kind tears the card away before or after it executes. */
    tearAt(point) {
        this.#tear = point;
    }
    /** The card comes back: powered anew, so RAM (selection, pending load) is gone. */
    insert() {
        this.#present = true;
        this.reset();
    }
    reset() {
        this.#selected = false;
        this.#pending = undefined;
    }
    powerOn() {
        this.reset();
    }
    powerOff() {
        this.reset();
    }
    /** One command APDU in, one response APDU out. Throws CardTornError when the card is gone. */
    process(apdu) {
        if (!this.#present)
            throw new CardTornError('card_absent');
        let command;
        try {
            command = (0, command_apdu_1.decodeCommand)(apdu);
        }
        catch {
            return (0, response_apdu_1.encodeResponse)(Buffer.alloc(0), status_word_1.SW.WRONG_LENGTH);
        }
        const answer = this.#dispatch(command);
        return (0, response_apdu_1.encodeResponse)(answer.data ?? Buffer.alloc(0), answer.sw);
    }
    #dispatch(c) {
        if (c.cla === commands_1.CLA_ISO) {
            return c.ins === commands_1.INS.select ? this.#select(c) : { sw: status_word_1.SW.INS_NOT_SUPPORTED };
        }
        if (c.cla !== commands_1.CLA_ESMART)
            return { sw: status_word_1.SW.CLA_NOT_SUPPORTED };
        switch (c.ins) {
            case commands_1.INS.getBalance:
                return this.#guarded(() => this.#getBalance(c));
            case commands_1.INS.initializeLoad:
                return this.#guarded(() => this.#torn('initialize', () => this.#initializeLoad(c)));
            case commands_1.INS.creditLoad:
                return this.#guarded(() => this.#torn('credit', () => this.#creditLoad(c)));
            case commands_1.INS.debit:
                return this.#guarded(() => this.#torn('debit', () => this.#debit(c)));
            case commands_1.INS.readLog:
                return this.#guarded(() => this.#readLog(c));
            default:
                return { sw: status_word_1.SW.INS_NOT_SUPPORTED };
        }
    }
    #guarded(run) {
        if (!this.#selected)
            return { sw: status_word_1.SW.CONDITIONS_NOT_SATISFIED };
        return run();
    }
    #torn(step, run) {
        if (this.#tear === `before-${step}`)
            this.#vanish(`before-${step}`);
        const answer = run();
        if (this.#tear === `after-${step}`)
            this.#vanish(`after-${step}`);
        return answer;
    }
    #vanish(point) {
        this.#tear = undefined;
        this.#present = false;
        this.reset();
        throw new CardTornError('card_torn', point);
    }
    #select(c) {
        if (c.p1 !== 0x04 || c.p2 !== 0x00)
            return { sw: status_word_1.SW.WRONG_P1P2 };
        if (!leFits(c, commands_1.SELECT_RESPONSE_BYTES))
            return { sw: status_word_1.SW.WRONG_LENGTH };
        if (!c.data.equals(identity_1.AID)) {
            this.#selected = false;
            return { sw: status_word_1.SW.NOT_FOUND };
        }
        this.#selected = true;
        this.#pending = undefined;
        const data = Buffer.concat([(0, identity_1.csnToBytes)(this.csn), Buffer.of(0x01), Buffer.from(this.currency, 'hex'), (0, identity_1.amountBytes)(this.maxBalance)]);
        return { data, sw: status_word_1.SW.SUCCESS };
    }
    #getBalance(c) {
        const purse = purseOf(c);
        if (c.p1 !== 0x00 || purse === undefined)
            return { sw: status_word_1.SW.WRONG_P1P2 };
        if (c.data.length !== 0 || !leFits(c, 4))
            return { sw: status_word_1.SW.WRONG_LENGTH };
        return { data: (0, identity_1.amountBytes)(this.#balances[purse]), sw: status_word_1.SW.SUCCESS };
    }
    #initializeLoad(c) {
        const purse = purseOf(c);
        const mode = modeOf(c.p1);
        if (mode === undefined || purse === undefined)
            return { sw: status_word_1.SW.WRONG_P1P2 };
        if (c.data.length !== 12 || !leFits(c, commands_1.INITIALIZE_LOAD_RESPONSE_BYTES))
            return { sw: status_word_1.SW.WRONG_LENGTH };
        const amount = BigInt(c.data.readUInt32BE(0));
        const rh = Buffer.from(c.data.subarray(4, 12));
        if (amount === 0n)
            return { sw: status_word_1.SW.WRONG_DATA };
        if (mode === 'offline' && !rh.equals(transaction_macs_1.OFFLINE_RANDOM))
            return { sw: status_word_1.SW.WRONG_DATA };
        if (this.#atcCard >= identity_1.MAX_ATC)
            return { sw: status_word_1.SW.CONDITIONS_NOT_SATISFIED };
        if (this.#balances[purse] + amount > this.maxBalance)
            return { sw: status_word_1.SW.MAXBAL_EXCEEDED };
        const atc = this.#atcCard + 1;
        const rc = mode === 'online' ? this.#cardRandom() : transaction_macs_1.OFFLINE_RANDOM;
        this.#pending = { mode, purse, amount, atc, rh, rc, wrongCodes: 0 };
        const mac1 = (0, transaction_macs_1.computeMac1)(this.#keys.load, { csn: this.csn, atc, purse, amount, rh, rc });
        return { data: Buffer.concat([(0, identity_1.u16)(atc), (0, identity_1.amountBytes)(this.#balances[purse]), rc, mac1]), sw: status_word_1.SW.SUCCESS };
    }
    #creditLoad(c) {
        const purse = purseOf(c);
        const mode = modeOf(c.p1);
        if (mode === undefined || purse === undefined)
            return { sw: status_word_1.SW.WRONG_P1P2 };
        if (c.data.length !== 8 || !leFits(c, 8))
            return { sw: status_word_1.SW.WRONG_LENGTH };
        const amount = BigInt(c.data.readUInt32BE(0));
        const auth = c.data.subarray(4, 8);
        if (amount === 0n)
            return { sw: status_word_1.SW.WRONG_DATA };
        const p = this.#pending;
        if (!p || p.mode !== mode || p.purse !== purse || p.amount !== amount)
            return { sw: status_word_1.SW.CONDITIONS_NOT_SATISFIED };
        const session = { csn: this.csn, atc: p.atc, purse, amount, rh: p.rh, rc: p.rc };
        const mac2 = (0, transaction_macs_1.computeMac2)(this.#keys.load, session);
        const authorized = mode === 'online' ? auth.equals(mac2) : auth.readUInt32BE(0) === Number((0, digits_1.digits8)(mac2));
        if (!authorized) {
            p.wrongCodes += 1;
            if (mode === 'online' || p.wrongCodes >= exports.OFFLINE_CODE_ATTEMPTS)
                this.#pending = undefined;
            return { sw: status_word_1.SW.SECURITY_STATUS };
        }
        const newBalance = this.#balances[purse] + amount;
        const mac3 = (0, transaction_macs_1.computeMac3)(this.#keys.load, session);
        this.#balances[purse] = newBalance;
        this.#atcCard = p.atc;
        this.#appendLog({ type: 'load', purse, atc: p.atc, amount, balanceAfter: newBalance, counterparty: p.rh, seq: 0, mac: mac3 });
        this.#pending = undefined;
        return { data: Buffer.concat([(0, identity_1.amountBytes)(newBalance), mac3]), sw: status_word_1.SW.SUCCESS };
    }
    #debit(c) {
        const purse = purseOf(c);
        if (c.p1 !== 0x00 || purse === undefined)
            return { sw: status_word_1.SW.WRONG_P1P2 };
        if (c.data.length !== 16 || !leFits(c, 8))
            return { sw: status_word_1.SW.WRONG_LENGTH };
        const amount = BigInt(c.data.readUInt32BE(0));
        const samIdBytes = Buffer.from(c.data.subarray(4, 12));
        const samSeq = c.data.readUInt32BE(12);
        if (amount === 0n)
            return { sw: status_word_1.SW.WRONG_DATA };
        if (this.#atcCard >= identity_1.MAX_ATC)
            return { sw: status_word_1.SW.CONDITIONS_NOT_SATISFIED };
        if (this.#balances[purse] < amount)
            return { sw: status_word_1.SW.BALANCE_TOO_LOW };
        const atc = this.#atcCard + 1;
        const newBalance = this.#balances[purse] - amount;
        const macp = (0, transaction_macs_1.computePurchaseMac)(this.#keys.purchase, {
            csn: this.csn,
            atc,
            purse,
            amount,
            newBalance,
            samId: (0, identity_1.parseSamId)(samIdBytes.toString('hex')),
            samSeq,
        });
        this.#balances[purse] = newBalance;
        this.#atcCard = atc;
        // A load still pending would reuse this ATC; the purchase consumed it, so the load is void.
        this.#pending = undefined;
        this.#appendLog({ type: 'purchase', purse, atc, amount, balanceAfter: newBalance, counterparty: samIdBytes, seq: samSeq, mac: macp });
        return { data: Buffer.concat([(0, identity_1.amountBytes)(newBalance), macp]), sw: status_word_1.SW.SUCCESS };
    }
    #readLog(c) {
        if (c.p1 === 0 || c.p2 !== 0x00)
            return { sw: status_word_1.SW.WRONG_P1P2 };
        if (c.data.length !== 0 || !leFits(c, log_record_1.LOG_RECORD_BYTES))
            return { sw: status_word_1.SW.WRONG_LENGTH };
        const record = this.#log[c.p1 - 1];
        if (!record)
            return { sw: status_word_1.SW.RECORD_NOT_FOUND };
        return { data: Buffer.from(record), sw: status_word_1.SW.SUCCESS };
    }
    #appendLog(record) {
        this.#log.unshift((0, log_record_1.encodeLogRecord)(record));
        if (this.#log.length > log_record_1.LOG_CAPACITY)
            this.#log.length = log_record_1.LOG_CAPACITY;
    }
    #cardRandom() {
        const rc = this.#random(transaction_macs_1.RANDOM_BYTES);
        if (rc.length !== transaction_macs_1.RANDOM_BYTES)
            throw new protocol_error_1.EsmartError('invalid_field', 'The card random source must give 8 bytes.');
        return Buffer.from(rc);
    }
    toString() {
        return `SimulatedCard(${this.csn})`;
    }
    [Symbol.for('nodejs.util.inspect.custom')]() {
        return this.toString();
    }
}
exports.SimulatedCard = SimulatedCard;
/** Le must be the exact answer length, or 00 (Ne 256, "up to 256"): spec §4. */
function leFits(c, exact) {
    return c.ne === exact || c.ne === 256;
}
function purseOf(c) {
    return c.p2 === identity_1.PURSE.ecash || c.p2 === identity_1.PURSE.food ? c.p2 : undefined;
}
function modeOf(p1) {
    return p1 === 0x00 ? 'online' : p1 === 0x01 ? 'offline' : undefined;
}
