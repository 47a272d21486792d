// DownloadWorkflow: e-Cash or Food Voucher from a customer's account onto a card, as a two-phase
// transfer that only ends with proof from the card (spec 4.1, 4.2). Deterministic workflow code:
// no I/O, no keys, no clocks but the workflow's; every effect is an activity.
//
// Money rule: once reserved, the reservation is posted only on proof of the credit (MAC3, a log
// record, a confirmation code) and voided only on proof that the card was not credited (CREDIT LOAD
// never reached the reader, ATC_card < ATC, a fresh request code with the same ATC). Without proof
// it waits, flagged for an operator, however long that takes.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import { TimeoutType, type SearchAttributeUpdatePair } from '@temporalio/common';
import type { CardActivities, CardLog } from '../activities/card-activities';
import type { CardCheck, ServerActivities } from '../activities/server-activities';
import type { LoadCreditPayload, LoadSessionPayload } from '../activities/load-payloads';
import { CONFIRMATION_CODE_LENGTH, REQUEST_CODE_LENGTH, codeShapeProblem, luhnValid, normalizeCode } from './code-format';
import {
  DEFAULT_TIMING,
  DOWNLOAD_KIND,
  CUSTOMER_ID_PATTERN,
  READER_ID_PATTERN,
  REQUEST_ID_PATTERN,
  SEARCH_ATTRIBUTE,
  STUCK_PHASES,
  WRONG_CODES_BEFORE_LOCK,
  cardPresentedSignal,
  downloadStateQuery,
  readerTaskQueue,
  reportNotLoadedUpdate,
  resolveWithEvidenceUpdate,
  retryNowSignal,
  submitConfirmationCodeUpdate,
  submitRequestCodeUpdate,
  voidWithEvidenceUpdate,
  type CodeAnswer,
  type CodeRefusal,
  type DownloadFailureCode,
  type DownloadInput,
  type DownloadPhase,
  type DownloadResult,
  type DownloadState,
  type DownloadTiming,
  type Evidence,
} from './download-contract';

/** The largest amount a card's 4-byte field holds. */
const MAX_CARD_AMOUNT = 0xffffffffn;
const HISTORY_ENTRIES = 100;
const FINAL_PHASES: readonly DownloadPhase[] = ['posted', 'voided', 'failed'];
const REFUSALS: readonly DownloadFailureCode[] = [
  'card_unknown',
  'card_blocked',
  'card_not_yours',
  'card_not_genuine',
  'wrong_card',
  'insufficient_funds',
  'over_purse_limit',
  'reader_offline',
  'card_absent',
  'card_unreadable',
];

/**
 * Since this patch a download costs the worker fewer activations and the server fewer writes:
 * a connected download asks the server three times instead of six (MAC1, the reservation and
 * MAC2 in one step; MAC3 and the posting in one), and search attributes are written only for
 * phases the download can rest in (see `PASSING_PHASES`), with what changed since, in one
 * upsert. Histories recorded before it replay along the old steps; remove the old branches
 * (deprecatePatch) once no download started before it is open.
 */
const LEAN_STEPS_PATCH = 'download-lean-steps';

/**
 * Phases a download only passes through inside one workflow task (a local activity runs in
 * them), so no visibility record could ever show them; the state query still does.
 */
const PASSING_PHASES: readonly DownloadPhase[] = ['checking_card', 'reserving', 'posting', 'voiding'];

/** The outcome a proof establishes, and the proof in words (kept in the state and the result). */
type Decision = { outcome: 'credited'; proof: string; newBalanceMinor?: string; posted?: true } | { outcome: 'not_credited'; proof: string };

// The server's steps run as local activities: they live on the same worker as the workflow (the
// one that holds the keys and the database), so each costs no task-queue round trip through the
// server; only the card steps travel to a reader's queue. A local activity may run again after a
// worker crash, which every one of them tolerates (checks are pure, ledger steps idempotent).

// Key-store and registry checks: cheap and pure; a few retries cover a restarting database.
const checks = proxyLocalActivities<ServerActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 10 },
});

// Ledger steps are idempotent by transfer id, so they retry until the database answers.
const ledgerSteps = proxyLocalActivities<ServerActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

