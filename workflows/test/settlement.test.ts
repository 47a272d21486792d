import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  decodeHeader,
  DEFAULT_FOREIGN_SAM_ID,
  HEADER_BYTES,
  parseSamId,
  parseTransferCardId,
  PURSE,
  readEstbBlocks,
  RECORD_BYTES,
  runMerchant,
  SimulatedCard,
  SimulatedPos,
  SimulatedSam,
  SimulatedTransferCard,
  type MerchantFaults,
  type PurseId,
} from '../../card-driver';
import { Worker } from '@temporalio/worker';
import { Registry } from '../registry';
import { payOutMerchant } from '../settlement/merchant-payout';
import { batchKeyOf } from '../settlement/batch-identity';
import { proofOf } from '../settlement/record-proof';
import { settlementOutcome, uploadSettlementFile } from '../settlement/settlement-client';
import type { SettledBatch, SettlementResult } from '../settlement/settlement-types';
import { createWorld, nextCsn, postedBalance, type World } from './settlement-world';

jest.setTimeout(60_000);

// Workflow ids name Transfer card batches and the dev server outlives test runs: fresh Transfer card ids per run.
const runTag = randomBytes(6).toString('hex').toUpperCase();
const GROCER = { id: 'grocer', sam: parseSamId('53414D0000000001'), transferCard: parseTransferCardId(`54${runTag}01`) };
const CAFE = { id: 'cafe', sam: parseSamId('53414D0000000002'), transferCard: parseTransferCardId(`54${runTag}02`) };
const OTHER = { id: 'other', sam: DEFAULT_FOREIGN_SAM_ID, transferCard: parseTransferCardId(`54${runTag}03`) };
const UNREGISTERED_SAM = parseSamId('53414D00000000EE');
const UNREGISTERED_TRANSFER_CARD = parseTransferCardId(`54${runTag}EE`);
type Shop = typeof GROCER;

let world: World;
// Each SAM numbers its purchases once and each Transfer card its batches once, across the whole suite.
const nextSamSeq = new Map<string, number>();
const nextBatchSeq = new Map<string, number>();

const takeSeqs = (samId: string, count: number): number => {
  const first = nextSamSeq.get(samId) ?? 1;
  nextSamSeq.set(samId, first + count);
  return first;
};
const takeBatchSeq = (transferCardId: string): number => {
  const seq = nextBatchSeq.get(transferCardId) ?? 1;
  nextBatchSeq.set(transferCardId, seq + 1);
  return seq;
};

function merchantFile(shop: Shop, cards: SimulatedCard[], run: { purchases: number; amount: bigint; purse?: PurseId; faults?: MerchantFaults; foreignSamId?: typeof DEFAULT_FOREIGN_SAM_ID }) {
  const foreignSamId = run.foreignSamId ?? OTHER.sam;
  const extra = (run.faults?.foodPurchases ?? 0) + (run.faults?.foreignSamPurchases ?? 0);
  const produced = runMerchant(world.keys, cards, {
    samId: shop.sam,
    foreignSamId,
    transferCardId: shop.transferCard,
    purse: run.purse,
    amount: run.amount,
    purchases: run.purchases,
    firstSamSeq: takeSeqs(shop.sam, run.purchases + extra),
    batchSeq: takeBatchSeq(shop.transferCard),
    faults: run.faults,
  });
  if (run.faults?.foreignSamPurchases) takeSeqs(foreignSamId, run.faults.foreignSamPurchases);
  return produced;
}

async function settle(file: Buffer, merchantId: string, options: { chunkRecords?: number; chunksPerRun?: number; chunkConcurrency?: number } = {}) {
  const started = await uploadSettlementFile(world.client, {
    merchantId,
    file: world.writeFile(`batch-${Date.now()}-${Math.random()}.estb`, file),
    uploadDir: world.uploadDir,
    taskQueue: world.taskQueue,
    ...options,
  });
  return { started, result: await settlementOutcome(started.handle) };
}

function settled(result: SettlementResult): SettledBatch {
  if (result.outcome !== 'settled') throw new Error(`expected a settled batch, got ${JSON.stringify(result)}`);
  return result;
}

