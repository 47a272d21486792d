// Issue 8, "Faults survived": the server worker is a real process (the built CLI, `purseflow
// worker`) and it dies by SIGKILL — no shutdown, no finishing of the task in hand, no closing of
// database sessions. A new worker process takes over the same task queue and the download still
// ends exactly once, with the customer's money exact. Real Temporal, real PostgreSQL, the simulated
// eCom Pocket holding the card. `npm test` builds dist/ before Jest runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createLedger, migrateLedger, type Ledger } from '../../ledger';
import { EcomPocket, PURSE, SimulatedCard, testKeyStore } from '../../card-driver';
import { createTestDatabase, type TestDatabase } from '../../test-support/postgres';
import { temporalAddress } from '../../test-support/temporal';
import { migrateRegistry, Registry } from '../registry';
import { DownloadClient, type DownloadTiming } from '../client';
import { customerBalance, customerWithCard, expectLedgerConsistent, phaseBecomes, uniqueId, type Harness } from './harness';

jest.setTimeout(240_000);

const REPO = resolve(__dirname, '../..');
const CLI = resolve(REPO, 'dist/cli/main.js');
// Long enough that no reminder or operator deadline fires while a worker is being replaced.
const TIMING: Partial<DownloadTiming> = { remindAfterMs: 60_000, operatorAfterMs: 120_000 };
// A worker bundles its workflows with webpack at start: seconds when idle, a minute on a loaded CI machine.
const WORKER_READY_MS = 90_000;

/** A `purseflow worker` process on this file's task queue and database. */
interface WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

let db: TestDatabase;
let ledger: Ledger;
let connection: Connection;
let taskQueue: string;
/**
 * The parts of a Harness these tests use; the server worker is a child process, not in this one.
 * The harness's helpers read only these parts, hence the `as Harness` where they are called.
 */
let h: Pick<Harness, 'db' | 'ledger' | 'registry' | 'keys' | 'downloads'>;
const workers: WorkerProcess[] = [];

/** Starts the built CLI's server worker and resolves once it says it is running. */
async function startWorkerProcess(): Promise<WorkerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, TEMPORAL_ADDRESS: temporalAddress(), PURSEFLOW_METRICS_PORT: '0' };
  // The test's cards are issued under the spec's test keys; the worker must derive the same ones.
  for (const name of ['PURSEFLOW_MASTER_KEYS_FILE', 'PURSEFLOW_MK_LOAD', 'PURSEFLOW_MK_PURCHASE', 'PURSEFLOW_MK_SAM', 'PURSEFLOW_MK_TRANSFER', 'PURSEFLOW_SDK_METRICS_ADDRESS', 'PURSEFLOW_MODE']) delete env[name];
  env.NODE_ENV = 'test';
  const child = spawn(process.execPath, [CLI, 'worker', '--task-queue', taskQueue], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const worker = { child, exited };
  workers.push(worker);
  let output = '';
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`the worker process did not start within ${WORKER_READY_MS} ms; its output:\n${output}`)), WORKER_READY_MS);
    const watch = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes(`server worker on task queue ${taskQueue}`)) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', watch);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`the worker process exited (code ${code}, signal ${signal}) before it ran; its output:\n${output}`));
    });
  });
  return worker;
}

/** SIGKILL: the process gets no chance to finish, flush or close anything. */
async function killHard(worker: WorkerProcess): Promise<void> {
  expect(worker.child.exitCode).toBeNull();
  worker.child.kill('SIGKILL');
  await worker.exited;
  expect(worker.child.signalCode).toBe('SIGKILL');
}

beforeAll(async () => {
  expect(existsSync(CLI)).toBe(true); // built by `npm test` (or `npm run build`) before Jest runs
  db = await createTestDatabase('wf_worker_kill');
  await migrateLedger(db.db);
  await migrateRegistry(db.db);
  ledger = createLedger(db.db);
  const registry = new Registry({ knex: db.db, ledger });
  await registry.ensurePlatformAccounts();
  connection = await Connection.connect({ address: temporalAddress() });
  taskQueue = uniqueId('wf-worker-kill');
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  h = { db, ledger, registry, keys: testKeyStore(), downloads: new DownloadClient(client, taskQueue) };
}, 60_000);

