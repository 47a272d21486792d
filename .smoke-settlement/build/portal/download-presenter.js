"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PURSE_LABEL = void 0;
exports.presentDownload = presentDownload;
exports.codePrompt = codePrompt;
const money_1 = require("./money");
const offline_code_1 = require("./offline-code");
/**
 * How a download is told to people: the timeline of its steps and its state in plain words.
 * Pure functions: the page, the JSON API and the live stream all present a download the same way.
 */
exports.PURSE_LABEL = { ecash: 'e-Cash', food: 'Food Voucher' };
const TIMELINE = [
    { step: 'card_read', label: 'Card read' },
    { step: 'money_reserved', label: 'Money reserved' },
    { step: 'card_credited', label: 'Card credited' },
    { step: 'posted', label: 'Posted' },
];
// Where each step sits on the timeline: the index of the last step done.
const PROGRESS = {
    started: -1,
    waiting_for_request_code: -1,
    card_read: 0,
    money_reserved: 1,
    waiting_for_confirmation_code: 1,
    card_credited: 2,
    posted: 3,
    voided: -1,
    failed: -1,
    needs_operator: -1,
};
const STATE_TEXT = {
    started: 'Starting the download…',
    waiting_for_request_code: 'Waiting for the request code from your eCom Pocket.',
    card_read: 'Your card was read.',
    money_reserved: 'The money is reserved for your card.',
    waiting_for_confirmation_code: 'Type the authorization code into your Pocket, then type the confirmation code it shows.',
    card_credited: 'Your card was credited.',
    posted: 'Done: the money is on your card.',
    voided: 'Cancelled: the card was not loaded and the money is back in your account.',
    failed: 'The download did not happen; no money moved.',
    needs_operator: 'An operator has to look at this download; the money stays reserved until then, and nothing is lost.',
};
function presentDownload(view) {
    const reached = PROGRESS[view.step];
    return {
        downloadId: view.downloadId,
        csn: view.csn,
        csnDisplay: view.csn.replace(/(\d{4})(?=\d)/g, '$1 '),
        purse: view.purse,
        purseLabel: exports.PURSE_LABEL[view.purse],
        amount: (0, money_1.formatMinor)(view.amountMinor),
        mode: view.mode,
        step: view.step,
        version: view.version,
        stateText: STATE_TEXT[view.step],
        outcome: view.outcome,
        authorizationCode: view.authorizationCode ? (0, offline_code_1.groupCode)(view.authorizationCode) : null,
        wrongCodes: view.wrongCodes,
        finished: view.finished,
        timeline: TIMELINE.map((entry, index) => ({ label: entry.label, done: index <= reached })),
        startedAt: view.startedAt.toISOString(),
    };
}
/** Which code the page asks for next, if any. */
function codePrompt(view) {
    if (view.mode !== 'offline' || view.finished)
        return null;
    if (view.step === 'waiting_for_request_code')
        return 'request';
    if (view.step === 'waiting_for_confirmation_code')
        return 'confirmation';
    return null;
}
