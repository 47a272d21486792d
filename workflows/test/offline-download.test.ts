// Unconnected downloads end to end: the real Temporal dev server and PostgreSQL, the customer's
// codes typed through Temporal updates, and card-driver's simulated eCom Pocket holding the card.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { EcomPocket, PURSE, SimulatedCard } from '../../card-driver';
import type { DownloadTiming } from '../client';
import { bundleWorkflows } from '../worker/server-worker';
import { recordHistories, recording } from './recorded-histories';
import { customerBalance, customerWithCard, expectLedgerConsistent, historyTexts, phaseBecomes, startHarness, uniqueId, type Harness } from './harness';

jest.setTimeout(60_000);

const TIMING: Partial<DownloadTiming> = { remindAfterMs: 60_000, operatorAfterMs: 120_000 };

let h: Harness;
const finishedRequests: string[] = [];

beforeAll(async () => {
  h = await startHarness('wf_offline');
});

afterAll(async () => {
  await h?.close();
});

async function offlineDownload(amount = '80.00', timing = TIMING) {
  const { customerId, csn } = await customerWithCard(h, { cash: '200.00' });
  const pocket = new EcomPocket(SimulatedCard.issue(h.keys, csn));
  const requestId = uniqueId('off');
  await h.downloads.start({ requestId, csn, purse: 'ecash', amount, mode: 'offline', timing });
  finishedRequests.push(requestId);
  return { customerId, csn, pocket, requestId };
}

/** A code of the right shape and Luhn digit that is not the genuine one. */
function forgedCode(genuine: string): string {
  const body = genuine.slice(0, -1).split('');
  body[body.length - 1] = String((Number(body[body.length - 1]) + 1) % 10);
  const digits = body.join('');
  for (let d = 0; d <= 9; d++) {
    const candidate = digits + d;
    let sum = 0;
    for (let i = 0; i < candidate.length; i++) {
      let v = Number(candidate[candidate.length - 1 - i]);
      if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
    }
    if (sum % 10 === 0) return candidate;
  }
  throw new Error('unreachable');
}

test('an offline download runs end to end with the pocket and posts on the confirmation code', async () => {
  const { customerId, pocket, requestId } = await offlineDownload('80.00');
  const request = pocket.requestCode(PURSE.ecash, 8000n);
  const authorization = await h.downloads.submitRequestCode(requestId, request);
  expect(authorization).toMatchObject({ accepted: true, phase: 'awaiting_confirmation' });
  expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 20000n, pending: 8000n, available: 12000n });
  const confirmation = pocket.enterAuthorizationCode(authorization.authorizationCode!);
  expect(await h.downloads.submitConfirmationCode(requestId, confirmation)).toMatchObject({ accepted: true, phase: 'posted' });
  expect(await h.downloads.result(requestId)).toMatchObject({ outcome: 'posted', atc: 1, proof: 'confirmation code from the pocket' });
  expect(pocket.balances().ecash).toBe(8000n);
  expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 12000n, pending: 0n, available: 12000n });
  await expectLedgerConsistent(h);
});

test('the authorization code appears in the history only after the reservation it unlocks', async () => {
  const { pocket, requestId } = await offlineDownload('15.00');
  expect((await h.downloads.state(requestId)).authorizationCode).toBeUndefined();
  const { authorizationCode } = await h.downloads.submitRequestCode(requestId, pocket.requestCode(PURSE.ecash, 1500n));
  await h.downloads.submitConfirmationCode(requestId, pocket.enterAuthorizationCode(authorizationCode!));
  const { events, texts } = await historyTexts(h, requestId);
  const firstWithCode = texts.findIndex((t) => t.includes(authorizationCode!));
  // The server's steps are local activities: each leaves a marker event with its result.
  const reserved = events.findIndex((e, i) => e.markerRecordedEventAttributes && texts[i].includes('reserveLoad'));
  expect(reserved).toBeGreaterThan(0);
  expect(firstWithCode).toBeGreaterThan(reserved);
});

