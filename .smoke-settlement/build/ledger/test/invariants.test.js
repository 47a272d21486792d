"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The invariant checker finds each kind of corruption and names the rows. Corruption is made by
 * hand with SQL, as a bug or an operator's UPDATE would make it; each test has its own database.
 */
const index_1 = require("../index");
const fixture_1 = require("./fixture");
async function withLedger(work) {
    const f = await (0, fixture_1.openLedgerFixture)('invariants');
    try {
        await work(f);
    }
    finally {
        await f.close();
    }
}
async function lifecycle(f) {
    const { account } = await f.funded(10000n);
    const sink = await f.account('float_ecash');
    const pendingId = (0, fixture_1.newId)();
    const postId = (0, fixture_1.newId)();
    await f.ledger.createTransfers([{ id: pendingId, debitAccountId: account, creditAccountId: sink, amount: 700n, code: 2, flags: { pending: true }, timeout: 600 }]);
    await f.ledger.createTransfers([{ id: postId, pendingId, amount: 300n, flags: { postPendingTransfer: true } }]);
    return { customer: account, sink, pendingId, postId };
}
const codes = async (f) => (await (0, index_1.checkLedgerInvariants)(f.database.db)).map((v) => v.code).sort();
test('a ledger written only through the API has no violation', () => withLedger(async (f) => {
    await lifecycle(f);
    await f.ledger.createTransfers([{ id: (0, fixture_1.newId)(), debitAccountId: await f.account('bank'), creditAccountId: await f.account('customer_cash'), amount: 5n, code: 1 }]);
    expect(await (0, index_1.checkLedgerInvariants)(f.database.db)).toEqual([]);
}));
test('a counter changed by hand breaks the balance and the sum of transfers, and the account is named', () => withLedger(async (f) => {
    const { sink } = await lifecycle(f);
    await f.database.db.raw('UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = ?', [sink]);
    const violations = await (0, index_1.checkLedgerInvariants)(f.database.db);
    expect(violations.map((v) => v.code).sort()).toEqual(['account_counters_mismatch', 'posted_unbalanced']);
    expect(violations.find((v) => v.code === 'account_counters_mismatch').rows).toEqual([`ledger_accounts:${sink}`]);
    expect(violations.find((v) => v.code === 'posted_unbalanced').rows).toEqual(['ledger:1']);
}));
test('a reservation changed by hand breaks the pending balance', () => withLedger(async (f) => {
    const { customer } = await lifecycle(f);
    await f.database.db.raw('UPDATE ledger_accounts SET debits_pending = 5 WHERE id = ?', [customer]);
    expect(await codes(f)).toEqual(['account_counters_mismatch', 'pending_unbalanced']);
}));
test('a pending transfer ended twice is found', () => withLedger(async (f) => {
    const { customer, sink, pendingId } = await lifecycle(f);
    const secondPost = (0, fixture_1.newId)();
    await f.database.db.raw(`INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, pending_id, ledger, code, flags, "timestamp")
       VALUES (?, ?, ?, 100, ?, 1, 2, 4, now())`, [secondPost, customer, sink, pendingId]);
    const violations = await (0, index_1.checkLedgerInvariants)(f.database.db);
    expect(violations.map((v) => v.code)).toEqual(expect.arrayContaining(['pending_ended_twice', 'resolution_mismatch', 'account_counters_mismatch']));
    expect(violations.find((v) => v.code === 'pending_ended_twice').rows).toEqual([`ledger_transfers:${pendingId}`]);
    expect(violations.find((v) => v.code === 'resolution_mismatch').rows).toContain(`ledger_transfers:${secondPost}`);
}));
test('a post larger than its pending transfer is found', () => withLedger(async (f) => {
    const { postId } = await lifecycle(f);
    await f.database.db.raw('UPDATE ledger_transfers SET amount = 701 WHERE id = ?', [postId]);
    expect(await codes(f)).toEqual(expect.arrayContaining(['post_exceeds_pending']));
}));
test('the database refuses an overdraft of a limited account even from a hand-written UPDATE', () => withLedger(async (f) => {
    const { customer } = await lifecycle(f);
    await expect(f.database.db.raw('UPDATE ledger_accounts SET debits_posted = 1000000 WHERE id = ?', [customer])).rejects.toThrow(/ledger_accounts_debits_within_credits/);
}));
test('a broken limit is found when the database constraint was dropped', () => withLedger(async (f) => {
    const { customer } = await lifecycle(f);
    await f.database.db.raw('ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_debits_within_credits');
    await f.database.db.raw('UPDATE ledger_accounts SET debits_posted = 1000000 WHERE id = ?', [customer]);
    expect(await codes(f)).toEqual(expect.arrayContaining(['account_limit_broken']));
}));
test('an id both failed and applied is found', () => withLedger(async (f) => {
    const { postId } = await lifecycle(f);
    await f.database.db.raw("INSERT INTO ledger_failed_transfers (id, result, \"timestamp\") VALUES (?, 'exceeds_credits', now())", [postId]);
    expect(await codes(f)).toEqual(['failed_id_applied']);
}));
test('a transfer naming a missing account is found', () => withLedger(async (f) => {
    const { customer } = await lifecycle(f);
    await f.database.db.raw(`INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, ledger, code, flags, "timestamp") VALUES (?, ?, ?, 0, 1, 2, 0, now())`, [
        (0, fixture_1.newId)(),
        customer,
        (0, fixture_1.newId)(),
    ]);
    expect(await codes(f)).toEqual(expect.arrayContaining(['transfer_account_missing']));
}));
test('transfers with excluding flags, and an open pending transfer missing from the expiry queue, are found', () => withLedger(async (f) => {
    const { account } = await f.funded(1000n);
    const sink = await f.account('float_ecash');
    const pendingId = (0, fixture_1.newId)();
    await f.ledger.createTransfers([{ id: pendingId, debitAccountId: account, creditAccountId: sink, amount: 10n, code: 2, flags: { pending: true }, timeout: 60 }]);
    await f.database.db.raw('DELETE FROM ledger_pending_timeouts WHERE pending_id = ?', [pendingId]);
    await f.database.db.raw('UPDATE ledger_transfers SET flags = 2 | 4 WHERE id = ?', [pendingId]);
    expect(await codes(f)).toEqual(expect.arrayContaining(['timeout_queue_mismatch', 'transfer_flags_invalid']));
}));
test('a transfer on another ledger than its accounts is found', () => withLedger(async (f) => {
    const { postId } = await lifecycle(f);
    await f.database.db.raw('UPDATE ledger_transfers SET ledger = 2 WHERE id = ?', [postId]);
    expect(await codes(f)).toEqual(['transfer_ledger_mismatch']);
}));
