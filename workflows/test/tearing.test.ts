// Tearing at every step of a connected download (spec 4.1), end to end: the real Temporal dev
// server, PostgreSQL, a reader agent on an ACR30S simulator over a real socat pseudo-terminal pair,
// a simulated e-Smart card that leaves the reader at the chosen moment. Before the reservation a
// tear is a refusal with nothing reserved; after it the money ends only on proof — posted on MAC3
// or the log record, voided when CREDIT LOAD provably never reached the card or the log shows
// ATC_card < ATC — and when the log can no longer tell (its record rolled out of the cyclic log),
// the download waits for an operator with the reservation intact. Every test ends with the ledger
// invariants holding and the card's purse equal to what the ledger posted minus what it spent.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { LOG_CAPACITY, PURSE, SimulatedCard, SimulatedPos, SimulatedSam, parseSamId, type Csn } from '../../card-driver';
import { Worker } from '@temporalio/worker';
import type { DownloadTiming } from '../client';
import { bundleWorkflows } from '../worker/server-worker';
import { recordHistories, recording } from './recorded-histories';
import { customerBalance, customerWithCard, eventually, expectLedgerConsistent, phaseBecomes, startHarness, uniqueId, type Harness } from './harness';
import { FaultyCard } from './faulty-card';
import { startAcr30Rig, type Acr30Rig } from './acr30-rig';
import { CLI, REPO, cliEnvironment } from './cli-process';
import { temporalAddress } from '../../test-support/temporal';

jest.setTimeout(60_000);

const TIMING: Partial<DownloadTiming> = { readerPickupMs: 5000, cardStepMs: 3000, recoveryRetryMs: 1000, operatorAfterMs: 120_000 };
const FUNDED = 100_00n;

let h: Harness;
let rig: Acr30Rig;

beforeAll(async () => {
  h = await startHarness('wf_tearing');
  rig = await startAcr30Rig(h, uniqueId('tear'));
});

afterAll(async () => {
  await rig?.close();
  await h?.close();
});

afterEach(() => {
  rig?.sim.remove();
});

interface Customer {
  customerId: string;
  csn: Csn;
  card: FaultyCard;
}

async function customer(): Promise<Customer> {
  const { customerId, csn } = await customerWithCard(h, { cash: '100.00' });
  return { customerId, csn, card: new FaultyCard(SimulatedCard.issue(h.keys, csn)) };
}

/** Every download of this file (their histories must replay), and those kept as golden histories. */
const downloads: string[] = [];
const golden: string[] = [];

async function download(c: Customer, amount: string, readerId = rig.readerId, timing: Partial<DownloadTiming> = {}): Promise<string> {
  const requestId = uniqueId('tear');
  await h.downloads.start({ requestId, csn: c.csn, purse: 'ecash', amount, mode: 'connected', readerId, timing: { ...TIMING, ...timing } });
  downloads.push(requestId);
  return requestId;
}

/** Keeps this download's history among the golden ones (a path the other recorded files do not take). */
function keepAsGolden(requestId: string): string {
  golden.push(requestId);
  return requestId;
}

async function failureCode(requestId: string): Promise<string | undefined> {
  const err = await h.downloads.result(requestId).then(
    () => new Error('expected the download to be refused'),
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowFailedError)) throw err;
  return err.cause instanceof ApplicationFailure ? (err.cause.type ?? undefined) : undefined;
}

/** `purseflow <args>` (the built CLI) against this file's Temporal; its standard output. */
async function runCli(args: string[]): Promise<string> {
  const env = cliEnvironment({ TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd: REPO, env });
  return stdout;
}

function loadRecords(c: Customer): number {
  return c.card.card.log.filter((r) => r.type === 'load').length;
}

/**
 * The ledger and the card agree: the customer's account paid exactly what the card's shadow says was
 * loaded, nothing is left pending, the card holds loads minus `spentMinor`, the invariants hold.
 */
async function expectReconciled(c: Customer, spentMinor = 0n): Promise<void> {
  const loaded = (await h.registry.card(c.csn)).purses.ecash.loadedMinor;
  expect(await customerBalance(h, c.customerId, 'ecash')).toEqual({ posted: FUNDED - loaded, pending: 0n, available: FUNDED - loaded });
  expect(c.card.card.balance(PURSE.ecash)).toBe(loaded - spentMinor);
  await expectLedgerConsistent(h);
}