function validateInput(input: DownloadInput): void {
  const problems: string[] = [];
  if (typeof input?.requestId !== 'string' || !REQUEST_ID_PATTERN.test(input.requestId)) problems.push('requestId must be 1-100 letters, digits or _.:-');
  if (typeof input?.csn !== 'string' || !/^[0-9]{16}$/.test(input.csn) || !luhnValid(input.csn)) problems.push('csn must be 16 digits with a valid check digit');
  if (input?.purse !== 'ecash' && input?.purse !== 'food') problems.push('purse must be ecash or food');
  if (typeof input?.amountMinor !== 'string' || !/^[1-9][0-9]{0,9}$/.test(input.amountMinor) || BigInt(input.amountMinor) > MAX_CARD_AMOUNT) {
    problems.push(`amountMinor must be a whole number of minor units from 1 to ${MAX_CARD_AMOUNT}`);
  }
  if (input?.mode !== 'connected' && input?.mode !== 'offline') problems.push('mode must be connected or offline');
  if (input?.mode === 'connected' && (typeof input.readerId !== 'string' || !READER_ID_PATTERN.test(input.readerId))) problems.push('a connected download needs a readerId');
  if (input?.customerId !== undefined && (typeof input.customerId !== 'string' || !CUSTOMER_ID_PATTERN.test(input.customerId))) problems.push('customerId must be 1-64 letters, digits, _ . -');
  if (problems.length > 0) {
    throw ApplicationFailure.create({ type: 'input_invalid', nonRetryable: true, message: `This download request is malformed: ${problems.join('; ')}. Fix the request and start it again.` });
  }
}

/** The typed code of an activity's failure (remote activities wrap it in ActivityFailure; a local one may not). */
function failureType(err: unknown): string | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause.type ?? undefined;
  if (err instanceof ApplicationFailure) return err.type ?? undefined;
  return undefined;
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** The reader agent never picked the task up: proof that the card never saw the command. */
function neverPickedUp(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START;
}

