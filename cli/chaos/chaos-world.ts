/**
 * Everything one chaos run stands on: an isolated production profile (its own data folder and ports
 * below 32768), the ledger's, registry's and settlement's tables, two server workers and a reader
 * agent per connected reader as child processes, the ACR30 simulators on socat lines, the pockets
 * of the offline cards and a merchant. `close()` takes all of it down again, also after a failure.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import knex, { type Knex } from 'knex';
import { createLedger, migrateLedger, type Ledger } from '../../ledger';
import { Acr30Simulator, csnWithCheckDigit, EcomPocket, keyStoreFromEnvironment, parseSamId, parseTransferCardId, SimulatedCard, type Csn, type IssuerKeyStore } from '../../card-driver';
import { migrateRegistry, migrateSettlement, Registry, SERVER_TASK_QUEUE } from '../../workflows';
import { DownloadClient } from '../../workflows/client';
import {
  freePortRun,
  PORT_BLOCK_SIZE,
  productionDown,
  productionEnvironment,
  productionUp,
  readProductionConfig,
  REPOSITORY_ROOT,
  resolveTemporalBinaries,
  type ProductionConfig,
} from '../services';
import { ChildProcesses, type StartedChild } from './child-processes';
import { networkNamespacesAvailable, openReaderNetwork, removeStaleNamespaces, type ReaderNetwork, type ReaderNetworkKind } from './reader-network';

export const CHAOS_MERCHANT = { id: 'chaos-merchant', samId: parseSamId('53414D0000000C01'), transferCardId: parseTransferCardId('5452414E53000C01') } as const;
/** What every customer of the run starts with: far more than the run can load onto a card. */
const OPENING_FUNDS = '50000.00';

export class ChaosSetupError extends Error {
  override readonly name = 'ChaosSetupError';
}

export interface ServerWorkerSlot {
  readonly index: number;
  child?: StartedChild;
}

export interface ConnectedReader {
  readonly index: number;
  readonly readerId: string;
  readonly customerId: string;
  readonly card: SimulatedCard;
  readonly sim: Acr30Simulator;
  readonly hostTty: string;
  readonly network: ReaderNetwork;
  agent?: StartedChild;
}

export interface PocketCard {
  readonly index: number;
  readonly customerId: string;
  readonly pocket: EcomPocket;
  get csn(): Csn;
}

export interface ChaosWorld {
  readonly config: ProductionConfig;
  readonly dataDir: string;
  readonly serverBinary: string;
  readonly environment: Record<string, string>;
  readonly db: Knex;
  readonly ledger: Ledger;
  readonly registry: Registry;
  readonly keys: IssuerKeyStore;
  readonly client: Client;
  readonly downloads: DownloadClient;
  readonly children: ChildProcesses;
  readonly workers: ServerWorkerSlot[];
  readonly readers: ConnectedReader[];
  readonly pockets: PocketCard[];
  readonly networkKind: ReaderNetworkKind;
  /** Why the reader agents are not in network namespaces, when they are not. */
  readonly networkNote?: string;
  readonly uploadDir: string;
  startWorker(slot: ServerWorkerSlot): Promise<void>;
  startAgent(reader: ConnectedReader): Promise<void>;
  close(): Promise<void>;
}

export interface WorldOptions {
  readonly connectedReaders: number;
  readonly offlineCards: number;
  readonly serverWorkers: number;
  readonly log: (line: string) => void;
  /** Keep the data folder after the run (logs of every process), e.g. to look into a failure. */
  readonly keepDataDir?: boolean;
}

/** Worlds not yet closed: an interrupted run (Ctrl-C) closes them before it exits. */
const openWorlds = new Set<() => Promise<void>>();

/** Takes down every world of this process that is still open: for SIGINT/SIGTERM handlers. */
export async function closeOpenChaosWorlds(): Promise<void> {
  await Promise.all([...openWorlds].map((close) => close()));
}



function cliEntry(): string {
  const entry = path.join(REPOSITORY_ROOT, 'dist', 'cli', 'main.js');
  if (!fs.existsSync(entry)) throw new ChaosSetupError(`${entry} is missing: build first (npx tsc -p tsconfig.build.json); npm run test:chaos does it for you.`);
  return entry;
}