test.each([
  ['a wrong check digit', (code: string) => code.slice(0, -1) + String((Number(code.slice(-1)) + 1) % 10), 'check_digit'],
  ['too few digits', (code: string) => code.slice(0, 10), 'format'],
  ['letters', () => '12345abc901234', 'format'],
])('a request code with %s is refused by the validator and counts nothing', async (_what, mangle, refusal) => {
  const { pocket, requestId } = await offlineDownload('5.00');
  await phaseBecomes(h, requestId, 'awaiting_request_code');
  const answer = await h.downloads.submitRequestCode(requestId, mangle(pocket.requestCode(PURSE.ecash, 500n)));
  expect(answer).toMatchObject({ accepted: false, refusal });
  const state = await h.downloads.state(requestId);
  expect(state).toMatchObject({ phase: 'awaiting_request_code', wrongCodes: 0 });
  const events = (await h.downloads.handle(requestId).fetchHistory()).events ?? [];
  expect(events.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
  await h.downloads.handle(requestId).terminate('test over');
  finishedRequests.pop();
});

test('a genuine request code for another amount counts as one wrong code', async () => {
  const { pocket, requestId } = await offlineDownload('5.00');
  const answer = await h.downloads.submitRequestCode(requestId, pocket.requestCode(PURSE.ecash, 600n));
  expect(answer).toMatchObject({ accepted: false, refusal: 'mac_mismatch', wrongCodes: 1, phase: 'awaiting_request_code' });
  await h.downloads.handle(requestId).terminate('test over');
  finishedRequests.pop();
});

test('five wrong confirmation codes lock the download until an operator unlocks it', async () => {
  const { customerId, pocket, requestId } = await offlineDownload('20.00');
  const { authorizationCode } = await h.downloads.submitRequestCode(requestId, pocket.requestCode(PURSE.ecash, 2000n));
  const confirmation = pocket.enterAuthorizationCode(authorizationCode!);
  const forged = forgedCode(confirmation);
  for (let i = 1; i <= 4; i++) expect(await h.downloads.submitConfirmationCode(requestId, forged)).toMatchObject({ accepted: false, wrongCodes: i });
  expect(await h.downloads.submitConfirmationCode(requestId, forged)).toMatchObject({ accepted: false, wrongCodes: 5, phase: 'locked' });
  expect(await h.downloads.submitConfirmationCode(requestId, confirmation)).toMatchObject({ accepted: false, refusal: 'locked' });
  expect((await customerBalance(h, customerId, 'ecash')).pending).toBe(2000n);
  await h.downloads.retryNow(requestId, 'op-anna');
  await phaseBecomes(h, requestId, 'awaiting_confirmation');
  expect(await h.downloads.submitConfirmationCode(requestId, confirmation)).toMatchObject({ accepted: true, phase: 'posted' });
});

test('without a confirmation the reservation stays, a reminder shows and then an operator is asked', async () => {
  const { customerId, pocket, requestId } = await offlineDownload('30.00', { remindAfterMs: 1000, operatorAfterMs: 2500 });
  const { authorizationCode } = await h.downloads.submitRequestCode(requestId, pocket.requestCode(PURSE.ecash, 3000n));
  pocket.enterAuthorizationCode(authorizationCode!);
  await phaseBecomes(h, requestId, 'needs_operator');
  const state = await h.downloads.state(requestId);
  expect(state.reminders).toBeGreaterThanOrEqual(1);
  expect(state.operatorReason).toBe('no confirmation code from the customer');
  expect((await customerBalance(h, customerId, 'ecash')).pending).toBe(3000n);
  const stuck = await h.downloads.listStuck({ csn: state.csn });
  // Visibility is eventually consistent; the search attribute follows the phase.
  expect(stuck.length === 0 || stuck[0].phase === 'needs_operator').toBe(true);
  // The customer still finds the code on the pocket, and it still settles the download.
  await h.downloads.submitConfirmationCode(requestId, pocket.lastConfirmationCode());
  expect(await h.downloads.result(requestId)).toMatchObject({ outcome: 'posted' });
});

test('a fresh request code with the same ATC proves the card was not loaded and voids the reservation', async () => {
  const { customerId, pocket, requestId } = await offlineDownload('40.00');
  const first = pocket.requestCode(PURSE.ecash, 4000n);
  await h.downloads.submitRequestCode(requestId, first);
  // The customer never typed the authorization code; the card's counter did not move.
  const fresh = new EcomPocket(pocket.card).requestCode(PURSE.ecash, 4000n);
  expect(await h.downloads.reportNotLoaded(requestId, fresh)).toMatchObject({ accepted: true, phase: 'voided' });
  expect(await h.downloads.result(requestId)).toMatchObject({ outcome: 'voided', proof: 'fresh request code with the same ATC 1' });
  expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 20000n, pending: 0n, available: 20000n });
  await expectLedgerConsistent(h);
});

test('an operator cannot void a download whose card may hold the load without proof', async () => {
  const { pocket, requestId } = await offlineDownload('10.00');
  const { authorizationCode } = await h.downloads.submitRequestCode(requestId, pocket.requestCode(PURSE.ecash, 1000n));
  const confirmation = pocket.enterAuthorizationCode(authorizationCode!);
  await expect(h.downloads.voidWithEvidence(requestId, 'op-anna', { kind: 'operator_attestation', operator: 'op-anna', reference: 'ticket 1' })).rejects.toMatchObject({ code: 'evidence_refused' });
  const moved = new EcomPocket(pocket.card).requestCode(PURSE.ecash, 1000n);
  await expect(h.downloads.voidWithEvidence(requestId, 'op-anna', { kind: 'request_code', code: moved })).rejects.toMatchObject({ code: 'evidence_refused' });
  const resolved = await h.downloads.resolveWithEvidence(requestId, 'op-anna', { kind: 'confirmation_code', code: confirmation });
  expect(resolved.phase).toBe('posted');
});

