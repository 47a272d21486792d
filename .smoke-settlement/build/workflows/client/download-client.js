"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DownloadClient = exports.DownloadClientError = exports.DEFAULT_SERVER_TASK_QUEUE = void 0;
exports.toInput = toInput;
// The client side of downloads, for the CLI and the portal: start (idempotent by request id),
// follow, type in the offline codes, act as an operator, list what is stuck. No worker or
// activity code is reachable from here.
const client_1 = require("@temporalio/client");
const proto_1 = require("@temporalio/proto");
const common_1 = require("@temporalio/common");
const money_1 = require("../registry/money");
const download_contract_1 = require("../download/download-contract");
/** The task queue of the server worker (workflows/worker/server-worker.ts uses the same). */
exports.DEFAULT_SERVER_TASK_QUEUE = 'purseflow-server';
class DownloadClientError extends Error {
    code;
    name = 'DownloadClientError';
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}
exports.DownloadClientError = DownloadClientError;
function refusalOf(err) {
    if (err instanceof client_1.WorkflowUpdateFailedError && err.cause instanceof common_1.ApplicationFailure) {
        return { type: err.cause.type ?? 'refused', message: err.cause.message };
    }
    return undefined;
}
class DownloadClient {
    client;
    taskQueue;
    constructor(client, taskQueue = exports.DEFAULT_SERVER_TASK_QUEUE) {
        this.client = client;
        this.taskQueue = taskQueue;
    }
    /** Starts a download, or finds the one already started under this request id (a double click starts one). */
    async start(request) {
        const input = toInput(request);
        const workflowId = (0, download_contract_1.downloadWorkflowId)(input.requestId);
        try {
            const handle = await this.client.workflow.start('DownloadWorkflow', {
                args: [input],
                taskQueue: this.taskQueue,
                workflowId,
                workflowIdConflictPolicy: common_1.WorkflowIdConflictPolicy.USE_EXISTING,
                // A finished download is never run again under the same request id.
                workflowIdReusePolicy: common_1.WorkflowIdReusePolicy.REJECT_DUPLICATE,
                typedSearchAttributes: [
                    { key: download_contract_1.SEARCH_ATTRIBUTE.kind, value: download_contract_1.DOWNLOAD_KIND },
                    { key: download_contract_1.SEARCH_ATTRIBUTE.state, value: 'checking_card' },
                    { key: download_contract_1.SEARCH_ATTRIBUTE.cardSerial, value: input.csn },
                    { key: download_contract_1.SEARCH_ATTRIBUTE.amountMinor, value: Number(input.amountMinor) },
                    ...(input.readerId ? [{ key: download_contract_1.SEARCH_ATTRIBUTE.readerId, value: input.readerId }] : []),
                ],
                staticSummary: `${input.mode} download of ${request.amount} onto the ${input.purse} purse of card ${input.csn}`,
            });
            return { workflowId, runId: handle.firstExecutionRunId };
        }
        catch (err) {
            if (err instanceof client_1.WorkflowExecutionAlreadyStartedError) {
                const description = await this.client.workflow.getHandle(workflowId).describe();
                return { workflowId, runId: description.runId };
            }
            throw err;
        }
    }
    handle(requestId) {
        return this.client.workflow.getHandle((0, download_contract_1.downloadWorkflowId)(requestId));
    }
    state(requestId) {
        return this.handle(requestId).query(download_contract_1.downloadStateQuery);
    }
    /** Waits for the outcome; a refused download rejects with a WorkflowFailedError whose cause has the code. */
    result(requestId) {
        return this.handle(requestId).result();
    }
    submitRequestCode(requestId, code, updateId) {
        return this.code(requestId, download_contract_1.submitRequestCodeUpdate, code, updateId);
    }
    submitConfirmationCode(requestId, code, updateId) {
        return this.code(requestId, download_contract_1.submitConfirmationCodeUpdate, code, updateId);
    }
    reportNotLoaded(requestId, code, updateId) {
        return this.code(requestId, download_contract_1.reportNotLoadedUpdate, code, updateId);
    }
    async retryNow(requestId, operator, readerId) {
        if (readerId !== undefined && !download_contract_1.READER_ID_PATTERN.test(readerId))
            throw new DownloadClientError('request_invalid', `Reader id ${JSON.stringify(readerId)} is not valid.`);
        await this.handle(requestId).signal(download_contract_1.retryNowSignal, { operator, readerId });
    }
    resolveWithEvidence(requestId, operator, evidence, updateId) {
        return this.evidence(requestId, download_contract_1.resolveWithEvidenceUpdate, operator, evidence, updateId);
    }
    voidWithEvidence(requestId, operator, evidence, updateId) {
        return this.evidence(requestId, download_contract_1.voidWithEvidenceUpdate, operator, evidence, updateId);
    }
    /** Running downloads that wait for a person or a card, oldest first (visibility; eventually consistent). */
    async listStuck(filter = {}) {
        const clauses = [`PurseflowKind = '${download_contract_1.DOWNLOAD_KIND}'`, `ExecutionStatus = 'Running'`, `PurseflowState IN (${download_contract_1.STUCK_PHASES.map((p) => `'${p}'`).join(', ')})`];
        if (filter.csn)
            clauses.push(`CardSerial = '${digitsOnly(filter.csn)}'`);
        if (filter.customerId) {
            if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(filter.customerId))
                throw new DownloadClientError('request_invalid', 'A customer id is letters, digits, _ . -');
            clauses.push(`CustomerId = '${filter.customerId}'`);
        }
        const out = [];
        for await (const w of this.client.workflow.list({ query: clauses.join(' AND '), pageSize: 100 })) {
            const sa = w.typedSearchAttributes;
            out.push({
                workflowId: w.workflowId,
                phase: sa.get(download_contract_1.SEARCH_ATTRIBUTE.state) ?? 'unknown',
                csn: sa.get(download_contract_1.SEARCH_ATTRIBUTE.cardSerial),
                customerId: sa.get(download_contract_1.SEARCH_ATTRIBUTE.customerId),
                readerId: sa.get(download_contract_1.SEARCH_ATTRIBUTE.readerId),
                amountMinor: sa.get(download_contract_1.SEARCH_ATTRIBUTE.amountMinor),
                startTime: w.startTime,
            });
            if (out.length >= (filter.limit ?? 1000))
                break;
        }
        return out.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    }
    /** Whether a reader agent polled `reader-<id>` recently (the portal's "reader online" light). */
    async readerOnline(readerId) {
        if (!download_contract_1.READER_ID_PATTERN.test(readerId))
            throw new DownloadClientError('request_invalid', `Reader id ${JSON.stringify(readerId)} is not valid.`);
        const description = await this.client.workflowService.describeTaskQueue({
            namespace: this.client.options.namespace,
            taskQueue: { name: (0, download_contract_1.readerTaskQueue)(readerId) },
            taskQueueType: proto_1.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        });
        return (description.pollers ?? []).length > 0;
    }
    async code(requestId, update, code, updateId) {
        try {
            return await this.handle(requestId).executeUpdate(update, { args: [code], updateId });
        }
        catch (err) {
            const refused = refusalOf(err);
            if (!refused)
                throw err;
            return { accepted: false, phase: 'failed', refusal: refused.type, message: refused.message, wrongCodes: -1 };
        }
    }
    async evidence(requestId, update, operator, evidence, updateId) {
        try {
            return await this.handle(requestId).executeUpdate(update, { args: [{ operator, evidence }], updateId });
        }
        catch (err) {
            const refused = refusalOf(err);
            if (refused)
                throw new DownloadClientError('evidence_refused', refused.message);
            throw err;
        }
    }
}
exports.DownloadClient = DownloadClient;
function digitsOnly(csn) {
    const digits = csn.replace(/[\s-]/g, '');
    if (!/^[0-9]{16}$/.test(digits))
        throw new DownloadClientError('request_invalid', `A card serial number is 16 digits; got ${JSON.stringify(csn)}.`);
    return digits;
}
/** Turns a person's request ("250.00", spaced CSN) into the workflow's input, refusing what it cannot be. */
function toInput(request) {
    if (typeof request.requestId !== 'string' || !download_contract_1.REQUEST_ID_PATTERN.test(request.requestId)) {
        throw new DownloadClientError('request_invalid', 'A request id is 1-100 letters, digits or _.:- (the portal uses one per form submission).');
    }
    if (request.purse !== 'ecash' && request.purse !== 'food')
        throw new DownloadClientError('request_invalid', 'The purse is ecash or food.');
    if (request.mode !== 'connected' && request.mode !== 'offline')
        throw new DownloadClientError('request_invalid', 'The mode is connected (a reader) or offline (the pocket).');
    if (request.mode === 'connected' && (!request.readerId || !download_contract_1.READER_ID_PATTERN.test(request.readerId))) {
        throw new DownloadClientError('request_invalid', 'A connected download needs the reader id (--reader ID).');
    }
    let amountMinor;
    try {
        amountMinor = (0, money_1.parseMoney)(request.amount);
    }
    catch (err) {
        throw new DownloadClientError('request_invalid', err instanceof Error ? err.message : String(err));
    }
    if (amountMinor > 0xffffffffn)
        throw new DownloadClientError('request_invalid', 'A card takes at most 42949672.95 in one load.');
    return {
        requestId: request.requestId,
        csn: digitsOnly(request.csn),
        purse: request.purse,
        amountMinor: amountMinor.toString(),
        mode: request.mode,
        readerId: request.mode === 'connected' ? request.readerId : undefined,
        timing: request.timing,
    };
}
