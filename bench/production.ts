// npm run bench:production [-- --quick] [-- --readers N] [-- --workers N] [-- --shards N] [-- --pg-setting name=value …]
//
// The production profile (Temporal 1.29.1 on PostgreSQL, four server processes) brought up for this run
// alone: a fresh data folder under the system's temp folder and a run of free ports below 32768 (Temporal
// keeps membership ports in a smallint), taken down and deleted at the end. Nothing of the shared
// services is touched. On that cluster, in one run:
//
//   1. connected downloads (DownloadWorkflow) through N in-memory simulated readers, as bench/flows.ts,
//      served by the server worker as child processes (`node … dist/cli/main.js worker`), the ledger on
//      the profile's own PostgreSQL;
//   2. the bare three-activity workflow (bench/bare-workflow.ts) at the same concurrency, its worker in
//      this process;
//   3. a server worker killed with SIGKILL while downloads run, a replacement started at once: the
//      longest stretch without a completed download from the kill on;
//   4. the history service killed with SIGKILL, restarted by the profile's own process control
//      (productionUp, as `purseflow services up --profile production` does): the same stall figure.
//
// --workers N runs N server worker processes (default 1); --shards N creates the cluster with N history
// shards (default 4; fixed once Temporal's database exists, hence the fresh data folder). Prints
// `bench <name> <value> <unit>` lines on stdout; progress on stderr.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import knex from 'knex';
import { csnWithCheckDigit, SimulatedCard, testKeyStore, type Csn } from '../card-driver';
import { freePortRun, productionDown, productionEnvironment, productionStatus, productionUp, readProductionConfig, PORT_BLOCK_SIZE, type ProductionConfig } from '../cli/services';
import { createLedger, migrateLedger } from '../ledger';
import { migrateRegistry, ReaderAgent, Registry, SERVER_WORKER_NODE_FLAGS } from '../workflows';
import { DownloadClient } from '../workflows/client';
import { bareActivities } from './bare-activities';
import { bareWorkflow } from './bare-workflow';
import { MemoryReader } from './memory-reader';