const payable = (merchantId: string) => postedBalance(world.ledger, payableIdOf(merchantId));
const payableIds = new Map<string, string>();
const payableIdOf = (merchantId: string): string => payableIds.get(merchantId)!;

beforeAll(async () => {
  world = await createWorld('settlement', require.resolve('../settlement/settlement-workflow'));
  await world.registry.enrolCustomer({ id: 'alice', name: 'Alice' });
  for (const [shop, foodEligible] of [
    [GROCER, true],
    [CAFE, false],
    [OTHER, true],
  ] as const) {
    const merchant = await world.registry.enrolMerchant({ id: shop.id, name: shop.id, foodEligible });
    payableIds.set(shop.id, merchant.payableAccountId);
    await world.registry.addSam({ samId: shop.sam, merchantId: shop.id });
    await world.registry.addTransferCard({ transferCardId: shop.transferCard, merchantId: shop.id });
  }
}, 120_000);

afterAll(async () => {
  await world?.close();
});

afterEach(async () => {
  // Whatever a test did, the ledger stays balanced and no settlement reservation is left open.
  expect(await world.invariantViolations()).toEqual([]);
  const open = await world.database.db('ledger_transfers as t')
    .leftJoin('ledger_pending_resolutions as r', 'r.pending_id', 't.id')
    .whereRaw('(t.flags & 2) <> 0')
    .whereNull('r.pending_id')
    .count<{ n: string }[]>({ n: '*' });
  expect(Number(open[0].n)).toBe(0);
});

