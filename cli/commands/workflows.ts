/**
 * The commands of workflows/: the server worker, the reader agent, the registry (customers, cards,
 * merchants, deposits) and downloads (start, follow, offline codes, operator actions). Downloads
 * go through workflows/client, the same code the portal uses.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { createServer } from 'node:net';
import type { Logger } from 'pino';
import { Command, InvalidArgumentError, Option } from 'commander';
import knex, { type Knex } from 'knex';
import { createLedger, migrateLedger, type Ledger } from '../../ledger';
import { Acr30Reader, PcscService, SINGLE_DES_NATIVE, decodeLogRecord, keyStoreFromEnvironment, parseCsn, purseName } from '../../card-driver';
import {
  ReaderAgent,
  Registry,
  SERVER_TASK_QUEUE,
  SERVER_WORKER_NODE_FLAGS,
  countLedgerResults,
  createLog,
  createReaderAgentMetrics,
  createServerWorker,
  createWorkerMetrics,
  metricsPort,
  oldestPendingReservationAgeSeconds,
  outcomeInterceptors,
  serveMetrics,
  startTracing,
  temporalLogger,
  workerTracing,
  clientTracing,
  watchLedgerInvariants,
  createSettlementActivities,
  createVoucherActivities,
  migrateRegistry,
  migrateSettlement,
  type SlotReader,
} from '../../workflows';
import { DownloadClient, formatMoney, type DownloadResult, type DownloadState, type Evidence } from '../../workflows/client';
import { readServicesConfig, servicesEnvironment } from '../services';

interface Endpoints {
  readonly databaseUrl: string;
  readonly temporalAddress: string;
  readonly namespace: string;
}

function endpoints(): Endpoints {
  const config = readServicesConfig();
  // Variables win over the addresses the service manager would use (an external deployment).
  const defined = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  const env = { ...servicesEnvironment(config), ...defined };
  return { databaseUrl: env.DATABASE_URL, temporalAddress: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE ?? 'default' };
}

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function group(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

/** Opens the database with the ledger and the registry migrated, runs `work`, closes everything. */
async function withRegistry<T>(work: (registry: Registry, db: Knex, ledger: Ledger) => Promise<T>): Promise<T> {
  const db = knex({ client: 'pg', connection: endpoints().databaseUrl, pool: { min: 0, max: 4 } });
  const ledger = createLedger(db);
  try {
    await migrateLedger(db);
    await migrateRegistry(db);
    const registry = new Registry({ knex: db, ledger });
    await registry.ensurePlatformAccounts();
    return await work(registry, db, ledger);
  } finally {
    await ledger.close();
    await db.destroy();
  }
}

async function withDownloads<T>(taskQueue: string, work: (downloads: DownloadClient) => Promise<T>): Promise<T> {
  const e = endpoints();
  const connection = await Connection.connect({ address: e.temporalAddress });
  try {
    return await work(new DownloadClient(new Client({ connection, namespace: e.namespace }), taskQueue));
  } finally {
    await connection.close();
  }
}

function csnArg(value: string): string {
  try {
    return parseCsn(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

function purseArg(value: string): 'ecash' | 'food' {
  if (value !== 'ecash' && value !== 'food') throw new InvalidArgumentError('the purse is ecash or food');
  return value;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Stops on SIGINT/SIGTERM: the worker finishes what it holds, then the process exits. */
function onStopSignal(stop: () => void): void {
  const handler = (): void => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    stop();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** The worker's /metrics port (docker/README.md): PURSEFLOW_METRICS_PORT, else 9464; the reader agent's default is 9465. */
export const WORKER_METRICS_PORT = 9464;
export const READER_AGENT_METRICS_PORT = 9465;

/** A free loopback port for the SDK's own Prometheus exporter, which our /metrics relays. */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new InvalidArgumentError('no free loopback port for the SDK metrics; set PURSEFLOW_SDK_METRICS_ADDRESS=127.0.0.1:PORT');
  return address.port;
}

/**
 * Installs the Temporal Runtime of a worker process: SDK and Core logs into the same JSON log, and
 * the SDK's runtime metrics on a loopback address that /metrics relays. Returns that address's URL.
 */
async function installWorkerRuntime(log: Logger): Promise<string> {
  const address = process.env.PURSEFLOW_SDK_METRICS_ADDRESS || `127.0.0.1:${await freeLoopbackPort()}`;
  Runtime.install({
    logger: temporalLogger(log),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'WARN' }) },
      metrics: { prometheus: { bindAddress: address } },
    },
  });
  return `http://${address}/metrics`;
}

