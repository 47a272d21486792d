// Benchmark: settlement throughput end to end — a merchant's `.estb` file of N records uploaded,
// verified (streaming), decided chunk by chunk against the registry and earlier settlements,
// reserved and posted in the ledger, through the real Temporal dev server and PostgreSQL
// (issue 5: goal ≥ 20,000 settled records/s for a 100,000-record file).
//
//   node dist/bench/settlement.js            100,000 records
//   node dist/bench/settlement.js --quick    20,000 records
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import {
  computePurchaseMac,
  computeSamMac,
  csnWithCheckDigit,
  EstbFileWriter,
  parseSamId,
  parseTransferCardId,
  purchaseFields,
  PURSE,
  testKeyStore,
  type Csn,
} from '../card-driver';
import { createLedger, migrateLedger } from '../ledger';
import { createSettlementActivities, migrateSettlement } from '../workflows';
import { settlementOutcome, uploadSettlementFile } from '../workflows/client';
import { migrateRegistry, Registry } from '../workflows/registry';
import { createTestDatabase } from '../test-support/postgres';
import { quietTemporalRuntime } from '../test-support/temporal';
import { loadServicesEnv } from './services-env';

const CARDS = 2_000;
const SAM = parseSamId('53414D0000000001');
const AMOUNT = 100n;

const quietBundler = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`${message}\n`),
  error: (message: string) => process.stderr.write(`${message}\n`),
};

function csnOf(i: number): Csn {
  return csnWithCheckDigit(`607199${String(i).padStart(9, '0')}`);
}

function generate(file: string, records: number, transferCardHex: string): void {
  const keys = testKeyStore();
  const transferCardId = parseTransferCardId(transferCardHex);
  const writer = new EstbFileWriter(file, { transferCardId, batchSeq: 1, recordCount: records, created: 1_790_000_000 }, keys.transferCardKey(transferCardId));
  const record = Buffer.alloc(48);
  for (let i = 0; i < records; i++) {
    const csn = csnOf(i % CARDS);
    const atc = Math.floor(i / CARDS) + 1;
    const proof = { csn, atc, purse: PURSE.ecash, amount: AMOUNT, newBalance: 900_000n, samId: SAM, samSeq: i + 1 };
    purchaseFields(proof).copy(record, 0);
    record.writeUInt32BE(1_790_000_000 + i, 31);
    computePurchaseMac(keys.cardPurchaseKey(csn), proof).copy(record, 35);
    computeSamMac(keys.samKey(SAM), record.subarray(0, 39)).copy(record, 39);
    writer.write(Buffer.from(record));
  }
  writer.finish();
}

