// The reader agent is a real process (`purseflow reader-agent`, the built CLI) on a private pcscd
// with vpcd, and it dies by SIGKILL at the worst moments of a connected download: while the card
// runs CREDIT LOAD, as CREDIT LOAD goes out, after INITIALIZE LOAD. A new agent process takes the
// reader over and the download ends on proof, exactly once: the real Temporal dev server,
// PostgreSQL, the server worker in this process. A private pcscd because the card is torn away and
// agents come and go: the shared pcscd's slots stay untouched.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { PURSE, SimulatedCard, VpcdCardConnector, type Csn } from '../../card-driver';
import { startPrivatePcscd, type PrivatePcscd } from '../../test-support/private-pcscd';
import { temporalAddress } from '../../test-support/temporal';
import type { DownloadTiming } from '../client';
import { customerBalance, customerWithCard, expectLedgerConsistent, phaseBecomes, startHarness, uniqueId, type Harness } from './harness';
import { FaultyCard } from './faulty-card';
import { cliEnvironment, startCliProcess, stopAllCliProcesses, type CliProcess } from './cli-process';

jest.setTimeout(60_000);

/** vpcd slot 0 of this file's own pcscd (slot 1 would be +1); the shared pcscd uses 35963/35964. */
// Below the kernel's ephemeral range (32768+) and the production tests' port runs (20000+): no client connection can hold it.
const VPCD_PORT = 19462;
const READER_NAME = 'Virtual PCD 00 00';
// A dead agent is noticed after cardHeartbeatMs without a heartbeat (15 s by default).
const TIMING: Partial<DownloadTiming> = { readerPickupMs: 10_000, cardStepMs: 5000, cardHeartbeatMs: 8000, recoveryRetryMs: 1000, operatorAfterMs: 120_000 };
const FUNDED = 100_00n;

let h: Harness;
let pcscd: PrivatePcscd;
const readerId = uniqueId('agent-kill');
let agent: CliProcess | undefined;

async function startAgent(): Promise<CliProcess> {
  const env = cliEnvironment({ PCSCLITE_CSOCK_NAME: pcscd.socket, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  const started = await startCliProcess(['reader-agent', '--reader-id', readerId, '--reader', READER_NAME], env, `reader agent ${readerId} on`);
  agent = started;
  return started;
}

/**
 * Each test starts with an agent of its own that opens the reader while it is empty: the previous
 * test's card was just taken out, and pcscd may miss a swap within one of its presence polls.
 */
async function freshAgent(): Promise<CliProcess> {
  await agent?.stop();
  return startAgent();
}

/** Waits for the killed agent to be gone; if the kill never came, says where the download is. */
async function killed(dying: CliProcess, requestId: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gone = await Promise.race([dying.exited.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), 30_000)))]);
  clearTimeout(timer);
  if (!gone) {
    const state = await h.downloads.state(requestId).catch(() => undefined);
    throw new Error(`the agent was not killed: the download is ${state?.phase} (${JSON.stringify(state?.history.at(-1))}); the agent said:\n${dying.output()}`);
  }
  expect(dying.child.signalCode).toBe('SIGKILL');
}

/** SIGKILL from inside the card's command: the agent dies before the card's answer reaches it. */
function killAgent(): void {
  agent!.child.kill('SIGKILL');
}

beforeAll(async () => {
  h = await startHarness('wf_agent_kill');
  pcscd = await startPrivatePcscd(VPCD_PORT);
}, 120_000);

afterAll(async () => {
  await stopAllCliProcesses();
  await pcscd?.close();
  await h?.close();
});

interface Customer {
  customerId: string;
  csn: Csn;
  card: FaultyCard;
  connector: VpcdCardConnector;
}

async function customerWithCardInReader(): Promise<Customer> {
  const { customerId, csn } = await customerWithCard(h, { cash: '100.00' });
  const card = new FaultyCard(SimulatedCard.issue(h.keys, csn));
  const connector = new VpcdCardConnector({ card, port: VPCD_PORT });
  await connector.insert();
  return { customerId, csn, card, connector };
}

