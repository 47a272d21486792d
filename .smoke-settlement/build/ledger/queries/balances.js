"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.balanceOf = balanceOf;
exports.accountBalance = accountBalance;
exports.getAccountBalance = getAccountBalance;
exports.getAccountBalanceAt = getAccountBalanceAt;
const account_1 = require("../account");
const account_store_1 = require("../account-store");
const errors_1 = require("../errors");
const identifiers_1 = require("../identifiers");
function balanceOf(accountId, side, c) {
    const credit = side === 'credit';
    const posted = credit ? c.creditsPosted - c.debitsPosted : c.debitsPosted - c.creditsPosted;
    const pending = credit ? c.creditsPending - c.debitsPending : c.debitsPending - c.creditsPending;
    const outgoing = credit ? c.debitsPending : c.creditsPending;
    return { accountId, side, posted, pending, available: posted - outgoing, counters: c };
}
function accountBalance(account) {
    return balanceOf(account.id, account_1.ACCOUNT_NORMAL_SIDE[account.code], account);
}
async function loadAccount(knex, accountId) {
    if (!(0, identifiers_1.isLedgerId)(accountId))
        throw new errors_1.LedgerError('input_malformed', `account id ${JSON.stringify(accountId)} is not a lower-case UUID.`);
    const row = await knex('ledger_accounts').where({ id: accountId }).first();
    if (!row)
        throw new errors_1.LedgerError('account_not_found', `no account ${accountId}; check the id or create the account first.`);
    return (0, account_store_1.toAccount)(row);
}
/** Current posted, pending and available balance of one account. */
async function getAccountBalance(knex, accountId) {
    return accountBalance(await loadAccount(knex, accountId));
}
/**
 * The balance right after the last event at or before `at`, for accounts created with the
 * `history` flag (zero before the first event).
 */
async function getAccountBalanceAt(knex, accountId, at) {
    const account = await loadAccount(knex, accountId);
    if (!account.flags.history) {
        throw new errors_1.LedgerError('history_not_enabled', `account ${accountId} was created without the history flag, so past balances are not kept; create accounts that need them with flags.history.`);
    }
    const row = await knex('ledger_account_history')
        .where({ account_id: accountId })
        .andWhere('timestamp', '<=', at)
        .orderBy('seq', 'desc')
        .first();
    const c = row
        ? { debitsPending: BigInt(row.debits_pending), debitsPosted: BigInt(row.debits_posted), creditsPending: BigInt(row.credits_pending), creditsPosted: BigInt(row.credits_posted) }
        : { debitsPending: 0n, debitsPosted: 0n, creditsPending: 0n, creditsPosted: 0n };
    return balanceOf(accountId, account_1.ACCOUNT_NORMAL_SIDE[account.code], c);
}
