// The read-only queries of workflows/client that the portal's pages use, against the real
// PostgreSQL (registry and settlement tables) and the real Temporal dev server: a customer's
// accounts and cards, their readers, a settlement's records page by page, the cards settlement
// flagged, and settlements left running.
import { randomBytes } from 'node:crypto';
import { parseSamId, parseTransferCardId, PURSE, runMerchant, type SimulatedCard } from '../../card-driver';
import {
  acceptedRecords,
  accountIdFor,
  customerOverview,
  CustomerReadError,
  decidedRecords,
  flaggedCards,
  listStuckSettlements,
  readersOf,
  rejectedRecords,
  settlementOutcome,
  uploadSettlementFile,
  type SettlementResult,
} from '../client';
import { RegistryError } from '../registry';
import { SettlementError } from '../settlement/settlement-error';
import { createWorld, type World } from './settlement-world';

jest.setTimeout(60_000);

const runTag = randomBytes(6).toString('hex').toUpperCase();
const SHOP = { id: `shop-${runTag}`, sam: parseSamId('53414D00000000C1'), transferCard: parseTransferCardId(`54${runTag}C1`) };
let world: World;
let samSeq = 1;
let batchSeq = 1;

beforeAll(async () => {
  world = await createWorld('client_reads', require.resolve('../settlement/settlement-workflow'));
  await world.registry.enrolMerchant({ id: SHOP.id, name: 'Corner shop', foodEligible: true });
  await world.registry.addSam({ samId: SHOP.sam, merchantId: SHOP.id });
  await world.registry.addTransferCard({ transferCardId: SHOP.transferCard, merchantId: SHOP.id });
}, 120_000);

afterAll(async () => {
  await world?.close();
});

async function enrol(): Promise<string> {
  const id = `cust-${randomBytes(4).toString('hex')}`;
  await world.registry.enrolCustomer({ id, name: `Customer ${id}` });
  return id;
}

async function settle(cards: SimulatedCard[], run: { purchases: number; amount: bigint; faults?: { tamperPurchaseMacs?: number } }): Promise<{ batchKey: string; result: SettlementResult }> {
  const { file } = runMerchant(world.keys, cards, { samId: SHOP.sam, transferCardId: SHOP.transferCard, amount: run.amount, purchases: run.purchases, firstSamSeq: samSeq, batchSeq: batchSeq++, faults: run.faults });
  samSeq += run.purchases;
  const started = await uploadSettlementFile(world.client, { merchantId: SHOP.id, file: world.writeFile(`b-${batchSeq}.estb`, file), uploadDir: world.uploadDir, taskQueue: world.taskQueue });
  return { batchKey: started.workflowId.replace(/^settlement-/, ''), result: await settlementOutcome(started.handle) };
}

describe("a customer's overview", () => {
  test('lists both accounts under their name-based ids and every card with its last known purse balances', async () => {
    const customerId = await enrol();
    const loaded = await world.cardFor(customerId, { ecash: 60_00n, food: 25_00n });
    const blocked = await world.cardFor(customerId, {});
    await world.registry.blockCard(blocked.csn, 'reported lost');
    await settle([loaded], { purchases: 1, amount: 15_00n });

    const overview = await customerOverview(world.database.db, customerId);
    expect(overview?.accounts).toEqual([
      { purse: 'ecash', code: 'customer_cash', accountId: accountIdFor('customer_cash', `customer:${customerId}`), currency: 'INR' },
      { purse: 'food', code: 'customer_food', accountId: accountIdFor('customer_food', `customer:${customerId}`), currency: 'INR' },
    ]);
    const byCsn = new Map(overview?.cards.map((c) => [c.csn, c]));
    expect(byCsn.get(loaded.csn)).toEqual({
      csn: loaded.csn,
      blocked: false,
      blockedReason: null,
      purses: [
        { purse: 'ecash', loadedMinor: 60_00n, spentMinor: 15_00n, lastKnownMinor: 45_00n, overspent: false },
        { purse: 'food', loadedMinor: 25_00n, spentMinor: 0n, lastKnownMinor: 25_00n, overspent: false },
      ],
    });
    expect(byCsn.get(blocked.csn)).toMatchObject({ blocked: true, blockedReason: 'reported lost' });
  });

  test('of a customer the registry does not know is null', async () => {
    expect(await customerOverview(world.database.db, 'nobody-here')).toBeNull();
  });

  test.each([['an empty id', ''], ['an id with spaces', 'ann smith'], ['an id with a quote', "x' OR '1'='1"]])('refuses %s with customer_id_invalid', async (_what, id) => {
    await expect(customerOverview(world.database.db, id)).rejects.toMatchObject({ code: 'customer_id_invalid' });
    await expect(readersOf(world.database.db, id)).rejects.toBeInstanceOf(CustomerReadError);
  });
});