async function main(): Promise<void> {
  loadServicesEnv();
  const records = process.argv.includes('--quick') ? 20_000 : 100_000;
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address || !process.env.DATABASE_URL) throw new Error('TEMPORAL_ADDRESS and DATABASE_URL must be set (purseflow services up writes them to .data/services.env).');
  quietTemporalRuntime();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-bench-settle-'));
  const database = await createTestDatabase('bench_settlement', { min: 0, max: 16 });
  const db = database.db;
  const transferCardHex = `54${randomBytes(7).toString('hex').toUpperCase()}`;
  try {
    await migrateLedger(db);
    await migrateRegistry(db);
    await migrateSettlement(db);
    const ledger = createLedger(db);
    const registry = new Registry({ knex: db, ledger });
    await registry.ensurePlatformAccounts();
    await registry.enrolCustomer({ id: 'bench', name: 'Bench' });
    await registry.enrolMerchant({ id: 'shop', name: 'Shop', foodEligible: true });
    await registry.addSam({ samId: SAM, merchantId: 'shop' });
    await registry.addTransferCard({ transferCardId: transferCardHex, merchantId: 'shop' });
    // Cards and their loads in bulk: the registry's one-card calls would dominate the set-up.
    const csns = Array.from({ length: CARDS }, (_, i) => csnOf(i));
    await db.batchInsert('registry_cards', csns.map((csn) => ({ csn, customer_id: 'bench' })), 1000);
    const loaded = (AMOUNT * BigInt(Math.ceil(records / CARDS))).toString();
    await db.batchInsert('registry_card_purses', csns.flatMap((csn) => [{ csn, purse: 'ecash', loaded_minor: loaded }, { csn, purse: 'food' }]), 1000);

    const file = path.join(dir, 'batch.estb');
    const t0 = Date.now();
    generate(file, records, transferCardHex);
    process.stderr.write(`generated ${records} records in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

    const nativeConnection = await NativeConnection.connect({ address });
    const connection = await Connection.connect({ address });
    const taskQueue = `bench-settlement-${randomBytes(4).toString('hex')}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows/settlement/settlement-workflow'), logger: quietBundler }),
      activities: createSettlementActivities({ db, ledger, keys: testKeyStore() }),
    });
    const running = worker.run();
    try {
      const client = new Client({ connection });
      const started = process.hrtime.bigint();
      const upload = await uploadSettlementFile(client, { merchantId: 'shop', file, uploadDir: path.join(dir, 'uploads'), taskQueue });
      const result = await settlementOutcome(upload.handle);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (result.outcome !== 'settled' || result.accepted !== records) throw new Error(`the bench file did not settle whole: ${JSON.stringify(result).slice(0, 400)}`);
      process.stdout.write(`bench flows.settle.records_per_s ${Math.round(records / seconds)} records/s\n`);
      process.stderr.write(`(${records} records settled in ${seconds.toFixed(2)} s)\n`);
      for (const line of await stageTimings(client, upload.workflowId)) process.stderr.write(`${line}\n`);
    } finally {
      worker.shutdown();
      await running;
      await ledger.close();
      await connection.close();
      await nativeConnection.close();
    }
  } finally {
    if (process.env.BENCH_KEEP_DB) process.stderr.write(`kept database ${database.url}\n`);
    else await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Where the time went, from the workflow histories (every run of the chain): per activity type,
 * the span from its first schedule to its last completion and the summed activity durations.
 */
async function stageTimings(client: Client, workflowId: string): Promise<string[]> {
  const stages = new Map<string, { first: number; last: number; busy: number; count: number; failed: number; retried: number }>();
  const scheduled = new Map<string, { type: string; at: number }>();
  const started = new Map<string, number>();
  const stageOf = (s: { type: string; at: number }, at = s.at) => {
    let stage = stages.get(s.type);
    if (!stage) stages.set(s.type, (stage = { first: s.at, last: at, busy: 0, count: 0, failed: 0, retried: 0 }));
    return stage;
  };
  let runId: string | undefined;
  for (let runs = 0; runs < 100; runs++) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    let next: string | undefined;
    for (const event of history.events ?? []) {
      const at = Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
      const id = String(event.eventId);
      if (event.activityTaskScheduledEventAttributes) scheduled.set(id, { type: event.activityTaskScheduledEventAttributes.activityType?.name ?? '?', at });
      const start = event.activityTaskStartedEventAttributes;
      if (start) {
        started.set(String(start.scheduledEventId), at);
        // The started event of a retried activity is written once, with the attempt it succeeded or gave up on.
        if ((start.attempt ?? 1) > 1) stageOf(scheduled.get(String(start.scheduledEventId))!).retried++;
      }
      const lost = event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
      if (lost) stageOf(scheduled.get(String(lost.scheduledEventId))!).failed++;
      const done = event.activityTaskCompletedEventAttributes;
      if (done) {
        const s = scheduled.get(String(done.scheduledEventId))!;
        const stage = stageOf(s, at);
        stage.first = Math.min(stage.first, s.at);
        stage.last = Math.max(stage.last, at);
        stage.busy += at - (started.get(String(done.scheduledEventId)) ?? s.at);
        stage.count++;
        stages.set(s.type, stage);
      }
      next = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? next;
    }
    if (!next) break;
    runId = next;
  }
  return [...stages].map(
    ([type, s]) =>
      `stage ${type}: ${s.count} ×, span ${((s.last - s.first) / 1000).toFixed(2)} s, summed ${(s.busy / 1000).toFixed(2)} s${s.retried + s.failed > 0 ? `, ${s.retried} retried, ${s.failed} failed or timed out` : ''}`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench settlement: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
