"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.inTransaction = inTransaction;
exports.withClient = withClient;
const errors_1 = require("./errors");
function pgClientOf(knex) {
    // knex types its client's pool methods as `any`; this is the documented pair for raw access.
    return knex.client;
}
/** Why a transaction may simply be run again: PostgreSQL rolled it back and nothing was applied, or the connection died. */
function isRetryable(err) {
    const code = err?.code;
    if (code === '40P01' || code === '40001')
        return true; // deadlock (never expected: locks are ordered), serialization
    if (code === '23505')
        return true; // another transaction inserted the same id first: re-deciding answers exists
    if (code === '57P01' || code === '57P02' || code === '57P03' || code === '08006' || code === '08003' || code === 'ECONNRESET' || code === 'EPIPE')
        return true;
    const message = err instanceof Error ? err.message : '';
    return /Connection terminated|connection is closed|Client has encountered a connection error/i.test(message);
}
/**
 * Runs `work` in one transaction on one connection. A retry after a lost connection is safe
 * because every effect is keyed by a client id: if the first attempt did commit, the second
 * answers `exists` instead of applying anything twice.
 */
async function inTransaction(knex, work, policy = { attempts: 8 }) {
    const pool = pgClientOf(knex);
    let lastError;
    for (let attempt = 1; attempt <= policy.attempts; attempt++) {
        let client;
        try {
            client = await pool.acquireConnection();
            await client.query({ text: 'BEGIN' });
            const result = await work(client);
            await client.query({ text: 'COMMIT' });
            return result;
        }
        catch (err) {
            lastError = err;
            if (client)
                await client.query({ text: 'ROLLBACK' }).catch(() => undefined);
            if (!isRetryable(err))
                throw err;
            await new Promise((resolve) => setTimeout(resolve, Math.min(50, attempt * attempt)));
        }
        finally {
            if (client)
                await pool.releaseConnection(client);
        }
    }
    throw new errors_1.LedgerError('ledger_unavailable', `the ledger database did not accept the batch after ${policy.attempts} attempts; check that PostgreSQL is up, then resubmit with the same ids (retries are safe).`, { cause: lastError });
}
/** Runs one read-only statement outside an explicit transaction. */
async function withClient(knex, work) {
    const pool = pgClientOf(knex);
    const client = await pool.acquireConnection();
    try {
        return await work(client);
    }
    finally {
        await pool.releaseConnection(client);
    }
}
