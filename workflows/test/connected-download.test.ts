// Connected downloads end to end: the real Temporal dev server, PostgreSQL, pcscd with vpcd, a
// simulated e-Smart card in vpcd's slot 0 and a reader agent serving that reader. Every test ends
// with the ledger invariants holding and the card's purse equal to what the ledger posted.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { readLogCommand, selectCommand } from '../../card-driver';
import type { DownloadTiming } from '../client';
import { DownloadClient } from '../client';
import { bundleWorkflows, createServerWorker } from '../worker/server-worker';
import { recordHistories, recording } from './recorded-histories';
import { customerBalance, customerWithCard, eventually, expectLedgerConsistent, freshCsn, historyTexts, keysUnableToSignMac2, phaseBecomes, startHarness, uniqueId, type Harness } from './harness';
import { CardInReader, startReaderRig, type ReaderRig } from './card-in-reader';

jest.setTimeout(60_000);

const TIMING: Partial<DownloadTiming> = { readerPickupMs: 5000, cardStepMs: 2000, recoveryRetryMs: 1000, operatorAfterMs: 60_000 };

let h: Harness;
let rig: ReaderRig;
const finishedRequests: string[] = [];

beforeAll(async () => {
  h = await startHarness('wf_connected');
  rig = await startReaderRig(h, uniqueId('r'));
});

afterAll(async () => {
  await rig?.close();
  await h?.close();
});

async function download(csn: string, purse: 'ecash' | 'food', amount: string, requestId = uniqueId('req')) {
  await h.downloads.start({ requestId, csn, purse, amount, mode: 'connected', readerId: rig.readerId, timing: TIMING });
  finishedRequests.push(requestId);
  return requestId;
}

async function failureCode(requestId: string): Promise<string | undefined> {
  const err = await h.downloads.result(requestId).then(
    () => new Error('expected the download to fail'),
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowFailedError)) throw err;
  return err.cause instanceof ApplicationFailure ? (err.cause.type ?? undefined) : undefined;
}

async function withCard<T>(csn: Parameters<typeof CardInReader.issue>[1], run: (card: CardInReader) => Promise<T>, maxBalance?: bigint): Promise<T> {
  const card = CardInReader.issue(h.keys, csn, rig.reader, maxBalance);
  await card.insert();
  try {
    return await run(card);
  } finally {
    await card.remove();
  }
}

test('a connected e-Cash download posts, and the card holds exactly what the ledger moved', async () => {
  const { customerId, csn } = await customerWithCard(h, { cash: '500.00' });
  await withCard(csn, async (card) => {
    const requestId = await download(csn, 'ecash', '250.00');
    const result = await h.downloads.result(requestId);
    expect(result).toMatchObject({ outcome: 'posted', amountMinor: '25000', newBalanceMinor: '25000', proof: 'MAC3 of CREDIT LOAD', atc: 1 });
    expect(card.card.balance(1)).toBe(25000n);
    expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 25000n, pending: 0n, available: 25000n });
    expect((await h.registry.card(csn)).purses.ecash.loadedMinor).toBe(25000n);
  });
  await expectLedgerConsistent(h);
});

test('a MAC2 the key store cannot sign: CREDIT LOAD is never sent and the reservation is voided with that proof', async () => {
  const taskQueue = uniqueId('wf-unsigned');
  const worker = await createServerWorker({ connection: h.nativeConnection, taskQueue, knex: h.db.db, ledger: h.ledger, keys: keysUnableToSignMac2(h.keys), workflowBundle: await bundleWorkflows() });
  const running = worker.run();
  try {
    const { customerId, csn } = await customerWithCard(h, { cash: '500.00' });
    await withCard(csn, async (card) => {
      const downloads = new DownloadClient(h.client, taskQueue);
      const requestId = uniqueId('req');
      await downloads.start({ requestId, csn, purse: 'ecash', amount: '250.00', mode: 'connected', readerId: rig.readerId, timing: TIMING });
      finishedRequests.push(requestId);
      const result = await downloads.result(requestId);
      expect(result).toMatchObject({ outcome: 'voided', atc: 1 });
      expect(result.proof).toMatch(/^no authorization was ever issued, CREDIT LOAD was not sent/);
      expect(card.card.balance(1)).toBe(0n);
      expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 50000n, pending: 0n, available: 50000n });
    });
  } finally {
    worker.shutdown();
    await running;
  }
  await expectLedgerConsistent(h);
});