describe("a customer's readers", () => {
  test('are the readers assigned to them; assigning again changes nothing', async () => {
    const customerId = await enrol();
    await world.registry.assignReader({ readerId: `desk-${runTag}-b`, customerId });
    await world.registry.assignReader({ readerId: `desk-${runTag}-a`, customerId });
    await world.registry.assignReader({ readerId: `desk-${runTag}-a`, customerId });
    expect((await readersOf(world.database.db, customerId)).map((r) => r.readerId)).toEqual([`desk-${runTag}-a`, `desk-${runTag}-b`]);
    expect(await readersOf(world.database.db, await enrol())).toEqual([]);
  });

  test("a reader of another customer is refused unless reassigned on purpose", async () => {
    const [ann, bob] = [await enrol(), await enrol()];
    const readerId = `pc-${runTag}`;
    await world.registry.assignReader({ readerId, customerId: ann });
    await expect(world.registry.assignReader({ readerId, customerId: bob })).rejects.toMatchObject({ code: 'reader_owned_by_another_customer' });
    expect((await readersOf(world.database.db, ann)).map((r) => r.readerId)).toEqual([readerId]);
    await world.registry.assignReader({ readerId, customerId: bob, reassign: true });
    expect(await readersOf(world.database.db, ann)).toEqual([]);
    expect((await readersOf(world.database.db, bob)).map((r) => r.readerId)).toEqual([readerId]);
  });

  test.each([
    ['a reader id with spaces', { readerId: 'my reader' }, 'id_invalid'],
    ['an unknown customer', { customerId: 'nobody-here' }, 'customer_unknown'],
  ])('assigning %s is refused', async (_what, change, code) => {
    const customerId = await enrol();
    const attempt = world.registry.assignReader({ readerId: `ok-${runTag}`, customerId, ...change });
    await expect(attempt).rejects.toBeInstanceOf(RegistryError);
    await expect(attempt).rejects.toMatchObject({ code });
  });
});

describe("a settlement's records", () => {
  let batchKey: string;
  beforeAll(async () => {
    const customerId = await enrol();
    const card = await world.cardFor(customerId, { ecash: 100_00n });
    ({ batchKey } = await settle([card], { purchases: 5, amount: 2_00n, faults: { tamperPurchaseMacs: 1 } }));
  });

  test('accepted ones are listed in file order, a page at a time, beside the refused ones', async () => {
    const first = await acceptedRecords(world.database.db, batchKey, { limit: 2 });
    const second = await acceptedRecords(world.database.db, batchKey, { afterIndex: first[first.length - 1].index, limit: 2 });
    const rest = await acceptedRecords(world.database.db, batchKey, { afterIndex: second[second.length - 1].index, limit: 2 });
    const refused = await rejectedRecords(world.database.db, batchKey, { limit: 10 });
    expect([first.length, second.length, rest.length, refused.length]).toEqual([2, 2, 0, 1]);
    expect(first[0]).toMatchObject({ purse: PURSE.ecash, amountMinor: '200' });
    const indexes = [...first, ...second, ...refused].map((r) => r.index).sort((a, b) => a - b);
    expect(indexes).toEqual([0, 1, 2, 3, 4]);
  });

  test('all decided records page by offset, each with its verdict and the reason of a refusal', async () => {
    const all = await decidedRecords(world.database.db, batchKey, { limit: 10 });
    expect(all.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(all.filter((r) => r.verdict === 'rejected')).toEqual([expect.objectContaining({ reason: 'card_mac_invalid' })]);
    expect(all.filter((r) => r.verdict === 'accepted').every((r) => r.reason === null)).toBe(true);
    expect((await decidedRecords(world.database.db, batchKey, { offset: 3, limit: 10 })).map((r) => r.index)).toEqual([3, 4]);
    expect(await decidedRecords(world.database.db, batchKey, { verdict: 'accepted', offset: 1, limit: 2 })).toHaveLength(2);
  });

  test.each([
    ['a limit of 0', { limit: 0 }],
    ['a limit over 1000', { limit: 1001 }],
    ['a fractional limit', { limit: 1.5 }],
    ['a negative offset', { limit: 5, offset: -1 }],
  ])('asking with %s is refused', async (_what, page) => {
    await expect(decidedRecords(world.database.db, batchKey, page)).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(decidedRecords(world.database.db, batchKey, page)).rejects.toBeInstanceOf(SettlementError);
  });
});

test('cards that spent more than was loaded are listed once per purse with what was held back', async () => {
  const customerId = await enrol();
  const card = await world.cardFor(customerId, { ecash: 50_00n });
  await world.loadOffTheBooks(card, PURSE.ecash, 100_00n);
  const { batchKey } = await settle([card], { purchases: 3, amount: 40_00n });
  const flagged = (await flaggedCards(world.database.db, { limit: 100 })).filter((f) => f.csn === card.csn);
  expect(flagged).toEqual([expect.objectContaining({ csn: card.csn, purse: PURSE.ecash, records: 2, heldBackMinor: '8000', batchKeys: [batchKey] })]);
  await expect(flaggedCards(world.database.db, { limit: 0 })).rejects.toMatchObject({ code: 'invalid_argument' });
});

test('a settlement that no worker picks up is listed as running past its time, and one that finished is not', async () => {
  const customerId = await enrol();
  const card = await world.cardFor(customerId, { ecash: 10_00n });
  const { file } = runMerchant(world.keys, [card], { samId: SHOP.sam, transferCardId: SHOP.transferCard, amount: 1_00n, purchases: 1, firstSamSeq: samSeq++, batchSeq: batchSeq++ });
  const orphan = await uploadSettlementFile(world.client, { merchantId: SHOP.id, file: world.writeFile('orphan.estb', file), uploadDir: world.uploadDir, taskQueue: `no-worker-${runTag}` });
  try {
    let listed = undefined as Awaited<ReturnType<typeof listStuckSettlements>>[number] | undefined;
    for (let i = 0; i < 50 && !listed; i++) {
      listed = (await listStuckSettlements(world.client, { runningLongerThanMs: 0, limit: 1000 })).find((s) => s.workflowId === orphan.workflowId);
      if (!listed) await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed).toMatchObject({ workflowId: orphan.workflowId, merchantId: SHOP.id });
    const notYet = await listStuckSettlements(world.client, { runningLongerThanMs: 60 * 60_000 });
    expect(notYet.map((s) => s.workflowId)).not.toContain(orphan.workflowId);
    await expect(listStuckSettlements(world.client, { runningLongerThanMs: -1 })).rejects.toMatchObject({ code: 'invalid_argument' });
  } finally {
    await orphan.handle.terminate('test done: nobody was meant to settle it');
  }
});