/** Reader ids the server worker watches for purseflow_reader_agent_up (PURSEFLOW_READER_IDS or --watch-reader). */
function watchedReaders(option: readonly string[]): string[] {
  const fromEnv = (process.env.PURSEFLOW_READER_IDS ?? '').split(',').map((r) => r.trim()).filter((r) => r !== '');
  return [...new Set([...fromEnv, ...option])];
}

function printState(s: DownloadState): void {
  out(`download ${s.requestId}: ${s.phase} (${s.mode}, ${s.purse}, ${formatMoney(BigInt(s.amountMinor))} onto card ${s.csn})`);
  if (s.atc !== undefined) out(`  ATC ${s.atc}`);
  if (s.reservationId) out(`  reservation ${s.reservationId}`);
  if (s.authorizationCode) out(`  authorization code ${s.authorizationCode}`);
  if (s.wrongCodes > 0) out(`  wrong codes ${s.wrongCodes}`);
  if (s.operatorReason) out(`  needs an operator: ${s.operatorReason}`);
  if (s.logEvidence) {
    const e = s.logEvidence;
    out(`  card log as read on reader ${e.readerId} at ${e.readAt} (ATC_card ${e.atcCard}, ${e.reason}), newest first:`);
    for (const record of e.recordsHex) out(`    ${describeLogRecord(record)}`);
  }
  if (s.failure) out(`  failed [${s.failure.code}] ${s.failure.message}`);
}

/** One READ LOG record for an operator: what it says, and the hex to hand back as evidence. */
function describeLogRecord(recordHex: string): string {
  try {
    const r = decodeLogRecord(Buffer.from(recordHex, 'hex'));
    return `ATC ${r.atc} ${r.type} ${purseName(r.purse)} ${formatMoney(r.amount)}, balance after ${formatMoney(r.balanceAfter)}  ${recordHex}`;
  } catch {
    return `(not a log record) ${recordHex}`;
  }
}

function printResult(r: DownloadResult): void {
  out(`download ${r.requestId}: ${r.outcome} ${formatMoney(BigInt(r.amountMinor))} (${r.purse}) card ${r.csn}${r.newBalanceMinor ? `, purse now ${formatMoney(BigInt(r.newBalanceMinor))}` : ''}`);
  out(`  proof: ${r.proof}`);
}