test('concurrent downloads against one account never overdraw it', async () => {
  const { customerId, csn } = await customerWithCard(h, { cash: '200.00' });
  const attempts = await Promise.all(
    Array.from({ length: 5 }, async () => {
      const pocket = new EcomPocket(SimulatedCard.issue(h.keys, csn));
      const requestId = uniqueId('race');
      await h.downloads.start({ requestId, csn, purse: 'ecash', amount: '80.00', mode: 'offline', timing: TIMING });
      const answer = await h.downloads.submitRequestCode(requestId, pocket.requestCode(PURSE.ecash, 8000n));
      return { requestId, answer };
    }),
  );
  const reserved = attempts.filter((a) => a.answer.accepted);
  expect(reserved).toHaveLength(2);
  // The others were refused for want of money: at the card check, or at the reservation itself.
  for (const refused of attempts.filter((a) => !a.answer.accepted)) {
    const failure = await h.downloads.result(refused.requestId).then(
      () => undefined,
      (err: unknown) => (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure ? err.cause.type : err),
    );
    expect(failure).toBe('insufficient_funds');
  }
  expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 20000n, pending: 16000n, available: 4000n });
  for (const a of reserved) await h.downloads.handle(a.requestId).terminate('test over');
  await expectLedgerConsistent(h);
});

test("a card registered to another customer is refused with card_not_yours, nothing reserved and nothing of the owner told", async () => {
  const owner = await customerWithCard(h, { cash: '200.00' });
  const asker = await customerWithCard(h, { cash: '200.00' });
  const requestId = uniqueId('notyours');
  await h.downloads.start({ requestId, csn: owner.csn, purse: 'ecash', amount: '10.00', mode: 'offline', customerId: asker.customerId, timing: TIMING });
  const failure = await h.downloads.result(requestId).then(() => undefined, (err: unknown) => err);
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  const cause = (failure as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect(cause).toMatchObject({ type: 'card_not_yours', nonRetryable: true });
  expect(cause?.message).not.toContain(owner.customerId);
  const state = await h.downloads.state(requestId);
  expect(state).toMatchObject({ phase: 'failed', failure: { code: 'card_not_yours' } });
  expect(state.customerId).toBeUndefined();
  expect(state.reservationId).toBeUndefined();
  for (const who of [owner, asker]) expect(await customerBalance(h, who.customerId, 'ecash')).toEqual({ posted: 200_00n, pending: 0n, available: 200_00n });
  await expectLedgerConsistent(h);
});

test("the card's own customer passes the ownership check and is asked for the request code", async () => {
  const owner = await customerWithCard(h, { cash: '200.00' });
  const requestId = uniqueId('mine');
  await h.downloads.start({ requestId, csn: owner.csn, purse: 'ecash', amount: '10.00', mode: 'offline', customerId: owner.customerId, timing: TIMING });
  await phaseBecomes(h, requestId, 'awaiting_request_code');
  expect((await h.downloads.state(requestId)).customerId).toBe(owner.customerId);
  await h.downloads.handle(requestId).terminate('test done: the ownership check passed');
});

test('a download survives its server worker being stopped and replaced mid-way', async () => {
  const { customerId, pocket, requestId } = await offlineDownload('25.00');
  const { authorizationCode } = await h.downloads.submitRequestCode(requestId, pocket.requestCode(PURSE.ecash, 2500n));
  const confirmation = pocket.enterAuthorizationCode(authorizationCode!);
  await h.restartServerWorker();
  expect(await h.downloads.submitConfirmationCode(requestId, confirmation)).toMatchObject({ accepted: true, phase: 'posted' });
  expect(await customerBalance(h, customerId, 'ecash')).toEqual({ posted: 17500n, pending: 0n, available: 17500n });
  expect(pocket.balances().ecash).toBe(2500n);
});

test('the histories of every download above replay deterministically', async () => {
  const histories = await Promise.all(finishedRequests.map(async (id) => ({ workflowId: `download-${id}`, history: await h.downloads.handle(id).fetchHistory() })));
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: await bundleWorkflows() }, histories)) {
    expect(result.error).toBeUndefined();
    replayed += 1;
  }
  expect(replayed).toBe(finishedRequests.length);
  if (recording()) await recordHistories('offline', finishedRequests.map((id) => h.downloads.handle(id)));
});