afterAll(async () => {
  for (const w of workers) {
    if (w.child.exitCode === null && w.child.signalCode === null) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
  }
  await ledger?.close();
  await connection?.close();
  await db?.drop();
});

async function offlineDownload(amount: string) {
  const { customerId, csn } = await customerWithCard(h as Harness, { cash: '200.00' });
  const pocket = new EcomPocket(SimulatedCard.issue(h.keys, csn));
  const requestId = uniqueId('kill');
  await h.downloads.start({ requestId, csn, purse: 'ecash', amount, mode: 'offline', timing: TIMING });
  return { customerId, csn, pocket, requestId };
}

/** Posted once: the outcome, the customer's account, the card's shadow and the ledger's invariants. */
async function expectPostedOnce(d: { customerId: string; csn: string; pocket: EcomPocket; requestId: string }, amountMinor: bigint): Promise<void> {
  expect(await h.downloads.result(d.requestId)).toMatchObject({ outcome: 'posted', atc: 1, proof: 'confirmation code from the pocket' });
  expect(await customerBalance(h as Harness, d.customerId, 'ecash')).toEqual({ posted: 200_00n - amountMinor, pending: 0n, available: 200_00n - amountMinor });
  expect((await h.registry.card(d.csn)).purses.ecash.loadedMinor).toBe(amountMinor);
  expect(d.pocket.balances().ecash).toBe(amountMinor);
  await expectLedgerConsistent(h as Harness);
}

test('a download reserved when its worker process is SIGKILLed posts exactly once on a new worker', async () => {
  const first = await startWorkerProcess();
  const d = await offlineDownload('25.00');
  const { authorizationCode, accepted } = await h.downloads.submitRequestCode(d.requestId, d.pocket.requestCode(PURSE.ecash, 2500n));
  expect(accepted).toBe(true);
  // The authorization code exists only after the reservation it unlocks.
  expect(await customerBalance(h as Harness, d.customerId, 'ecash')).toEqual({ posted: 200_00n, pending: 2500n, available: 175_00n });
  await killHard(first);
  const confirmation = d.pocket.enterAuthorizationCode(authorizationCode!);
  await startWorkerProcess();
  expect(await h.downloads.submitConfirmationCode(d.requestId, confirmation)).toMatchObject({ accepted: true, phase: 'posted' });
  await expectPostedOnce(d, 2500n);
});

test('a download whose worker process is SIGKILLed before anything is reserved reserves once and posts once on a new worker', async () => {
  const first = await startWorkerProcess();
  const d = await offlineDownload('40.00');
  // The card check is done and the download waits for the pocket's request code: nothing reserved yet.
  await phaseBecomes(h, d.requestId, 'awaiting_request_code');
  await killHard(first);
  expect(await customerBalance(h as Harness, d.customerId, 'ecash')).toEqual({ posted: 200_00n, pending: 0n, available: 200_00n });
  // The customer types the request code while no worker runs; the new worker takes it up.
  const answered = h.downloads.submitRequestCode(d.requestId, d.pocket.requestCode(PURSE.ecash, 4000n));
  await startWorkerProcess();
  const { authorizationCode, accepted } = await answered;
  expect(accepted).toBe(true);
  expect(await customerBalance(h as Harness, d.customerId, 'ecash')).toEqual({ posted: 200_00n, pending: 4000n, available: 160_00n });
  expect(await h.downloads.submitConfirmationCode(d.requestId, d.pocket.enterAuthorizationCode(authorizationCode!))).toMatchObject({ accepted: true, phase: 'posted' });
  await expectPostedOnce(d, 4000n);
});
