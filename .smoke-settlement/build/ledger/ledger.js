"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Ledger = exports.MAX_BATCH_EVENTS = void 0;
exports.createLedger = createLedger;
const account_store_1 = require("./account-store");
const batcher_1 = require("./batcher");
const errors_1 = require("./errors");
const flags_1 = require("./flags");
const account_transfers_1 = require("./queries/account-transfers");
const transfer_store_1 = require("./transfer-store");
/** Most events in one createTransfers or createAccounts call (TigerBeetle's batch limit). */
exports.MAX_BATCH_EVENTS = 8189;
function describeType(value) {
    return value === null ? 'null' : typeof value;
}
/**
 * Wrong JS types are programming errors, not ledger outcomes: they are thrown before anything
 * is sent, so that a float amount or a misspelt flag never becomes a transfer.
 */
function assertTransferTypes(events) {
    if (!Array.isArray(events))
        throw new errors_1.LedgerError('input_malformed', 'createTransfers takes an array of transfers.');
    if (events.length === 0)
        throw new errors_1.LedgerError('batch_empty', 'createTransfers was called with no transfers; send at least one.');
    if (events.length > exports.MAX_BATCH_EVENTS)
        throw new errors_1.LedgerError('batch_too_large', `createTransfers takes at most ${exports.MAX_BATCH_EVENTS} transfers; split the batch (linked chains must stay within one call).`);
    events.forEach((e, i) => {
        if (typeof e !== 'object' || e === null)
            throw new errors_1.LedgerError('input_malformed', `transfer ${i} is ${describeType(e)}, not an object.`);
        if (e.amount !== undefined && typeof e.amount !== 'bigint') {
            throw new errors_1.LedgerError('input_malformed', `transfer ${i} (${String(e.id)}): amount is a ${describeType(e.amount)}; pass bigint minor units (parseAmount("250.00", 2) gives 25000n).`);
        }
        for (const field of ['code', 'timeout', 'ledger']) {
            if (e[field] !== undefined && typeof e[field] !== 'number')
                throw new errors_1.LedgerError('input_malformed', `transfer ${i} (${String(e.id)}): ${field} must be a number.`);
        }
        if (e.flags !== undefined && (typeof e.flags !== 'object' || e.flags === null))
            throw new errors_1.LedgerError('input_malformed', `transfer ${i} (${String(e.id)}): flags must be an object like { pending: true }.`);
        const unknown = (0, flags_1.unknownTransferFlags)(e.flags);
        if (unknown.length > 0)
            throw new errors_1.LedgerError('input_malformed', `transfer ${i} (${String(e.id)}): unknown flags ${unknown.join(', ')}; see TRANSFER_FLAG_BITS.`);
        if (e.userData !== undefined && e.userData !== null && typeof e.userData !== 'string')
            throw new errors_1.LedgerError('input_malformed', `transfer ${i} (${String(e.id)}): userData must be a string.`);
    });
}
function assertAccountTypes(inputs) {
    if (!Array.isArray(inputs))
        throw new errors_1.LedgerError('input_malformed', 'createAccounts takes an array of accounts.');
    if (inputs.length === 0)
        throw new errors_1.LedgerError('batch_empty', 'createAccounts was called with no accounts; send at least one.');
    if (inputs.length > exports.MAX_BATCH_EVENTS)
        throw new errors_1.LedgerError('batch_too_large', `createAccounts takes at most ${exports.MAX_BATCH_EVENTS} accounts; split the batch.`);
    inputs.forEach((a, i) => {
        if (typeof a !== 'object' || a === null)
            throw new errors_1.LedgerError('input_malformed', `account ${i} is ${describeType(a)}, not an object.`);
        if (typeof a.ledger !== 'number')
            throw new errors_1.LedgerError('input_malformed', `account ${i} (${String(a.id)}): ledger must be a number.`);
        const unknown = (0, flags_1.unknownAccountFlags)(a.flags);
        if (unknown.length > 0)
            throw new errors_1.LedgerError('input_malformed', `account ${i} (${String(a.id)}): unknown flags ${unknown.join(', ')}; see ACCOUNT_FLAG_BITS.`);
    });
}
class Ledger {
    knex;
    batcher;
    closed = false;
    constructor(knex, options = {}) {
        this.knex = knex;
        this.batcher = options.batching === false ? null : new batcher_1.LedgerBatcher(knex, options.batching ?? {});
    }
    /** Defines ledgers (currency partitions); idempotent, refuses changes to an existing id. */
    defineLedgers(definitions) {
        return (0, account_store_1.defineLedgers)(this.knex, definitions);
    }
    listLedgers() {
        return (0, account_store_1.listLedgers)(this.knex);
    }
    /** Creates accounts idempotently; one result per input, in order. */
    async createAccounts(inputs) {
        this.assertOpen();
        assertAccountTypes(inputs);
        return (0, account_store_1.createAccounts)(this.knex, inputs);
    }
    /** The accounts that exist among `ids`, in the order asked; unknown ids are left out. */
    lookupAccounts(ids) {
        return (0, account_store_1.lookupAccounts)(this.knex, ids);
    }
    /** Applies transfers; one result per event, in order. Business failures are result codes, never throws. */
    async createTransfers(events) {
        this.assertOpen();
        assertTransferTypes(events);
        if (this.batcher)
            return this.batcher.createTransfers(events);
        return (await (0, transfer_store_1.applyTransferSubmissions)(this.knex, [events]))[0];
    }
    /** The transfers that exist among `ids`, in the order asked. */
    lookupTransfers(ids) {
        return (0, account_transfers_1.lookupTransfers)(this.knex, ids);
    }
    /**
     * Releases the reservations of pending transfers whose timeout passed (as of `now`, default the
     * database clock). Runs until nothing is due; returns the ids expired. Call it periodically.
     */
    async expirePendingTransfers(now, batchSize = 1000) {
        const expired = [];
        for (;;) {
            const ids = await (0, transfer_store_1.expireDuePendingTransfers)(this.knex, now, batchSize);
            expired.push(...ids);
            if (ids.length < batchSize)
                return expired;
        }
    }
    /** Answers every call in flight, then refuses new writes. Does not close the knex pool (the caller owns it). */
    async close() {
        this.closed = true;
        await this.batcher?.close();
    }
    assertOpen() {
        if (this.closed)
            throw new errors_1.LedgerError('ledger_closed', 'this Ledger was closed; create a new one with createLedger(knex).');
    }
}
exports.Ledger = Ledger;
function createLedger(knex, options = {}) {
    return new Ledger(knex, options);
}