test('MAC2 enters the history only with the reservation it unlocks, in the same step', async () => {
  const { csn } = await customerWithCard(h, { cash: '500.00' });
  await withCard(csn, async () => {
    const requestId = await download(csn, 'ecash', '10.00');
    expect(await h.downloads.result(requestId)).toMatchObject({ outcome: 'posted' });
    const { events, texts } = await historyTexts(h, requestId);
    const step = texts.findIndex((t, i) => events[i].markerRecordedEventAttributes && t.includes('reserveAndAuthorizeLoad'));
    expect(step).toBeGreaterThan(0);
    const mac2 = /mac2Hex\\?":\\?"([0-9A-F]{8})/.exec(texts[step])?.[1];
    expect(mac2).toBeDefined();
    expect(texts[step]).toMatch(/reservationId/);
    expect(texts.findIndex((t) => t.includes(mac2!))).toBe(step);
  });
  await expectLedgerConsistent(h);
});

test('a connected Food Voucher download posts from the food account onto the food purse', async () => {
  const { customerId, csn } = await customerWithCard(h, { food: '100.00' });
  await withCard(csn, async (card) => {
    const result = await h.downloads.result(await download(csn, 'food', '60.00'));
    expect(result.outcome).toBe('posted');
    expect(card.card.balance(2)).toBe(6000n);
    expect(await customerBalance(h, customerId, 'food')).toEqual({ posted: 4000n, pending: 0n, available: 4000n });
  });
});

test('a download larger than the account fails with insufficient_funds and reserves nothing', async () => {
  const { customerId, csn } = await customerWithCard(h, { cash: '10.00' });
  await withCard(csn, async (card) => {
    expect(await failureCode(await download(csn, 'ecash', '10.01'))).toBe('insufficient_funds');
    expect(card.card.balance(1)).toBe(0n);
  });
  expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 1000n, pending: 0n, available: 1000n });
});

test('a blocked card fails with card_blocked before the reader is touched', async () => {
  const { customerId, csn } = await customerWithCard(h, { cash: '10.00' });
  await h.registry.blockCard(csn, 'reported stolen');
  expect(await failureCode(await download(csn, 'ecash', '5.00'))).toBe('card_blocked');
  expect((await customerBalance(h, customerId, 'ecash')).pending).toBe(0n);
});

test('an unknown card fails with card_unknown', async () => {
  expect(await failureCode(await download(freshCsn(), 'ecash', '5.00'))).toBe('card_unknown');
});

test("an amount over the purse's MAXBAL fails with over_purse_limit and reserves nothing", async () => {
  const { customerId, csn } = await customerWithCard(h, { cash: '5000.00' });
  await withCard(
    csn,
    async (card) => {
      expect(await failureCode(await download(csn, 'ecash', '1000.01'))).toBe('over_purse_limit');
      expect(card.card.balance(1)).toBe(0n);
    },
    100_000n,
  );
  expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 500_000n, pending: 0n, available: 500_000n });
});

test('the same request id started twice is one download', async () => {
  const { customerId, csn } = await customerWithCard(h, { cash: '100.00' });
  await withCard(csn, async (card) => {
    const requestId = uniqueId('twice');
    const request = { requestId, csn, purse: 'ecash' as const, amount: '40.00', mode: 'connected' as const, readerId: rig.readerId, timing: TIMING };
    const [a, b] = await Promise.all([h.downloads.start(request), h.downloads.start(request)]);
    expect(b.runId).toBe(a.runId);
    await h.downloads.result(requestId);
    const again = await h.downloads.start(request);
    expect(again.runId).toBe(a.runId);
    finishedRequests.push(requestId);
    expect(card.card.balance(1)).toBe(4000n);
  });
  expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 6000n, pending: 0n, available: 6000n });
});

test("two downloads of one card, purse and amount at once never answer each other's challenge", async () => {
  // Both INITIALIZE LOADs get the same ATC; only the host's RH tells them apart. A CREDIT LOAD
  // sent against the other download's pending load would carry a MAC2 the card refuses, and
  // neither would be loaded.
  const { customerId, csn } = await customerWithCard(h, { cash: '100.00' });
  await withCard(csn, async (card) => {
    const requests = await Promise.all([download(csn, 'ecash', '10.00'), download(csn, 'ecash', '10.00')]);
    const results = await Promise.all(requests.map((id) => h.downloads.result(id)));
    const posted = results.filter((r) => r.outcome === 'posted');
    expect(posted.length).toBeGreaterThanOrEqual(1);
    for (const voided of results.filter((r) => r.outcome === 'voided')) expect(voided.proof).toMatch(/CREDIT LOAD was not sent/);
    expect(card.card.balance(1)).toBe(1000n * BigInt(posted.length));
    expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 10000n - 1000n * BigInt(posted.length), pending: 0n, available: 10000n - 1000n * BigInt(posted.length) });
  });
  await expectLedgerConsistent(h);
});

