// npm run bench:production [-- --quick]
//
// Temporal's own server on PostgreSQL (the production profile, brought up when it is not running and
// left as it was found): the bare workflow rate, three empty activities per workflow, 50 workflows in
// flight, one worker in this process. Prints `bench <name> <value> <unit>` lines on stdout; progress on
// stderr. The download figures (production.downloads_per_s, download_p99_ms, ratio_vs_bare) need the
// download workflow and join here once it exists.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { productionDown, productionUp, readProductionConfig } from '../cli/services';
import { bareActivities } from './bare-activities';
import { bareWorkflow } from './bare-workflow';

const IN_FLIGHT = 50;

interface Run {
  readonly completed: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Keeps `inFlight` workflows running until `durationMs` has passed; only those that end inside the window count. */
async function keepInFlight(client: Client, taskQueue: string, idPrefix: string, inFlight: number, durationMs: number): Promise<Run> {
  const started = Date.now();
  const deadline = started + durationMs;
  const latenciesMs: number[] = [];
  let next = 0;
  const lane = async () => {
    while (Date.now() < deadline) {
      const t0 = Date.now();
      await client.workflow.execute(bareWorkflow, { taskQueue, workflowId: `${idPrefix}-${next++}` });
      if (Date.now() <= deadline) latenciesMs.push(Date.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { completed: latenciesMs.length, seconds: durationMs / 1000, latenciesMs: latenciesMs.sort((a, b) => a - b) };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const measureMs = quick ? 20_000 : 60_000;
  const warmUpMs = quick ? 5_000 : 10_000;
  Runtime.install({ logger: new DefaultLogger('WARN') });

  const config = readProductionConfig();
  process.stderr.write(`bench: production profile in ${config.dataDir} (${config.temporal.historyShards} history shards)\n`);
  const statuses = await productionUp(config, undefined, (line) => process.stderr.write(`${line}\n`));
  const startedHere = statuses.some((s) => s.state === 'started' && s.name !== 'temporal-namespace');

  const address = `127.0.0.1:${config.temporal.frontendPort}`;
  const taskQueue = `bench-bare-${Date.now()}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  try {
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: config.temporal.namespace,
      taskQueue,
      workflowsPath: require.resolve('./bare-workflow'),
      activities: bareActivities,
      maxConcurrentWorkflowTaskExecutions: 100,
      maxConcurrentActivityTaskExecutions: 200,
    });
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const run = await worker.runUntil(async () => {
      process.stderr.write(`bench: warming up for ${warmUpMs / 1000} s\n`);
      await keepInFlight(client, taskQueue, `${taskQueue}-warm`, IN_FLIGHT, warmUpMs);
      process.stderr.write(`bench: measuring for ${measureMs / 1000} s with ${IN_FLIGHT} workflows in flight\n`);
      return keepInFlight(client, taskQueue, taskQueue, IN_FLIGHT, measureMs);
    });
    process.stdout.write(`bench production.bare_wf_per_s ${(run.completed / run.seconds).toFixed(1)} wf/s\n`);
    process.stdout.write(`bench production.bare_wf_p99_ms ${percentile(run.latenciesMs, 99)} ms\n`);
    process.stdout.write(`bench production.bare_wf_p50_ms ${percentile(run.latenciesMs, 50)} ms\n`);
  } finally {
    await connection.close();
    await nativeConnection.close();
    if (startedHere) await productionDown(config);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench production failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