describe('before anything is reserved, a tear is a refusal and nothing is reserved', () => {
  test('no card in the reader: card_absent', async () => {
    const c = await customer();
    expect(await failureCode(await download(c, '30.00', rig.readerId, { cardStepMs: 1000 }))).toBe('card_absent');
    expect((await h.registry.card(c.csn)).purses.ecash.loadedMinor).toBe(0n);
    await expectReconciled(c);
  });

  test('torn away as INITIALIZE LOAD arrives (the card never sees it): card_unreadable, the card untouched', async () => {
    const c = await customer();
    rig.sim.insert(c.card.at('initializeLoad', { kind: 'tear-before' }));
    expect(await failureCode(await download(c, '30.00'))).toBe('card_unreadable');
    expect(c.card.seen).not.toContain('initializeLoad');
    expect(c.card.card.atcCard).toBe(0);
    await expectReconciled(c);
  });

  test('torn away after INITIALIZE LOAD ran (its answer lost): card_unreadable, the counter unmoved, no pending load left', async () => {
    const c = await customer();
    rig.sim.insert(c.card.at('initializeLoad', { kind: 'tear-after' }));
    expect(await failureCode(await download(c, '30.00'))).toBe('card_unreadable');
    expect(c.card.seen).toContain('initializeLoad');
    expect(c.card.card.atcCard).toBe(0);
    expect(c.card.card.hasPendingLoad).toBe(false);
    await expectReconciled(c);
  });
});

describe('an answer to INITIALIZE LOAD that does not prove a genuine card reserves nothing', () => {
  test('MAC1 garbled on its way back: card_not_genuine, nothing reserved, CREDIT LOAD never sent', async () => {
    const c = await customer();
    rig.sim.insert(c.card.at('initializeLoad', { kind: 'garble-mac' }));
    expect(await failureCode(keepAsGolden(await download(c, '30.00')))).toBe('card_not_genuine');
    expect(c.card.seen).not.toContain('creditLoad');
    expect(c.card.card.balance(PURSE.ecash)).toBe(0n);
    await expectReconciled(c);
  });
});

describe('between the reservation and CREDIT LOAD, a card that left is voided: CREDIT LOAD provably never went out', () => {
  test('pulled out right after answering INITIALIZE LOAD, while the server checks MAC1 and reserves', async () => {
    const c = await customer();
    rig.sim.insert(c.card.at('initializeLoad', { kind: 'after', then: () => rig.sim.remove() }));
    const result = await h.downloads.result(await download(c, '30.00'));
    expect(result).toMatchObject({ outcome: 'voided', atc: 1 });
    expect(result.proof).toMatch(/CREDIT LOAD was not sent/);
    expect(c.card.creditLoadsSeen).toBe(0);
    await expectReconciled(c);
  });

  test('pulled out and put straight back: the new power-up lost the pending load, CREDIT LOAD is not sent to it', async () => {
    const c = await customer();
    rig.sim.insert(
      c.card.at('initializeLoad', {
        kind: 'after',
        then: () => {
          rig.sim.remove();
          rig.sim.insert(c.card);
        },
      }),
    );
    const result = await h.downloads.result(keepAsGolden(await download(c, '30.00')));
    expect(result).toMatchObject({ outcome: 'voided', atc: 1 });
    expect(result.proof).toMatch(/CREDIT LOAD was not sent/);
    expect(c.card.creditLoadsSeen).toBe(0);
    await expectReconciled(c);
  });
});