describe('SettlementWorkflow', () => {
  let goodFile: Buffer;
  let goodCards: SimulatedCard[];

  it('settles every record of a good file once: float → merchant payable, reserved then posted', async () => {
    goodCards = [await world.cardFor('alice', { ecash: 100_00n }), await world.cardFor('alice', { ecash: 100_00n })];
    const before = await payable(GROCER.id);
    goodFile = merchantFile(GROCER, goodCards, { purchases: 4, amount: 10_00n }).file;

    const { started, result } = await settle(goodFile, GROCER.id);

    const batch = settled(result);
    await Worker.runReplayHistory({ workflowBundle: world.workflowBundle }, await started.handle.fetchHistory());
    expect(batch).toMatchObject({ records: 4, accepted: 4, rejected: 0, settledMinor: { ecash: '4000', food: '0' }, rejections: [] });
    const after = await payable(GROCER.id);
    expect(after.posted - before.posted).toBe(40_00n);
    expect(after.pending).toBe(0n);
    for (const card of goodCards) {
      const shadow = (await world.registry.card(card.csn)).purses.ecash;
      expect(shadow).toMatchObject({ loadedMinor: 100_00n, spentMinor: 20_00n, overspent: false });
      // The card itself agrees with the server: loads posted minus purchases settled.
      expect(card.balance(PURSE.ecash)).toBe(shadow.loadedMinor - shadow.spentMinor);
    }
  });

  it('returns the first result when the same file is uploaded again, and moves no money', async () => {
    const before = await payable(GROCER.id);
    const again = await settle(goodFile, GROCER.id);
    expect(again.started.started).toBe(false);
    expect(settled(again.result)).toMatchObject({ records: 4, accepted: 4, rejected: 0 });
    expect(await payable(GROCER.id)).toEqual(before);
    expect((await world.registry.card(goodCards[0].csn)).purses.ecash.spentMinor).toBe(20_00n);
  });

  it("tells another merchant uploading the same file that the batch is not theirs, and shows it nothing", async () => {
    await expect(settle(goodFile, CAFE.id)).rejects.toMatchObject({ code: 'not_your_batch' });
  });

  it('rejects a record already settled in an earlier batch, and a record replaying a SAM sequence number', async () => {
    const oldRecord = goodFile.subarray(HEADER_BYTES, HEADER_BYTES + RECORD_BYTES);
    const card = await world.cardFor('alice', { ecash: 50_00n });
    // A genuine new purchase whose SAM reuses a sequence number already settled.
    const replayingSam = SimulatedSam.issue(world.keys, GROCER.sam, oldRecord.readUInt32BE(27));
    const replay = new SimulatedPos(replayingSam).purchase(card, PURSE.ecash, 5_00n);
    const fresh = new SimulatedPos(SimulatedSam.issue(world.keys, GROCER.sam, takeSeqs(GROCER.sam, 1))).purchase(card, PURSE.ecash, 7_00n);
    const exportFile = (records: Buffer[]) =>
      SimulatedTransferCard.issue(world.keys, GROCER.transferCard, takeBatchSeq(GROCER.transferCard)).exportFile(records, 1_700_000_000).file;
    const before = await payable(GROCER.id);

    const first = settled((await settle(exportFile([oldRecord, fresh]), GROCER.id)).result);
    // In a file of its own: within one file a repeated SAM number is already a duplicate of that file.
    const second = settled((await settle(exportFile([replay]), GROCER.id)).result);

    expect(first).toMatchObject({ records: 2, accepted: 1, rejected: 1, rejectedByReason: { already_settled: 1 } });
    expect(first.rejections.map((r) => [r.index, r.reason])).toEqual([[0, 'already_settled']]);
    expect(second).toMatchObject({ records: 1, accepted: 0, rejected: 1, rejectedByReason: { sam_sequence_replayed: 1 } });
    expect((await payable(GROCER.id)).posted - before.posted).toBe(7_00n);
  });

  it('settles a purchase once when two batches carrying it are settled at the same moment', async () => {
    const card = await world.cardFor('alice', { ecash: 50_00n });
    const pos = new SimulatedPos(SimulatedSam.issue(world.keys, GROCER.sam, takeSeqs(GROCER.sam, 1)));
    const shared = pos.purchase(card, PURSE.ecash, 9_00n);
    const exportFile = () => SimulatedTransferCard.issue(world.keys, GROCER.transferCard, takeBatchSeq(GROCER.transferCard)).exportFile([shared], 1_700_000_000).file;
    const before = await payable(GROCER.id);

    const [a, b] = await Promise.all([settle(exportFile(), GROCER.id), settle(exportFile(), GROCER.id)]);

    const verdicts = [settled(a.result), settled(b.result)].map((r) => (r.accepted === 1 ? 'accepted' : r.rejections[0]?.reason)).sort();
    expect(verdicts).toEqual(['accepted', 'already_settled']);
    expect((await payable(GROCER.id)).posted - before.posted).toBe(9_00n);
    expect((await world.registry.card(card.csn)).purses.ecash.spentMinor).toBe(9_00n);
  });

  it('rejects a record whose card MAC was tampered with and settles the rest', async () => {
    const cards = [await world.cardFor('alice', { ecash: 100_00n })];
    const { file } = merchantFile(GROCER, cards, { purchases: 3, amount: 5_00n, faults: { tamperPurchaseMacs: 1 } });
    const batch = settled((await settle(file, GROCER.id)).result);
    expect(batch).toMatchObject({ accepted: 2, rejected: 1, rejectedByReason: { card_mac_invalid: 1 }, settledMinor: { ecash: '1000' } });
    expect(batch.rejections[0]).toMatchObject({ index: 0, reason: 'card_mac_invalid', csn: cards[0].csn, amountMinor: '500' });
  });

  it("rejects a record whose SAM signature was tampered with", async () => {
    const cards = [await world.cardFor('alice', { ecash: 100_00n })];
    const { file } = merchantFile(GROCER, cards, { purchases: 3, amount: 5_00n, faults: { tamperSamMacs: 1 } });
    const batch = settled((await settle(file, GROCER.id)).result);
    expect(batch).toMatchObject({ accepted: 2, rejected: 1, rejectedByReason: { sam_mac_invalid: 1 } });
    expect(batch.rejections[0].index).toBe(2);
  });

  it('pays a record replayed inside the same file once', async () => {
    const cards = [await world.cardFor('alice', { ecash: 100_00n })];
    const { file } = merchantFile(GROCER, cards, { purchases: 2, amount: 5_00n, faults: { replayRecords: 1 } });
    const batch = settled((await settle(file, GROCER.id)).result);
    expect(batch).toMatchObject({ records: 3, accepted: 2, rejected: 1, rejectedByReason: { duplicate_in_file: 1 }, settledMinor: { ecash: '1000' } });
  });

  it("rejects purchases signed by another merchant's SAM or by an unregistered SAM", async () => {
    const cards = [await world.cardFor('alice', { ecash: 100_00n })];
    const foreign = merchantFile(GROCER, cards, { purchases: 1, amount: 5_00n, faults: { foreignSamPurchases: 1 } });
    expect(settled((await settle(foreign.file, GROCER.id)).result)).toMatchObject({ accepted: 1, rejectedByReason: { sam_of_other_merchant: 1 } });
    const unknown = merchantFile(GROCER, cards, { purchases: 1, amount: 5_00n, foreignSamId: UNREGISTERED_SAM, faults: { foreignSamPurchases: 1 } });
    expect(settled((await settle(unknown.file, GROCER.id)).result)).toMatchObject({ accepted: 1, rejectedByReason: { unknown_sam: 1 } });
  });

  it('refuses food-voucher purchases at a merchant that may not take them, and settles them from the food float where allowed', async () => {
    const cards = [await world.cardFor('alice', { ecash: 100_00n, food: 100_00n })];
    const atCafe = merchantFile(CAFE, cards, { purchases: 2, amount: 3_00n, faults: { foodPurchases: 1 } });
    expect(settled((await settle(atCafe.file, CAFE.id)).result)).toMatchObject({ accepted: 2, rejected: 1, rejectedByReason: { food_not_accepted: 1 }, settledMinor: { ecash: '600', food: '0' } });

    const foodFloat = Registry.platformAccountId('float_food');
    const floatBefore = await postedBalance(world.ledger, foodFloat);
    const atGrocer = merchantFile(GROCER, cards, { purchases: 2, amount: 4_00n, purse: PURSE.food });
    expect(settled((await settle(atGrocer.file, GROCER.id)).result)).toMatchObject({ accepted: 2, settledMinor: { ecash: '0', food: '800' } });
    expect(floatBefore.posted - (await postedBalance(world.ledger, foodFloat)).posted).toBe(8_00n);
  });

  it('rejects purchases from a card the issuer does not know, and from a blocked card', async () => {
    const stranger = SimulatedCard.issue(world.keys, nextCsn());
    await world.loadOffTheBooks(stranger, PURSE.ecash, 50_00n);
    const blocked = await world.cardFor('alice', { ecash: 50_00n });
    await world.registry.blockCard(blocked.csn, 'reported stolen');
    const { file } = merchantFile(GROCER, [stranger, blocked], { purchases: 2, amount: 5_00n });
    const batch = settled((await settle(file, GROCER.id)).result);
    expect(batch).toMatchObject({ accepted: 0, rejected: 2, rejectedByReason: { unknown_card: 1, card_blocked: 1 } });
  });

  it('holds back purchases beyond what was ever loaded onto the card, and flags the card', async () => {
    const card = await world.cardFor('alice', { ecash: 50_00n });
    await world.loadOffTheBooks(card, PURSE.ecash, 100_00n);
    const { file } = merchantFile(GROCER, [card], { purchases: 3, amount: 40_00n });
    const batch = settled((await settle(file, GROCER.id)).result);
    expect(batch).toMatchObject({ accepted: 1, rejected: 2, rejectedByReason: { card_overspent: 2 }, settledMinor: { ecash: '4000' } });
    const flags = await world.database.db('settlement_overspend_flags').where({ csn: card.csn });
    expect(flags).toHaveLength(2);
    expect((await world.registry.card(card.csn)).purses.ecash).toMatchObject({ loadedMinor: 50_00n, spentMinor: 40_00n });
  });

  it('never lets chunks decided at the same moment spend a card beyond what was loaded onto it', async () => {
    const card = await world.cardFor('alice', { ecash: 50_00n });
    await world.loadOffTheBooks(card, PURSE.ecash, 100_00n);
    const { file } = merchantFile(GROCER, [card], { purchases: 12, amount: 10_00n });
    const batch = settled((await settle(file, GROCER.id, { chunkRecords: 1, chunkConcurrency: 6 })).result);
    expect(batch).toMatchObject({ records: 12, accepted: 5, rejected: 7, rejectedByReason: { card_overspent: 7 }, settledMinor: { ecash: '5000' } });
    expect((await world.registry.card(card.csn)).purses.ecash).toMatchObject({ loadedMinor: 50_00n, spentMinor: 50_00n });
    expect(await world.database.db('settlement_overspend_flags').where({ csn: card.csn })).toHaveLength(7);
  });

  it('refuses a truncated file whole, and settles the complete export of the same batch afterwards', async () => {
    const cards = [await world.cardFor('alice', { ecash: 100_00n })];
    const seqs = takeSeqs(GROCER.sam, 0);
    const batchSeq = takeBatchSeq(GROCER.transferCard);
    const run = { samId: GROCER.sam, transferCardId: GROCER.transferCard, amount: 5_00n, purchases: 2, firstSamSeq: seqs, batchSeq };
    const complete = runMerchant(world.keys, cards, run).file;
    takeSeqs(GROCER.sam, 2);
    const truncated = complete.subarray(0, complete.length - 20);
    const before = await payable(GROCER.id);

    const refused = await settle(truncated, GROCER.id);
    expect(refused.result).toMatchObject({ outcome: 'file_rejected', reason: 'truncated' });
    expect(await payable(GROCER.id)).toEqual(before);
    expect(await world.database.db('settlement_batches').where({ batch_seq: batchSeq, transfer_card_id: GROCER.transferCard })).toHaveLength(0);

    const retried = await settle(complete, GROCER.id);
    expect(retried.started.workflowId).toBe(refused.started.workflowId);
    expect(settled(retried.result)).toMatchObject({ accepted: 2, settledMinor: { ecash: '1000' } });
  });

  it('refuses a file whose MAC was tampered with, and moves nothing', async () => {
    const cards = [await world.cardFor('alice', { ecash: 100_00n })];
    const { file } = merchantFile(GROCER, cards, { purchases: 2, amount: 5_00n, faults: { tamperFileMac: true } });
    const before = await payable(GROCER.id);
    expect((await settle(file, GROCER.id)).result).toMatchObject({ outcome: 'file_rejected', reason: 'file_mac_invalid' });
    expect(await payable(GROCER.id)).toEqual(before);
    expect((await world.registry.card(cards[0].csn)).purses.ecash.spentMinor).toBe(0n);
  });

  it("refuses a file from another merchant's Transfer card, and from an unregistered one", async () => {
    const cards = [await world.cardFor('alice', { ecash: 100_00n })];
    const others = merchantFile(OTHER, cards, { purchases: 1, amount: 5_00n });
    expect((await settle(others.file, GROCER.id)).result).toMatchObject({ outcome: 'file_rejected', reason: 'transfer_card_of_other_merchant' });
    const unregistered = runMerchant(world.keys, cards, { samId: GROCER.sam, transferCardId: UNREGISTERED_TRANSFER_CARD, amount: 5_00n, purchases: 1, firstSamSeq: takeSeqs(GROCER.sam, 1) });
    expect((await settle(unregistered.file, GROCER.id)).result).toMatchObject({ outcome: 'file_rejected', reason: 'unknown_transfer_card' });
  });

  it('settles a file in chunks across continued-as-new runs with the same outcome', async () => {
    const cards = [await world.cardFor('alice', { ecash: 100_00n }), await world.cardFor('alice', { ecash: 100_00n })];
    const { file } = merchantFile(GROCER, cards, { purchases: 9, amount: 2_00n, faults: { tamperPurchaseMacs: 1 } });
    const before = await payable(GROCER.id);
    const { started, result } = await settle(file, GROCER.id, { chunkRecords: 2, chunksPerRun: 2 });
    expect(settled(result)).toMatchObject({ records: 9, accepted: 8, rejected: 1, settledMinor: { ecash: '1600' } });
    expect((await payable(GROCER.id)).posted - before.posted).toBe(16_00n);
    const latest = await started.handle.describe();
    expect(started.firstExecutionRunId).toBeDefined();
    expect(latest.runId).not.toBe(started.firstExecutionRunId);
    // Determinism: the recorded history of the last run replays against today's workflow code.
    await Worker.runReplayHistory({ workflowBundle: world.workflowBundle }, await world.client.workflow.getHandle(started.workflowId).fetchHistory());
    const pendings = await world.database.db('ledger_transfers').whereRaw("user_data LIKE ?", [`settlement/${settled(result).batchKey}/%`]).whereRaw('(flags & 2) <> 0');
    expect(pendings).toHaveLength(5); // one reservation per chunk of two records
  });

  it('settles a batch the earlier code staged before an upgrade (every record inserted undecided) from its staged rows', async () => {
    const cards = [await world.cardFor('alice', { ecash: 100_00n })];
    const { file } = merchantFile(GROCER, cards, { purchases: 5, amount: 2_00n, faults: { tamperPurchaseMacs: 1 } });
    const header = decodeHeader(file.subarray(0, HEADER_BYTES));
    const batchKey = batchKeyOf(header);
    const db = world.database.db;
    // What the earlier verifySettlementFile left behind: the batch, fully staged, no chunk plan.
    await db('settlement_batches').insert({
      batch_key: batchKey,
      transfer_card_id: header.transferCardId,
      batch_seq: header.batchSeq,
      merchant_id: GROCER.id,
      file_sha256: createHash('sha256').update(file).digest('hex'),
      record_count: header.recordCount,
      chunk_records: 2,
      staged_records: header.recordCount,
    });
    for await (const event of readEstbBlocks(Readable.from([file]), { keys: world.keys })) {
      if (event.kind !== 'records') continue;
      await db('settlement_records').insert(
        event.records.map((r, i) => ({
          batch_key: batchKey,
          record_index: event.first + i,
          csn: r.csn,
          atc: r.atc,
          purse: r.purse,
          amount_minor: r.amount.toString(),
          balance_after_minor: r.balanceAfter.toString(),
          sam_id: r.samId,
          sam_seq: r.samSeq,
          purchased_at: new Date(r.time * 1000),
          proof: proofOf(event.verdicts[i].reasons),
        })),
      );
    }

    const batch = settled((await settle(file, GROCER.id)).result);

    expect(batch).toMatchObject({ records: 5, accepted: 4, rejected: 1, rejectedByReason: { card_mac_invalid: 1 }, settledMinor: { ecash: '800' } });
    const rows = await db('settlement_records').where({ batch_key: batchKey }).orderBy('record_index').select('record_index', 'verdict');
    expect(rows.map((r) => r.record_index)).toEqual([0, 1, 2, 3, 4]);
    expect(rows.every((r) => r.verdict !== null)).toBe(true);
    expect(await db('settlement_chunks').where({ batch_key: batchKey })).toHaveLength(3);
    expect((await world.registry.card(cards[0].csn)).purses.ecash.spentMinor).toBe(8_00n);
  });
});

