"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.EcomPocket = exports.PocketError = void 0;
// The eCom Pocket: a handheld reader with a keypad and a display that loads its card offline by
// codes the customer carries between it and the portal (spec 4.2). It talks to the card with the
// same command builders as the server does, with P1 = 01.
const commands_1 = require("../esmart/commands");
const identity_1 = require("../esmart/identity");
const log_record_1 = require("../esmart/log-record");
const offline_codes_1 = require("../esmart/offline-codes");
const protocol_error_1 = require("../esmart/protocol-error");
const transaction_macs_1 = require("../esmart/transaction-macs");
const status_word_1 = require("../apdu/status-word");
const esmart_card_1 = require("./esmart-card");
/** What the pocket's display says when it cannot go on. */
class PocketError extends Error {
    code;
    attemptsLeft;
    constructor(code, message, attemptsLeft) {
        super(message);
        this.code = code;
        this.attemptsLeft = attemptsLeft;
        this.name = 'PocketError';
    }
}
exports.PocketError = PocketError;
class EcomPocket {
    card;
    #pending;
    constructor(card) {
        this.card = card;
    }
    static restore(state, keys) {
        if (state?.format !== 'ecom-pocket/1')
            throw new protocol_error_1.EsmartError('invalid_field', 'This is not an eCom Pocket state file (format ecom-pocket/1).');
        const pocket = new EcomPocket(esmart_card_1.SimulatedCard.restore(state.card, keys));
        if (state.pending) {
            pocket.#pending = { purse: (0, identity_1.purseId)(state.pending.purse), amount: BigInt(state.pending.amount), attemptsLeft: state.pending.attemptsLeft };
        }
        return pocket;
    }
    snapshot() {
        const p = this.#pending;
        return {
            format: 'ecom-pocket/1',
            card: this.card.snapshot({ withRam: true }),
            ...(p ? { pending: { purse: p.purse, amount: p.amount.toString(), attemptsLeft: p.attemptsLeft } } : {}),
        };
    }
    get pendingLoad() {
        return this.#pending && { ...this.#pending };
    }
    balances() {
        this.#select();
        const read = (p) => (0, commands_1.parseBalanceData)(this.#exchange((0, commands_1.getBalanceCommand)(p), 'GET BALANCE'));
        return { ecash: read(identity_1.PURSE.ecash), food: read(identity_1.PURSE.food) };
    }
    /** Step 1: the customer picks purse and amount; the display shows the 14-digit request code. */
    requestCode(purse, amount) {
        (0, identity_1.assertTransactionAmount)(amount);
        this.#select();
        const init = (0, commands_1.parseInitializeLoadData)(this.#exchange((0, commands_1.initializeLoadCommand)({ mode: 'offline', purse, amount, rh: transaction_macs_1.OFFLINE_RANDOM }), 'INITIALIZE LOAD'));
        this.#pending = { purse, amount, attemptsLeft: esmart_card_1.OFFLINE_CODE_ATTEMPTS };
        return (0, offline_codes_1.formatRequestCode)(init.atc, init.mac1);
    }
    /** Step 2: the customer types the portal's authorization code; the display shows the confirmation code. */
    enterAuthorizationCode(code) {
        const p = this.#pending;
        if (!p)
            throw new PocketError('no_pending_load', 'No load is waiting for a code; choose the purse and amount first to get a request code.');
        let digits;
        try {
            digits = (0, offline_codes_1.parseAuthorizationCode)(code);
        }
        catch (err) {
            // A typo never reaches the card, so it costs no attempt.
            throw new PocketError('mistyped_code', `${err.message}`, p.attemptsLeft);
        }
        const response = this.card.process((0, commands_1.creditLoadCommand)({ mode: 'offline', purse: p.purse, amount: p.amount, auth: (0, offline_codes_1.authFieldFromDigits)(digits) }));
        const sw = response.readUInt16BE(response.length - 2);
        if (sw === status_word_1.SW.SECURITY_STATUS) {
            p.attemptsLeft -= 1;
            if (p.attemptsLeft <= 0) {
                this.#pending = undefined;
                throw new PocketError('load_cancelled', 'Wrong code three times: the card cancelled this load. Start again for a new request code.', 0);
            }
            throw new PocketError('wrong_code', `Wrong authorization code; ${p.attemptsLeft} attempt(s) left. Check the code on the portal.`, p.attemptsLeft);
        }
        if (sw === status_word_1.SW.CONDITIONS_NOT_SATISFIED) {
            this.#pending = undefined;
            throw new PocketError('no_pending_load', 'The card no longer holds this load (it was reset or used meanwhile); start again for a new request code.');
        }
        const credit = (0, commands_1.parseCreditLoadData)((0, commands_1.successData)(response, 'CREDIT LOAD'));
        this.#pending = undefined;
        return (0, offline_codes_1.formatConfirmationCode)(credit.mac3);
    }
    /** Shows the confirmation code of the card's last load again, from its log. */
    lastConfirmationCode() {
        this.#select();
        for (let n = 1; n <= log_record_1.LOG_CAPACITY; n++) {
            const response = this.card.process((0, commands_1.readLogCommand)(n));
            if (response.readUInt16BE(response.length - 2) === status_word_1.SW.RECORD_NOT_FOUND)
                break;
            const record = (0, commands_1.parseLogData)((0, commands_1.successData)(response, 'READ LOG'));
            if (record.type === 'load')
                return (0, offline_codes_1.formatConfirmationCode)(record.mac);
        }
        throw new PocketError('no_load_yet', 'This card has no load in its log yet.');
    }
    #select() {
        // SELECT clears the card's pending slot; the pocket keeps the card selected while a load waits.
        if (this.#pending)
            return;
        this.#exchange((0, commands_1.selectCommand)(), 'SELECT');
    }
    #exchange(command, name) {
        try {
            return (0, commands_1.successData)(this.card.process(command), name);
        }
        catch (err) {
            if (err instanceof protocol_error_1.EsmartError && err.code === 'card_refused')
                throw new PocketError('card_refused', err.message);
            throw err;
        }
    }
}
exports.EcomPocket = EcomPocket;