describe('at CREDIT LOAD, the outcome is proven by MAC3 or by the log', () => {
  test('torn away as CREDIT LOAD arrives: reserved, then voided by the log (ATC_card < ATC) when the card is back', async () => {
    const c = await customer();
    rig.sim.insert(c.card.at('creditLoad', { kind: 'tear-before' }));
    const requestId = await download(c, '30.00');
    await phaseBecomes(h, requestId, 'awaiting_card');
    expect((await customerBalance(h, c.customerId, 'ecash')).pending).toBe(3000n);
    rig.sim.insert(c.card);
    const result = await h.downloads.result(requestId);
    expect(result.outcome).toBe('voided');
    expect(result.proof).toMatch(/ATC_card 0 < ATC 1/);
    expect(loadRecords(c)).toBe(0);
    await expectReconciled(c);
  });

  test('torn away after the card credited, before its answer: posted by the log record when the card is back', async () => {
    const c = await customer();
    rig.sim.insert(c.card.at('creditLoad', { kind: 'tear-after' }));
    const requestId = await download(c, '30.00');
    await phaseBecomes(h, requestId, 'awaiting_card');
    expect((await customerBalance(h, c.customerId, 'ecash')).pending).toBe(3000n);
    rig.sim.insert(c.card);
    const result = await h.downloads.result(requestId);
    expect(result).toMatchObject({ outcome: 'posted', newBalanceMinor: '3000' });
    expect(result.proof).toMatch(/^log record ATC 1 with MAC3/);
    expect(loadRecords(c)).toBe(1);
    await expectReconciled(c);
  });

  test("the answer to CREDIT LOAD lost once on the serial line: the reader fetches it again (NAK), never sends CREDIT LOAD twice, posted by MAC3", async () => {
    const c = await customer();
    rig.sim.insert(c.card.at('creditLoad', { kind: 'after', then: () => rig.sim.inject({ kind: 'drop-reply' }) }));
    const result = await h.downloads.result(await download(c, '30.00'));
    expect(result).toMatchObject({ outcome: 'posted', proof: 'MAC3 of CREDIT LOAD', newBalanceMinor: '3000' });
    expect(c.card.creditLoadsSeen).toBe(1);
    expect(loadRecords(c)).toBe(1);
    await expectReconciled(c);
  });

  test('MAC3 garbled on its way back: not trusted, the log read at once proves the credit, posted', async () => {
    const c = await customer();
    rig.sim.insert(c.card.at('creditLoad', { kind: 'garble-mac' }));
    const result = await h.downloads.result(keepAsGolden(await download(c, '30.00')));
    expect(result).toMatchObject({ outcome: 'posted', newBalanceMinor: '3000' });
    expect(result.proof).toMatch(/^log record ATC 1 with MAC3/);
    expect(c.card.creditLoadsSeen).toBe(1);
    await expectReconciled(c);
  });

  test('pulled out right after answering CREDIT LOAD (MAC3 already on its way): posted by MAC3', async () => {
    const c = await customer();
    rig.sim.insert(c.card.at('creditLoad', { kind: 'after', then: () => rig.sim.remove() }));
    const result = await h.downloads.result(await download(c, '30.00'));
    expect(result).toMatchObject({ outcome: 'posted', proof: 'MAC3 of CREDIT LOAD', newBalanceMinor: '3000' });
    await expectReconciled(c);
  });
});

