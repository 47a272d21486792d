"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.idsToRead = idsToRead;
exports.pendingExpired = pendingExpired;
exports.decideTransferBatch = decideTransferBatch;
exports.decideExpiries = decideExpiries;
/**
 * The decision core of createTransfers: a pure function from (events, locked state) to results
 * and the rows to write. No I/O here: transfer-store.ts loads the state under lock and writes the
 * decision back in one statement. Keeping the rules pure lets a whole batch of many callers be
 * decided in memory, coalescing every account's changes into one row write per batch.
 */
const amount_1 = require("./amount");
const errors_1 = require("./errors");
const flags_1 = require("./flags");
const identifiers_1 = require("./identifiers");
const result_codes_1 = require("./result-codes");
const MAX_CODE = 65535;
const MAX_TIMEOUT = 2_147_483_647;
const MAX_USER_DATA = 128;
const US_PER_SECOND = 1_000_000;
/** Ids this batch needs read: event ids (idempotency) and pending ids (posts and voids). */
function idsToRead(submissions) {
    const transferIds = new Set();
    const pendingIds = new Set();
    const accountIds = new Set();
    for (const events of submissions) {
        for (const e of events) {
            if ((0, identifiers_1.isLedgerId)(e.id))
                transferIds.add(e.id);
            if ((0, identifiers_1.isLedgerId)(e.pendingId))
                pendingIds.add(e.pendingId);
            if ((0, identifiers_1.isLedgerId)(e.debitAccountId))
                accountIds.add(e.debitAccountId);
            if ((0, identifiers_1.isLedgerId)(e.creditAccountId))
                accountIds.add(e.creditAccountId);
        }
    }
    return { transferIds: [...transferIds], pendingIds: [...pendingIds], accountIds: [...accountIds] };
}
/** Working copy of the state with an undo journal, so that a failed linked chain leaves no trace. */
class BatchRun {
    state;
    accounts = new Map();
    transfers = new Map();
    resolutionsById = new Map();
    failedById = new Map();
    undo = [];
    newTransfers = [];
    resolutions = [];
    timeoutsToInsert = [];
    timeoutsToDelete = [];
    failures = [];
    history = [];
    constructor(state) {
        this.state = state;
    }
    account(id) {
        return this.accounts.get(id) ?? this.state.accounts.get(id);
    }
    transfer(id) {
        return this.transfers.get(id) ?? this.state.transfers.get(id);
    }
    resolution(pendingId) {
        return this.resolutionsById.get(pendingId) ?? this.state.resolutions.get(pendingId);
    }
    failed(id) {
        return this.failedById.get(id) ?? this.state.failed.get(id);
    }
    mark() {
        return [this.undo.length, this.newTransfers.length, this.resolutions.length, this.timeoutsToInsert.length, this.timeoutsToDelete.length, this.history.length];
    }
    rollback(mark) {
        const [undo, transfers, resolutions, timeoutsIn, timeoutsOut, history] = mark;
        while (this.undo.length > undo)
            this.undo.pop()();
        this.newTransfers.length = transfers;
        this.resolutions.length = resolutions;
        this.timeoutsToInsert.length = timeoutsIn;
        this.timeoutsToDelete.length = timeoutsOut;
        this.history.length = history;
    }
    setAccount(next) {
        const previous = this.accounts.get(next.id);
        this.undo.push(() => (previous ? this.accounts.set(next.id, previous) : this.accounts.delete(next.id)));
        this.accounts.set(next.id, next);
    }
    addTransfer(row) {
        this.undo.push(() => this.transfers.delete(row.id));
        this.transfers.set(row.id, row);
        this.newTransfers.push(row);
    }
    resolve(pendingId, resolution, resolvedBy, pending) {
        this.undo.push(() => this.resolutionsById.delete(pendingId));
        this.resolutionsById.set(pendingId, resolution);
        this.resolutions.push({ pendingId, resolution, resolvedBy });
        if (pending.timeout > 0)
            this.timeoutsToDelete.push(pendingId);
    }
    recordFailure(id, result) {
        if (!result_codes_1.TRANSIENT_TRANSFER_RESULTS.has(result))
            return;
        this.failedById.set(id, result);
        this.failures.push({ id, result });
    }
    snapshot(accountId, transferId) {
        const a = this.account(accountId);
        (0, errors_1.assertLedger)(a, `account ${accountId} changed but is not loaded`);
        if (!(0, flags_1.hasFlag)(a.flags, flags_1.ACCOUNT_FLAG_BITS.history))
            return;
        this.history.push({ accountId, transferId, debitsPending: a.debitsPending, debitsPosted: a.debitsPosted, creditsPending: a.creditsPending, creditsPosted: a.creditsPosted });
    }
    changedAccounts() {
        return [...this.accounts.values()];
    }
}
function compareExisting(e, flags, s, run) {
    if (flags !== s.flags)
        return 'exists_with_different_flags';
    if ((e.pendingId ?? null) !== s.pendingId)
        return 'exists_with_different_pending_id';
    if ((e.timeout ?? 0) !== s.timeout)
        return 'exists_with_different_timeout';
    const postOrVoid = (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.postPendingTransfer) || (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.voidPendingTransfer);
    if (postOrVoid) {
        // A post or void inherits what it leaves out, so only fields it states are compared.
        if (e.debitAccountId !== undefined && e.debitAccountId !== s.debitAccountId)
            return 'exists_with_different_debit_account_id';
        if (e.creditAccountId !== undefined && e.creditAccountId !== s.creditAccountId)
            return 'exists_with_different_credit_account_id';
        if ((0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.postPendingTransfer)) {
            const pending = s.pendingId ? run.transfer(s.pendingId) : undefined;
            const fullPost = pending !== undefined && s.amount === pending.amount;
            const same = e.amount === undefined ? fullPost : e.amount === s.amount || (fullPost && e.amount >= s.amount);
            if (!same)
                return 'exists_with_different_amount';
        }
        else if (e.amount !== undefined && e.amount !== 0n && e.amount !== s.amount) {
            return 'exists_with_different_amount';
        }
        if (e.userData !== undefined && e.userData !== null && e.userData !== s.userData)
            return 'exists_with_different_user_data';
        if (e.ledger !== undefined && e.ledger !== s.ledger)
            return 'exists_with_different_ledger';
        if (e.code !== undefined && e.code !== s.code)
            return 'exists_with_different_code';
        return 'exists';
    }
    if (e.debitAccountId !== s.debitAccountId)
        return 'exists_with_different_debit_account_id';
    if (e.creditAccountId !== s.creditAccountId)
        return 'exists_with_different_credit_account_id';
    const balancing = (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.balancingDebit) || (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.balancingCredit);
    // A balancing transfer records what it moved; a retry asking for at least that much is the same request.
    const amountMatches = balancing ? e.amount !== undefined && e.amount >= s.amount : e.amount === s.amount;
    if (!amountMatches)
        return 'exists_with_different_amount';
    if ((e.userData ?? null) !== s.userData)
        return 'exists_with_different_user_data';
    if (e.ledger !== undefined && e.ledger !== s.ledger)
        return 'exists_with_different_ledger';
    if (e.code !== s.code)
        return 'exists_with_different_code';
    return 'exists';
}
function isValidCode(code) {
    return typeof code === 'number' && Number.isInteger(code) && code >= 1 && code <= MAX_CODE;
}
/** Rules that need no state, in TigerBeetle's order after the idempotency check. */
function checkShape(e, flags) {
    const pending = (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.pending);
    const post = (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.postPendingTransfer);
    const voided = (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.voidPendingTransfer);
    const balancing = (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.balancingDebit) || (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.balancingCredit);
    const closing = (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.closingDebit) || (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.closingCredit);
    if (Number(pending) + Number(post) + Number(voided) > 1)
        return 'flags_are_mutually_exclusive';
    if ((post || voided) && (balancing || closing))
        return 'flags_are_mutually_exclusive';
    if (post || voided) {
        if (!(0, identifiers_1.isLedgerId)(e.pendingId))
            return 'pending_id_must_be_uuid';
        if (e.pendingId === e.id)
            return 'pending_id_must_be_different';
        if (e.timeout !== undefined && e.timeout !== 0)
            return 'timeout_reserved_for_pending_transfer';
        if (e.debitAccountId !== undefined && !(0, identifiers_1.isLedgerId)(e.debitAccountId))
            return 'debit_account_id_must_be_uuid';
        if (e.creditAccountId !== undefined && !(0, identifiers_1.isLedgerId)(e.creditAccountId))
            return 'credit_account_id_must_be_uuid';
        if (post && e.amount !== undefined) {
            if (e.amount < 0n)
                return 'amount_must_not_be_negative';
            if (e.amount === 0n)
                return 'amount_must_not_be_zero';
        }
        if (voided && e.amount !== undefined && e.amount < 0n)
            return 'amount_must_not_be_negative';
        if (e.code !== undefined && !isValidCode(e.code))
            return 'code_must_not_be_zero';
    }
    else {
        if (e.pendingId !== undefined && e.pendingId !== null)
            return 'pending_id_must_be_zero';
        if (e.timeout !== undefined && e.timeout !== 0 && !pending)
            return 'timeout_reserved_for_pending_transfer';
        if (closing && !pending)
            return 'closing_transfer_must_be_pending';
        if (!(0, identifiers_1.isLedgerId)(e.debitAccountId))
            return 'debit_account_id_must_be_uuid';
        if (!(0, identifiers_1.isLedgerId)(e.creditAccountId))
            return 'credit_account_id_must_be_uuid';
        if (e.debitAccountId === e.creditAccountId)
            return 'accounts_must_be_different';
        if (e.amount === undefined)
            return 'amount_must_not_be_zero';
        if (e.amount < 0n)
            return 'amount_must_not_be_negative';
        // Zero is allowed only to close an account (TigerBeetle's close-account recipe).
        if (e.amount === 0n && !closing)
            return 'amount_must_not_be_zero';
        if (!isValidCode(e.code))
            return 'code_must_not_be_zero';
    }
    if (e.amount !== undefined && e.amount > amount_1.MAX_AMOUNT)
        return 'amount_must_not_exceed_maximum';
    if (e.timeout !== undefined && (!Number.isInteger(e.timeout) || e.timeout < 0 || e.timeout > MAX_TIMEOUT))
        return 'timeout_must_be_valid';
    if (e.userData !== undefined && e.userData !== null && e.userData.length > MAX_USER_DATA)
        return 'user_data_too_long';
    if (e.ledger !== undefined && (!Number.isInteger(e.ledger) || e.ledger <= 0))
        return 'ledger_must_be_valid';
    return null;
}
function withCounters(a, change) {
    return { ...a, ...change };
}
function applySinglePhaseOrPending(e, flags, run) {
    const debit = run.account(e.debitAccountId);
    const credit = run.account(e.creditAccountId);
    if (!debit)
        return { result: 'debit_account_not_found' };
    if (!credit)
        return { result: 'credit_account_not_found' };
    if (debit.ledger !== credit.ledger)
        return { result: 'accounts_must_have_the_same_ledger' };
    if (e.ledger !== undefined && e.ledger !== debit.ledger)
        return { result: 'transfer_must_have_the_same_ledger_as_accounts' };
    if ((0, flags_1.hasFlag)(debit.flags, flags_1.ACCOUNT_FLAG_BITS.closed))
        return { result: 'debit_account_already_closed' };
    if ((0, flags_1.hasFlag)(credit.flags, flags_1.ACCOUNT_FLAG_BITS.closed))
        return { result: 'credit_account_already_closed' };
    let amount = e.amount;
    if ((0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.balancingDebit) && (0, flags_1.hasFlag)(debit.flags, flags_1.ACCOUNT_FLAG_BITS.debitsMustNotExceedCredits)) {
        const room = debit.creditsPosted - debit.debitsPosted - debit.debitsPending;
        amount = room < amount ? (room > 0n ? room : 0n) : amount;
        if (amount === 0n)
            return { result: 'exceeds_credits' };
    }
    if ((0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.balancingCredit) && (0, flags_1.hasFlag)(credit.flags, flags_1.ACCOUNT_FLAG_BITS.creditsMustNotExceedDebits)) {
        const room = credit.debitsPosted - credit.creditsPosted - credit.creditsPending;
        amount = room < amount ? (room > 0n ? room : 0n) : amount;
        if (amount === 0n)
            return { result: 'exceeds_debits' };
    }
    const pending = (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.pending);
    if (pending) {
        if (debit.debitsPending + amount > amount_1.MAX_AMOUNT)
            return { result: 'overflows_debits_pending' };
        if (credit.creditsPending + amount > amount_1.MAX_AMOUNT)
            return { result: 'overflows_credits_pending' };
    }
    else {
        if (debit.debitsPosted + amount > amount_1.MAX_AMOUNT)
            return { result: 'overflows_debits_posted' };
        if (credit.creditsPosted + amount > amount_1.MAX_AMOUNT)
            return { result: 'overflows_credits_posted' };
    }
    if (debit.debitsPending + debit.debitsPosted + amount > amount_1.MAX_AMOUNT)
        return { result: 'overflows_debits' };
    if (credit.creditsPending + credit.creditsPosted + amount > amount_1.MAX_AMOUNT)
        return { result: 'overflows_credits' };
    // Reservations count against the limit (pessimistic), so a later post can never break it.
    if ((0, flags_1.hasFlag)(debit.flags, flags_1.ACCOUNT_FLAG_BITS.debitsMustNotExceedCredits) && debit.debitsPending + debit.debitsPosted + amount > debit.creditsPosted) {
        return { result: 'exceeds_credits' };
    }
    if ((0, flags_1.hasFlag)(credit.flags, flags_1.ACCOUNT_FLAG_BITS.creditsMustNotExceedDebits) && credit.creditsPending + credit.creditsPosted + amount > credit.debitsPosted) {
        return { result: 'exceeds_debits' };
    }
    let debitFlags = debit.flags;
    let creditFlags = credit.flags;
    if ((0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.closingDebit))
        debitFlags |= flags_1.ACCOUNT_FLAG_BITS.closed;
    if ((0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.closingCredit))
        creditFlags |= flags_1.ACCOUNT_FLAG_BITS.closed;
    run.setAccount(pending
        ? withCounters(debit, { debitsPending: debit.debitsPending + amount, flags: debitFlags })
        : withCounters(debit, { debitsPosted: debit.debitsPosted + amount, flags: debitFlags }));
    run.setAccount(pending
        ? withCounters(credit, { creditsPending: credit.creditsPending + amount, flags: creditFlags })
        : withCounters(credit, { creditsPosted: credit.creditsPosted + amount, flags: creditFlags }));
    const timeout = e.timeout ?? 0;
    const row = {
        id: e.id,
        debitAccountId: debit.id,
        creditAccountId: credit.id,
        amount,
        pendingId: null,
        ledger: debit.ledger,
        code: e.code,
        flags,
        timeout,
        userData: e.userData ?? null,
        timestampUs: run.state.nowUs,
    };
    run.addTransfer(row);
    if (pending && timeout > 0) {
        run.timeoutsToInsert.push({ pendingId: e.id, expiresAtUs: run.state.nowUs + timeout * US_PER_SECOND });
    }
    run.snapshot(debit.id, e.id);
    run.snapshot(credit.id, e.id);
    return { result: 'ok', amount };
}
function pendingExpired(pending, nowUs) {
    return pending.timeout > 0 && nowUs >= pending.timestampUs + pending.timeout * US_PER_SECOND;
}
function resolutionFailure(resolution) {
    if (resolution === 'posted')
        return 'pending_transfer_already_posted';
    if (resolution === 'voided')
        return 'pending_transfer_already_voided';
    if (resolution === 'expired')
        return 'pending_transfer_expired';
    return null;
}
/** Releases a pending transfer's reservation; a post also moves `postAmount` to the posted counters. */
function releasePending(run, pending, postAmount, reopen) {
    const debit = run.account(pending.debitAccountId);
    const credit = run.account(pending.creditAccountId);
    (0, errors_1.assertLedger)(debit && credit, `accounts of pending transfer ${pending.id} are not loaded`);
    (0, errors_1.assertLedger)(debit.debitsPending >= pending.amount && credit.creditsPending >= pending.amount, `pending counters of ${pending.id}'s accounts are below its amount`);
    // Voiding or expiring a closing transfer re-opens the account it closed (closing is reversible).
    const debitFlags = reopen && (0, flags_1.hasFlag)(pending.flags, flags_1.TRANSFER_FLAG_BITS.closingDebit) ? debit.flags & ~flags_1.ACCOUNT_FLAG_BITS.closed : debit.flags;
    const creditFlags = reopen && (0, flags_1.hasFlag)(pending.flags, flags_1.TRANSFER_FLAG_BITS.closingCredit) ? credit.flags & ~flags_1.ACCOUNT_FLAG_BITS.closed : credit.flags;
    run.setAccount(withCounters(debit, { debitsPending: debit.debitsPending - pending.amount, debitsPosted: debit.debitsPosted + postAmount, flags: debitFlags }));
    run.setAccount(withCounters(credit, { creditsPending: credit.creditsPending - pending.amount, creditsPosted: credit.creditsPosted + postAmount, flags: creditFlags }));
}
function applyPostOrVoid(e, flags, run) {
    const post = (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.postPendingTransfer);
    const pending = run.transfer(e.pendingId);
    if (!pending)
        return { result: 'pending_transfer_not_found' };
    if (!(0, flags_1.hasFlag)(pending.flags, flags_1.TRANSFER_FLAG_BITS.pending))
        return { result: 'pending_transfer_not_pending' };
    if (e.debitAccountId !== undefined && e.debitAccountId !== pending.debitAccountId)
        return { result: 'pending_transfer_has_different_debit_account_id' };
    if (e.creditAccountId !== undefined && e.creditAccountId !== pending.creditAccountId)
        return { result: 'pending_transfer_has_different_credit_account_id' };
    if (e.ledger !== undefined && e.ledger !== pending.ledger)
        return { result: 'pending_transfer_has_different_ledger' };
    if (e.code !== undefined && e.code !== pending.code)
        return { result: 'pending_transfer_has_different_code' };
    let amount = pending.amount;
    if (post) {
        if (e.amount !== undefined && e.amount > pending.amount)
            return { result: 'exceeds_pending_transfer_amount' };
        amount = e.amount ?? pending.amount;
    }
    else if (e.amount !== undefined && e.amount !== 0n && e.amount !== pending.amount) {
        return { result: 'pending_transfer_has_different_amount' };
    }
    const ended = resolutionFailure(run.resolution(pending.id));
    if (ended)
        return { result: ended };
    if (pendingExpired(pending, run.state.nowUs))
        return { result: 'pending_transfer_expired' };
    if (post) {
        const debit = run.account(pending.debitAccountId);
        const credit = run.account(pending.creditAccountId);
        if (debit.debitsPosted + amount > amount_1.MAX_AMOUNT)
            return { result: 'overflows_debits_posted' };
        if (credit.creditsPosted + amount > amount_1.MAX_AMOUNT)
            return { result: 'overflows_credits_posted' };
    }
    releasePending(run, pending, post ? amount : 0n, !post);
    run.addTransfer({
        id: e.id,
        debitAccountId: pending.debitAccountId,
        creditAccountId: pending.creditAccountId,
        amount,
        pendingId: pending.id,
        ledger: pending.ledger,
        code: e.code ?? pending.code,
        flags,
        timeout: 0,
        userData: e.userData ?? pending.userData,
        timestampUs: run.state.nowUs,
    });
    run.resolve(pending.id, post ? 'posted' : 'voided', e.id, pending);
    run.snapshot(pending.debitAccountId, e.id);
    run.snapshot(pending.creditAccountId, e.id);
    return { result: 'ok', amount };
}
function decideOne(e, run) {
    if (!(0, identifiers_1.isLedgerId)(e.id))
        return { result: 'id_must_be_uuid' };
    const flags = (0, flags_1.encodeTransferFlags)(e.flags);
    const stored = run.transfer(e.id);
    if (stored) {
        const result = compareExisting(e, flags, stored, run);
        return result === 'exists' ? { result, amount: stored.amount } : { result };
    }
    if (run.failed(e.id))
        return { result: 'id_already_failed' };
    const shape = checkShape(e, flags);
    if (shape)
        return { result: shape };
    const postOrVoid = (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.postPendingTransfer) || (0, flags_1.hasFlag)(flags, flags_1.TRANSFER_FLAG_BITS.voidPendingTransfer);
    return postOrVoid ? applyPostOrVoid(e, flags, run) : applySinglePhaseOrPending(e, flags, run);
}
function succeeded(result) {
    // A chain retried after it was applied answers `exists` for each event and stays intact.
    return result === 'ok' || result === 'exists';
}
/**
 * Decides a batch made of independent submissions (one per caller). Linked chains never cross a
 * submission; events run in order and each sees the effects of the ones before it.
 */
