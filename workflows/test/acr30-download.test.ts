// Connected downloads through the ACR30S serial reader: a reader agent on a real socat
// pseudo-terminal pair, card-driver's ACR30 simulator at the other end holding a simulated
// e-Smart card (paced at 9600 bps, as the reader's line runs after power-up).
import { Acr30Reader, Acr30Simulator, SimulatedCard, PURSE } from '../../card-driver';
import { openSocatPair, type SocatPair } from '../../test-support/socat-pair';
import type { DownloadTiming } from '../client';
import { ReaderAgent } from '../worker/reader-agent';
import { FaultyCard } from './faulty-card';
import { customerBalance, customerWithCard, expectLedgerConsistent, phaseBecomes, startHarness, uniqueId, type Harness } from './harness';

jest.setTimeout(60_000);

const TIMING: Partial<DownloadTiming> = { readerPickupMs: 5000, cardStepMs: 3000, recoveryRetryMs: 1000 };

let h: Harness;
let pair: SocatPair;
let sim: Acr30Simulator;
let reader: Acr30Reader;
let agent: ReaderAgent;
let running: Promise<void>;
const readerId = uniqueId('acr30');

beforeAll(async () => {
  h = await startHarness('wf_acr30');
  pair = await openSocatPair();
  sim = await Acr30Simulator.open({ path: pair.devicePath, card: null, announceReset: false });
  reader = await Acr30Reader.open({ path: pair.hostPath, timeouts: { controlMs: 1500, resetMs: 1500, exchangeMs: 1500 } });
  agent = await ReaderAgent.create({ connection: h.nativeConnection, client: h.client, readerId, reader });
  running = agent.run();
});

afterAll(async () => {
  agent?.shutdown();
  await running;
  await sim?.close();
  await pair?.close();
  await h?.close();
});

test.each([
  ['ecash', PURSE.ecash, '250.00', 25000n],
  ['food', PURSE.food, '12.34', 1234n],
] as const)('a connected %s download over the ACR30 posts and the card holds what the ledger moved', async (purse, purseId, amount, minor) => {
  const { customerId, csn } = await customerWithCard(h, { cash: '300.00', food: '50.00' });
  const card = SimulatedCard.issue(h.keys, csn);
  sim.insert(card);
  try {
    const requestId = uniqueId('acr');
    await h.downloads.start({ requestId, csn, purse, amount, mode: 'connected', readerId, timing: TIMING });
    expect(await h.downloads.result(requestId)).toMatchObject({ outcome: 'posted', newBalanceMinor: minor.toString(), proof: 'MAC3 of CREDIT LOAD' });
    expect(card.balance(purseId)).toBe(minor);
    const funded = purse === 'ecash' ? 30000n : 5000n;
    expect(await customerBalance(h, customerId, purse)).toEqual({ posted: funded - minor, pending: 0n, available: funded - minor });
  } finally {
    sim.remove();
  }
  await expectLedgerConsistent(h);
});

test('a card torn away in the ACR30 after the credit is recovered from its log when put back', async () => {
  const { customerId, csn } = await customerWithCard(h, { cash: '100.00' });
  const card = SimulatedCard.issue(h.keys, csn);
  sim.insert(card);
  card.tearAt('after-credit');
  const requestId = uniqueId('acr-torn');
  await h.downloads.start({ requestId, csn, purse: 'ecash', amount: '7.00', mode: 'connected', readerId, timing: TIMING });
  await phaseBecomes(h, requestId, 'awaiting_card');
  sim.remove();
  sim.insert(card);
  try {
    expect(await h.downloads.result(requestId)).toMatchObject({ outcome: 'posted', newBalanceMinor: '700' });
    expect(card.balance(PURSE.ecash)).toBe(700n);
    expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 9300n, pending: 0n, available: 9300n });
  } finally {
    sim.remove();
  }
});

test("a card announced only after a load's step took the reader is named from that step's session: the agent does not SELECT it again, so the load stays pending for CREDIT LOAD", async () => {
  // The ACR30 announces a card when it is idle, so the announcement can trail a download that
  // already powered the card up; a SELECT from the agent's look would then clear the pending load.
  const { csn } = await customerWithCard(h);
  const card = new FaultyCard(SimulatedCard.issue(h.keys, csn));
  const load = { csn, purse: PURSE.ecash, amount: 500n, rhHex: '0123456789abcdef' };
  try {
    await agent.slot.exclusive(async () => {
      const announced = new Promise<void>((resolve) => reader.once('card-inserted', resolve));
      sim.insert(card);
      await announced; // the agent's look now waits for the reader behind this step
      const { session } = await agent.slot.selectFresh();
      await session.initializeLoad({ mode: 'online', purse: load.purse, amount: load.amount, rh: Buffer.from(load.rhHex, 'hex') });
      agent.slot.loadInitialized(load);
    });
    await agent.tellWaitingDownloads();
    expect(card.seen).toEqual(['select', 'initializeLoad']);
    expect(agent.slot.claimPendingLoad(load)).toBeDefined();
  } finally {
    sim.remove();
  }
});
