"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.customerOverview = customerOverview;
exports.startCustomerDownload = startCustomerDownload;
exports.customerDownload = customerDownload;
exports.customerDownloads = customerDownloads;
exports.submitDownloadCode = submitDownloadCode;
const node_crypto_1 = require("node:crypto");
const errors_1 = require("./errors");
const money_1 = require("./money");
const offline_code_1 = require("./offline-code");
const ports_1 = require("./ports");
const session_1 = require("./session");
async function customerOverview(ctx, customer) {
    const [balances, cards, readers] = await Promise.all([
        ctx.ledger.balancesOf(customer.customerId),
        ctx.workflows.cardsOf(customer.customerId),
        ctx.workflows.onlineReadersOf(customer.customerId),
    ]);
    return { balances, cards, readers };
}
const PURSES = ['ecash', 'food'];
const MODES = ['connected', 'offline'];
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
async function startCustomerDownload(ctx, customer, input) {
    const purse = input.purse;
    if (!PURSES.includes(purse))
        throw new errors_1.PortalError('input_invalid', 'Choose the purse: e-Cash or Food Voucher.', { field: 'purse' });
    const mode = input.mode;
    if (!MODES.includes(mode))
        throw new errors_1.PortalError('input_invalid', 'Choose how the card is reached: Card in a reader or eCom Pocket (offline).', { field: 'mode' });
    const amountMinor = (0, money_1.parseDownloadAmount)(input.amount);
    // A request id from the form makes a double click start one download; one is made when absent.
    const requestId = typeof input.requestId === 'string' && input.requestId !== '' ? input.requestId : (0, node_crypto_1.randomUUID)();
    if (!REQUEST_ID.test(requestId))
        throw new errors_1.PortalError('input_invalid', 'The form is damaged; reload the page and start again.', { field: 'requestId' });
    const overview = await customerOverview(ctx, customer);
    const card = overview.cards.find((c) => c.csn === input.csn);
    if (!card)
        throw new errors_1.PortalError('not_found', 'Choose one of your cards.', { field: 'csn' });
    if (card.blocked)
        throw new errors_1.PortalError('input_invalid', 'This card is blocked; choose another card or ask the operator why it was blocked.', { field: 'csn' });
    const lastKnown = card.purses.find((p) => p.purse === purse)?.lastKnownMinor ?? 0n;
    if (lastKnown + amountMinor > card.maxBalanceMinor) {
        const room = card.maxBalanceMinor > lastKnown ? card.maxBalanceMinor - lastKnown : 0n;
        throw new errors_1.PortalError('amount_over_purse_limit', `The purse takes at most ${(0, money_1.formatMinor)(card.maxBalanceMinor)}; it can take ${(0, money_1.formatMinor)(room)} more. Type a smaller amount.`, { field: 'amount' });
    }
    const account = overview.balances.find((b) => b.purse === purse);
    if (!account || account.availableMinor < amountMinor) {
        const available = account ? (0, money_1.formatMinor)(account.availableMinor) : '0.00';
        throw new errors_1.PortalError('amount_over_balance', `Only ${available} is available in the account; type a smaller amount or add money first.`, { field: 'amount' });
    }
    let readerId = null;
    if (mode === 'connected') {
        const reader = overview.readers.find((r) => r.readerId === input.readerId);
        if (!reader)
            throw new errors_1.PortalError('reader_offline', 'That reader is not online; plug it in and start its reader agent, or choose eCom Pocket (offline).', { field: 'readerId' });
        readerId = reader.readerId;
    }
    return ctx.workflows.startDownload({ requestId, customerId: customer.customerId, csn: card.csn, purse, amountMinor, mode, readerId });
}
async function customerDownload(ctx, customer, downloadId) {
    const view = await ctx.workflows.download(downloadId);
    if (!view || view.customerId !== customer.customerId)
        throw (0, session_1.notFound)();
    return view;
}
async function customerDownloads(ctx, customer) {
    const views = await ctx.workflows.downloadsOf(customer.customerId);
    return views.filter((v) => v.customerId === customer.customerId);
}
/**
 * Hands a typed code to the download's workflow update. Format and check digit are refused here
 * before Temporal is asked; the workflow's validator decides the rest and counts wrong codes.
 */
async function submitDownloadCode(ctx, customer, downloadId, submission, typed, updateId) {
    const view = await customerDownload(ctx, customer, downloadId);
    const code = (0, offline_code_1.parseOfflineCode)(submission === 'confirmation' ? 'confirmation' : 'request', typed, 'code');
    const update = typeof updateId === 'string' && /^[A-Za-z0-9-]{1,80}$/.test(updateId) ? updateId : (0, node_crypto_1.randomUUID)();
    if (view.mode !== 'offline' || view.finished) {
        throw new errors_1.PortalError('download_not_waiting', 'This download is not waiting for a code any more; the page shows where it stands.');
    }
    try {
        if (submission === 'request')
            return await ctx.workflows.submitRequestCode(downloadId, code, update);
        if (submission === 'confirmation')
            return await ctx.workflows.submitConfirmationCode(downloadId, code, update);
        return await ctx.workflows.reportNotLoaded(downloadId, code, update);
    }
    catch (err) {
        if (err instanceof ports_1.WorkflowRefusal)
            throw new errors_1.PortalError('code_refused', err.message, { field: 'code', cause: err });
        throw err;
    }
}