async function download(c: Customer, amount: string): Promise<string> {
  const requestId = uniqueId('agent-kill');
  await h.downloads.start({ requestId, csn: c.csn, purse: 'ecash', amount, mode: 'connected', readerId, timing: TIMING });
  return requestId;
}

async function expectReconciled(c: Customer): Promise<void> {
  const loaded = (await h.registry.card(c.csn)).purses.ecash.loadedMinor;
  expect(await customerBalance(h, c.customerId, 'ecash')).toEqual({ posted: FUNDED - loaded, pending: 0n, available: FUNDED - loaded });
  expect(c.card.card.balance(PURSE.ecash)).toBe(loaded);
  await expectLedgerConsistent(h);
}

function loadRecords(c: Customer): number {
  return c.card.card.log.filter((r) => r.type === 'load').length;
}

test('an agent SIGKILLed while the card runs CREDIT LOAD: a new agent process reads the log and the download is posted exactly once', async () => {
  const dying = await freshAgent();
  const c = await customerWithCardInReader();
  try {
    c.card.at('creditLoad', { kind: 'after', then: killAgent });
    const requestId = await download(c, '30.00');
    await killed(dying, requestId);
    // The card credited; nobody heard its answer. The download waits, reserved.
    expect(loadRecords(c)).toBe(1);
    expect(await customerBalance(h, c.customerId, 'ecash')).toEqual({ posted: FUNDED, pending: 3000n, available: FUNDED - 3000n });
    await startAgent();
    const result = await h.downloads.result(requestId);
    expect(result).toMatchObject({ outcome: 'posted', atc: 1, newBalanceMinor: '3000' });
    expect(result.proof).toMatch(/^log record ATC 1 with MAC3/);
    expect(c.card.creditLoadsSeen).toBe(1);
    expect(loadRecords(c)).toBe(1);
    expect((await h.registry.card(c.csn)).purses.ecash.loadedMinor).toBe(3000n);
    await expectReconciled(c);
  } finally {
    await c.connector.remove();
  }
});

test('an agent SIGKILLed as CREDIT LOAD goes out, the card torn before it saw it: voided by the log read through a new agent process', async () => {
  const dying = await freshAgent();
  const c = await customerWithCardInReader();
  try {
    c.card.at('creditLoad', { kind: 'tear-before', then: killAgent });
    const requestId = await download(c, '30.00');
    await killed(dying, requestId);
    await startAgent();
    await phaseBecomes(h, requestId, 'awaiting_card');
    expect((await customerBalance(h, c.customerId, 'ecash')).pending).toBe(3000n);
    await c.connector.insert();
    const result = await h.downloads.result(requestId);
    expect(result.outcome).toBe('voided');
    expect(result.proof).toMatch(/ATC_card 0 < ATC 1/);
    expect(c.card.creditLoadsSeen).toBe(0);
    await expectReconciled(c);
  } finally {
    await c.connector.remove();
  }
});

test('an agent SIGKILLed after INITIALIZE LOAD, before anything was reserved: refused, nothing reserved, and a new download on a new agent posts', async () => {
  const dying = await freshAgent();
  const c = await customerWithCardInReader();
  try {
    c.card.at('initializeLoad', { kind: 'after', then: killAgent });
    const refused = await download(c, '30.00');
    await killed(dying, refused);
    const err = await h.downloads.result(refused).then(
      () => new Error('expected the download to be refused'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe('card_unreadable');
    expect(await customerBalance(h, c.customerId, 'ecash')).toEqual({ posted: FUNDED, pending: 0n, available: FUNDED });
    await startAgent();
    expect(await h.downloads.result(await download(c, '30.00'))).toMatchObject({ outcome: 'posted', proof: 'MAC3 of CREDIT LOAD', atc: 1 });
    await expectReconciled(c);
  } finally {
    await c.connector.remove();
  }
});