describe('during recovery, the log is read wherever and whenever the card comes back', () => {
  test('torn away again while its log is read: still waiting, posted once the card stays', async () => {
    const c = await customer();
    rig.sim.insert(c.card.at('creditLoad', { kind: 'tear-after' }));
    const requestId = keepAsGolden(await download(c, '30.00'));
    await phaseBecomes(h, requestId, 'awaiting_card');
    rig.sim.insert(c.card.at('readLog', { kind: 'tear-before' }));
    await eventually('the card to be torn during READ LOG', () => !rig.sim.cardInserted);
    expect((await h.downloads.state(requestId)).phase).toBe('awaiting_card');
    expect((await customerBalance(h, c.customerId, 'ecash')).pending).toBe(3000n);
    rig.sim.insert(c.card);
    expect(await h.downloads.result(requestId)).toMatchObject({ outcome: 'posted', newBalanceMinor: '3000' });
    expect(loadRecords(c)).toBe(1);
    await expectReconciled(c);
  });

  test("the reader's cable pulled after the card credited: the card shows up in the customer's other reader and is posted there", async () => {
    const c = await customer();
    const lost = await startAcr30Rig(h, uniqueId('lost'));
    const other = await startAcr30Rig(h, uniqueId('other'));
    try {
      lost.sim.insert(
        c.card.at('creditLoad', {
          kind: 'after',
          then: () => {
            // The card ran CREDIT LOAD; its answer never leaves the reader, whose line then dies.
            lost.sim.inject({ kind: 'drop-reply' });
            lost.sim.inject({ kind: 'deaf', ms: 60_000 });
            void lost.unplug();
          },
        }),
      );
      const requestId = await download(c, '30.00', lost.readerId);
      await phaseBecomes(h, requestId, 'awaiting_card');
      expect((await customerBalance(h, c.customerId, 'ecash')).pending).toBe(3000n);
      // The reader agent finds the waiting download through visibility, which follows within moments.
      await eventually('the download to be listed as waiting for its card', async () => (await h.downloads.listStuck({ csn: c.csn })).some((s) => s.phase === 'awaiting_card'));
      other.sim.insert(c.card);
      const result = await h.downloads.result(requestId);
      expect(result).toMatchObject({ outcome: 'posted', newBalanceMinor: '3000' });
      expect(result.proof).toMatch(new RegExp(`read on reader ${other.readerId}`));
      expect(loadRecords(c)).toBe(1);
      await expectReconciled(c);
    } finally {
      other.sim.remove();
      await other.close();
      await lost.close();
    }
  });

  test('the reader hangs after the card credited and the card goes straight to the other reader, before the download knows it must wait for it: posted there', async () => {
    const c = await customer();
    // Its host gives up on CREDIT LOAD's answer after 4 × 800 ms.
    const lost = await startAcr30Rig(h, uniqueId('lost'), 800);
    const other = await startAcr30Rig(h, uniqueId('other'));
    try {
      lost.sim.insert(
        c.card.at('creditLoad', {
          kind: 'after',
          then: () => {
            // The reader hangs: CREDIT LOAD's answer never comes, the host gives up only after
            // its time-outs and resends. The customer takes the card straight to the other
            // reader, which reads it while the download still waits for that answer.
            lost.sim.inject({ kind: 'drop-reply' });
            lost.sim.inject({ kind: 'deaf', ms: 60_000 });
            other.sim.insert(c.card);
          },
        }),
      );
      const requestId = keepAsGolden(await download(c, '30.00', lost.readerId));
      const result = await h.downloads.result(requestId);
      expect(result).toMatchObject({ outcome: 'posted', newBalanceMinor: '3000' });
      expect(result.proof).toMatch(new RegExp(`read on reader ${other.readerId}`));
      expect(loadRecords(c)).toBe(1);
      await expectReconciled(c);
    } finally {
      other.sim.remove();
      await other.close();
      // The hung reader's agent is still inside the abandoned log read: cut its line so it ends now.
      await lost.unplug();
      await lost.close();
    }
  });
});

