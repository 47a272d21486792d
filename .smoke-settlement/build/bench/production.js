"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
// npm run bench:production [-- --quick]
//
// Temporal's own server on PostgreSQL (the production profile, brought up when it is not running and
// left as it was found): the bare workflow rate, three empty activities per workflow, 50 workflows in
// flight, one worker in this process. Prints `bench <name> <value> <unit>` lines on stdout; progress on
// stderr. The download figures (production.downloads_per_s, download_p99_ms, ratio_vs_bare) need the
// download workflow and join here once it exists.
const client_1 = require("@temporalio/client");
const worker_1 = require("@temporalio/worker");
const services_1 = require("../cli/services");
const bare_activities_1 = require("./bare-activities");
const bare_workflow_1 = require("./bare-workflow");
const IN_FLIGHT = 50;
function percentile(sorted, p) {
    if (sorted.length === 0)
        return Number.NaN;
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
/** Keeps `inFlight` workflows running until `durationMs` has passed; only those that end inside the window count. */
async function keepInFlight(client, taskQueue, idPrefix, inFlight, durationMs) {
    const started = Date.now();
    const deadline = started + durationMs;
    const latenciesMs = [];
    let next = 0;
    const lane = async () => {
        while (Date.now() < deadline) {
            const t0 = Date.now();
            await client.workflow.execute(bare_workflow_1.bareWorkflow, { taskQueue, workflowId: `${idPrefix}-${next++}` });
            if (Date.now() <= deadline)
                latenciesMs.push(Date.now() - t0);
        }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    return { completed: latenciesMs.length, seconds: durationMs / 1000, latenciesMs: latenciesMs.sort((a, b) => a - b) };
}
async function main() {
    const quick = process.argv.includes('--quick');
    const measureMs = quick ? 20_000 : 60_000;
    const warmUpMs = quick ? 5_000 : 10_000;
    worker_1.Runtime.install({ logger: new worker_1.DefaultLogger('WARN') });
    const config = (0, services_1.readProductionConfig)();
    process.stderr.write(`bench: production profile in ${config.dataDir} (${config.temporal.historyShards} history shards)\n`);
    const statuses = await (0, services_1.productionUp)(config, undefined, (line) => process.stderr.write(`${line}\n`));
    const startedHere = statuses.some((s) => s.state === 'started' && s.name !== 'temporal-namespace');
    const address = `127.0.0.1:${config.temporal.frontendPort}`;
    const taskQueue = `bench-bare-${Date.now()}`;
    const nativeConnection = await worker_1.NativeConnection.connect({ address });
    const connection = await client_1.Connection.connect({ address });
    try {
        const worker = await worker_1.Worker.create({
            connection: nativeConnection,
            namespace: config.temporal.namespace,
            taskQueue,
            workflowsPath: require.resolve('./bare-workflow'),
            activities: bare_activities_1.bareActivities,
            maxConcurrentWorkflowTaskExecutions: 100,
            maxConcurrentActivityTaskExecutions: 200,
        });
        const client = new client_1.Client({ connection, namespace: config.temporal.namespace });
        const run = await worker.runUntil(async () => {
            process.stderr.write(`bench: warming up for ${warmUpMs / 1000} s\n`);
            await keepInFlight(client, taskQueue, `${taskQueue}-warm`, IN_FLIGHT, warmUpMs);
            process.stderr.write(`bench: measuring for ${measureMs / 1000} s with ${IN_FLIGHT} workflows in flight\n`);
            return keepInFlight(client, taskQueue, taskQueue, IN_FLIGHT, measureMs);
        });
        process.stdout.write(`bench production.bare_wf_per_s ${(run.completed / run.seconds).toFixed(1)} wf/s\n`);
        process.stdout.write(`bench production.bare_wf_p99_ms ${percentile(run.latenciesMs, 99)} ms\n`);
        process.stdout.write(`bench production.bare_wf_p50_ms ${percentile(run.latenciesMs, 50)} ms\n`);
    }
    finally {
        await connection.close();
        await nativeConnection.close();
        if (startedHere)
            await (0, services_1.productionDown)(config);
    }
}
main().catch((err) => {
    process.stderr.write(`bench production failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
});
