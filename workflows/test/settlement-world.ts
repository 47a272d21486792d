/**
 * What the settlement and voucher suites share: a database of their own with the ledger, registry
 * and settlement tables, the real Temporal dev server with a worker on a task queue of their own,
 * simulated cards loaded the way a download loads them, and the merchant simulator.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import {
  csnWithCheckDigit,
  inMemoryChannel,
  performOnlineLoad,
  PURSE,
  SimulatedCard,
  testKeyStore,
  type Csn,
  type KeyStore,
  type PurseId,
} from '../../card-driver';
import { checkLedgerInvariants, createLedger, migrateLedger, type Ledger } from '../../ledger';
import { createTestDatabase, type TestDatabase } from '../../test-support/postgres';
import { quietTemporalRuntime, temporalAddress } from '../../test-support/temporal';
import { migrateRegistry, nameBasedId, Registry, TRANSFER_CODE } from '../registry';
import { migrateSettlement } from '../settlement/settlement-schema';
import { createSettlementActivities } from '../settlement/settlement-activities';
import { createVoucherActivities } from '../vouchers/voucher-activities';

export interface World {
  readonly database: TestDatabase;
  readonly ledger: Ledger;
  readonly registry: Registry;
  readonly keys: KeyStore;
  readonly client: Client;
  readonly taskQueue: string;
  readonly uploadDir: string;
  readonly scratchDir: string;
  /** The workflow code the worker runs, for replaying recorded histories. */
  readonly workflowBundle: WorkflowBundleWithSourceMap;
  /** Writes bytes to a scratch file and returns its path. */
  writeFile(name: string, bytes: Buffer | string): string;
  /** Issues a simulated card to a customer and loads it as a completed download would. */
  cardFor(customerId: string, loads: Partial<Record<'ecash' | 'food', bigint>>): Promise<SimulatedCard>;
  /** Puts money on a card without the server knowing (what a cloned or tampered card would hold). */
  loadOffTheBooks(card: SimulatedCard, purse: PurseId, amount: bigint): Promise<void>;
  invariantViolations(): Promise<unknown[]>;
  close(): Promise<void>;
}

let cardCounter = 0;
/** A fresh CSN per card of this process (the 15 digits before the Luhn digit). */
export function nextCsn(): Csn {
  cardCounter += 1;
  const unique = `${process.pid % 100000}`.padStart(5, '0') + `${cardCounter}`.padStart(4, '0');
  return csnWithCheckDigit(`607100${unique}`);
}

export async function createWorld(prefix: string, workflowsPath: string): Promise<World> {
  quietTemporalRuntime();
  const database = await createTestDatabase(prefix);
  const db = database.db;
  await migrateLedger(db);
  await migrateRegistry(db);
  await migrateSettlement(db);
  const ledger = createLedger(db);
  const registry = new Registry({ knex: db, ledger });
  await registry.ensurePlatformAccounts();
  const keys = testKeyStore();

  const address = temporalAddress();
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const taskQueue = `${prefix}-${randomBytes(6).toString('hex')}`;
  const workflowBundle: WorkflowBundleWithSourceMap = await bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle,
    activities: { ...createSettlementActivities({ db, ledger, keys }), ...createVoucherActivities({ db, ledger }) },
  });
  const running = worker.run();

  const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const uploadDir = path.join(scratchDir, 'uploads');

  return {
    database,
    ledger,
    registry,
    keys,
    client,
    taskQueue,
    uploadDir,
    scratchDir,
    workflowBundle,
    writeFile(name, bytes) {
      const file = path.join(scratchDir, name);
      fs.writeFileSync(file, bytes);
      return file;
    },
    async cardFor(customerId, loads) {
      const csn = nextCsn();
      await registry.issueCard({ csn, customerId });
      const card = SimulatedCard.issue(keys, csn);
      for (const [purse, amount] of Object.entries(loads) as ['ecash' | 'food', bigint][]) {
        await loadAsDownload(card, purse, amount, customerId);
      }
      return card;
    },
    async loadOffTheBooks(card, purse, amount) {
      await performOnlineLoad(inMemoryChannel(card), keys, { purse, amount, csn: card.csn });
    },
    invariantViolations: () => checkLedgerInvariants(db),
    async close() {
      worker.shutdown();
      await running;
      await ledger.close();
      await connection.close();
      await nativeConnection.close();
      await database.drop();
      fs.rmSync(scratchDir, { recursive: true, force: true });
    },
  };

  /** What a completed download leaves behind: the card credited, customer → float posted, the shadow loaded. */
  async function loadAsDownload(card: SimulatedCard, purse: 'ecash' | 'food', amount: bigint, customerId: string): Promise<void> {
    const facts = await registry.cardForDownload(card.csn, purse);
    const fundingId = `test-funding-${card.csn}-${purse}-${card.atcCard}`;
    const text = `${amount / 100n}.${(amount % 100n).toString().padStart(2, '0')}`;
    if (purse === 'ecash') await registry.deposit({ depositId: fundingId, customerId, amount: text });
    else await registry.issueFoodVoucher({ voucherId: fundingId, customerId, amount: text });
    const load = await performOnlineLoad(inMemoryChannel(card), keys, { purse: purse === 'ecash' ? PURSE.ecash : PURSE.food, amount, csn: card.csn });
    const transferId = nameBasedId(`test-load/${card.csn}/${load.atc}`);
    const [outcome] = await ledger.createTransfers([
      {
        id: transferId,
        debitAccountId: facts.sourceAccountId,
        creditAccountId: facts.floatAccountId,
        amount,
        code: purse === 'ecash' ? TRANSFER_CODE.downloadEcash : TRANSFER_CODE.downloadFood,
      },
    ]);
    if (outcome.result !== 'ok') throw new Error(`test load refused by the ledger: ${outcome.result}`);
    await registry.recordPurseMovement({ key: transferId, csn: card.csn, purse, kind: 'load', amountMinor: amount });
  }
}

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
  log: () => undefined,
};

/** The available (posted) balance of an account, minor units. */
export async function postedBalance(ledger: Ledger, accountId: string): Promise<{ posted: bigint; pending: bigint }> {
  const [account] = await ledger.lookupAccounts([accountId]);
  if (!account) throw new Error(`no account ${accountId}`);
  return { posted: account.creditsPosted - account.debitsPosted, pending: account.creditsPending - account.debitsPending };
}
