// The server worker (`purseflow worker`, the built CLI, a real process) dies by SIGKILL in the
// middle of a CONNECTED download — as the card runs INITIALIZE LOAD, as it runs CREDIT LOAD, while
// the download waits for a torn card — and a new worker process takes the task queue over. The
// download ends exactly once: reserved once, posted once (or voided on proof), nothing left
// pending, the card holding what the ledger moved. Real Temporal, real PostgreSQL; the reader agent
// runs in this process on an ACR30S simulator over socat (worker-kill.test.ts does the offline case).
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createLedger, migrateLedger, type Ledger } from '../../ledger';
import { PURSE, SimulatedCard, testKeyStore, type Csn } from '../../card-driver';
import { createTestDatabase, type TestDatabase } from '../../test-support/postgres';
import { quietTemporalRuntime, temporalAddress } from '../../test-support/temporal';
import { migrateRegistry, Registry } from '../registry';
import { DownloadClient, type DownloadTiming } from '../client';
import { customerBalance, customerWithCard, eventually, expectLedgerConsistent, phaseBecomes, uniqueId, type Harness } from './harness';
import { FaultyCard } from './faulty-card';
import { startAcr30Rig, type Acr30Rig } from './acr30-rig';
import { cliEnvironment, startCliProcess, stopAllCliProcesses, type CliProcess } from './cli-process';

jest.setTimeout(90_000);

const TIMING: Partial<DownloadTiming> = { readerPickupMs: 30_000, cardStepMs: 5000, recoveryRetryMs: 1000, operatorAfterMs: 120_000 };
const FUNDED = 100_00n;

let db: TestDatabase;
let ledger: Ledger;
let connection: Connection;
let nativeConnection: NativeConnection;
let taskQueue: string;
let rig: Acr30Rig;
/** The parts of a Harness the shared helpers read; the server worker is a child process here. */
let h: Pick<Harness, 'db' | 'ledger' | 'registry' | 'keys' | 'downloads'>;
let worker: CliProcess | undefined;

async function startWorker(): Promise<CliProcess> {
  const env = cliEnvironment({ DATABASE_URL: db.url, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  const started = await startCliProcess(['worker', '--task-queue', taskQueue], env, `server worker on task queue ${taskQueue}`);
  worker = started;
  return started;
}

/** SIGKILL from inside the card's command: the worker dies while the reader is busy with the card. */
function killWorker(): void {
  worker!.child.kill('SIGKILL');
}

beforeAll(async () => {
  quietTemporalRuntime();
  db = await createTestDatabase('wf_worker_kill_connected');
  await migrateLedger(db.db);
  await migrateRegistry(db.db);
  ledger = createLedger(db.db);
  const registry = new Registry({ knex: db.db, ledger });
  await registry.ensurePlatformAccounts();
  connection = await Connection.connect({ address: temporalAddress() });
  nativeConnection = await NativeConnection.connect({ address: temporalAddress() });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  taskQueue = uniqueId('wf-worker-kill-connected');
  h = { db, ledger, registry, keys: testKeyStore(), downloads: new DownloadClient(client, taskQueue) };
  rig = await startAcr30Rig({ nativeConnection, client }, uniqueId('wk'));
  // Each test kills the worker that runs and leaves its replacement running for the next one.
  await startWorker();
}, 120_000);

afterAll(async () => {
  await stopAllCliProcesses();
  await rig?.close();
  await ledger?.close();
  await nativeConnection?.close();
  await connection?.close();
  await db?.drop();
});

afterEach(() => {
  rig?.sim.remove();
});

interface Customer {
  customerId: string;
  csn: Csn;
  card: FaultyCard;
}

async function customer(): Promise<Customer> {
  const { customerId, csn } = await customerWithCard(h as Harness, { cash: '100.00' });
  return { customerId, csn, card: new FaultyCard(SimulatedCard.issue(h.keys, csn)) };
}

async function download(c: Customer, amount: string): Promise<string> {
  const requestId = uniqueId('wk');
  await h.downloads.start({ requestId, csn: c.csn, purse: 'ecash', amount, mode: 'connected', readerId: rig.readerId, timing: TIMING });
  return requestId;
}

/** Posted once: one load on the card, one posted transfer's worth in the ledger and the card's shadow. */
async function expectPostedOnce(c: Customer, amountMinor: bigint): Promise<void> {
  expect(c.card.creditLoadsSeen).toBe(1);
  expect(c.card.card.log.filter((r) => r.type === 'load')).toHaveLength(1);
  expect((await h.registry.card(c.csn)).purses.ecash.loadedMinor).toBe(amountMinor);
  expect(c.card.card.balance(PURSE.ecash)).toBe(amountMinor);
  expect(await customerBalance(h as Harness, c.customerId, 'ecash')).toEqual({ posted: FUNDED - amountMinor, pending: 0n, available: FUNDED - amountMinor });
  await expectLedgerConsistent(h as Harness);
}

test('the worker SIGKILLed while the card runs INITIALIZE LOAD: a new worker reserves once, credits and posts once', async () => {
  const dying = worker!;
  const c = await customer();
  rig.sim.insert(c.card.at('initializeLoad', { kind: 'after', then: killWorker }));
  const requestId = await download(c, '30.00');
  await dying.exited;
  expect(dying.child.signalCode).toBe('SIGKILL');
  expect((await customerBalance(h as Harness, c.customerId, 'ecash')).pending).toBe(0n);
  await startWorker();
  const result = await h.downloads.result(requestId);
  expect(result).toMatchObject({ outcome: 'posted', proof: 'MAC3 of CREDIT LOAD', atc: 1, newBalanceMinor: '3000' });
  await expectPostedOnce(c, 3000n);
});

test('the worker SIGKILLed while the card runs CREDIT LOAD: the reader still reports MAC3, a new worker verifies it and posts once', async () => {
  const dying = worker!;
  const c = await customer();
  rig.sim.insert(c.card.at('creditLoad', { kind: 'after', then: killWorker }));
  const requestId = await download(c, '30.00');
  await dying.exited;
  expect(dying.child.signalCode).toBe('SIGKILL');
  // Reserved by the dead worker; the card credited; the post is the new worker's.
  expect(await customerBalance(h as Harness, c.customerId, 'ecash')).toEqual({ posted: FUNDED, pending: 3000n, available: FUNDED - 3000n });
  await startWorker();
  const result = await h.downloads.result(requestId);
  expect(result).toMatchObject({ outcome: 'posted', proof: 'MAC3 of CREDIT LOAD', atc: 1, newBalanceMinor: '3000' });
  await expectPostedOnce(c, 3000n);
});

test('the worker SIGKILLed while a torn download waits for its card; the card comes back with no worker running; a new worker posts once', async () => {
  const c = await customer();
  rig.sim.insert(c.card.at('creditLoad', { kind: 'tear-after' }));
  const requestId = await download(c, '30.00');
  await phaseBecomes(h, requestId, 'awaiting_card');
  await eventually('the download to be listed as waiting for its card', async () => (await h.downloads.listStuck({ csn: c.csn })).some((s) => s.phase === 'awaiting_card'));
  await worker!.killHard();
  // The reader agent tells the download its card is back: the server keeps the signal for the next worker.
  rig.sim.insert(c.card);
  await startWorker();
  const result = await h.downloads.result(requestId);
  expect(result).toMatchObject({ outcome: 'posted', atc: 1, newBalanceMinor: '3000' });
  expect(result.proof).toMatch(/^log record ATC 1 with MAC3/);
  await expectPostedOnce(c, 3000n);
});
