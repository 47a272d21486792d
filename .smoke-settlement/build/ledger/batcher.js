"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.LedgerBatcher = void 0;
const errors_1 = require("./errors");
const transfer_store_1 = require("./transfer-store");
class LedgerBatcher {
    knex;
    maxEvents;
    maxInFlight;
    queue = [];
    queuedEvents = 0;
    inFlight = 0;
    scheduled = false;
    closed = false;
    idle = [];
    constructor(knex, options = {}) {
        this.knex = knex;
        this.maxEvents = options.maxEvents ?? 1024;
        this.maxInFlight = options.maxInFlight ?? 2;
        if (!Number.isInteger(this.maxEvents) || this.maxEvents < 1)
            throw new RangeError('LedgerBatcher maxEvents must be a positive integer');
        if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1)
            throw new RangeError('LedgerBatcher maxInFlight must be a positive integer');
    }
    /** Same contract as Ledger.createTransfers: one result per event, in order. */
    createTransfers(events) {
        if (this.closed)
            return Promise.reject(new errors_1.LedgerError('ledger_closed', 'the ledger was closed; create a new one with createLedger(knex).'));
        return new Promise((resolve, reject) => {
            this.queue.push({ events, resolve, reject });
            this.queuedEvents += events.length;
            this.schedule();
        });
    }
    /** Waits until every queued call is answered, then refuses new ones. */
    async close() {
        this.closed = true;
        if (this.queue.length === 0 && this.inFlight === 0)
            return;
        await new Promise((resolve) => this.idle.push(resolve));
    }
    schedule() {
        if (this.scheduled)
            return;
        this.scheduled = true;
        // setImmediate, not a timer: callers of the same tick join the batch without adding latency.
        setImmediate(() => {
            this.scheduled = false;
            this.flush();
        });
    }
    flush() {
        while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
            const batch = [];
            let events = 0;
            while (this.queue.length > 0 && (batch.length === 0 || events + this.queue[0].events.length <= this.maxEvents)) {
                const next = this.queue.shift();
                events += next.events.length;
                batch.push(next);
            }
            this.queuedEvents -= events;
            this.inFlight++;
            void this.run(batch);
        }
    }
    async run(batch) {
        try {
            const results = await (0, transfer_store_1.applyTransferSubmissions)(this.knex, batch.map((w) => w.events));
            batch.forEach((w, i) => w.resolve(results[i]));
        }
        catch (err) {
            for (const w of batch)
                w.reject(err);
        }
        finally {
            this.inFlight--;
            if (this.queue.length > 0)
                this.flush();
            else if (this.inFlight === 0)
                for (const resolve of this.idle.splice(0))
                    resolve();
        }
    }
    /** Events waiting for a transaction (for metrics). */
    get backlog() {
        return this.queuedEvents;
    }
}
exports.LedgerBatcher = LedgerBatcher;
