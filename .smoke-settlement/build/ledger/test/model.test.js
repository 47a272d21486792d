"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Model-based test: random sequences of transfers (single-phase, pending, post, void, resends,
 * reused ids, linked chains) run against the real ledger and against a small in-memory model of
 * TigerBeetle's rules; every result code and every balance must agree, and the invariant checker
 * must find nothing afterwards.
 */
const fast_check_1 = __importDefault(require("fast-check"));
const index_1 = require("../index");
const fixture_1 = require("./fixture");
let f;
beforeAll(async () => {
    f = await (0, fixture_1.openLedgerFixture)('model');
});
afterAll(async () => {
    await f.close();
});
// Account slots: 0 bank (no limit), 1-2 customers (debits must not exceed credits), 3 float (no limit), 4 capped (credits must not exceed debits).
const SLOTS = 5;
const clone = (s) => ({
    accounts: s.accounts.map((a) => ({ ...a })),
    transfers: new Map(s.transfers),
    failed: new Set(s.failed),
    ended: new Map(s.ended),
});
/** The rules, written plainly and separately from ledger/transfer-batch.ts. */
function modelApply(s, e, slotOf) {
    const flags = e.flags ?? {};
    const isPost = !!flags.postPendingTransfer;
    const isVoid = !!flags.voidPendingTransfer;
    const previous = s.transfers.get(e.id);
    if (previous) {
        const p = previous.event;
        if (JSON.stringify(p.flags ?? {}) !== JSON.stringify(flags))
            return 'exists_with_different_flags';
        if (p.pendingId !== e.pendingId)
            return 'exists_with_different_pending_id';
        if (!isPost && !isVoid) {
            if (p.debitAccountId !== e.debitAccountId)
                return 'exists_with_different_debit_account_id';
            if (p.creditAccountId !== e.creditAccountId)
                return 'exists_with_different_credit_account_id';
        }
        if (p.amount !== e.amount)
            return 'exists_with_different_amount';
        return 'exists';
    }
    if (s.failed.has(e.id))
        return 'id_already_failed';
    const fail = (r) => {
        if (r === 'exceeds_credits' || r === 'exceeds_debits' || r === 'pending_transfer_not_found')
            s.failed.add(e.id);
        return r;
    };
    if (isPost || isVoid) {
        const pending = s.transfers.get(e.pendingId);
        if (!pending)
            return fail('pending_transfer_not_found');
        if (pending.kind !== 'pending')
            return 'pending_transfer_not_pending';
        if (isPost && e.amount !== undefined && e.amount > pending.amount)
            return 'exceeds_pending_transfer_amount';
        const ended = s.ended.get(pending.event.id);
        if (ended)
            return ended === 'posted' ? 'pending_transfer_already_posted' : 'pending_transfer_already_voided';
        const amount = isPost ? (e.amount ?? pending.amount) : pending.amount;
        const d = s.accounts[pending.debit];
        const c = s.accounts[pending.credit];
        d.dp -= pending.amount;
        c.cp -= pending.amount;
        if (isPost) {
            d.dpo += amount;
            c.cpo += amount;
        }
        s.ended.set(pending.event.id, isPost ? 'posted' : 'voided');
        s.transfers.set(e.id, { event: e, kind: isPost ? 'post' : 'void', debit: pending.debit, credit: pending.credit, amount });
        return 'ok';
    }
    const debit = slotOf.get(e.debitAccountId);
    const credit = slotOf.get(e.creditAccountId);
    if (debit === credit)
        return 'accounts_must_be_different';
    const d = s.accounts[debit];
    const c = s.accounts[credit];
    const amount = e.amount;
    if (d.limit === 'debits' && d.dp + d.dpo + amount > d.cpo)
        return fail('exceeds_credits');
    if (c.limit === 'credits' && c.cp + c.cpo + amount > c.dpo)
        return fail('exceeds_debits');
    if (flags.pending) {
        d.dp += amount;
        c.cp += amount;
    }
    else {
        d.dpo += amount;
        c.cpo += amount;
    }
    s.transfers.set(e.id, { event: e, kind: flags.pending ? 'pending' : 'single', debit, credit, amount });
    return 'ok';
}
function modelRequest(s, events, slotOf) {
    let state = s;
    const results = [];
    let chainStart = -1;
    let before = state;
    for (let i = 0; i < events.length; i++) {
        const linked = !!events[i].flags?.linked;
        if (linked && chainStart < 0) {
            chainStart = i;
            before = clone(state);
        }
        const working = state;
        const r = linked && i === events.length - 1 ? 'linked_event_chain_open' : modelApply(working, events[i], slotOf);
        results.push(r);
        if (chainStart >= 0 && r !== 'ok' && r !== 'exists') {
            const failedIds = [...working.failed].filter((id) => !before.failed.has(id));
            state = before;
            for (let j = chainStart; j < i; j++)
                results[j] = 'linked_event_failed';
            let j = i + 1;
            if (linked) {
                for (; j < events.length; j++) {
                    results.push('linked_event_failed');
                    if (!events[j].flags?.linked)
                        break;
                }
                i = j;
            }
            chainStart = -1;
            continue;
        }
        if (!linked)
            chainStart = -1;
    }
    return { state, results };
}
const slot = fast_check_1.default.integer({ min: 0, max: SLOTS - 1 });
const amount = fast_check_1.default.integer({ min: 1, max: 30 });
const index = fast_check_1.default.nat({ max: 40 });
// Mostly independent events, sometimes chains.
const linkNext = fast_check_1.default.constantFrom(false, false, false, false, true);
const step = fast_check_1.default.oneof({ weight: 4, arbitrary: fast_check_1.default.record({ op: fast_check_1.default.constantFrom('single', 'pending'), debit: slot, credit: slot, amount, linkNext }) }, { weight: 2, arbitrary: fast_check_1.default.record({ op: fast_check_1.default.constant('post'), target: index, partial: fast_check_1.default.option(amount), linkNext }) }, { weight: 1, arbitrary: fast_check_1.default.record({ op: fast_check_1.default.constant('void'), target: index, linkNext }) }, { weight: 1, arbitrary: fast_check_1.default.record({ op: fast_check_1.default.constant('resend'), target: index, linkNext }) }, { weight: 1, arbitrary: fast_check_1.default.record({ op: fast_check_1.default.constant('reuse'), target: index, amount, linkNext }) });
// Requests of 1-3 events; a linked flag on the last one tests linked_event_chain_open.
const program = fast_check_1.default.array(fast_check_1.default.array(step, { minLength: 1, maxLength: 3 }), { minLength: 10, maxLength: 40 });
test('the ledger agrees with the model on every result and balance', async () => {
    await fast_check_1.default.assert(fast_check_1.default.asyncProperty(program, async (requests) => {
        const slots = [await f.account('bank'), await f.account('customer_cash', { debitsMustNotExceedCredits: true }), await f.account('customer_cash', { debitsMustNotExceedCredits: true }), await f.account('float_ecash'), await f.account('bank', { creditsMustNotExceedDebits: true })];
        const slotOf = new Map(slots.map((id, i) => [id, i]));
        let model = {
            accounts: [
                { dp: 0n, dpo: 0n, cp: 0n, cpo: 0n, limit: 'none' },
                { dp: 0n, dpo: 0n, cp: 0n, cpo: 0n, limit: 'debits' },
                { dp: 0n, dpo: 0n, cp: 0n, cpo: 0n, limit: 'debits' },
                { dp: 0n, dpo: 0n, cp: 0n, cpo: 0n, limit: 'none' },
                { dp: 0n, dpo: 0n, cp: 0n, cpo: 0n, limit: 'credits' },
            ],
            transfers: new Map(),
            failed: new Set(),
            ended: new Map(),
        };
        // Seed the customers so that limits are sometimes met and sometimes not.
        const seed = [1, 2].map((i) => ({ id: (0, fixture_1.newId)(), debitAccountId: slots[0], creditAccountId: slots[i], amount: 40n, code: 1 }));
        expect((await f.ledger.createTransfers(seed)).map((r) => r.result)).toEqual(['ok', 'ok']);
        model = modelRequest(model, seed, slotOf).state;
        const sent = [];
        const pick = (i) => (sent.length === 0 ? undefined : sent[i % sent.length]);
        // Posts and voids mostly target pending transfers sent before (index 0 names an unknown id).
        const pendings = [];
        const pickPending = (i) => (i === 0 || pendings.length === 0 ? undefined : pendings[i % pendings.length]);
        for (const request of requests) {
            const events = [];
            for (const s of request) {
                const flags = { linked: s.linkNext };
                let e;
                if (s.op === 'single' || s.op === 'pending') {
                    e = { id: (0, fixture_1.newId)(), debitAccountId: slots[s.debit], creditAccountId: slots[s.credit], amount: BigInt(s.amount), code: 1, flags: s.op === 'pending' ? { ...flags, pending: true } : flags };
                }
                else if (s.op === 'post' || s.op === 'void') {
                    const target = pickPending(s.target);
                    e = {
                        id: (0, fixture_1.newId)(),
                        pendingId: target?.id ?? (0, fixture_1.newId)(),
                        amount: s.op === 'post' && s.partial !== null ? BigInt(s.partial) : undefined,
                        flags: s.op === 'post' ? { ...flags, postPendingTransfer: true } : { ...flags, voidPendingTransfer: true },
                    };
                }
                else if (s.op === 'resend') {
                    e = pick(s.target);
                }
                else {
                    const target = pick(s.target);
                    if (target && !target.pendingId)
                        e = { ...target, amount: BigInt(s.amount) };
                }
                if (e)
                    events.push(e);
            }
            if (events.length === 0)
                continue;
            sent.push(...events);
            const expected = modelRequest(model, events, slotOf);
            const actual = (await f.ledger.createTransfers(events)).map((r) => r.result);
            expect(actual).toEqual(expected.results);
            events.forEach((e, i) => {
                if (e.flags?.pending && actual[i] === 'ok')
                    pendings.push(e);
            });
            model = expected.state;
        }
        const accounts = await f.ledger.lookupAccounts(slots);
        expect(accounts.map((a) => [a.debitsPending, a.debitsPosted, a.creditsPending, a.creditsPosted])).toEqual(model.accounts.map((a) => [a.dp, a.dpo, a.cp, a.cpo]));
    }), { numRuns: 30 });
    expect(await (0, index_1.checkLedgerInvariants)(f.database.db)).toEqual([]);
}, 120_000);