test('a card torn away after the credit ran is recovered from its log and posted', async () => {
  const { customerId, csn } = await customerWithCard(h, { cash: '100.00' });
  const card = CardInReader.issue(h.keys, csn, rig.reader);
  await card.insert();
  card.tearAtCredit('after-processing');
  const requestId = await download(csn, 'ecash', '30.00');
  await phaseBecomes(h, requestId, 'awaiting_card');
  expect((await customerBalance(h, customerId, 'ecash')).pending).toBe(3000n);
  await card.insert();
  try {
    const result = await h.downloads.result(requestId);
    expect(result).toMatchObject({ outcome: 'posted', newBalanceMinor: '3000' });
    expect(result.proof).toMatch(/^log record ATC 1 with MAC3/);
    expect(card.card.balance(1)).toBe(3000n);
    expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 7000n, pending: 0n, available: 7000n });
  } finally {
    await card.remove();
  }
  await expectLedgerConsistent(h);
});

test('a card torn away before the credit reached it is proven uncredited by its log and voided', async () => {
  const { customerId, csn } = await customerWithCard(h, { cash: '100.00' });
  const card = CardInReader.issue(h.keys, csn, rig.reader);
  await card.insert();
  card.tearAtCredit('before-processing');
  const requestId = await download(csn, 'ecash', '30.00');
  await phaseBecomes(h, requestId, 'awaiting_card');
  await card.insert();
  try {
    const result = await h.downloads.result(requestId);
    expect(result.outcome).toBe('voided');
    expect(result.proof).toMatch(/ATC_card 0 < ATC 1/);
    expect(card.card.balance(1)).toBe(0n);
    expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 10000n, pending: 0n, available: 10000n });
  } finally {
    await card.remove();
  }
  await expectLedgerConsistent(h);
});

test('a torn download survives its reader agent being stopped and started again', async () => {
  const { customerId, csn } = await customerWithCard(h, { cash: '100.00' });
  const card = CardInReader.issue(h.keys, csn, rig.reader);
  await card.insert();
  card.tearAtCredit('after-processing');
  const requestId = await download(csn, 'ecash', '20.00');
  await phaseBecomes(h, requestId, 'awaiting_card');
  const readerId = rig.readerId;
  await rig.close();
  rig = await startReaderRig(h, readerId);
  const back = new CardInReader(card.card, rig.reader);
  await back.insert();
  try {
    expect(await h.downloads.result(requestId)).toMatchObject({ outcome: 'posted', newBalanceMinor: '2000' });
    expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 8000n, pending: 0n, available: 8000n });
  } finally {
    await back.remove();
  }
});

test('an operator resolves a download whose card is away with the log record read elsewhere', async () => {
  const { customerId, csn } = await customerWithCard(h, { cash: '100.00' });
  const card = CardInReader.issue(h.keys, csn, rig.reader);
  await card.insert();
  card.tearAtCredit('after-processing');
  const requestId = await download(csn, 'ecash', '10.00');
  await phaseBecomes(h, requestId, 'awaiting_card');
  // Operators find it among the stuck downloads (visibility follows within moments).
  await eventually(
    'the stuck download to show up in visibility',
    async () => (await h.downloads.listStuck({ csn })).some((s) => s.workflowId === `download-${requestId}` && s.phase === 'awaiting_card' && s.customerId === customerId),
    15_000,
  );
  // The card is read at a counter with `purseflow card log`: READ LOG 1 is this load's record.
  card.card.insert();
  card.card.process(selectCommand());
  const record = card.card.process(readLogCommand(1)).subarray(0, 28).toString('hex');
  await expect(h.downloads.voidWithEvidence(requestId, 'op-ben', { kind: 'operator_attestation', operator: 'op-ben', reference: 'too early' })).rejects.toMatchObject({ code: 'evidence_refused' });
  const forged = record.slice(0, -8) + '00000000';
  await expect(h.downloads.resolveWithEvidence(requestId, 'op-ben', { kind: 'log_record', recordHex: forged })).rejects.toMatchObject({ code: 'evidence_refused' });
  const state = await h.downloads.resolveWithEvidence(requestId, 'op-ben', { kind: 'log_record', recordHex: record });
  expect(state).toMatchObject({ phase: 'posted', proof: 'log record given by operator op-ben', newBalanceMinor: '1000' });
  expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 9000n, pending: 0n, available: 9000n });
});

test('the portal sees which readers have an agent online', async () => {
  expect(await h.downloads.readerOnline(rig.readerId)).toBe(true);
  expect(await h.downloads.readerOnline(uniqueId('nobody'))).toBe(false);
});

test('the histories of every download above replay deterministically', async () => {
  const histories = await Promise.all(finishedRequests.map(async (id) => ({ workflowId: `download-${id}`, history: await h.downloads.handle(id).fetchHistory() })));
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: await bundleWorkflows() }, histories)) {
    expect(result.error).toBeUndefined();
    replayed += 1;
  }
  expect(replayed).toBe(finishedRequests.length);
  if (recording()) await recordHistories('connected', finishedRequests.map((id) => h.downloads.handle(id)));
});
