// The server worker dies in the middle of a settlement: its database sessions are cut mid-transaction
// (what PostgreSQL sees when a worker process is killed) and it stops, a new worker takes over, and
// every record is still settled exactly once.
import { randomBytes } from 'node:crypto';
import knex, { type Knex } from 'knex';
import { NativeConnection, Worker } from '@temporalio/worker';
import { parseSamId, parseTransferCardId, runMerchant, type SimulatedCard } from '../../card-driver';
import { createLedger, type Ledger } from '../../ledger';
import { createSettlementActivities, type SettlementActivities } from '../settlement/settlement-activities';
import { settlementOutcome, uploadSettlementFile } from '../settlement/settlement-client';
import { temporalAddress } from '../../test-support/temporal';
import { createWorld, postedBalance, type World } from './settlement-world';

jest.setTimeout(90_000);

const runTag = randomBytes(6).toString('hex').toUpperCase();
const SHOP = { id: 'baker', sam: parseSamId('53414D0000000B01'), transferCard: parseTransferCardId(`54${runTag}B1`) };
const CARDS = 6;
const PURCHASES = 240;
const CHUNK_RECORDS = 8;
const AMOUNT = 1_00n;

let world: World;
let cards: SimulatedCard[];
let payableAccountId: string;

/** A server worker of its own: its own connection pool (named, so it can be cut) and its own ledger. */
async function startWorker(name: string, taskQueue: string, onChunk?: (step: 'check' | 'post', chunkIndex: number) => void) {
  const db: Knex = knex({ client: 'pg', connection: { connectionString: world.database.url, application_name: name }, pool: { min: 0, max: 8 } });
  const ledger: Ledger = createLedger(db);
  const activities: SettlementActivities = createSettlementActivities({ db, ledger, keys: world.keys });
  const watched: SettlementActivities = {
    ...activities,
    async checkSettlementChunk(ref) {
      onChunk?.('check', ref.chunkIndex);
      return activities.checkSettlementChunk(ref);
    },
    async postSettlementChunk(ref) {
      onChunk?.('post', ref.chunkIndex);
      return activities.postSettlementChunk(ref);
    },
  };
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  const worker = await Worker.create({ connection, taskQueue, workflowBundle: world.workflowBundle, activities: watched, shutdownGraceTime: '100ms' });
  const running = worker.run();
  return {
    /** Cuts every database session of the worker mid-statement, then stops it. */
    async die(): Promise<void> {
      await world.database.db.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?', [name]);
      worker.shutdown();
      await running.catch(() => undefined);
      await ledger.close();
      await db.destroy();
      await connection.close();
    },
    async stop(): Promise<void> {
      worker.shutdown();
      await running;
      await ledger.close();
      await db.destroy();
      await connection.close();
    },
  };
}

beforeAll(async () => {
  world = await createWorld('settlement_loss', require.resolve('../settlement/settlement-workflow'));
  await world.registry.enrolCustomer({ id: 'erin', name: 'Erin' });
  const merchant = await world.registry.enrolMerchant({ id: SHOP.id, name: 'Baker', foodEligible: false });
  payableAccountId = merchant.payableAccountId;
  await world.registry.addSam({ samId: SHOP.sam, merchantId: SHOP.id });
  await world.registry.addTransferCard({ transferCardId: SHOP.transferCard, merchantId: SHOP.id });
  cards = [];
  for (let i = 0; i < CARDS; i++) cards.push(await world.cardFor('erin', { ecash: 200_00n }));
}, 120_000);

afterAll(async () => {
  await world?.close();
});

let batchSeq = 0;

/**
 * Settles a file on a worker that dies once `dieAt` says so (a few milliseconds later, so the
 * chunks in flight are cut inside their transactions), then on a new worker; checks exactly-once.
 */
async function settleThroughWorkerDeath(dieAt: (step: 'check' | 'post', chunkIndex: number) => boolean) {
  const { file } = runMerchant(world.keys, cards, {
    samId: SHOP.sam,
    transferCardId: SHOP.transferCard,
    amount: AMOUNT,
    purchases: PURCHASES,
    batchSeq: ++batchSeq,
    firstSamSeq: 1 + (batchSeq - 1) * PURCHASES,
  });
  const taskQueue = `settlement-loss-${randomBytes(4).toString('hex')}`;
  const payableBefore = (await postedBalance(world.ledger, payableAccountId)).posted;
  const spentBefore = await Promise.all(cards.map(async (card) => (await world.registry.card(card.csn)).purses.ecash.spentMinor));

  let midRun!: () => void;
  const reachedMidRun = new Promise<void>((resolve) => (midRun = resolve));
  const first = await startWorker(`loss-${batchSeq}-first-${runTag}`, taskQueue, (step, chunkIndex) => {
    if (dieAt(step, chunkIndex)) setTimeout(midRun, 5);
  });
  const started = await uploadSettlementFile(world.client, { merchantId: SHOP.id, file: world.writeFile(`loss-${batchSeq}.estb`, file), uploadDir: world.uploadDir, taskQueue, chunkRecords: CHUNK_RECORDS });
  await reachedMidRun;
  await first.die();

  const second = await startWorker(`loss-${batchSeq}-second-${runTag}`, taskQueue);
  try {
    const result = await settlementOutcome(started.handle);
    expect(result).toMatchObject({ outcome: 'settled', records: PURCHASES, accepted: PURCHASES, rejected: 0, settledMinor: { ecash: String(PURCHASES * Number(AMOUNT)) } });
  } finally {
    await second.stop();
  }

  const db = world.database.db;
  const batchKey = (await db('settlement_batches').where({ transfer_card_id: SHOP.transferCard, batch_seq: batchSeq }).first('batch_key')).batch_key as string;
  // Each record decided once and accepted once; each chunk decided once.
  const verdicts = await db('settlement_records').where({ batch_key: batchKey }).groupBy('verdict').select('verdict').count<{ verdict: string; n: string }[]>({ n: '*' });
  expect(verdicts.map((v) => [v.verdict, Number(v.n)])).toEqual([['accepted', PURCHASES]]);
  const chunks = await db('settlement_chunks').where({ batch_key: batchKey }).select('accepted');
  expect(chunks).toHaveLength(PURCHASES / CHUNK_RECORDS);
  expect(chunks.every((c) => c.accepted === CHUNK_RECORDS)).toBe(true);
  // The merchant is paid each purchase once, and every reservation is posted.
  const payable = await postedBalance(world.ledger, payableAccountId);
  expect(payable.posted - payableBefore).toBe(BigInt(PURCHASES) * AMOUNT);
  expect(payable.pending).toBe(0n);
  // Each card's shadow counts its purchases once.
  for (const [i, card] of cards.entries()) {
    expect((await world.registry.card(card.csn)).purses.ecash.spentMinor - spentBefore[i]).toBe(BigInt(PURCHASES / CARDS) * AMOUNT);
  }
  expect(await world.invariantViolations()).toEqual([]);
}

it('settles every record exactly once when the worker dies in the middle of deciding the chunks', async () => {
  await settleThroughWorkerDeath((step, chunkIndex) => step === 'check' && chunkIndex === 8);
});

it('settles every record exactly once when the worker dies in the middle of posting the chunks', async () => {
  await settleThroughWorkerDeath((step, chunkIndex) => step === 'post' && chunkIndex === 12);
});