async function waitForFile(file: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new ChaosSetupError(`${file} did not appear within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function openChaosWorld(options: WorldOptions): Promise<ChaosWorld> {
  const log = options.log;
  // Before anything starts: without the built CLI there are no workers and no agents to run.
  const entry = cliEntry();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-chaos-'));
  // The private cluster runs as the `postgres` user when we are root: it must reach its folder.
  fs.chmodSync(dataDir, 0o755);
  // 2 + 13 + 1 ports for the profile, then one forwarder port per reader.
  const ports = PORT_BLOCK_SIZE + 2 + options.connectedReaders;
  const base = await freePortRun(ports);
  const config = readProductionConfig({
    ...process.env,
    DATABASE_URL: '',
    PURSEFLOW_DATA_DIR: dataDir,
    PURSEFLOW_PROD_DATA_DIR: dataDir,
    PURSEFLOW_PROD_PG_PORT: String(base),
    PURSEFLOW_PROD_TEMPORAL_PORT: String(base + 1),
    PURSEFLOW_PROD_TEMPORAL_UI_PORT: String(base + 1 + PORT_BLOCK_SIZE),
    PURSEFLOW_READY_TIMEOUT_S: '90',
  });
  const children = new ChildProcesses();
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async (): Promise<void> => {
    openWorlds.delete(cleanUp);
    // The processes first, so that nothing is left talking to what goes next.
    await children.stopAll();
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (err) {
        log(`chaos: clean-up step failed: ${(err as Error).message}`);
      }
    }
    cleanups.length = 0;
  };
  openWorlds.add(cleanUp);
  cleanups.push(async () => {
    if (!options.keepDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });
  cleanups.push(async () => void (await productionDown(config)));
  try {
    const serverBinary = resolveTemporalBinaries(config, log).server;
    log(`chaos: production profile in ${dataDir}: PostgreSQL :${config.postgres.port}, Temporal frontend :${config.temporal.frontendPort}`);
    await productionUp(config, ['postgresql', 'temporal'], log);
    const environment: Record<string, string> = { ...productionEnvironment(config) };
    const uploadDir = path.join(dataDir, 'uploads');

    // knex logs a dropped session (every PostgreSQL restart) with console.log: stdout is for the figures.
    const note = (message: unknown): void => log(`chaos: database: ${message instanceof Error ? message.message : String(message)}`);
    const db = knex({ client: 'pg', connection: environment.DATABASE_URL, pool: { min: 0, max: 6 }, log: { warn: note, error: note, deprecate: note, debug: note } });
    const ledger = createLedger(db);
    cleanups.push(async () => {
      await ledger.close();
      await db.destroy();
    });
    await migrateLedger(db);
    await migrateRegistry(db);
    await migrateSettlement(db);
    const registry = new Registry({ knex: db, ledger });
    await registry.ensurePlatformAccounts();
    const keys = keyStoreFromEnvironment();

    const connection = await Connection.connect({ address: environment.TEMPORAL_ADDRESS });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const downloads = new DownloadClient(client, SERVER_TASK_QUEUE);

    const enrol = async (customerId: string, csn: Csn): Promise<void> => {
      await registry.enrolCustomer({ id: customerId, name: `Chaos ${customerId}` });
      await registry.deposit({ depositId: `${customerId}-opening-deposit`, customerId, amount: OPENING_FUNDS });
      await registry.issueFoodVoucher({ voucherId: `${customerId}-opening-voucher`, customerId, amount: OPENING_FUNDS });
      await registry.issueCard({ csn, customerId });
    };
    await registry.enrolMerchant({ id: CHAOS_MERCHANT.id, name: 'Chaos Grocer', foodEligible: true });
    await registry.addSam({ samId: CHAOS_MERCHANT.samId, merchantId: CHAOS_MERCHANT.id });
    await registry.addTransferCard({ transferCardId: CHAOS_MERCHANT.transferCardId, merchantId: CHAOS_MERCHANT.id });

    const logDir = path.join(dataDir, 'logs');
    const workers: ServerWorkerSlot[] = Array.from({ length: options.serverWorkers }, (_, index) => ({ index }));
    const nextMetricsPort = async (): Promise<number> => {
      // Each process's /metrics port: a free loopback port picked by the kernel.
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    };
    const startWorker = async (slot: ServerWorkerSlot): Promise<void> => {
      slot.child = await children.spawn(`server-worker-${slot.index}`, process.execPath, [entry, 'worker'], {
        env: { ...process.env, ...environment, PURSEFLOW_UPLOAD_DIR: uploadDir, PURSEFLOW_METRICS_PORT: String(await nextMetricsPort()) },
        logFile: path.join(logDir, `server-worker-${slot.index}.log`),
        readyLine: /server worker on task queue/,
        readyTimeoutMs: 120_000,
      });
    };

    removeStaleNamespaces();
    const namespaces = networkNamespacesAvailable();
    const networkNote = namespaces.ok ? undefined : `no network namespaces here (${namespaces.why}): a reader agent is cut off by killing its forwarder to the frontend instead`;
    if (networkNote) log(`chaos: ${networkNote}`);

    const readers: ConnectedReader[] = [];
    const startAgent = async (reader: ConnectedReader): Promise<void> => {
      const [command, args] = reader.network.wrap(process.execPath, [entry, 'reader-agent', '--reader-id', reader.readerId, '--tty', reader.hostTty]);
      reader.agent = await children.spawn(`reader-agent-${reader.readerId}`, command, args, {
        env: { ...process.env, ...environment, TEMPORAL_ADDRESS: reader.network.temporalAddress, PURSEFLOW_METRICS_PORT: String(await nextMetricsPort()) },
        logFile: path.join(logDir, `reader-agent-${reader.readerId}.log`),
        readyLine: /reader agent \S+ on /,
        readyTimeoutMs: 120_000,
      });
    };
    for (let index = 0; index < options.connectedReaders; index++) {
      const readerId = `chaos-acr30-${index}`;
      const csn = csnWithCheckDigit(`60790000000${String(index).padStart(4, '0')}`);
      const customerId = `chaos-connected-${index}`;
      await enrol(customerId, csn);
      const ttyDir = path.join(dataDir, 'tty');
      fs.mkdirSync(ttyDir, { recursive: true });
      const deviceTty = path.join(ttyDir, `acr30-${index}-device`);
      const hostTty = path.join(ttyDir, `acr30-${index}-host`);
      await children.spawn(`serial-line-${index}`, 'socat', [`pty,raw,echo=0,link=${deviceTty}`, `pty,raw,echo=0,link=${hostTty}`], { env: process.env, logFile: path.join(logDir, `serial-line-${index}.log`) });
      await waitForFile(deviceTty, 10_000);
      await waitForFile(hostTty, 10_000);
      const card = SimulatedCard.issue(keys, csn);
      const sim = await Acr30Simulator.open({ path: deviceTty, card });
      cleanups.push(() => sim.close());
      const network = await openReaderNetwork({
        children,
        index,
        frontendPort: config.temporal.frontendPort,
        forwarderPort: base + PORT_BLOCK_SIZE + 2 + index,
        logFile: path.join(logDir, `forwarder-${index}.log`),
        useNamespace: namespaces.ok,
      });
      cleanups.push(() => network.close());
      readers.push({ index, readerId, customerId, card, sim, hostTty, network });
    }

    const pockets: PocketCard[] = [];
    for (let index = 0; index < options.offlineCards; index++) {
      const csn = csnWithCheckDigit(`60791000000${String(index).padStart(4, '0')}`);
      const customerId = `chaos-offline-${index}`;
      await enrol(customerId, csn);
      const pocket = new EcomPocket(SimulatedCard.issue(keys, csn));
      pockets.push({ index, customerId, pocket, get csn() { return pocket.card.csn; } });
    }

    log(`chaos: starting ${workers.length} server workers and ${readers.length} reader agents`);
    await Promise.all(workers.map(startWorker));
    await Promise.all(readers.map(startAgent));

    return {
      config,
      dataDir,
      serverBinary,
      environment,
      db,
      ledger,
      registry,
      keys,
      client,
      downloads,
      children,
      workers,
      readers,
      pockets,
      networkKind: namespaces.ok ? 'network-namespace' : 'loopback-forwarder',
      networkNote,
      uploadDir,
      startWorker,
      startAgent,
      close: cleanUp,
    };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}
