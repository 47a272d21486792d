// Benchmark: connected downloads end to end (issue 5) — DownloadWorkflow through the real Temporal
// dev server and PostgreSQL, the server worker and N reader agents in this process, each agent
// holding a simulated e-Smart card in an in-memory reader (no PC/SC in the way, so the figure is
// the cost of the workflow, the ledger and the key store). In the same run, on the same server, the
// bare three-activity workflow (bench/bare-workflow.ts) with the same concurrency: the ratio says
// what our real work costs on top of Temporal's own round trips.
//
//   node dist/bench/flows.js                  32 readers × 20 downloads
//   node dist/bench/flows.js --quick          32 readers × 5 downloads
//   node dist/bench/flows.js --readers 8      fewer readers (each holds one card: one download at a time)
//
// A download's latency is Temporal's round trips (about half a second on the dev server), so the
// rate is readers ÷ latency until the server saturates: the readers are what a deployment adds.
//
// Prints `bench <name> <value> <unit>` lines on stdout; progress on stderr. The settlement figure
// (flows.settle.records_per_s) is printed by bench/settlement.ts.
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { csnWithCheckDigit, SimulatedCard, testKeyStore, type Csn } from '../card-driver';
import { createLedger, migrateLedger } from '../ledger';
import { bundleWorkflows, createServerWorker, migrateRegistry, ReaderAgent, Registry } from '../workflows';
import { DownloadClient } from '../workflows/client';
import { createTestDatabase } from '../test-support/postgres';
import { quietTemporalRuntime, temporalAddress } from '../test-support/temporal';
import { bareActivities } from './bare-activities';
import { loadServicesEnv } from './services-env';
import { MemoryReader } from './memory-reader';

const quick = process.argv.includes('--quick');
const readersFlag = process.argv.indexOf('--readers');
const READERS = readersFlag > 0 ? Number(process.argv[readersFlag + 1]) : 32;
const DOWNLOADS_PER_READER = quick ? 5 : 20;
if (!Number.isInteger(READERS) || READERS < 1 || READERS > 256) throw new Error('--readers takes a whole number 1..256');
const AMOUNT = '1.00';


function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
}

/**
 * Runs `perLane` calls in each of `lanes` lanes at once. Besides wall time and latencies it gives the
 * CPU this process spent (worker, reader agents, client): a steadier figure than the rate on a
 * machine whose speed drifts, for comparing code, not machines.
 */
async function timed(lanes: number, perLane: number, one: (lane: number, i: number) => Promise<void>): Promise<{ seconds: number; latenciesMs: number[]; cpuMs: number }> {
  const latenciesMs: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = 0; i < perLane; i++) {
        const t0 = process.hrtime.bigint();
        await one(lane, i);
        latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, latenciesMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function main(): Promise<void> {
  loadServicesEnv();
  quietTemporalRuntime();
  const database = await createTestDatabase('bench_flows', { min: 0, max: 24 });
  const native = await NativeConnection.connect({ address: temporalAddress() });
  const connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  const keys = testKeyStore();
  const ledger = createLedger(database.db);
  const suffix = Date.now().toString(36);
  const taskQueue = `bench-flows-${suffix}`;
  const workers: Worker[] = [];
  const running: Promise<void>[] = [];
  try {
    await migrateLedger(database.db);
    await migrateRegistry(database.db);
    const registry = new Registry({ knex: database.db, ledger });
    await registry.ensurePlatformAccounts();

    const cards: Csn[] = [];
    const agents: ReaderAgent[] = [];
    for (let r = 0; r < READERS; r++) {
      const customerId = `bench-${suffix}-${r}`;
      await registry.enrolCustomer({ id: customerId, name: `Bench ${r}` });
      await registry.deposit({ depositId: `bench-${suffix}-${r}`, customerId, amount: '100000.00' });
      const csn = csnWithCheckDigit(`607188${String(r).padStart(9, '0')}`);
      await registry.issueCard({ csn, customerId });
      cards.push(csn);
      const agent = await ReaderAgent.create({ connection: native, readerId: `bench-${suffix}-${r}`, reader: new MemoryReader(`memory ${r}`, SimulatedCard.issue(keys, csn, { maxBalance: 0xffffffffn })) });
      agents.push(agent);
      running.push(agent.run());
    }
    const server = await createServerWorker({ connection: native, taskQueue, knex: database.db, ledger, keys, workflowBundle: await bundleWorkflows() });
    workers.push(server);
    running.push(server.run());
    const downloads = new DownloadClient(client, taskQueue);

    const download = async (lane: number, i: number): Promise<void> => {
      const requestId = `bench-${suffix}-${lane}-${i}`;
      await downloads.start({ requestId, csn: cards[lane], purse: 'ecash', amount: AMOUNT, mode: 'connected', readerId: `bench-${suffix}-${lane}` });
      const result = await downloads.result(requestId);
      if (result.outcome !== 'posted') throw new Error(`download ${requestId} ended ${result.outcome}`);
    };
    process.stderr.write(`flows: warming up ${READERS} readers\n`);
    await timed(READERS, 1, (lane) => download(lane, 10_000));
    process.stderr.write(`flows: ${READERS} readers × ${DOWNLOADS_PER_READER} connected downloads\n`);
    const flows = await timed(READERS, DOWNLOADS_PER_READER, download);

    const bareQueue = `bench-bare-${suffix}`;
    const bare = await Worker.create({
      connection: native,
      taskQueue: bareQueue,
      workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('./bare-workflow'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } }),
      activities: bareActivities,
    });
    workers.push(bare);
    running.push(bare.run());
    const runBare = async (lane: number, i: number): Promise<void> => {
      await client.workflow.execute('bareWorkflow', { taskQueue: bareQueue, workflowId: `bench-bare-${suffix}-${lane}-${i}` });
    };
    await timed(READERS, 1, (lane) => runBare(lane, 10_000));
    process.stderr.write(`flows: the bare three-activity workflow, same concurrency\n`);
    const floor = await timed(READERS, DOWNLOADS_PER_READER, runBare);

    const perSecond = flows.latenciesMs.length / flows.seconds;
    const barePerSecond = floor.latenciesMs.length / floor.seconds;
    process.stdout.write(`bench flows.readers ${READERS} readers\n`);
    process.stdout.write(`bench flows.downloads_per_s ${perSecond.toFixed(1)} downloads/s\n`);
    process.stdout.write(`bench flows.download_p50_ms ${percentile(flows.latenciesMs, 50)} ms\n`);
    process.stdout.write(`bench flows.download_p99_ms ${percentile(flows.latenciesMs, 99)} ms\n`);
    process.stdout.write(`bench flows.bare_wf_per_s ${barePerSecond.toFixed(1)} wf/s\n`);
    process.stdout.write(`bench flows.ratio_vs_bare ${(perSecond / barePerSecond).toFixed(2)} ratio\n`);
    process.stdout.write(`bench flows.process_cpu_ms_per_download ${(flows.cpuMs / flows.latenciesMs.length).toFixed(1)} ms\n`);
    process.stdout.write(`bench flows.process_cpu_ms_per_bare_wf ${(floor.cpuMs / floor.latenciesMs.length).toFixed(1)} ms\n`);
    for (const agent of agents) agent.shutdown();
  } finally {
    for (const w of workers) w.shutdown();
    await Promise.allSettled(running);
    await ledger.close();
    await connection.close();
    await native.close();
    await database.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench flows failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