function flag(name: string, fallback: number, max: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name} takes a whole number 1..${max}`);
  return value;
}

const quick = process.argv.includes('--quick');
// 16 in flight: where the cluster's throughput levels off on this machine (docs/scaling.md); more only queue.
const READERS = flag('--readers', 16, 256);
const WORKERS = flag('--workers', 1, 8);
const SHARDS = flag('--shards', 4, 1024);
/**
 * `--pg-setting name=value` (repeatable): a reloadable PostgreSQL setting applied with ALTER SYSTEM
 * once the cluster is up, to measure its effect (docs/scaling.md). Settings that would make a commit
 * less than durable are refused: the figures are for a cluster that keeps every commit.
 */
const PG_SETTINGS = process.argv.flatMap((arg, i) => (process.argv[i - 1] === '--pg-setting' ? [pgSetting(arg)] : []));
function pgSetting(text: string): { name: string; value: string } {
  const match = /^([a-z_]+)=([A-Za-z0-9._-]+)$/.exec(text);
  if (!match) throw new Error(`--pg-setting takes name=value (a PostgreSQL setting), got ${JSON.stringify(text)}`);
  if (['fsync', 'synchronous_commit', 'full_page_writes', 'wal_level'].includes(match[1])) {
    throw new Error(`--pg-setting ${match[1]}: refused, the benchmark measures a cluster whose every commit is durable`);
  }
  return { name: match[1], value: match[2] };
}
const MEASURE_MS = quick ? 10_000 : 60_000;
const WARM_UP_MS = quick ? 3_000 : 10_000;
/**
 * A kill phase ends once every reader has completed a download again after the kill (READERS completions
 * after it), or this long after the kill: a stall that long shows as the whole window.
 */
const RECOVERY_WINDOW_MS = 60_000;
/** How long downloads run undisturbed before the kill, so the kill lands on work in flight. */
const BEFORE_KILL_MS = 3_000;
const AMOUNT = '1.00';
const REPOSITORY = path.resolve(__dirname, '..', '..');

const progress = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};


function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
}



function isolatedConfig(dataDir: string, base: number): ProductionConfig {
  return readProductionConfig({
    ...process.env,
    DATABASE_URL: '',
    PURSEFLOW_DATA_DIR: dataDir,
    PURSEFLOW_PROD_PG_PORT: String(base),
    PURSEFLOW_PROD_TEMPORAL_PORT: String(base + 1),
    PURSEFLOW_PROD_TEMPORAL_UI_PORT: String(base + 1 + PORT_BLOCK_SIZE),
    PURSEFLOW_PROD_HISTORY_SHARDS: String(SHARDS),
    PURSEFLOW_READY_TIMEOUT_S: process.env.PURSEFLOW_READY_TIMEOUT_S || '120',
  });
}

/** One server worker process, as deployments run it (SERVER_WORKER_NODE_FLAGS), pointed at the cluster. */
function startServerWorker(env: Record<string, string>, taskQueue: string, index: number, logDir: string): ChildProcess {
  const log = fs.openSync(path.join(logDir, `worker-${index}-${Date.now()}.log`), 'a');
  const child = spawn(process.execPath, [...SERVER_WORKER_NODE_FLAGS, path.join(REPOSITORY, 'dist', 'cli', 'main.js'), 'worker', '--task-queue', taskQueue], {
    cwd: REPOSITORY,
    // The master keys are left unset: the worker runs on the test keys, the ones the simulated cards carry.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PURSEFLOW_METRICS_PORT: '0', PURSEFLOW_LOG_LEVEL: 'warn' },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

interface Window {
  /** Completion times (ms since the epoch) and latencies of the runs that ended inside the window. */
  readonly completedAt: number[];
  readonly latenciesMs: number[];
  readonly seconds: number;
  readonly endedAt: number;
}

/**
 * `lanes` lanes, each running `one` back to back until `durationMs` has passed or `done` says so
 * (asked after each completion); `during` runs meanwhile. Only runs that end inside the window count.
 */
async function keepInFlight(
  lanes: number,
  durationMs: number,
  one: (lane: number) => Promise<void>,
  options: { during?: () => Promise<void>; done?: (completedAt: readonly number[]) => boolean } = {},
): Promise<Window> {
  const started = Date.now();
  let deadline = started + durationMs;
  const completedAt: number[] = [];
  const latenciesMs: number[] = [];
  const lane = async (l: number): Promise<void> => {
    while (Date.now() < deadline) {
      const t0 = Date.now();
      await one(l);
      const t1 = Date.now();
      if (t1 > deadline) break;
      completedAt.push(t1);
      latenciesMs.push(t1 - t0);
      if (options.done?.(completedAt)) deadline = t1;
    }
  };
  await Promise.all([...Array.from({ length: lanes }, (_, l) => lane(l)), options.during?.()]);
  return { completedAt: completedAt.sort((a, b) => a - b), latenciesMs, seconds: (Math.min(deadline, Date.now()) - started) / 1000, endedAt: deadline };
}

/** The longest stretch from `from` on without a completed run: the stalled progress a failure costs. */
function longestStallSeconds(completedAt: readonly number[], from: number, until: number): number {
  let previous = from;
  let longest = 0;
  for (const t of completedAt.filter((c) => c > from)) {
    longest = Math.max(longest, t - previous);
    previous = t;
  }
  return Math.max(longest, until - previous) / 1000;
}

/** An error and its causes on one line: a failed workflow's message alone says only that it failed. */
function causeChain(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined && parts.length < 5; e = e instanceof Error ? e.cause : undefined) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }
  return parts.join(' <- ');
}

function historyPid(config: ProductionConfig): number {
  const history = productionStatus(config, ['temporal']).find((s) => s.name === 'temporal-history');
  const pid = Number(/pid (\d+)/.exec(history?.detail ?? '')?.[1]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`the history service is not running (${history?.state ?? 'unknown'}); see its log in the data folder`);
  return pid;
}

function line(name: string, value: string, unit: string): void {
  process.stdout.write(`bench production.${name} ${value} ${unit}\n`);
}

async function main(): Promise<void> {
  // Each reader agent serves activities only and says so once at WARN; everything else at WARN stays.
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      if (!entry.message.startsWith('No workflows registered')) process.stderr.write(`${entry.level} ${entry.message}\n`);
    }),
  });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-bench-production-'));
  // The private cluster runs as the `postgres` user when we are root: it must reach its folder.
  fs.chmodSync(dataDir, 0o755);
  const config = isolatedConfig(dataDir, await freePortRun(PORT_BLOCK_SIZE + 2));
  const env = productionEnvironment(config);
  const logDir = path.join(dataDir, 'logs');
  progress(`production profile in ${dataDir} (${SHARDS} history shards, frontend ${env.TEMPORAL_ADDRESS}); ${READERS} readers, ${WORKERS} server worker process(es)`);
  const children: ChildProcess[] = [];
  const running: Promise<void>[] = [];
  const agents: ReaderAgent[] = [];
  let db: ReturnType<typeof knex> | undefined;
  let native: NativeConnection | undefined;
  let connection: Connection | undefined;
  try {
    await productionUp(config, ['postgresql', 'temporal'], (l) => progress(l));
    fs.mkdirSync(logDir, { recursive: true });
    db = knex({ client: 'pg', connection: env.DATABASE_URL, pool: { min: 0, max: 8 } });
    for (const { name, value } of PG_SETTINGS) {
      // Names and values passed the pattern above; ALTER SYSTEM takes no bind parameters.
      await db.raw(`ALTER SYSTEM SET ${name} = '${value}'`);
      progress(`postgresql: ${name} = ${value}`);
    }
    if (PG_SETTINGS.length > 0) await db.raw('SELECT pg_reload_conf()');
    const ledger = createLedger(db);
    await migrateLedger(db);
    await migrateRegistry(db);
    const registry = new Registry({ knex: db, ledger });
    await registry.ensurePlatformAccounts();

    native = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
    connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
    const keys = testKeyStore();
    const suffix = Date.now().toString(36);
    const taskQueue = `bench-production-${suffix}`;
    const cards: Csn[] = [];
    for (let r = 0; r < READERS; r++) {
      const customerId = `bench-${suffix}-${r}`;
      await registry.enrolCustomer({ id: customerId, name: `Bench ${r}` });
      await registry.deposit({ depositId: `bench-${suffix}-${r}`, customerId, amount: '100000.00' });
      const csn = csnWithCheckDigit(`607188${String(r).padStart(9, '0')}`);
      await registry.issueCard({ csn, customerId });
      cards.push(csn);
      const agent = await ReaderAgent.create({ connection: native, namespace: env.TEMPORAL_NAMESPACE, readerId: `bench-${suffix}-${r}`, reader: new MemoryReader(`memory ${r}`, SimulatedCard.issue(keys, csn, { maxBalance: 0xffffffffn })) });
      agents.push(agent);
      running.push(agent.run());
    }
    for (let w = 0; w < WORKERS; w++) children.push(startServerWorker(env, taskQueue, w, logDir));
    const downloads = new DownloadClient(client, taskQueue);
    let attempt = 0;
    const download = async (lane: number): Promise<void> => {
      const requestId = `bench-${suffix}-${lane}-${attempt++}`;
      await downloads.start({ requestId, csn: cards[lane], purse: 'ecash', amount: AMOUNT, mode: 'connected', readerId: `bench-${suffix}-${lane}` });
      const result = await downloads.result(requestId);
      if (result.outcome !== 'posted') throw new Error(`download ${requestId} ended ${result.outcome}`);
    };

    let failures = 0;
    /** During a failure a start or a result call can fail outright; the lane notes it and goes on. */
    const downloadThroughFailure = async (lane: number): Promise<void> => {
      try {
        await download(lane);
      } catch (err) {
        if (failures++ < 5) progress(`a download failed during the failure: ${causeChain(err)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };

    progress(`warming up connected downloads for ${WARM_UP_MS / 1000} s (the server worker starts meanwhile)`);
    await keepInFlight(READERS, WARM_UP_MS, download);
    progress(`measuring connected downloads for ${MEASURE_MS / 1000} s`);
    const flows = await keepInFlight(READERS, MEASURE_MS, download);

    const bareQueue = `bench-bare-${suffix}`;
    const bare = await Worker.create({
      connection: native,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: bareQueue,
      workflowsPath: require.resolve('./bare-workflow'),
      activities: bareActivities,
      maxConcurrentWorkflowTaskExecutions: 100,
      maxConcurrentActivityTaskExecutions: 200,
    });
    const bareRun = bare.run();
    let bareNext = 0;
    const runBare = async (): Promise<void> => {
      await client.workflow.execute(bareWorkflow, { taskQueue: bareQueue, workflowId: `${bareQueue}-${bareNext++}` });
    };
    progress(`the bare three-activity workflow, ${READERS} in flight: warm-up ${WARM_UP_MS / 1000} s, measure ${MEASURE_MS / 1000} s`);
    await keepInFlight(READERS, WARM_UP_MS, runBare);
    const floor = await keepInFlight(READERS, MEASURE_MS, runBare);
    bare.shutdown();
    await bareRun;

    const perSecond = flows.completedAt.length / flows.seconds;
    const barePerSecond = floor.completedAt.length / floor.seconds;
    line('readers', String(READERS), 'readers');
    line('server_workers', String(WORKERS), 'processes');
    line('history_shards', String(SHARDS), 'shards');
    line('downloads_per_s', perSecond.toFixed(1), 'downloads/s');
    line('download_p50_ms', String(percentile(flows.latenciesMs, 50)), 'ms');
    line('download_p99_ms', String(percentile(flows.latenciesMs, 99)), 'ms');
    line('bare_wf_per_s', barePerSecond.toFixed(1), 'wf/s');
    line('bare_wf_p99_ms', String(percentile(floor.latenciesMs, 99)), 'ms');
    line('ratio_vs_bare', (perSecond / barePerSecond).toFixed(2), 'ratio');

    // 3. A server worker dies without a word; its supervisor starts a new one at once.
    let killedAt = 0;
    const killWorker = async (): Promise<void> => {
      await new Promise((r) => setTimeout(r, BEFORE_KILL_MS));
      const victim = children.shift() as ChildProcess;
      killedAt = Date.now();
      victim.kill('SIGKILL');
      progress(`killed server worker pid ${victim.pid} with SIGKILL; a replacement starts`);
      children.push(startServerWorker(env, taskQueue, WORKERS, logDir));
    };
    const recovered = (completedAt: readonly number[]): boolean => killedAt > 0 && completedAt.filter((t) => t > killedAt).length >= READERS;
    const afterWorkerKill = await keepInFlight(READERS, BEFORE_KILL_MS + RECOVERY_WINDOW_MS, downloadThroughFailure, { during: killWorker, done: recovered });
    line('recovery_s_worker_kill', longestStallSeconds(afterWorkerKill.completedAt, killedAt, afterWorkerKill.endedAt).toFixed(1), 's');
    killedAt = 0;

    // 4. The history service dies; the profile's process control brings it back.
    const killHistory = async (): Promise<void> => {
      await new Promise((r) => setTimeout(r, BEFORE_KILL_MS));
      const pid = historyPid(config);
      killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      progress(`killed the history service pid ${pid} with SIGKILL; productionUp restarts it`);
      // Wait until the pid is gone, so that productionUp sees a stopped service.
      while (productionStatus(config, ['temporal']).find((s) => s.name === 'temporal-history')?.state === 'running') await new Promise((r) => setTimeout(r, 100));
      await productionUp(config, ['temporal']);
      progress(`history service back after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
    };
    const afterHistoryKill = await keepInFlight(READERS, BEFORE_KILL_MS + RECOVERY_WINDOW_MS, downloadThroughFailure, { during: killHistory, done: recovered });
    line('recovery_s_history_kill', longestStallSeconds(afterHistoryKill.completedAt, killedAt, afterHistoryKill.endedAt).toFixed(1), 's');
    line('failed_downloads_during_kills', String(failures), 'downloads');
    await ledger.close();
  } finally {
    for (const agent of agents) agent.shutdown();
    await Promise.allSettled(running);
    await Promise.allSettled(children.map(stopChild));
    await db?.destroy();
    await connection?.close();
    await native?.close();
    await productionDown(config, ['temporal', 'postgresql']);
    if (process.env.PURSEFLOW_BENCH_KEEP !== '1') fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench production failed: ${err instanceof Error ? err.message : String(err)}${err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : ''}\n`);
  process.exitCode = 1;
});
