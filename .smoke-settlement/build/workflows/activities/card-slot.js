"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CardSlot = void 0;
// The one card reader a reader agent holds, and the card session in it. A load's INITIALIZE and
// CREDIT must reach the card within one power-up (the pending slot lives in the card's RAM, and a
// SELECT clears it), so the session stays open between activities and every use of the card is
// serialized here.
const card_driver_1 = require("../../card-driver");
class CardSlot {
    readerId;
    reader;
    #connection;
    #selected;
    #queue = Promise.resolve();
    constructor(readerId, reader) {
        this.readerId = readerId;
        this.reader = reader;
        // A removed card takes its RAM (and our session) with it; a newly inserted card needs a new
        // power-up. The old handle must not be reused: PC/SC refuses it only at the next command.
        const forget = () => {
            this.#selected = undefined;
            const stale = this.#connection;
            this.#connection = undefined;
            void stale?.disconnect().catch(() => undefined);
        };
        reader.on('card-removed', forget);
        reader.on('card-inserted', forget);
    }
    get cardPresent() {
        return this.reader.cardPresent;
    }
    /** The CSN of the card in the reader as last selected, if the session is still open. */
    get currentCsn() {
        return this.#connection?.open ? this.#selected?.info.csn : undefined;
    }
    /** Runs `work` with the card to itself: no other activity or watcher sends APDUs meanwhile. */
    exclusive(work) {
        const run = this.#queue.then(work);
        this.#queue = run.catch(() => undefined);
        return run;
    }
    /** Powers up (if needed) and SELECTs the application afresh: clears any pending load on the card. */
    async selectFresh() {
        if (!this.#connection?.open) {
            this.#connection = await this.reader.connect();
        }
        const session = new card_driver_1.EsmartSession(this.#connection);
        const info = await session.select();
        this.#selected = { session, info };
        return this.#selected;
    }
    /** The session that INITIALIZE LOAD ran in, if the card has not left the reader since. */
    openSession() {
        return this.#connection?.open ? this.#selected : undefined;
    }
    async close() {
        this.#selected = undefined;
        await this.#connection?.disconnect().catch(() => undefined);
        this.#connection = undefined;
        await this.reader.close();
    }
}
exports.CardSlot = CardSlot;
