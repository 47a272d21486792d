// What the workflows' test files share: a database of their own with the ledger and the registry
// migrated, a Temporal connection, the workflow bundle (once per file), a server worker on a task
// queue of their own, and money/ledger assertions. Real services only.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createTestDatabase, type TestDatabase } from '../../test-support/postgres';
import { quietTemporalRuntime, temporalAddress } from '../../test-support/temporal';
import { checkLedgerInvariants, createLedger, migrateLedger, type Ledger } from '../../ledger';
import { csnWithCheckDigit, testKeyStore, type Csn, type IssuerKeyStore, type KeyStore } from '../../card-driver';
import { migrateRegistry, Registry } from '../registry';
import { bundleWorkflows, createServerWorker } from '../worker/server-worker';
import { DownloadClient } from '../client';

export interface Harness {
  readonly db: TestDatabase;
  readonly ledger: Ledger;
  readonly registry: Registry;
  readonly keys: IssuerKeyStore;
  readonly nativeConnection: NativeConnection;
  readonly client: Client;
  readonly downloads: DownloadClient;
  readonly taskQueue: string;
  /** Stops the server worker and starts a new one on the same task queue (a crash and a restart, gracefully). */
  restartServerWorker(): Promise<void>;
  /** Stops the worker, closes the connections, drops the database. */
  close(): Promise<void>;
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

let csnCounter = Number.parseInt(randomBytes(3).toString('hex'), 16);
/** A fresh CSN with a valid Luhn digit, so that test files never share cards. */
export function freshCsn(): Csn {
  csnCounter += 1;
  return csnWithCheckDigit(`6071${String(csnCounter).padStart(11, '0')}`);
}

/** A fresh database with the ledger's and the registry's tables and the platform accounts; no Temporal. */
export interface RegistryWorld {
  readonly db: TestDatabase;
  readonly ledger: Ledger;
  readonly registry: Registry;
  /** Closes the ledger's connections and drops the database. */
  close(): Promise<void>;
}

export async function openRegistryWorld(name: string): Promise<RegistryWorld> {
  const db = await createTestDatabase(name);
  await migrateLedger(db.db);
  await migrateRegistry(db.db);
  const ledger = createLedger(db.db);
  const registry = new Registry({ knex: db.db, ledger });
  await registry.ensurePlatformAccounts();
  return {
    db,
    ledger,
    registry,
    async close() {
      await ledger.close();
      await db.drop();
    },
  };
}

export async function startHarness(name: string): Promise<Harness> {
  quietTemporalRuntime();
  const { db, ledger, registry, close: closeRegistryWorld } = await openRegistryWorld(name);
  const keys = testKeyStore();
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress() });
  const connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  const taskQueue = uniqueId(`wf-${name}`);
  const newWorker = async (): Promise<{ worker: Worker; running: Promise<void> }> => {
    const worker = await createServerWorker({ connection: nativeConnection, taskQueue, knex: db.db, ledger, keys, workflowBundle: await bundleWorkflows() });
    return { worker, running: worker.run() };
  };
  let server = await newWorker();
  return {
    db,
    ledger,
    registry,
    keys,
    nativeConnection,
    client,
    downloads: new DownloadClient(client, taskQueue),
    taskQueue,
    async restartServerWorker() {
      server.worker.shutdown();
      await server.running;
      server = await newWorker();
    },
    async close() {
      server.worker.shutdown();
      await server.running;
      await connection.close();
      await nativeConnection.close();
      await closeRegistryWorld();
    },
  };
}

/** The real key store, except that it cannot sign MAC2 (an HSM gone away mid-download). */
export function keysUnableToSignMac2(keys: KeyStore): KeyStore {
  return new Proxy(keys, {
    get(target, name: keyof KeyStore) {
      if (name === 'mac2') {
        return () => {
          throw new Error('the key store is not reachable');
        };
      }
      const value = target[name];
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * A download's history, each event also as the JSON text its payloads carry (they are bytes, base64
 * in the fetched history), so tests can ask where a value first appears.
 */
export async function historyTexts(h: Harness, requestId: string): Promise<{ events: temporal.api.history.v1.IHistoryEvent[]; texts: string[] }> {
  const events = (await h.downloads.handle(requestId).fetchHistory()).events ?? [];
  const decode = (key: string, v: unknown): unknown =>
    v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : key === 'data' && typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : v;
  return { events, texts: events.map((e) => JSON.stringify(e, decode)) };
}

/** A customer with money in both accounts and a card issued to them. */
export async function customerWithCard(h: Harness, funds: { cash?: string; food?: string } = {}): Promise<{ customerId: string; csn: Csn }> {
  const customerId = uniqueId('cust');
  await h.registry.enrolCustomer({ id: customerId, name: `Customer ${customerId}` });
  if (funds.cash) await h.registry.deposit({ depositId: uniqueId('dep'), customerId, amount: funds.cash });
  if (funds.food) await h.registry.issueFoodVoucher({ voucherId: uniqueId('fv'), customerId, amount: funds.food });
  const csn = freshCsn();
  await h.registry.issueCard({ csn, customerId });
  return { customerId, csn };
}

/** Available and pending on the customer's account of a purse, in minor units. */
export async function customerBalance(h: Harness, customerId: string, purse: 'ecash' | 'food'): Promise<{ posted: bigint; pending: bigint; available: bigint }> {
  const customer = await h.registry.customer(customerId);
  const [account] = await h.ledger.lookupAccounts([purse === 'ecash' ? customer.cashAccountId : customer.foodAccountId]);
  const posted = account.creditsPosted - account.debitsPosted;
  return { posted, pending: account.debitsPending, available: posted - account.debitsPending };
}

export async function expectLedgerConsistent(h: Harness): Promise<void> {
  const violations = await checkLedgerInvariants(h.db.db);
  expect(violations).toEqual([]);
}

/** Polls until `check` holds; fails with `what` after `timeoutMs` (generous: a loaded CI machine). */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Polls the download's state query until it is in `phase`; on time-out says which phase it reached
 * and the notes of its history (a query that fails, before its first workflow task, counts as not yet).
 */
export async function phaseBecomes(h: Pick<Harness, 'downloads'>, requestId: string, phase: string, timeoutMs = 20_000): Promise<void> {
  let last: Awaited<ReturnType<Harness['downloads']['state']>> | undefined;
  await eventually(
    `download ${requestId} to reach ${phase}`,
    async () => {
      last = await h.downloads.state(requestId).catch(() => undefined);
      return last?.phase === phase;
    },
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message} (is ${last?.phase}; ${JSON.stringify(last?.history.map((s) => `${s.phase}: ${s.note}`))})`);
  });
}
