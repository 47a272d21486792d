"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FakeParts = exports.pocket = void 0;
exports.withLuhn = withLuhn;
exports.bufferStream = bufferStream;
const node_stream_1 = require("node:stream");
const errors_1 = require("../../errors");
const offline_code_1 = require("../../offline-code");
const ports_1 = require("../../ports");
/**
 * An in-memory stand-in for workflows/client and ledger/queries, used by the page and route tests
 * until the real client side is bound (see portal/README.md, "What is not bound yet"). It keeps
 * the rules the pages depend on: ownership by customer and merchant, the offline code exchange
 * (a code is accepted when it matches what the simulated Pocket shows), wrong codes counted and
 * locked at 5, and the refusal messages of an update validator.
 */
function withLuhn(payload) {
    return payload + String((0, offline_code_1.luhnCheckDigit)(payload));
}
/** The simulated eCom Pocket: request code for a load, and the confirmation code after it. */
exports.pocket = {
    requestCode(atc, macDigits = '12345678') {
        return withLuhn(String(atc).padStart(5, '0') + macDigits);
    },
    /** What the Pocket shows after it accepted the authorization code. */
    confirmationCode(authorizationCode) {
        const digits = authorizationCode.replace(/\s/g, '');
        return withLuhn([...digits.slice(0, 8)].reverse().join(''));
    },
};
class FakeParts {
    reachable = true;
    balances = new Map();
    cards = new Map();
    readers = new Map();
    downloads = new Map();
    settlements = new Map();
    attention = [];
    operatorCalls = [];
    downloadReads = 0;
    addCustomer(customerId, csn) {
        this.balances.set(customerId, [
            { purse: 'ecash', currency: 'EUR', availableMinor: 50000n, reservedMinor: 0n },
            { purse: 'food', currency: 'EUR', availableMinor: 12000n, reservedMinor: 0n },
        ]);
        this.cards.set(customerId, [
            {
                csn,
                maxBalanceMinor: 100000n,
                blocked: false,
                purses: [
                    { purse: 'ecash', lastKnownMinor: 1000n },
                    { purse: 'food', lastKnownMinor: null },
                ],
            },
        ]);
    }
    async checkReachable() {
        if (!this.reachable)
            throw new Error('connect ECONNREFUSED 127.0.0.1:7233');
    }
    async balancesOf(customerId) {
        return this.balances.get(customerId) ?? [];
    }
    async cardsOf(customerId) {
        return this.cards.get(customerId) ?? [];
    }
    async onlineReadersOf(customerId) {
        return this.readers.get(customerId) ?? [];
    }
    async startDownload(request) {
        const downloadId = `download-${request.requestId}`;
        const existing = this.downloads.get(downloadId);
        if (existing)
            return existing.view;
        const view = {
            downloadId,
            customerId: request.customerId,
            csn: request.csn,
            purse: request.purse,
            amountMinor: request.amountMinor,
            mode: request.mode,
            step: request.mode === 'offline' ? 'waiting_for_request_code' : 'started',
            version: 1,
            authorizationCode: null,
            wrongCodes: 0,
            outcome: null,
            finished: false,
            startedAt: new Date(),
        };
        this.downloads.set(downloadId, { view, atc: null });
        return view;
    }
    /** Moves a download on, as the workflow would (connected steps, operator flags). */
    advance(downloadId, change) {
        const record = this.downloads.get(downloadId);
        if (!record)
            throw new Error(`no download ${downloadId}`);
        record.view = { ...record.view, ...change, version: record.view.version + 1 };
        return record.view;
    }
    async download(downloadId) {
        this.downloadReads++;
        // What TemporalParts answers when Temporal does not (see bindings/temporal-parts.ts).
        if (!this.reachable)
            throw new errors_1.PortalError('workflows_unavailable', 'The portal cannot reach the workflow service right now; nothing was changed. Try again in a minute.');
        return this.downloads.get(downloadId)?.view ?? null;
    }
    async downloadsOf(customerId) {
        return [...this.downloads.values()].map((r) => r.view).filter((v) => v.customerId === customerId);
    }
    wrong(record, message) {
        const wrongCodes = record.view.wrongCodes + 1;
        record.view = { ...record.view, wrongCodes, version: record.view.version + 1, ...(wrongCodes >= 5 ? { step: 'needs_operator', outcome: 'Locked after 5 wrong codes.' } : {}) };
        throw new ports_1.WorkflowRefusal('mac_mismatch', `${message} Wrong codes so far: ${wrongCodes} of 5.`);
    }
    async submitRequestCode(downloadId, requestCode) {
        const record = this.mustGet(downloadId);
        if (record.view.step !== 'waiting_for_request_code')
            throw new ports_1.WorkflowRefusal('not_expected', 'This download is not waiting for a request code.');
        // The simulated card's MAC1 digits are always 12345678; anything else fails the MAC check.
        if (requestCode.slice(5, 13) !== '12345678')
            this.wrong(record, 'That request code does not come from this card for this amount; start “Load” on the Pocket again and type the new code.');
        record.atc = Number(requestCode.slice(0, 5));
        const authorizationCode = withLuhn(requestCode.slice(5, 13).split('').reverse().join('').replace(/^./, '9'));
        record.view = { ...record.view, step: 'waiting_for_confirmation_code', authorizationCode, version: record.view.version + 2 };
        return record.view;
    }
    async submitConfirmationCode(downloadId, confirmationCode) {
        const record = this.mustGet(downloadId);
        if (record.view.step !== 'waiting_for_confirmation_code' || !record.view.authorizationCode)
            throw new ports_1.WorkflowRefusal('not_expected', 'This download is not waiting for a confirmation code.');
        if (confirmationCode !== exports.pocket.confirmationCode(record.view.authorizationCode)) {
            this.wrong(record, 'That confirmation code does not prove the credit; let the Pocket show its last confirmation code again and type it.');
        }
        record.view = { ...record.view, step: 'posted', finished: true, outcome: 'The card was credited and the money posted.', version: record.view.version + 2 };
        return record.view;
    }
    async reportNotLoaded(downloadId, requestCode) {
        const record = this.mustGet(downloadId);
        if (record.atc === null || Number(requestCode.slice(0, 5)) !== record.atc) {
            this.wrong(record, 'That request code shows the card moved on; the card may have been loaded. Type the confirmation code instead.');
        }
        record.view = { ...record.view, step: 'voided', finished: true, outcome: 'The card was not loaded; the reservation was voided.', version: record.view.version + 1 };
        return record.view;
    }
    mustGet(downloadId) {
        const record = this.downloads.get(downloadId);
        if (!record)
            throw new Error(`no download ${downloadId}`);
        return record;
    }
    async startSettlement(request) {
        let bytes = 0;
        for await (const chunk of request.content)
            bytes += chunk.length;
        const records = Math.max(0, (bytes - 40) / 48);
        const settlementId = `settlement-${request.merchantId}-${bytes}`;
        const existing = this.settlements.get(settlementId);
        if (existing)
            return existing.view;
        const rows = Array.from({ length: records }, (_, i) => ({
            index: i + 1,
            csn: '6071000000000018',
            purse: 'ecash',
            amountMinor: 250n,
            verdict: i % 4 === 3 ? 'refused' : 'accepted',
            reason: i % 4 === 3 ? 'MACP does not match: the record was altered after the purchase' : null,
        }));
        const accepted = rows.filter((r) => r.verdict === 'accepted');
        const view = {
            settlementId,
            merchantId: request.merchantId,
            fileName: request.fileName,
            state: 'settled',
            recordCount: records,
            reason: null,
            startedAt: new Date(),
            totals: [{ purse: 'ecash', acceptedMinor: 250n * BigInt(accepted.length), accepted: accepted.length, refused: rows.length - accepted.length }],
        };
        this.settlements.set(settlementId, { view, records: rows });
        return view;
    }
    async settlement(settlementId) {
        return this.settlements.get(settlementId)?.view ?? null;
    }
    async settlementRecords(settlementId, filter) {
        const rows = this.settlements.get(settlementId)?.records ?? [];
        return rows.filter((r) => !filter.verdict || r.verdict === filter.verdict).slice(filter.offset, filter.offset + filter.limit);
    }
    async settlementsOf(merchantId) {
        return [...this.settlements.values()].map((s) => s.view).filter((v) => v.merchantId === merchantId);
    }
    async needsAttention() {
        return this.attention;
    }
    async operatorAction(workflowId, action, evidence, operator) {
        if (action === 'void' && !/^\d{14}$/.test(evidence)) {
            throw new ports_1.WorkflowRefusal('evidence_invalid', 'Voiding needs a fresh request code from the card (14 digits) showing the same ATC.');
        }
        this.operatorCalls.push({ workflowId, action, evidence, operator });
        const index = this.attention.findIndex((a) => a.workflowId === workflowId);
        if (index >= 0)
            this.attention.splice(index, 1);
        return `${action} accepted for ${workflowId}`;
    }
}
exports.FakeParts = FakeParts;
function bufferStream(buffer) {
    return node_stream_1.Readable.from([buffer]);
}
