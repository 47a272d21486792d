"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ensureNamespace = ensureNamespace;
const client_1 = require("@temporalio/client");
// The SDK's own converter to a protobuf Duration (seconds are a Long there); marked deprecated for workflow code only.
const common_1 = require("@temporalio/common");
const config_1 = require("../config");
const process_control_1 = require("../process-control");
const service_error_1 = require("../service-error");
const production_config_1 = require("./production-config");
const NAME = 'temporal-namespace';
/**
 * Temporal keeps closed workflows' histories this long. The ledger's journal is the record of money;
 * a week covers an operator investigating a transfer that got stuck before a weekend.
 */
const RETENTION = '7 days';
/** temporal.api.enums.v1.IndexedValueType, by value: @temporalio/proto is not one of our direct dependencies. */
const INDEXED_VALUE_TYPE = { Keyword: 2, Int: 3 };
const GRPC_ALREADY_EXISTS = 6;
function grpcCode(err) {
    return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number' ? err.code : undefined;
}
/** Retries `attempt` until it succeeds or the deadline passes; the cluster answers late while membership settles. */
async function untilDeadline(deadline, what, logHint, attempt) {
    let last;
    while (Date.now() < deadline) {
        try {
            return await attempt();
        }
        catch (err) {
            last = err;
            await (0, process_control_1.sleep)(500);
        }
    }
    throw new service_error_1.ServiceError('not_ready', NAME, `${what} did not succeed within the start-up time (PURSEFLOW_READY_TIMEOUT_S): ${last?.message ?? 'no answer'}. See ${logHint}.`);
}
/**
 * Registers the namespace and our search attributes on the cluster's frontend when missing, then waits
 * until the frontend serves the namespace (its cache refreshes every 2 s), so a worker can start at once.
 */
async function ensureNamespace(config, logHint) {
    const deadline = Date.now() + config.readyTimeoutMs;
    const namespace = config.temporal.namespace;
    const connection = await untilDeadline(deadline, `connecting to the frontend ${(0, production_config_1.frontendAddress)(config)}`, logHint, () => client_1.Connection.connect({ address: (0, production_config_1.frontendAddress)(config), connectTimeout: 2000 }));
    try {
        const service = connection.workflowService;
        const created = await untilDeadline(deadline, `registering namespace ${namespace}`, logHint, async () => {
            try {
                await service.registerNamespace({ namespace, workflowExecutionRetentionPeriod: (0, common_1.msToTs)(RETENTION) });
                return true;
            }
            catch (err) {
                if (grpcCode(err) === GRPC_ALREADY_EXISTS)
                    return false;
                throw err;
            }
        });
        const added = await untilDeadline(deadline, `adding search attributes to ${namespace}`, logHint, async () => {
            const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
            const missing = config_1.SEARCH_ATTRIBUTES.filter(([name]) => !(customAttributes && name in customAttributes));
            if (missing.length === 0)
                return 0;
            const searchAttributes = Object.fromEntries(missing.map(([name, type]) => [name, INDEXED_VALUE_TYPE[type]]));
            await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
            return missing.length;
        });
        // A query that resolves the namespace through the frontend's cache: it fails until the cache has it.
        await untilDeadline(deadline, `serving namespace ${namespace}`, logHint, () => service.countWorkflowExecutions({ namespace }));
        const detail = `${namespace}${created ? ' (registered)' : ''}, ${config_1.SEARCH_ATTRIBUTES.length} search attributes${added > 0 ? ` (${added} added)` : ''}`;
        return { name: NAME, state: created || added > 0 ? 'started' : 'running', detail };
    }
    finally {
        await connection.close();
    }
}