function decideTransferBatch(submissions, state) {
    const run = new BatchRun(state);
    const results = [];
    for (const events of submissions) {
        const out = new Array(events.length);
        let chainStart = -1;
        let chainMark = [];
        for (let i = 0; i < events.length; i++) {
            const e = events[i];
            const linked = e.flags?.linked === true;
            if (chainStart < 0 && linked) {
                chainStart = i;
                chainMark = run.mark();
            }
            const inChain = chainStart >= 0;
            const verdict = linked && i === events.length - 1 ? { result: 'linked_event_chain_open' } : decideOne(e, run);
            out[i] = verdict.amount === undefined ? { id: e.id, result: verdict.result } : { id: e.id, result: verdict.result, amount: verdict.amount };
            if (!inChain) {
                if (!succeeded(verdict.result))
                    run.recordFailure(e.id, verdict.result);
                continue;
            }
            if (!succeeded(verdict.result)) {
                run.rollback(chainMark);
                run.recordFailure(e.id, verdict.result);
                for (let j = chainStart; j < i; j++)
                    out[j] = { id: events[j].id, result: 'linked_event_failed' };
                // The rest of the chain is not evaluated: it fails with the chain.
                let j = i + 1;
                if (linked) {
                    for (; j < events.length; j++) {
                        out[j] = { id: events[j].id, result: 'linked_event_failed' };
                        if (events[j].flags?.linked !== true)
                            break;
                    }
                }
                i = linked ? j : i;
                chainStart = -1;
                continue;
            }
            if (!linked)
                chainStart = -1;
        }
        results.push(out);
    }
    return {
        results,
        newTransfers: run.newTransfers,
        accounts: run.changedAccounts(),
        resolutions: run.resolutions,
        timeoutsToInsert: run.timeoutsToInsert,
        timeoutsToDelete: run.timeoutsToDelete,
        failures: run.failures,
        history: run.history,
    };
}
/**
 * Decides the expiry of pending transfers past their deadline: releases each reservation,
 * re-opens accounts closed by it, and records the resolution. Already-ended ones are skipped.
 */
function decideExpiries(pendingIds, state) {
    const run = new BatchRun(state);
    const expired = [];
    for (const id of pendingIds) {
        const pending = run.transfer(id);
        (0, errors_1.assertLedger)(pending && (0, flags_1.hasFlag)(pending.flags, flags_1.TRANSFER_FLAG_BITS.pending), `timeout queue names ${id}, which is not a pending transfer`);
        // Ended by a post or void that committed after the sweeper read its queue: nothing to release.
        if (run.resolution(id) !== undefined)
            continue;
        if (!pendingExpired(pending, state.nowUs))
            continue;
        releasePending(run, pending, 0n, true);
        run.resolve(id, 'expired', null, pending);
        run.snapshot(pending.debitAccountId, id);
        run.snapshot(pending.creditAccountId, id);
        expired.push(id);
    }
    return {
        results: [],
        newTransfers: [],
        accounts: run.changedAccounts(),
        resolutions: run.resolutions,
        timeoutsToInsert: [],
        timeoutsToDelete: run.timeoutsToDelete,
        failures: [],
        history: run.history,
        expired,
    };
}