export async function DownloadWorkflow(input: DownloadInput): Promise<DownloadResult> {
  validateInput(input);
  const timing: DownloadTiming = { ...DEFAULT_TIMING, ...(input.timing ?? {}) };
  const info = workflowInfo();
  const key = { workflowId: info.workflowId, originalRunId: info.originalExecutionRunId };
  const rootScope = CancellationScope.current();
  const lean = patched(LEAN_STEPS_PATCH);
  /** Search attributes set since the last upsert, written with the next phase the download rests in. */
  let unpublished: SearchAttributeUpdatePair[] = [];

  const state: DownloadState = {
    requestId: input.requestId,
    csn: input.csn,
    purse: input.purse,
    amountMinor: input.amountMinor,
    mode: input.mode,
    phase: 'checking_card',
    readerId: input.readerId,
    wrongCodes: 0,
    reminders: 0,
    history: [],
  };
  /** Set by the card, a customer's code or an operator's evidence; the main flow acts on it. */
  let decision: Decision | undefined;
  let wakeUp = false;
  let phaseBeforeLock: DownloadPhase | undefined;
  let presentedAt: string | undefined;
  /** The card log being read during recovery, and on which reader. */
  let reading: { readerId: string; scope: CancellationScope } | undefined;
  let handlerQueue: Promise<unknown> = Promise.resolve();

  function setPhase(phase: DownloadPhase, note: string): void {
    state.phase = phase;
    state.history.push({ at: new Date().toISOString(), phase, note });
    if (state.history.length > HISTORY_ENTRIES) state.history.splice(0, state.history.length - HISTORY_ENTRIES);
    if (lean && PASSING_PHASES.includes(phase)) return;
    upsertSearchAttributes([...unpublished, { key: SEARCH_ATTRIBUTE.state, value: phase }]);
    unpublished = [];
  }

  /** Search attributes that go out with the next phase the download rests in (old histories: at once). */
  function publish(pairs: SearchAttributeUpdatePair[]): void {
    if (!lean) {
      upsertSearchAttributes(pairs);
      return;
    }
    // The client already set what the download started with; only what differs needs writing.
    unpublished.push(...pairs.filter((pair) => info.typedSearchAttributes.get(pair.key) !== pair.value));
  }

  function note(text: string): void {
    state.history.push({ at: new Date().toISOString(), phase: state.phase, note: text });
  }

  /** Update handlers that touch state run one at a time, in arrival order. */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = handlerQueue.then(work);
    handlerQueue = run.catch(() => undefined);
    return run;
  }

  function refuse(code: DownloadFailureCode, message: string): never {
    state.failure = { code, message };
    setPhase('failed', message);
    throw ApplicationFailure.create({ type: code, message, nonRetryable: true });
  }

  /** Activity failures that are business refusals become the workflow's own typed failure. */
  function refuseFrom(err: unknown, fallback?: DownloadFailureCode): never {
    const type = failureType(err);
    if (type && (REFUSALS as readonly string[]).includes(type)) refuse(type as DownloadFailureCode, failureMessage(err));
    if (fallback) refuse(fallback, failureMessage(err));
    throw err;
  }

  function credit(): LoadCreditPayload {
    if (state.atc === undefined) throw ApplicationFailure.create({ type: 'invariant_broken', nonRetryable: true, message: 'a load proof was asked for before the card gave its ATC; this is a bug in DownloadWorkflow.' });
    return { csn: input.csn, atc: state.atc, purse: input.purse, amountMinor: input.amountMinor };
  }

  function readerSteps(readerId: string, options: Partial<ActivityOptions> = {}) {
    return proxyActivities<CardActivities>({
      taskQueue: readerTaskQueue(readerId),
      // A reader queue has exactly one worker: when it is gone, the task must not wait forever.
      scheduleToStartTimeout: timing.readerPickupMs,
      startToCloseTimeout: timing.cardStepMs + 15_000,
      heartbeatTimeout: timing.cardHeartbeatMs,
      retry: { maximumAttempts: 1 },
      ...options,
    });
  }

  const reserved = (): boolean => state.reservationId !== undefined;
  const stuck = (): boolean => STUCK_PHASES.includes(state.phase);

  // ---- messages -------------------------------------------------------------------------------

  setHandler(downloadStateQuery, () => state);

  /** The card is elsewhere: stop waiting on the reader being read now (it may hang for minutes). */
  function cardIsAt(readerId: string): void {
    presentedAt = readerId;
    if (reading && reading.readerId !== readerId) reading.scope.cancel();
  }

  setHandler(cardPresentedSignal, ({ readerId }) => {
    if (typeof readerId === 'string' && READER_ID_PATTERN.test(readerId)) {
      cardIsAt(readerId);
      wakeUp = true;
    }
  });

  setHandler(retryNowSignal, ({ operator, readerId }) => {
    note(`operator ${String(operator)} asked to retry${readerId ? ` on reader ${readerId}` : ''}`);
    if (typeof readerId === 'string' && READER_ID_PATTERN.test(readerId)) cardIsAt(readerId);
    if (state.phase === 'locked' && phaseBeforeLock) {
      state.wrongCodes = 0;
      setPhase(phaseBeforeLock, `unlocked by operator ${String(operator)}`);
    }
    wakeUp = true;
  });

  /** A validator's refusal: the update is rejected before it reaches history; `type` tells the client why. */
  function rejected(type: CodeRefusal | 'evidence_invalid', message: string): ApplicationFailure {
    return ApplicationFailure.create({ type, message, nonRetryable: true });
  }

  function offlineCodeValidator(length: number, what: string, allowed: readonly DownloadPhase[]) {
    return (code: string): void => {
      if (input.mode !== 'offline') throw rejected('not_expected', `This download is connected; it takes no ${what}.`);
      if (state.phase === 'locked') throw rejected('locked', `This download is locked after ${WRONG_CODES_BEFORE_LOCK} wrong codes; an operator must unlock it.`);
      if (!allowed.includes(state.phase) || decision) throw rejected('not_expected', `This download is ${state.phase}; it does not expect a ${what} now.`);
      const problem = codeShapeProblem(code, length, what);
      if (problem) throw rejected(problem.refusal, problem.message);
    };
  }

  function answer(accepted: boolean, extra: Partial<CodeAnswer> = {}): CodeAnswer {
    return { accepted, phase: state.phase, wrongCodes: state.wrongCodes, ...extra };
  }

  /** The offline authorization code: asked of the key store only once the reservation exists. */
  async function authorizationCode(): Promise<string> {
    if (state.authorizationCode === undefined) {
      const { code } = await checks.offlineAuthorizationCode({ key, credit: credit() });
      state.authorizationCode = code;
      note(`authorization code issued for ATC ${state.atc}`);
    }
    return state.authorizationCode;
  }

  function countWrongCode(message: string): CodeAnswer {
    state.wrongCodes += 1;
    note(`wrong code (${state.wrongCodes} of ${WRONG_CODES_BEFORE_LOCK})`);
    if (state.wrongCodes >= WRONG_CODES_BEFORE_LOCK) {
      phaseBeforeLock = state.phase;
      state.operatorReason = `${WRONG_CODES_BEFORE_LOCK} wrong codes`;
      setPhase('locked', `locked after ${WRONG_CODES_BEFORE_LOCK} wrong codes; an operator must unlock it (retryNow)`);
    }
    return answer(false, { refusal: 'mac_mismatch', message });
  }

  setHandler(
    submitRequestCodeUpdate,
    (code) =>
      exclusive(async (): Promise<CodeAnswer> => {
        // A code typed while the card is still being checked waits for the check's verdict.
        await condition(() => state.phase !== 'checking_card');
        if (state.phase === 'failed') return answer(false, { refusal: 'download_failed', message: state.failure?.message });
        if (state.phase === 'locked') return answer(false, { refusal: 'locked', message: 'This download is locked; an operator must unlock it.' });
        const verdict = await checks.verifyRequestCode({ csn: input.csn, purse: input.purse, amountMinor: input.amountMinor, code: normalizeCode(code) });
        if (!verdict.valid) return countWrongCode(verdict.message);
        if (state.phase === 'awaiting_request_code') {
          state.atc = verdict.atc;
          await reserve();
          if (!reserved()) return answer(false, { refusal: 'download_failed', message: state.failure?.message });
          setPhase('awaiting_confirmation', `reserved for ATC ${state.atc}; issuing the authorization code`);
          return answer(true, { authorizationCode: await authorizationCode() });
        }
        // The pocket asked again (the card forgets its pending load after 3 wrong entries): the
        // same ATC means the card is still waiting for this very load, so the same code fits.
        if (verdict.atc === state.atc) return answer(true, { authorizationCode: await authorizationCode() });
        return answer(false, { refusal: 'atc_moved_on', message: 'This request code is for a later transaction of the card; type the confirmation code the pocket shows for this load (it can show it again).' });
      }),
    { validator: offlineCodeValidator(REQUEST_CODE_LENGTH, 'request code', ['checking_card', 'awaiting_request_code', 'awaiting_confirmation', 'needs_operator']) },
  );

  setHandler(
    submitConfirmationCodeUpdate,
    (code) =>
      exclusive(async (): Promise<CodeAnswer> => {
        if (state.phase === 'locked') return answer(false, { refusal: 'locked', message: 'This download is locked; an operator must unlock it.' });
        if (decision) return answer(true);
        const verdict = await checks.verifyConfirmationCode({ credit: credit(), code: normalizeCode(code) });
        if (!verdict.valid) return countWrongCode(verdict.message);
        decision = { outcome: 'credited', proof: 'confirmation code from the pocket' };
        await condition(() => FINAL_PHASES.includes(state.phase));
        return answer(true);
      }),
    { validator: offlineCodeValidator(CONFIRMATION_CODE_LENGTH, 'confirmation code', ['awaiting_confirmation', 'needs_operator']) },
  );

  setHandler(
    reportNotLoadedUpdate,
    (code) =>
      exclusive(async (): Promise<CodeAnswer> => {
        if (state.phase === 'locked') return answer(false, { refusal: 'locked', message: 'This download is locked; an operator must unlock it.' });
        if (decision) return answer(true);
        const verdict = await checks.verifyRequestCode({ csn: input.csn, purse: input.purse, amountMinor: input.amountMinor, code: normalizeCode(code) });
        if (!verdict.valid) return countWrongCode(verdict.message);
        if (verdict.atc !== state.atc) {
          return answer(false, { refusal: 'atc_moved_on', message: 'The card has made transactions since; it may hold this load. Type the confirmation code instead (the pocket can show it again).' });
        }
        decision = { outcome: 'not_credited', proof: `fresh request code with the same ATC ${state.atc}` };
        await condition(() => FINAL_PHASES.includes(state.phase));
        return answer(true);
      }),
    { validator: offlineCodeValidator(REQUEST_CODE_LENGTH, 'request code', ['awaiting_confirmation', 'needs_operator']) },
  );

  function evidenceValidator(purpose: 'resolve' | 'void') {
    return ({ operator, evidence }: { operator: string; evidence: Evidence }): void => {
      if (typeof operator !== 'string' || operator.trim().length === 0) throw rejected('evidence_invalid', 'Name the operator who acts.');
      if (!reserved() || state.atc === undefined || FINAL_PHASES.includes(state.phase) || decision) {
        throw rejected('evidence_invalid', `This download is ${state.phase}; there is no reservation in doubt to ${purpose}.`);
      }
      if (!stuck()) throw rejected('evidence_invalid', `This download is ${state.phase}, not waiting; act only on a stuck download.`);
      const kinds = purpose === 'resolve' ? ['confirmation_code', 'log_record', 'operator_attestation'] : ['request_code', 'operator_attestation'];
      if (!evidence || !kinds.includes(evidence.kind)) throw rejected('evidence_invalid', `To ${purpose} give evidence of kind ${kinds.join(' or ')}.`);
      if (evidence.kind === 'confirmation_code') {
        const problem = codeShapeProblem(evidence.code, CONFIRMATION_CODE_LENGTH, 'confirmation code');
        if (problem) throw rejected('evidence_invalid', problem.message);
      }
      if (evidence.kind === 'request_code') {
        const problem = codeShapeProblem(evidence.code, REQUEST_CODE_LENGTH, 'request code');
        if (problem) throw rejected('evidence_invalid', problem.message);
      }
      if (evidence.kind === 'log_record' && !/^[0-9A-Fa-f]{56}$/.test(String(evidence.recordHex).replace(/\s+/g, ''))) {
        throw rejected('evidence_invalid', 'A log record is 28 bytes: 56 hexadecimal digits as READ LOG returns them.');
      }
      if (evidence.kind === 'operator_attestation') {
        if (state.phase !== 'needs_operator') throw rejected('evidence_invalid', 'An attestation is only accepted once the download needs an operator (the card could not prove anything).');
        if (typeof evidence.reference !== 'string' || evidence.reference.trim().length < 3) throw rejected('evidence_invalid', 'An attestation needs a reference (ticket, how the card was examined).');
      }
    };
  }

  setHandler(
    resolveWithEvidenceUpdate,
    ({ operator, evidence }) =>
      exclusive(async (): Promise<DownloadState> => {
        if (decision) return state;
        if (evidence.kind === 'confirmation_code') {
          const verdict = await checks.verifyConfirmationCode({ credit: credit(), code: normalizeCode(evidence.code) });
          if (!verdict.valid) throw ApplicationFailure.create({ type: 'evidence_refused', message: verdict.message });
          decision = { outcome: 'credited', proof: `confirmation code given by operator ${operator}` };
        } else if (evidence.kind === 'log_record') {
          const verdict = await checks.judgeLogRecordEvidence({ credit: credit(), recordHex: evidence.recordHex });
          if (!verdict.proves) throw ApplicationFailure.create({ type: 'evidence_refused', message: `This log record does not prove this load (ATC ${state.atc}, ${input.purse}, ${input.amountMinor}); read the card's log again.` });
          decision = { outcome: 'credited', proof: `log record given by operator ${operator}`, newBalanceMinor: verdict.balanceAfterMinor };
        } else {
          decision = { outcome: 'credited', proof: attestation(operator, evidence) };
        }
        await condition(() => FINAL_PHASES.includes(state.phase));
        return state;
      }),
    { validator: evidenceValidator('resolve') },
  );

  setHandler(
    voidWithEvidenceUpdate,
    ({ operator, evidence }) =>
      exclusive(async (): Promise<DownloadState> => {
        if (decision) return state;
        if (evidence.kind === 'request_code') {
          const verdict = await checks.verifyRequestCode({ csn: input.csn, purse: input.purse, amountMinor: input.amountMinor, code: normalizeCode(evidence.code) });
          if (!verdict.valid) throw ApplicationFailure.create({ type: 'evidence_refused', message: verdict.message });
          if (verdict.atc !== state.atc) throw ApplicationFailure.create({ type: 'evidence_refused', message: `The request code shows ATC ${verdict.atc}, not this load's ${state.atc}: the card moved on and may hold the load.` });
          decision = { outcome: 'not_credited', proof: `fresh request code with the same ATC ${state.atc}, given by operator ${operator}` };
        } else {
          decision = { outcome: 'not_credited', proof: attestation(operator, evidence) };
        }
        await condition(() => FINAL_PHASES.includes(state.phase));
        return state;
      }),
    { validator: evidenceValidator('void') },
  );

  function attestation(operator: string, evidence: Evidence): string {
    return evidence.kind === 'operator_attestation' ? `attestation by ${operator} (${evidence.operator}): ${evidence.reference}` : `evidence by ${operator}`;
  }

  // ---- steps ----------------------------------------------------------------------------------

  publish([
    { key: SEARCH_ATTRIBUTE.kind, value: DOWNLOAD_KIND },
    { key: SEARCH_ATTRIBUTE.cardSerial, value: input.csn },
    { key: SEARCH_ATTRIBUTE.amountMinor, value: Number(input.amountMinor) },
    ...(input.readerId ? [{ key: SEARCH_ATTRIBUTE.readerId, value: input.readerId }] : []),
  ]);
  setPhase('checking_card', `${input.mode} download of ${input.amountMinor} minor units onto the ${input.purse} purse`);

  let check: CardCheck;
  try {
    // The asking customer travels only when given, so histories recorded before it replay unchanged.
    check = await checks.checkCardForDownload({ csn: input.csn, purse: input.purse, amountMinor: input.amountMinor, ...(input.customerId !== undefined ? { customerId: input.customerId } : {}) });
  } catch (err) {
    refuseFrom(err);
  }
  state.customerId = check.customerId;
  publish([{ key: SEARCH_ATTRIBUTE.customerId, value: check.customerId }]);

  /** Reserves the amount; on a refusal the download fails with nothing reserved. */
  async function reserve(): Promise<void> {
    setPhase('reserving', `card is genuine (ATC ${state.atc}); reserving`);
    try {
      const { reservationId } = await ledgerSteps.reserveLoad({
        key,
        csn: input.csn,
        atc: state.atc!,
        purse: input.purse,
        amountMinor: input.amountMinor,
        sourceAccountId: check.sourceAccountId,
        floatAccountId: check.floatAccountId,
      });
      state.reservationId = reservationId;
    } catch (err) {
      const type = failureType(err);
      if (type === 'insufficient_funds') {
        state.failure = { code: 'insufficient_funds', message: failureMessage(err) };
        setPhase('failed', failureMessage(err));
        return;
      }
      throw err;
    }
  }

  /** Acts on a proof: posts or voids, then the download is over. */
  async function settle(d: Decision): Promise<DownloadResult> {
    state.proof = d.proof;
    if (d.outcome === 'credited') {
      if (d.posted) {
        note(`posted on proof: ${d.proof}`);
      } else {
        setPhase('posting', `credit proven by ${d.proof}`);
        await ledgerSteps.postLoad({ key, csn: input.csn, purse: input.purse, amountMinor: input.amountMinor });
      }
      if (d.newBalanceMinor !== undefined) state.newBalanceMinor = d.newBalanceMinor;
      setPhase('posted', 'posted');
    } else {
      setPhase('voiding', `no credit, proven by ${d.proof}`);
      await ledgerSteps.voidLoad({ key });
      setPhase('voided', 'reservation released');
    }
    await condition(allHandlersFinished);
    return {
      requestId: input.requestId,
      outcome: d.outcome === 'credited' ? 'posted' : 'voided',
      csn: input.csn,
      purse: input.purse,
      amountMinor: input.amountMinor,
      atc: state.atc,
      reservationId: state.reservationId,
      newBalanceMinor: state.newBalanceMinor,
      proof: d.proof,
    };
  }

  /** Waits for a decision; `flagAfter` turns the wait into an operator's case; `onTick` runs every `tickMs`. */
  async function awaitDecision(reason: string, tickMs: number, onTick: (elapsedMs: number) => Promise<void>): Promise<Decision> {
    const since = Date.now();
    for (;;) {
      if (decision) return decision;
      await condition(() => decision !== undefined || wakeUp, tickMs);
      wakeUp = false;
      if (decision) return decision;
      const elapsed = Date.now() - since;
      if (elapsed >= timing.operatorAfterMs && state.phase !== 'needs_operator' && state.phase !== 'locked') {
        state.operatorReason = reason;
        setPhase('needs_operator', `${reason}; waiting since ${new Date(since).toISOString()}`);
      }
      await onTick(elapsed);
    }
  }

  // ---- connected ------------------------------------------------------------------------------

  /** Reads the card back wherever it shows up, until its log (or a person) proves the outcome. */
  async function proveFromCard(why: string): Promise<Decision> {
    setPhase('awaiting_card', `${why}; present card ${input.csn} to a reader`);
    let readerId = input.readerId!;
    let logInconclusive = false;
    const attempt = async (): Promise<void> => {
      if (presentedAt) {
        readerId = presentedAt;
        presentedAt = undefined;
        upsertSearchAttributes([{ key: SEARCH_ATTRIBUTE.readerId, value: readerId }]);
      }
      let log: CardLog;
      // Read-only, so when the card shows up elsewhere meanwhile the read is abandoned at once
      // (TRY_CANCEL) rather than waited for on a reader that may hang.
      const scope = new CancellationScope();
      reading = { readerId, scope };
      try {
        log = await scope.run(() => readerSteps(readerId, { cancellationType: ActivityCancellationType.TRY_CANCEL }).readCardLog({ csn: input.csn, waitForCardMs: timing.cardStepMs }));
      } catch (err) {
        note(`card not read on reader ${readerId}: ${scope.consideredCancelled ? 'abandoned, the card was shown on another reader' : failureMessage(err)}`);
        return;
      } finally {
        reading = undefined;
      }
      let proof;
      try {
        proof = await checks.judgeCardLog({ credit: credit(), recordsHex: log.recordsHex });
      } catch (err) {
        // The reservation must outlive a log we could not judge: keep waiting, for a person now.
        note(`the card's log could not be judged: ${failureMessage(err)}`);
        if (state.phase !== 'needs_operator') {
          state.operatorReason = `the card's log could not be judged (${failureMessage(err)})`;
          setPhase('needs_operator', state.operatorReason);
        }
        return;
      }
      if (proof.outcome === 'credited') {
        decision = { outcome: 'credited', proof: `log record ATC ${state.atc} with MAC3 (read on reader ${readerId})`, newBalanceMinor: proof.balanceAfterMinor };
      } else if (proof.outcome === 'not_credited') {
        decision = { outcome: 'not_credited', proof: `card log read on reader ${readerId}: ATC_card ${proof.atcCard} < ATC ${state.atc}` };
      } else {
        // Kept (the latest read) so an operator sees what the card showed, not just that it failed.
        state.logEvidence = { readerId, readAt: new Date().toISOString(), atcCard: proof.atcCard, reason: proof.reason, recordsHex: log.recordsHex };
        if (logInconclusive) return;
        logInconclusive = true;
        state.operatorReason = `the card's log cannot prove this load (${proof.reason}, ATC_card ${proof.atcCard})`;
        setPhase('needs_operator', state.operatorReason);
      }
    };
    await attempt();
    return awaitDecision('the card has not come back', timing.recoveryRetryMs, async () => {
      // A log that proved nothing will not prove more later: only a person, or the card shown
      // again on purpose (signal), can move it on.
      if (logInconclusive && !presentedAt) return;
      await attempt();
    });
  }

  async function connected(): Promise<DownloadResult> {
    setPhase('reading_card', `INITIALIZE LOAD on reader ${input.readerId}`);
    const reader = readerSteps(input.readerId!);
    let init;
    try {
      init = await reader.initializeLoad({ csn: input.csn, purse: input.purse, amountMinor: input.amountMinor, rhHex: check.rhHex, waitForCardMs: timing.cardStepMs });
    } catch (err) {
      if (neverPickedUp(err)) refuse('reader_offline', `Reader ${input.readerId} is not online (no reader agent picked the task up within ${timing.readerPickupMs} ms); start purseflow reader-agent on the PC that holds it.`);
      if (failureType(err) === 'card_absent') refuse('card_absent', failureMessage(err));
      refuseFrom(err, 'card_unreadable');
    }
    state.atc = init.atc;
    const session: LoadSessionPayload = { ...credit(), rhHex: check.rhHex, rcHex: init.rcHex };
    return lean ? creditAfterInitialize(reader, session, init.mac1Hex) : creditAfterInitializeStepByStep(reader, session, init.mac1Hex);
  }

  /**
   * From INITIALIZE LOAD's answer on, in the steps histories before LEAN_STEPS_PATCH recorded:
   * MAC1, the reservation, MAC2, CREDIT LOAD, MAC3, the posting, each on its own.
   */
  async function creditAfterInitializeStepByStep(reader: ReturnType<typeof readerSteps>, session: LoadSessionPayload, mac1Hex: string): Promise<DownloadResult> {
    try {
      await checks.verifyMac1({ session, mac1Hex });
    } catch (err) {
      refuseFrom(err);
    }

    // From the reservation on, nothing may abandon the money half-way: cancellation is honoured
    // only while the card provably has not been asked to credit.
    return CancellationScope.nonCancellable(async () => {
      await reserve();
      if (!reserved()) refuse('insufficient_funds', state.failure?.message ?? 'insufficient funds');
      if (rootScope.consideredCancelled) {
        return settle({ outcome: 'not_credited', proof: 'cancelled before CREDIT LOAD was sent' });
      }
      let mac2Hex: string;
      try {
        ({ mac2Hex } = await checks.authorizeOnlineLoad({ key, session }));
      } catch (err) {
        return settle({ outcome: 'not_credited', proof: `no authorization was ever issued, CREDIT LOAD was not sent (${failureMessage(err)})` });
      }
      return creditAndPost(reader, mac2Hex);
    });
  }

  /**
   * From INITIALIZE LOAD's answer on: one server step answers the card (MAC1, the reservation,
   * MAC2), CREDIT LOAD goes to the reader, one server step posts on MAC3.
   */
  async function creditAfterInitialize(reader: ReturnType<typeof readerSteps>, session: LoadSessionPayload, mac1Hex: string): Promise<DownloadResult> {
    // From the reservation on, nothing may abandon the money half-way: cancellation is honoured
    // only while the card provably has not been asked to credit.
    return CancellationScope.nonCancellable(async () => {
      setPhase('reserving', `INITIALIZE LOAD answered (ATC ${state.atc}); checking MAC1 and reserving`);
      let answer;
      try {
        answer = await ledgerSteps.reserveAndAuthorizeLoad({ key, session, mac1Hex, sourceAccountId: check.sourceAccountId, floatAccountId: check.floatAccountId });
      } catch (err) {
        refuseFrom(err);
      }
      state.reservationId = answer.reservationId;
      if (rootScope.consideredCancelled) {
        return settle({ outcome: 'not_credited', proof: 'cancelled before CREDIT LOAD was sent' });
      }
      if ('unauthorized' in answer) {
        return settle({ outcome: 'not_credited', proof: `no authorization was ever issued, CREDIT LOAD was not sent (${answer.unauthorized})` });
      }
      return creditAndPost(reader, answer.mac2Hex);
    });
  }

  /** CREDIT LOAD with MAC2, then the posting on MAC3, or the proof from the card's log. */
  async function creditAndPost(reader: ReturnType<typeof readerSteps>, mac2Hex: string): Promise<DownloadResult> {
    setPhase('crediting', `CREDIT LOAD on reader ${input.readerId}`);
    let answer;
    try {
      answer = await reader.creditLoad({ csn: input.csn, purse: input.purse, amountMinor: input.amountMinor, rhHex: check.rhHex, mac2Hex });
    } catch (err) {
      if (neverPickedUp(err)) {
        return settle({ outcome: 'not_credited', proof: `CREDIT LOAD never reached reader ${input.readerId} (the task was not picked up)` });
      }
      if (failureType(err) === 'credit_not_sent') {
        return settle({ outcome: 'not_credited', proof: `CREDIT LOAD was not sent: ${failureMessage(err)}` });
      }
      return settle(await proveFromCard(`CREDIT LOAD got no trustworthy answer (${failureMessage(err)})`));
    }
    if (!lean) {
      let valid = false;
      try {
        ({ valid } = await checks.verifyMac3({ credit: credit(), mac3Hex: answer.mac3Hex }));
      } catch (err) {
        note(`MAC3 could not be checked: ${failureMessage(err)}`);
      }
      if (!valid) return settle(await proveFromCard('the MAC3 of CREDIT LOAD does not verify'));
      return settle({ outcome: 'credited', proof: 'MAC3 of CREDIT LOAD', newBalanceMinor: answer.newBalanceMinor });
    }
    setPhase('posting', 'checking MAC3 of CREDIT LOAD; posting if it verifies');
    const posting = await ledgerSteps.postLoadOnMac3({ key, credit: credit(), mac3Hex: answer.mac3Hex });
    if (!posting.posted) return settle(await proveFromCard(posting.reason));
    return settle({ outcome: 'credited', proof: 'MAC3 of CREDIT LOAD', newBalanceMinor: answer.newBalanceMinor, posted: true });
  }

  // ---- offline --------------------------------------------------------------------------------

  async function offline(): Promise<DownloadResult> {
    setPhase('awaiting_request_code', 'waiting for the request code from the pocket');
    for (;;) {
      if (await condition(() => reserved() || state.phase === 'failed', timing.operatorAfterMs)) break;
      // Locked by wrong codes, or a code being handled: keep waiting (for the operator, or the handler).
      if (state.phase === 'awaiting_request_code') {
        refuse('request_code_timeout', `No request code came within ${timing.operatorAfterMs} ms; nothing was reserved. Start a new download when the pocket is at hand.`);
      }
    }
    if (state.phase === 'failed') {
      // Let the update that met the refusal answer its caller before the workflow ends.
      await condition(allHandlersFinished);
      refuse(state.failure?.code ?? 'insufficient_funds', state.failure?.message ?? 'the reservation was refused');
    }
    return CancellationScope.nonCancellable(async () => {
      let lastReminder = 0;
      const d = await awaitDecision('no confirmation code from the customer', Math.min(timing.remindAfterMs, timing.operatorAfterMs), async (elapsed) => {
        if (elapsed - lastReminder >= timing.remindAfterMs) {
          lastReminder = elapsed;
          state.reminders += 1;
          note(`reminder ${state.reminders}: type the confirmation code the pocket shows`);
        }
      });
      return settle(d);
    });
  }

  return input.mode === 'connected' ? connected() : offline();
}
