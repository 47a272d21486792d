"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createCardActivities = createCardActivities;
// The activities of the reader agent: card commands only, no keys, no database. Each maps the
// card's and the reader's typed errors to Temporal failures whose type says what the workflow may
// conclude (a refusal, or an outcome it must prove from the card's log).
const common_1 = require("@temporalio/common");
const activity_1 = require("@temporalio/activity");
const card_driver_1 = require("../../card-driver");
const load_payloads_1 = require("./load-payloads");
const CARD_POLL_MS = 200;
function failure(type, message, nonRetryable) {
    return common_1.ApplicationFailure.create({ type, message, nonRetryable });
}
function readerFate(err) {
    const fate = err?.fate;
    return fate === 'not_sent' || fate === 'unknown' ? fate : undefined;
}
function createCardActivities(slot) {
    function beat() {
        const report = { readerId: slot.readerId, reader: slot.reader.name, cardPresent: slot.cardPresent, csn: slot.currentCsn };
        (0, activity_1.heartbeat)(report);
    }
    /** Waits (heartbeating) until a card is in the reader; a retryable failure after `waitMs`. */
    async function cardInReader(waitMs) {
        const deadline = Date.now() + Math.max(0, waitMs);
        for (;;) {
            beat();
            if (slot.cardPresent)
                return;
            if (Date.now() >= deadline)
                throw failure('card_absent', `No card in reader ${slot.readerId} (${slot.reader.name}); present the card.`, false);
            await (0, activity_1.sleep)(CARD_POLL_MS);
        }
    }
    function assertCard(actual, expected) {
        if (actual !== expected) {
            throw failure('wrong_card', `Reader ${slot.readerId} holds card ${actual}, not ${expected}; insert the right card and start again.`, true);
        }
    }
    return {
        /** SELECT and both balances: what the card says about itself (no keys needed). */
        async readCard(input) {
            await cardInReader(input.waitForCardMs);
            return slot.exclusive(async () => {
                const { session, info } = await slot.selectFresh();
                const balances = await session.balances();
                return { csn: info.csn, currency: info.currency, maxBalanceMinor: info.maxBalance.toString(), balancesMinor: { ecash: balances.ecash.toString(), food: balances.food.toString() } };
            });
        },
        /** SELECT + INITIALIZE LOAD (online) with the server's RH; leaves the card's pending slot set. */
        async initializeLoad(input) {
            const purse = (0, load_payloads_1.purseIdOf)(input.purse);
            const amount = (0, load_payloads_1.minorOf)(input.amountMinor);
            const rh = (0, load_payloads_1.bytesOf)(input.rhHex, 8, 'RH');
            await cardInReader(input.waitForCardMs);
            return slot.exclusive(async () => {
                const { session, info } = await slot.selectFresh();
                assertCard(info.csn, (0, load_payloads_1.csnOf)(input.csn));
                try {
                    const answer = await session.initializeLoad({ mode: 'online', purse, amount, rh });
                    beat();
                    return { atc: answer.atc, balanceBeforeMinor: answer.balance.toString(), rcHex: (0, load_payloads_1.hex)(answer.rc), mac1Hex: (0, load_payloads_1.hex)(answer.mac1) };
                }
                catch (err) {
                    if (err instanceof card_driver_1.EsmartError && err.code === 'card_refused' && err.sw === card_driver_1.SW.MAXBAL_EXCEEDED) {
                        throw failure('over_purse_limit', `Loading ${input.amountMinor} minor units would take the ${input.purse} purse of card ${info.csn} over its limit of ${info.maxBalance}; ask for less.`, true);
                    }
                    if (err instanceof card_driver_1.EsmartError && err.code === 'card_refused') {
                        throw failure('card_unreadable', `Card ${info.csn} refused INITIALIZE LOAD: ${err.message}`, true);
                    }
                    throw err;
                }
            });
        },
        /**
         * CREDIT LOAD in the session INITIALIZE LOAD opened. Never retried: whatever goes wrong after
         * the command may have left, the workflow proves the outcome from the card's log instead.
         */
        async creditLoad(input) {
            const purse = (0, load_payloads_1.purseIdOf)(input.purse);
            const amount = (0, load_payloads_1.minorOf)(input.amountMinor);
            const auth = (0, load_payloads_1.bytesOf)(input.mac2Hex, 4, 'MAC2');
            return slot.exclusive(async () => {
                const open = slot.openSession();
                if (!open || open.info.csn !== input.csn) {
                    throw failure('credit_not_sent', `The card left reader ${slot.readerId} after INITIALIZE LOAD; CREDIT LOAD was not sent.`, true);
                }
                try {
                    const answer = await open.session.creditLoad({ mode: 'online', purse, amount, auth });
                    beat();
                    return { newBalanceMinor: answer.newBalance.toString(), mac3Hex: (0, load_payloads_1.hex)(answer.mac3) };
                }
                catch (err) {
                    if (err instanceof card_driver_1.EsmartError && err.code === 'card_refused') {
                        throw failure('credit_refused', `Card ${input.csn} refused CREDIT LOAD: ${err.message}`, true);
                    }
                    const fate = readerFate(err);
                    const message = err instanceof Error ? err.message : String(err);
                    if (fate === 'not_sent')
                        throw failure('credit_not_sent', `CREDIT LOAD was not sent: ${message}`, true);
                    throw failure('credit_outcome_unknown', `CREDIT LOAD got no trustworthy answer: ${message}`, true);
                }
            });
        },
        /** Waits for the card, SELECTs it and reads its whole log (read-only: safe to repeat). */
        async readCardLog(input) {
            await cardInReader(input.waitForCardMs);
            return slot.exclusive(async () => {
                const { session, info } = await slot.selectFresh();
                if (info.csn !== input.csn) {
                    throw failure('wrong_card_present', `Reader ${slot.readerId} holds card ${info.csn}, not ${input.csn}; present card ${input.csn}.`, false);
                }
                const records = await session.readWholeLog();
                beat();
                return { atcCard: records[0]?.atc ?? 0, recordsHex: records.map((r) => (0, load_payloads_1.hex)((0, card_driver_1.encodeLogRecord)(r))) };
            });
        },
    };
}