describe("the log too old: the torn load's record rolled out of the card's 10-record log", () => {
  const sam = (): SimulatedSam => SimulatedSam.issue(h.keys, parseSamId(randomBytes(8).toString('hex').toUpperCase()));

  /** The customer shops `count` times for 1.00 with the card, away from any reader (off-system). */
  function shop(c: Customer, count: number): bigint {
    const pos = new SimulatedPos(sam());
    c.card.card.insert();
    for (let i = 0; i < count; i++) pos.purchase(c.card.card, PURSE.ecash, 100n);
    return BigInt(count) * 100n;
  }

  test('a credited load whose record rolled out is not voided: it waits for an operator with the log as evidence, reserved, until an operator settles it', async () => {
    const c = await customer();
    rig.sim.insert(c.card.at('creditLoad', { kind: 'tear-after' }));
    const requestId = keepAsGolden(await download(c, '30.00'));
    await phaseBecomes(h, requestId, 'awaiting_card');
    const spent = shop(c, LOG_CAPACITY); // ATC 2..11: the load's ATC 1 is gone from the log
    expect(c.card.card.log.map((r) => r.atc)).not.toContain(1);
    rig.sim.insert(c.card);
    await phaseBecomes(h, requestId, 'needs_operator');
    const flagged = await h.downloads.state(requestId);
    expect(flagged.operatorReason).toMatch(/rolled_out_of_log, ATC_card 11/);
    expect(flagged.logEvidence).toMatchObject({ readerId: rig.readerId, atcCard: 11, reason: 'rolled_out_of_log' });
    expect(flagged.logEvidence?.recordsHex).toHaveLength(LOG_CAPACITY);
    // What the operator sees at a terminal (the CLI starts while we wait below).
    const status = runCli(['download', 'status', '--request-id', requestId, '--task-queue', h.taskQueue]);
    // It stays so: several recovery intervals later nothing was decided without proof.
    await new Promise((r) => setTimeout(r, 2 * 1000));
    expect((await h.downloads.state(requestId)).phase).toBe('needs_operator');
    // The card stayed in the reader all along, and the agent kept looking (every second here): it
    // told the download once for this visit, so the log was not read again and again.
    const history = await h.downloads.handle(requestId).fetchHistory();
    expect(history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'cardPresented')).toHaveLength(1);
    expect(await customerBalance(h, c.customerId, 'ecash')).toEqual({ posted: FUNDED, pending: 3000n, available: FUNDED - 3000n });
    await eventually('the download to be listed for operators', async () => (await h.downloads.listStuck({ csn: c.csn })).some((s) => s.phase === 'needs_operator'));
    // At the terminal: why, and the card's log as read, record by record.
    expect(await status).toContain("needs an operator: the card's log cannot prove this load (rolled_out_of_log, ATC_card 11)");
    expect(await status).toContain(`card log as read on reader ${rig.readerId}`);
    expect(await status).toMatch(/ATC 11 purchase ecash 1\.00, balance after 20\.00/);
    expect(await status).toMatch(/ATC 2 purchase ecash 1\.00, balance after 29\.00/);
    // A record of the log that is not this load proves nothing.
    await expect(h.downloads.resolveWithEvidence(requestId, 'op-ana', { kind: 'log_record', recordHex: flagged.logEvidence!.recordsHex[LOG_CAPACITY - 1] })).rejects.toMatchObject({ code: 'evidence_refused' });
    const settled = await h.downloads.resolveWithEvidence(requestId, 'op-ana', { kind: 'operator_attestation', operator: 'op-ana', reference: 'ticket 4711: settled purchases from ATC 2 on start from a balance of 30.00' });
    expect(settled).toMatchObject({ phase: 'posted' });
    expect(settled.proof).toMatch(/attestation by op-ana/);
    expect(c.card.card.balance(PURSE.ecash)).toBe(3000n - spent);
    await expectReconciled(c, spent);
  });

  test('an uncredited load whose ATC a purchase then took, rolled out too, is not voided blindly either: an operator voids it', async () => {
    const c = await customer();
    rig.sim.insert(c.card);
    expect(await h.downloads.result(await download(c, '50.00'))).toMatchObject({ outcome: 'posted', atc: 1 });
    rig.sim.remove();
    rig.sim.insert(c.card.at('creditLoad', { kind: 'tear-before' }));
    const requestId = keepAsGolden(await download(c, '30.00'));
    await phaseBecomes(h, requestId, 'awaiting_card');
    expect((await h.downloads.state(requestId)).atc).toBe(2);
    const spent = shop(c, LOG_CAPACITY + 1); // ATC 2..12: the purchases took ATC 2, and it rolled out
    rig.sim.insert(c.card);
    await phaseBecomes(h, requestId, 'needs_operator');
    expect((await h.downloads.state(requestId)).operatorReason).toMatch(/rolled_out_of_log, ATC_card 12/);
    await new Promise((r) => setTimeout(r, 2 * 1000));
    expect((await h.downloads.state(requestId)).phase).toBe('needs_operator');
    expect((await customerBalance(h, c.customerId, 'ecash')).pending).toBe(3000n);
    const voided = await h.downloads.voidWithEvidence(requestId, 'op-ana', { kind: 'operator_attestation', operator: 'op-ana', reference: 'ticket 4712: ATC 2 was settled as a purchase' });
    expect(voided).toMatchObject({ phase: 'voided' });
    expect(c.card.card.balance(PURSE.ecash)).toBe(5000n - spent);
    await expectReconciled(c, spent);
  });
});

describe('determinism', () => {
  test('the histories of every download above replay on the current workflow code', async () => {
    const histories = await Promise.all(downloads.map(async (id) => ({ workflowId: `download-${id}`, history: await h.downloads.handle(id).fetchHistory() })));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await bundleWorkflows() }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    if (recording()) await recordHistories('tearing', golden.map((id) => h.downloads.handle(id)));
  });
});