/** Waits for the outcome and prints it; a refusal exits 2 with its code. */
async function followDownload(downloads: DownloadClient, requestId: string): Promise<void> {
  try {
    printResult(await downloads.result(requestId));
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
      process.stderr.write(`purseflow: download refused [${err.cause.type}] ${err.cause.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}

export function registerWorkflowCommands(program: Command): void {
  program
    .command('worker')
    .description('run the server worker: every workflow, the ledger, registry, key-store, settlement and voucher activities')
    .option('--task-queue <name>', 'task queue of the workflows', SERVER_TASK_QUEUE)
    .option('--watch-reader <id>', 'a reader id whose agent purseflow_reader_agent_up reports; repeat (also PURSEFLOW_READER_IDS=a,b)', collect, [])
    .action(async (opts: { taskQueue: string; watchReader: string[] }) => {
      const e = endpoints();
      // First: a tracing misconfiguration fails before the Runtime holds the process open, and pg is
      // instrumented before knex first loads it.
      const tracing = startTracing('worker');
      const port = metricsPort(process.env.PURSEFLOW_METRICS_PORT, WORKER_METRICS_PORT);
      const log = createLog({ bindings: { process: 'worker', taskQueue: opts.taskQueue } });
      const sdkMetricsUrl = await installWorkerRuntime(log);
      const keys = keyStoreFromEnvironment();
      const readers = watchedReaders(opts.watchReader);
      await withRegistry(async (_registry, db, plainLedger) => {
        await migrateSettlement(db);
        const connection = await NativeConnection.connect({ address: e.temporalAddress });
        const clientConnection = await Connection.connect({ address: e.temporalAddress });
        const downloads = new DownloadClient(new Client({ connection: clientConnection, namespace: e.namespace }), opts.taskQueue);
        const metrics = createWorkerMetrics({
          oldestPendingReservationAgeSeconds: () => oldestPendingReservationAgeSeconds(db),
          readersOnline: async () => new Map(await Promise.all(readers.map(async (id) => [id, await downloads.readerOnline(id).catch(() => false)] as const))),
        });
        const ledger = countLedgerResults(plainLedger, metrics);
        const stopChecks = watchLedgerInvariants(db, metrics, { log });
        const server = await serveMetrics({ registry: metrics.registry, port, sdkMetricsUrl });
        try {
          const worker = await createServerWorker({
            connection,
            namespace: e.namespace,
            taskQueue: opts.taskQueue,
            knex: db,
            ledger,
            keys,
            extraActivities: { ...createSettlementActivities({ db, ledger, keys }), ...createVoucherActivities({ db, ledger }) },
            activityInterceptors: [outcomeInterceptors(metrics, log)],
            tracing: tracing && workerTracing(tracing),
          });
          onStopSignal(() => {
            log.info('stopping: finishing the tasks in hand');
            worker.shutdown();
          });
          out(`server worker on task queue ${opts.taskQueue} (master keys: ${keys.source}), metrics on :${server.port}/metrics; Ctrl-C stops it`);
          log.info({ namespace: e.namespace, metricsPort: server.port, keySource: keys.source, watchedReaders: readers, tracing: tracing !== undefined, singleDes: SINGLE_DES_NATIVE }, 'server worker running');
          if (!SINGLE_DES_NATIVE) {
            log.warn(`OpenSSL's single DES is not loaded: settlement files verify about 3 times slower. Start node with ${SERVER_WORKER_NODE_FLAGS.join(' ')} (purseflow app up and the images do).`);
          }
          await worker.run();
          log.info('server worker stopped');
        } finally {
          await stopChecks();
          await server.close();
          await clientConnection.close();
          await connection.close();
          await tracing?.shutdown();
        }
      });
    });

  program
    .command('reader-agent')
    .description('serve one card reader to the workflows (task queue reader-<id>); holds no keys')
    .requiredOption('--reader-id <id>', 'the id downloads name this reader by')
    .addOption(new Option('--reader <name>', 'a PC/SC reader name (e.g. "Virtual PCD 00 00")').conflicts('tty'))
    .addOption(new Option('--tty <path>', 'an ACS ACR30S on this serial port').conflicts('reader'))
    .action(async (opts: { readerId: string; reader?: string; tty?: string }) => {
      if (!opts.reader && !opts.tty) throw new InvalidArgumentError('give --reader NAME (PC/SC) or --tty PATH (ACR30S)');
      const e = endpoints();
      const tracing = startTracing('reader-agent');
      const port = metricsPort(process.env.PURSEFLOW_METRICS_PORT, READER_AGENT_METRICS_PORT);
      const log = createLog({ bindings: { process: 'reader-agent', readerId: opts.readerId } });
      const sdkMetricsUrl = await installWorkerRuntime(log);
      let pcsc: PcscService | undefined;
      let reader: SlotReader;
      if (opts.reader) {
        pcsc = PcscService.open();
        reader = await pcsc.reader(opts.reader, 10_000);
      } else {
        const acr30 = await Acr30Reader.open({ path: opts.tty! });
        // A reply dropped because it could not answer the command in flight (status and length only).
        acr30.onLineWarning((w) => log.warn({ code: w.code, reason: w.reason, awaitingIns: w.awaitingIns, status: w.status, length: w.length }, w.detail));
        reader = acr30;
      }
      const metrics = createReaderAgentMetrics(opts.readerId);
      const native = await NativeConnection.connect({ address: e.temporalAddress });
      const connection = await Connection.connect({ address: e.temporalAddress });
      const server = await serveMetrics({ registry: metrics.registry, port, sdkMetricsUrl });
      try {
        const agent = await ReaderAgent.create({
          connection: native,
          client: new Client({ connection, namespace: e.namespace, ...(tracing ? { interceptors: { workflow: clientTracing() } } : {}) }),
          namespace: e.namespace,
          readerId: opts.readerId,
          reader,
          ...(tracing ? { activityInterceptors: workerTracing(tracing).activityInterceptors } : {}),
          onEvent: (event) => {
            metrics.count(event.kind);
            if (event.kind === 'card_seen') log.info({ csn: event.csn }, 'card in reader');
            if (event.kind === 'download_told') log.info({ csn: event.csn, workflowId: event.workflowId }, 'told a waiting download that its card is here');
            if (event.kind === 'card_unreadable') log.warn({ reason: event.message }, 'card in reader unreadable');
          },
        });
        onStopSignal(() => {
          log.info('stopping: finishing the card conversation in hand');
          agent.shutdown();
        });
        out(`reader agent ${opts.readerId} on ${reader.name} (task queue reader-${opts.readerId}), metrics on :${server.port}/metrics; Ctrl-C stops it`);
        log.info({ reader: reader.name, taskQueue: `reader-${opts.readerId}`, metricsPort: server.port }, 'reader agent running');
        await agent.run();
        log.info('reader agent stopped');
      } finally {
        metrics.up.set({ reader_id: opts.readerId }, 0);
        await server.close();
        await connection.close();
        await native.close();
        await pcsc?.close();
        await tracing?.shutdown();
      }
    });

  const customers = group(program, 'customers', 'customers and their virtual and food-voucher accounts');
  customers
    .command('enrol')
    .description('enrol a customer with a virtual (cash) and a food-voucher account; repeating it is a no-op')
    .requiredOption('--id <id>', 'customer id')
    .requiredOption('--name <name>', "the customer's name")
    .action(async (opts: { id: string; name: string }) => {
      await withRegistry(async (registry) => {
        const c = await registry.enrolCustomer(opts);
        out(`customer ${c.id} (${c.name}): cash account ${c.cashAccountId}, food account ${c.foodAccountId}`);
      });
    });
  // `customers deposit`, and `deposit` for short: one definition, two places in the command tree.
  for (const [parent, description] of [
    [customers, 'credit a deposit into the virtual account (bank → customer_cash), once per deposit id'],
    [program, 'same as `customers deposit`'],
  ] as const) {
    parent
      .command('deposit')
      .description(description)
      .requiredOption('--customer <id>', 'customer id')
      .requiredOption('--amount <amount>', 'amount, e.g. 250.00')
      .option('--deposit-id <id>', 'the bank reference (repeating it moves money once)')
      .action(async (opts: { customer: string; amount: string; depositId?: string }) => {
        await withRegistry(async (registry) => {
          const f = await registry.deposit({ depositId: opts.depositId ?? randomUUID(), customerId: opts.customer, amount: opts.amount });
          out(`deposit ${f.id}: ${f.amount} into customer ${f.customerId}'s virtual account (transfer ${f.transferId})`);
        });
      });
  }

  customers
    .command('voucher')
    .description('issue one food voucher (programme → customer_food), once per voucher id; for files use `vouchers issue`')
    .requiredOption('--customer <id>', 'customer id')
    .requiredOption('--amount <amount>', 'amount, e.g. 200.00')
    .requiredOption('--voucher-id <id>', "the programme's voucher reference (repeating it issues once)")
    .action(async (opts: { customer: string; amount: string; voucherId: string }) => {
      await withRegistry(async (registry) => {
        const f = await registry.issueFoodVoucher({ voucherId: opts.voucherId, customerId: opts.customer, amount: opts.amount });
        out(`food voucher ${f.id}: ${f.amount} into customer ${f.customerId}'s food account (transfer ${f.transferId})`);
      });
    });

  const cards = group(program, 'cards', 'e-Smart cards issued to customers');
  cards
    .command('issue')
    .description('register a card to a customer')
    .requiredOption('--csn <csn>', 'card serial number, 16 digits', csnArg)
    .requiredOption('--customer <id>', 'customer id')
    .action(async (opts: { csn: string; customer: string }) => {
      await withRegistry(async (registry) => {
        const card = await registry.issueCard({ csn: opts.csn, customerId: opts.customer });
        out(`card ${card.csn} issued to ${card.customerId} (${card.status})`);
      });
    });
  cards
    .command('block')
    .description('block a card: no download reaches it, settlements of it are refused')
    .requiredOption('--csn <csn>', 'card serial number', csnArg)
    .requiredOption('--reason <text>', 'why (lost, stolen, fraud…)')
    .action(async (opts: { csn: string; reason: string }) => {
      await withRegistry(async (registry) => {
        const card = await registry.blockCard(opts.csn, opts.reason);
        out(`card ${card.csn} blocked: ${card.blockedReason}`);
      });
    });
  cards
    .command('show')
    .description("a card's owner, status and shadow balances (loaded minus settled)")
    .requiredOption('--csn <csn>', 'card serial number', csnArg)
    .action(async (opts: { csn: string }) => {
      await withRegistry(async (registry) => {
        const card = await registry.card(opts.csn);
        out(`card ${card.csn}: customer ${card.customerId}, ${card.status}${card.blockedReason ? ` (${card.blockedReason})` : ''}`);
        for (const purse of ['ecash', 'food'] as const) {
          const p = card.purses[purse];
          out(`  ${purse}: loaded ${formatMoney(p.loadedMinor)}, settled ${formatMoney(p.spentMinor)}, shadow ${formatMoney(p.shadowMinor)}${p.overspent ? '  OVERSPENT' : ''}`);
        }
      });
    });

  const readers = group(program, 'readers', "card readers and the customers they belong to (the portal offers a customer only their own)");
  readers
    .command('assign')
    .description('assign a reader (its agent serves reader-<id>) to a customer; repeating it is a no-op')
    .requiredOption('--reader-id <id>', 'the reader id its reader agent runs with (--reader-id of reader-agent)')
    .requiredOption('--customer <id>', 'customer id')
    .option('--reassign', 'hand a reader assigned to another customer over to this one', false)
    .action(async (opts: { readerId: string; customer: string; reassign: boolean }) => {
      await withRegistry(async (registry) => {
        const r = await registry.assignReader({ readerId: opts.readerId, customerId: opts.customer, reassign: opts.reassign });
        out(`reader ${r.readerId} assigned to customer ${r.customerId}`);
      });
    });

  const merchants = group(program, 'merchants', 'merchants, their SAMs and Transfer cards');
  merchants
    .command('enrol')
    .description('enrol a merchant (with its payable account), its SAMs and Transfer cards; repeating it is a no-op')
    .requiredOption('--id <id>', 'merchant id')
    .requiredOption('--name <name>', "the merchant's name")
    .option('--food', 'may take Food Vouchers', false)
    .option('--sam <id>', 'a SAM id (16 hex digits); repeat for several', collect, [])
    .option('--transfer-card <id>', 'a Transfer card id (16 hex digits); repeat for several', collect, [])
    .action(async (opts: { id: string; name: string; food: boolean; sam: string[]; transferCard: string[] }) => {
      await withRegistry(async (registry) => {
        let m = await registry.enrolMerchant({ id: opts.id, name: opts.name, foodEligible: opts.food });
        for (const samId of opts.sam) m = await registry.addSam({ samId, merchantId: m.id });
        for (const transferCardId of opts.transferCard) m = await registry.addTransferCard({ transferCardId, merchantId: m.id });
        out(`merchant ${m.id} (${m.name}), food vouchers ${m.foodEligible ? 'allowed' : 'not allowed'}; SAMs ${m.samIds.join(', ') || 'none'}; Transfer cards ${m.transferCardIds.join(', ') || 'none'}`);
      });
    });

  const download = group(program, 'download', 'downloads of e-Cash and Food Vouchers onto cards');
  download
    // The default subcommand: `purseflow download --card … --purse … --amount … --reader ID` starts one.
    .command('start', { isDefault: true })
    .description('start a download and follow it to its outcome (connected: --reader; offline: --offline, then `download code`)')
    .requiredOption('--card <csn>', 'card serial number', csnArg)
    .requiredOption('--purse <purse>', 'ecash or food', purseArg)
    .requiredOption('--amount <amount>', 'amount, e.g. 250.00')
    .addOption(new Option('--reader <id>', 'connected: the reader agent holding the card').conflicts('offline'))
    .addOption(new Option('--offline', 'unconnected: codes typed between the eCom Pocket and the portal').conflicts('reader'))
    .option('--request-id <id>', 'idempotency key: the same id never starts a second download (default: a new one)')
    .option('--task-queue <name>', 'task queue of the server worker', SERVER_TASK_QUEUE)
    .option('--no-wait', 'print the request id and return at once')
    .action(async (opts: { card: string; purse: 'ecash' | 'food'; amount: string; reader?: string; offline?: boolean; requestId?: string; taskQueue: string; wait: boolean }) => {
      if (!opts.reader && !opts.offline) throw new InvalidArgumentError('give --reader ID (connected) or --offline');
      const requestId = opts.requestId ?? randomUUID();
      await withDownloads(opts.taskQueue, async (downloads) => {
        const started = await downloads.start({ requestId, csn: opts.card, purse: opts.purse, amount: opts.amount, mode: opts.offline ? 'offline' : 'connected', readerId: opts.reader });
        out(`download ${requestId} started (workflow ${started.workflowId})`);
        if (opts.offline) {
          out(`type the pocket's request code: purseflow download code --request-id ${requestId} --request CODE`);
          return;
        }
        if (opts.wait) await followDownload(downloads, requestId);
      });
    });
  download
    .command('status')
    .description("a download's state (phase, ATC, reservation, codes, what it waits for)")
    .requiredOption('--request-id <id>', 'the request id')
    .option('--task-queue <name>', 'task queue of the server worker', SERVER_TASK_QUEUE)
    .action(async (opts: { requestId: string; taskQueue: string }) => {
      await withDownloads(opts.taskQueue, async (downloads) => printState(await downloads.state(opts.requestId)));
    });
  download
    .command('code')
    .description('offline: type a code from the pocket (request code, confirmation code, or a fresh request code to report "not loaded")')
    .requiredOption('--request-id <id>', 'the request id')
    .addOption(new Option('--request <code>', 'the 14-digit request code').conflicts(['confirmation', 'notLoaded']))
    .addOption(new Option('--confirmation <code>', 'the 9-digit confirmation code').conflicts(['request', 'notLoaded']))
    .addOption(new Option('--not-loaded <code>', 'a fresh 14-digit request code with the same ATC: the card was not loaded').conflicts(['request', 'confirmation']))
    .option('--task-queue <name>', 'task queue of the server worker', SERVER_TASK_QUEUE)
    .action(async (opts: { requestId: string; request?: string; confirmation?: string; notLoaded?: string; taskQueue: string }) => {
      await withDownloads(opts.taskQueue, async (downloads) => {
        const updateId = randomUUID();
        const answer = opts.request
          ? await downloads.submitRequestCode(opts.requestId, opts.request, updateId)
          : opts.confirmation
            ? await downloads.submitConfirmationCode(opts.requestId, opts.confirmation, updateId)
            : opts.notLoaded
              ? await downloads.reportNotLoaded(opts.requestId, opts.notLoaded, updateId)
              : undefined;
        if (!answer) throw new InvalidArgumentError('give --request, --confirmation or --not-loaded');
        if (!answer.accepted) {
          process.stderr.write(`purseflow: code refused [${answer.refusal}] ${answer.message ?? ''}\n`);
          process.exitCode = 2;
          return;
        }
        if (answer.authorizationCode) out(`authorization code for the pocket: ${answer.authorizationCode}`);
        out(`download ${opts.requestId}: ${answer.phase}`);
      });
    });
  download
    .command('stuck')
    .description('running downloads that wait for a card, a code or an operator')
    .option('--card <csn>', 'only this card', csnArg)
    .option('--customer <id>', 'only this customer')
    .option('--task-queue <name>', 'task queue of the server worker', SERVER_TASK_QUEUE)
    .action(async (opts: { card?: string; customer?: string; taskQueue: string }) => {
      await withDownloads(opts.taskQueue, async (downloads) => {
        const stuck = await downloads.listStuck({ csn: opts.card, customerId: opts.customer });
        if (stuck.length === 0) out('no stuck downloads');
        for (const s of stuck) out(`${s.workflowId}  ${s.phase}  card ${s.csn ?? '?'}  customer ${s.customerId ?? '?'}  ${s.amountMinor ?? '?'} minor  since ${s.startTime.toISOString()}`);
      });
    });
  download
    .command('retry')
    .description('operator: retry the stuck step now (read the card again, optionally on another reader; unlock after 5 wrong codes)')
    .requiredOption('--request-id <id>', 'the request id')
    .requiredOption('--operator <name>', 'who acts')
    .option('--reader <id>', 'read the card on this reader')
    .option('--task-queue <name>', 'task queue of the server worker', SERVER_TASK_QUEUE)
    .action(async (opts: { requestId: string; operator: string; reader?: string; taskQueue: string }) => {
      await withDownloads(opts.taskQueue, async (downloads) => {
        await downloads.retryNow(opts.requestId, opts.operator, opts.reader);
        out(`download ${opts.requestId}: retry requested by ${opts.operator}`);
      });
    });
  for (const action of ['resolve', 'void'] as const) {
    download
      .command(action)
      .description(action === 'resolve' ? 'operator: post a stuck download with proof of the credit' : 'operator: void a stuck download with proof the card was not credited')
      .requiredOption('--request-id <id>', 'the request id')
      .requiredOption('--operator <name>', 'who acts')
      .option('--confirmation <code>', 'proof of credit: the confirmation code')
      .option('--log-record <hex>', 'proof of credit: the READ LOG record of this load (56 hex digits)')
      .option('--request-code <code>', 'proof of no credit: a fresh request code with the same ATC')
      .option('--attest <reference>', 'last resort once the card cannot prove anything: your reference (ticket)')
      .option('--task-queue <name>', 'task queue of the server worker', SERVER_TASK_QUEUE)
      .action(async (opts: { requestId: string; operator: string; confirmation?: string; logRecord?: string; requestCode?: string; attest?: string; taskQueue: string }) => {
        const evidence: Evidence | undefined = opts.confirmation
          ? { kind: 'confirmation_code', code: opts.confirmation }
          : opts.logRecord
            ? { kind: 'log_record', recordHex: opts.logRecord }
            : opts.requestCode
              ? { kind: 'request_code', code: opts.requestCode }
              : opts.attest
                ? { kind: 'operator_attestation', operator: opts.operator, reference: opts.attest }
                : undefined;
        if (!evidence) throw new InvalidArgumentError('give the evidence: --confirmation, --log-record, --request-code or --attest');
        await withDownloads(opts.taskQueue, async (downloads) => {
          const updateId = randomUUID();
          const state = action === 'resolve' ? await downloads.resolveWithEvidence(opts.requestId, opts.operator, evidence, updateId) : await downloads.voidWithEvidence(opts.requestId, opts.operator, evidence, updateId);
          printState(state);
        });
      });
  }
}