describe('merchant payout', () => {
  it('moves everything available from merchant payable to the bank, once per reference', async () => {
    const available = (await payable(GROCER.id)).posted;
    expect(available).toBeGreaterThan(0n);
    const bankBefore = await world.ledger.lookupAccounts([Registry.platformAccountId('bank')]);

    const payout = await payOutMerchant({ db: world.database.db, ledger: world.ledger }, { merchantId: GROCER.id, reference: 'BANK-REF-1' });
    expect(payout).toMatchObject({ outcome: 'paid', amountMinor: available });
    expect((await payable(GROCER.id)).posted).toBe(0n);
    const bankAfter = await world.ledger.lookupAccounts([Registry.platformAccountId('bank')]);
    expect(bankAfter[0].creditsPosted - bankBefore[0].creditsPosted).toBe(available);

    const again = await payOutMerchant({ db: world.database.db, ledger: world.ledger }, { merchantId: GROCER.id, reference: 'BANK-REF-1' });
    expect(again).toMatchObject({ outcome: 'already_paid', amountMinor: available, transferId: payout.transferId });
    const nothing = await payOutMerchant({ db: world.database.db, ledger: world.ledger }, { merchantId: GROCER.id, reference: 'BANK-REF-2' });
    expect(nothing).toMatchObject({ outcome: 'nothing_to_pay', amountMinor: 0n });
  });

  it('refuses a payout larger than what is available, and an unknown merchant', async () => {
    const cafe = (await payable(CAFE.id)).posted;
    await expect(payOutMerchant({ db: world.database.db, ledger: world.ledger }, { merchantId: CAFE.id, reference: 'TOO-MUCH', amountMinor: cafe + 1n })).rejects.toMatchObject({ code: 'payout_refused' });
    await expect(payOutMerchant({ db: world.database.db, ledger: world.ledger }, { merchantId: 'nobody', reference: 'X' })).rejects.toMatchObject({ code: 'merchant_unknown' });
  });
});
