"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.TemporalParts = void 0;
const client_1 = require("@temporalio/client");
const client_2 = require("../../workflows/client");
const errors_1 = require("../errors");
const money_1 = require("../money");
const ports_1 = require("../ports");
const download_view_1 = require("./download-view");
function notProvided(what) {
    return new errors_1.PortalError('workflows_unavailable', `This part of the portal is not connected yet (${what} is not offered by the workflows client); ask the operator.`);
}
/** Temporal not answering becomes the port's `workflows_unavailable`; anything else passes. */
async function reach(work) {
    try {
        return await work;
    }
    catch (err) {
        if (err instanceof client_1.ServiceError || (0, client_1.isGrpcServiceError)(err)) {
            throw new errors_1.PortalError('workflows_unavailable', 'The portal cannot reach the workflow service right now; nothing was changed. Try again in a minute.', { cause: err });
        }
        throw err;
    }
}
class TemporalParts {
    options;
    downloads;
    constructor(options) {
        this.options = options;
        this.downloads = new client_2.DownloadClient(options.client, options.taskQueue);
    }
    async checkReachable() {
        await this.options.client.connection.workflowService.getSystemInfo({});
    }
    async balancesOf(_customerId) {
        throw notProvided('the accounts of a customer');
    }
    async cardsOf(_customerId) {
        throw notProvided('the cards of a customer');
    }
    async onlineReadersOf(customerId) {
        const readers = this.options.readersOf ? await this.options.readersOf(customerId) : [];
        const online = await Promise.all(readers.map(async (r) => ((await reach(this.downloads.readerOnline(r.readerId))) ? r : null)));
        return online.filter((r) => r !== null);
    }
    async startDownload(request) {
        let started;
        try {
            started = await reach(this.downloads.start({
                requestId: request.requestId,
                csn: request.csn,
                purse: request.purse,
                amount: (0, money_1.formatMinor)(request.amountMinor),
                mode: request.mode,
                readerId: request.readerId ?? undefined,
            }));
        }
        catch (err) {
            if (err instanceof client_2.DownloadClientError)
                throw new errors_1.PortalError('input_invalid', err.message, { cause: err });
            throw err;
        }
        await this.options
            .db('portal_downloads')
            .insert({
            download_id: started.workflowId,
            request_id: request.requestId,
            customer_id: request.customerId,
            csn: request.csn,
            purse: request.purse,
            amount_minor: request.amountMinor.toString(),
            mode: request.mode,
        })
            .onConflict('download_id')
            .ignore();
        const owner = await this.owner(started.workflowId);
        if (!owner)
            throw new Error(`portal invariant broken: download ${started.workflowId} was recorded but cannot be read back`);
        return (0, download_view_1.startingView)(owner, request);
    }
    async row(downloadId) {
        return (await this.options.db('portal_downloads').where({ download_id: downloadId }).first());
    }
    async owner(downloadId) {
        const row = await this.row(downloadId);
        return row ? { downloadId: row.download_id, customerId: row.customer_id, startedAt: row.started_at } : null;
    }
    async download(downloadId) {
        const row = await this.row(downloadId);
        if (!row)
            return null;
        const owner = { downloadId: row.download_id, customerId: row.customer_id, startedAt: row.started_at };
        return (0, download_view_1.downloadViewOf)(owner, await reach(this.downloads.state(row.request_id)));
    }
    async downloadsOf(customerId) {
        const rows = (await this.options.db('portal_downloads').where({ customer_id: customerId }).orderBy('started_at', 'desc').limit(50));
        return Promise.all(rows.map(async (row) => (await this.download(row.download_id))));
    }
    async afterCode(downloadId, answer) {
        if (!answer.accepted) {
            const counted = answer.wrongCodes >= 0 ? ` Wrong codes so far: ${answer.wrongCodes} of 5.` : '';
            throw new ports_1.WorkflowRefusal(answer.refusal ?? 'refused', `${answer.message ?? 'The code was refused.'}${counted}`);
        }
        const view = await this.download(downloadId);
        if (!view)
            throw new Error(`portal invariant broken: download ${downloadId} vanished after a code`);
        return view;
    }
    async requestIdOf(downloadId) {
        const row = await this.row(downloadId);
        if (!row)
            throw new errors_1.PortalError('not_found', 'There is no such download.');
        return row.request_id;
    }
    async submitRequestCode(downloadId, code, updateId) {
        return this.afterCode(downloadId, await reach(this.downloads.submitRequestCode(await this.requestIdOf(downloadId), code, updateId)));
    }
    async submitConfirmationCode(downloadId, code, updateId) {
        return this.afterCode(downloadId, await reach(this.downloads.submitConfirmationCode(await this.requestIdOf(downloadId), code, updateId)));
    }
    async reportNotLoaded(downloadId, code, updateId) {
        return this.afterCode(downloadId, await reach(this.downloads.reportNotLoaded(await this.requestIdOf(downloadId), code, updateId)));
    }
    async startSettlement() {
        throw notProvided('settlement upload from a stream');
    }
    async settlement() {
        throw notProvided('settlement results');
    }
    async settlementRecords() {
        throw notProvided('settlement records');
    }
    async settlementsOf() {
        throw notProvided('the settlements of a merchant');
    }
    async needsAttention() {
        const stuck = await reach(this.downloads.listStuck({ limit: 200 }));
        return stuck.map((s) => ({
            workflowId: s.workflowId,
            kind: s.phase === 'locked' ? 'code_entry_locked' : 'download_stuck',
            summary: `${s.amountMinor !== undefined ? (0, money_1.formatMinor)(BigInt(s.amountMinor)) : '?'} to card ${s.csn ?? '?'} (${s.phase.replace(/_/g, ' ')})`,
            since: s.startTime,
            evidence: [s.customerId ? `customer ${s.customerId}` : null, s.readerId ? `reader ${s.readerId}` : null].filter((e) => e !== null),
            actions: s.phase === 'locked' ? ['unlock', 'resolve', 'void'] : ['retry', 'resolve', 'void'],
        }));
    }
    async operatorAction(workflowId, action, evidence, operator, updateId) {
        const requestId = workflowId.replace(/^download-/, '');
        try {
            if (action === 'retry' || action === 'unlock') {
                await reach(this.downloads.retryNow(requestId, operator));
                return `${action} sent to ${workflowId}`;
            }
            const state = action === 'resolve'
                ? await reach(this.downloads.resolveWithEvidence(requestId, operator, (0, download_view_1.evidenceOf)(evidence, operator), updateId))
                : await reach(this.downloads.voidWithEvidence(requestId, operator, (0, download_view_1.evidenceOf)(evidence, operator), updateId));
            return `${workflowId} is now ${state.phase.replace(/_/g, ' ')}`;
        }
        catch (err) {
            if (err instanceof client_2.DownloadClientError)
                throw new ports_1.WorkflowRefusal(err.code, err.message);
            throw err;
        }
    }
}
exports.TemporalParts = TemporalParts;
