"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SERVER_TASK_QUEUE = void 0;
exports.bundleWorkflows = bundleWorkflows;
exports.createServerWorker = createServerWorker;
// The server worker: every workflow, plus the activities that need the database and the keys.
// Reader activities never run here; they run in the reader agent on the PC that holds the reader.
const worker_1 = require("@temporalio/worker");
const registry_1 = require("../registry");
const server_activities_1 = require("../activities/server-activities");
const settlement_activities_1 = require("../settlement/settlement-activities");
const voucher_activities_1 = require("../vouchers/voucher-activities");
/** The task queue the workflows and the server activities run on. */
exports.SERVER_TASK_QUEUE = 'purseflow-server';
let bundle;
/**
 * The workflow code, bundled once per process (webpack takes seconds; every worker and every
 * replay in this process shares the result).
 */
function bundleWorkflows() {
    bundle ??= (0, worker_1.bundleWorkflowCode)({ workflowsPath: require.resolve('../temporal-workflows'), logger: quietBundlerLogger });
    return bundle;
}
const quietBundlerLogger = {
    log: () => undefined,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => console.warn(message),
    error: (message) => console.error(message),
};
async function createServerWorker(options) {
    const registry = new registry_1.Registry({ knex: options.knex, ledger: options.ledger });
    const activities = {
        ...(0, server_activities_1.createServerActivities)({ registry, ledger: options.ledger, keys: options.keys }),
        ...(0, settlement_activities_1.createSettlementActivities)({ db: options.knex, ledger: options.ledger, keys: options.keys }),
        ...(0, voucher_activities_1.createVoucherActivities)({ db: options.knex, ledger: options.ledger }),
        ...(options.extraActivities ?? {}),
    };
    return worker_1.Worker.create({
        connection: options.connection,
        namespace: options.namespace ?? 'default',
        taskQueue: options.taskQueue ?? exports.SERVER_TASK_QUEUE,
        workflowBundle: options.workflowBundle ?? (await bundleWorkflows()),
        activities,
        // The bridge refuses an explicit undefined identity; leave the SDK's default then.
        ...(options.identity ? { identity: options.identity } : {}),
    });
}
