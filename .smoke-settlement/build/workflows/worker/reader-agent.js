"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ReaderAgent = exports.ReaderAgentError = void 0;
// The reader agent: a worker on the PC that holds one card reader. It polls `reader-<id>`, runs
// only card activities, holds no keys and no database. When a card is put into its reader it tells
// the downloads waiting for that card (search attributes PurseflowState + CardSerial), so a torn
// load is recovered on whichever of the customer's readers the card shows up.
const worker_1 = require("@temporalio/worker");
const card_slot_1 = require("../activities/card-slot");
const card_activities_1 = require("../activities/card-activities");
const download_contract_1 = require("../download/download-contract");
class ReaderAgentError extends Error {
    code;
    name = 'ReaderAgentError';
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}
exports.ReaderAgentError = ReaderAgentError;
class ReaderAgent {
    worker;
    slot;
    options;
    constructor(worker, slot, options) {
        this.worker = worker;
        this.slot = slot;
        this.options = options;
    }
    static async create(options) {
        if (!download_contract_1.READER_ID_PATTERN.test(options.readerId)) {
            throw new ReaderAgentError('reader_id_invalid', `Reader id ${JSON.stringify(options.readerId)} must be 1-64 letters, digits, '_', '.' or '-'.`);
        }
        const slot = new card_slot_1.CardSlot(options.readerId, options.reader);
        const worker = await worker_1.Worker.create({
            connection: options.connection,
            namespace: options.namespace ?? 'default',
            taskQueue: (0, download_contract_1.readerTaskQueue)(options.readerId),
            activities: (0, card_activities_1.createCardActivities)(slot),
            // One card, one conversation: APDUs of two loads must never interleave.
            maxConcurrentActivityTaskExecutions: 1,
            identity: options.identity ?? `reader-agent:${options.readerId}`,
        });
        const agent = new ReaderAgent(worker, slot, options);
        options.reader.on('card-inserted', agent.onCardInserted);
        return agent;
    }
    /** Serves tasks until shutdown() (or the worker fails); releases the reader afterwards. */
    async run() {
        try {
            if (this.slot.cardPresent)
                void this.tellWaitingDownloads();
            await this.worker.run();
        }
        finally {
            this.options.reader.off('card-inserted', this.onCardInserted);
            await this.slot.close();
        }
    }
    shutdown() {
        this.worker.shutdown();
    }
    onCardInserted = () => {
        void this.tellWaitingDownloads();
    };
    /** Signals every download that waits for the card now in the reader. */
    async tellWaitingDownloads() {
        const { client, onEvent } = this.options;
        if (!client)
            return;
        let csn;
        try {
            csn = await this.slot.exclusive(async () => (await this.slot.selectFresh()).info.csn);
        }
        catch (err) {
            onEvent?.({ kind: 'card_unreadable', message: err instanceof Error ? err.message : String(err) });
            return;
        }
        onEvent?.({ kind: 'card_seen', csn });
        const query = `PurseflowKind = 'download' AND PurseflowState IN ('awaiting_card', 'needs_operator') AND CardSerial = '${csn}' AND ExecutionStatus = 'Running'`;
        for await (const execution of client.workflow.list({ query })) {
            await client.workflow
                .getHandle(execution.workflowId)
                .signal(download_contract_1.cardPresentedSignal, { readerId: this.options.readerId })
                .then(() => onEvent?.({ kind: 'download_told', workflowId: execution.workflowId, csn }))
                .catch(() => undefined); // it finished in between: nothing to tell
        }
    }
}
exports.ReaderAgent = ReaderAgent;
