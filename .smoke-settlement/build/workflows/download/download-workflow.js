"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DownloadWorkflow = DownloadWorkflow;
// DownloadWorkflow: e-Cash or Food Voucher from a customer's account onto a card, as a two-phase
// transfer that only ends with proof from the card (spec 4.1, 4.2). Deterministic workflow code:
// no I/O, no keys, no clocks but the workflow's; every effect is an activity.
//
// Money rule: once reserved, the reservation is posted only on proof of the credit (MAC3, a log
// record, a confirmation code) and voided only on proof that the card was not credited (CREDIT LOAD
// never reached the reader, ATC_card < ATC, a fresh request code with the same ATC). Without proof
// it waits, flagged for an operator, however long that takes.
const workflow_1 = require("@temporalio/workflow");
const common_1 = require("@temporalio/common");
const code_format_1 = require("./code-format");
const download_contract_1 = require("./download-contract");
/** The largest amount a card's 4-byte field holds. */
const MAX_CARD_AMOUNT = 0xffffffffn;
const HISTORY_ENTRIES = 100;
const FINAL_PHASES = ['posted', 'voided', 'failed'];
const REFUSALS = [
    'card_unknown',
    'card_blocked',
    'card_not_genuine',
    'wrong_card',
    'insufficient_funds',
    'over_purse_limit',
    'reader_offline',
    'card_absent',
    'card_unreadable',
];
// Key-store and registry checks: cheap and pure; a few retries cover a restarting worker.
const checks = (0, workflow_1.proxyActivities)({
    startToCloseTimeout: '20 seconds',
    retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 10 },
});
// Ledger steps are idempotent by transfer id, so they retry until the database answers; an
// operator sees a long-failing one as a pending activity with its last failure.
const ledgerSteps = (0, workflow_1.proxyActivities)({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
function validateInput(input) {
    const problems = [];
    if (typeof input?.requestId !== 'string' || !download_contract_1.REQUEST_ID_PATTERN.test(input.requestId))
        problems.push('requestId must be 1-100 letters, digits or _.:-');
    if (typeof input?.csn !== 'string' || !/^[0-9]{16}$/.test(input.csn) || !(0, code_format_1.luhnValid)(input.csn))
        problems.push('csn must be 16 digits with a valid check digit');
    if (input?.purse !== 'ecash' && input?.purse !== 'food')
        problems.push('purse must be ecash or food');
    if (typeof input?.amountMinor !== 'string' || !/^[1-9][0-9]{0,9}$/.test(input.amountMinor) || BigInt(input.amountMinor) > MAX_CARD_AMOUNT) {
        problems.push(`amountMinor must be a whole number of minor units from 1 to ${MAX_CARD_AMOUNT}`);
    }
    if (input?.mode !== 'connected' && input?.mode !== 'offline')
        problems.push('mode must be connected or offline');
    if (input?.mode === 'connected' && (typeof input.readerId !== 'string' || !download_contract_1.READER_ID_PATTERN.test(input.readerId)))
        problems.push('a connected download needs a readerId');
    if (problems.length > 0) {
        throw workflow_1.ApplicationFailure.create({ type: 'input_invalid', nonRetryable: true, message: `This download request is malformed: ${problems.join('; ')}. Fix the request and start it again.` });
    }
}
function failureType(err) {
    if (err instanceof workflow_1.ActivityFailure && err.cause instanceof workflow_1.ApplicationFailure)
        return err.cause.type ?? undefined;
    return undefined;
}
function failureMessage(err) {
    if (err instanceof workflow_1.ActivityFailure && err.cause)
        return err.cause.message;
    return err instanceof Error ? err.message : String(err);
}
/** The reader agent never picked the task up: proof that the card never saw the command. */
function neverPickedUp(err) {
    return err instanceof workflow_1.ActivityFailure && err.cause instanceof workflow_1.TimeoutFailure && err.cause.timeoutType === common_1.TimeoutType.SCHEDULE_TO_START;
}
async function DownloadWorkflow(input) {
    validateInput(input);
    const timing = { ...download_contract_1.DEFAULT_TIMING, ...(input.timing ?? {}) };
    const info = (0, workflow_1.workflowInfo)();
    const key = { workflowId: info.workflowId, originalRunId: info.originalExecutionRunId };
    const rootScope = workflow_1.CancellationScope.current();
    const state = {
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
    let decision;
    let wakeUp = false;
    let phaseBeforeLock;
    let presentedAt;
    let handlerQueue = Promise.resolve();
    function setPhase(phase, note) {
        state.phase = phase;
        state.history.push({ at: new Date().toISOString(), phase, note });
        if (state.history.length > HISTORY_ENTRIES)
            state.history.splice(0, state.history.length - HISTORY_ENTRIES);
        (0, workflow_1.upsertSearchAttributes)([{ key: download_contract_1.SEARCH_ATTRIBUTE.state, value: phase }]);
    }
    function note(text) {
        state.history.push({ at: new Date().toISOString(), phase: state.phase, note: text });
    }
    /** Update handlers that touch state run one at a time, in arrival order. */
    function exclusive(work) {
        const run = handlerQueue.then(work);
        handlerQueue = run.catch(() => undefined);
        return run;
    }
    function refuse(code, message) {
        state.failure = { code, message };
        setPhase('failed', message);
        throw workflow_1.ApplicationFailure.create({ type: code, message, nonRetryable: true });
    }
    /** Activity failures that are business refusals become the workflow's own typed failure. */
    function refuseFrom(err, fallback) {
        const type = failureType(err);
        if (type && REFUSALS.includes(type))
            refuse(type, failureMessage(err));
        if (fallback)
            refuse(fallback, failureMessage(err));
        throw err;
    }
    function credit() {
        if (state.atc === undefined)
            throw workflow_1.ApplicationFailure.create({ type: 'invariant_broken', nonRetryable: true, message: 'a load proof was asked for before the card gave its ATC; this is a bug in DownloadWorkflow.' });
        return { csn: input.csn, atc: state.atc, purse: input.purse, amountMinor: input.amountMinor };
    }
    function readerSteps(readerId, options = {}) {
        return (0, workflow_1.proxyActivities)({
            taskQueue: (0, download_contract_1.readerTaskQueue)(readerId),
            // A reader queue has exactly one worker: when it is gone, the task must not wait forever.
            scheduleToStartTimeout: timing.readerPickupMs,
            startToCloseTimeout: timing.cardStepMs + 15_000,
            heartbeatTimeout: 15_000,
            retry: { maximumAttempts: 1 },
            ...options,
        });
    }
    const reserved = () => state.reservationId !== undefined;
    const stuck = () => download_contract_1.STUCK_PHASES.includes(state.phase);
    // ---- messages -------------------------------------------------------------------------------
    (0, workflow_1.setHandler)(download_contract_1.downloadStateQuery, () => state);
    (0, workflow_1.setHandler)(download_contract_1.cardPresentedSignal, ({ readerId }) => {
        if (typeof readerId === 'string' && download_contract_1.READER_ID_PATTERN.test(readerId)) {
            presentedAt = readerId;
            wakeUp = true;
        }
    });
    (0, workflow_1.setHandler)(download_contract_1.retryNowSignal, ({ operator, readerId }) => {
        note(`operator ${String(operator)} asked to retry${readerId ? ` on reader ${readerId}` : ''}`);
        if (typeof readerId === 'string' && download_contract_1.READER_ID_PATTERN.test(readerId))
            presentedAt = readerId;
        if (state.phase === 'locked' && phaseBeforeLock) {
            state.wrongCodes = 0;
            setPhase(phaseBeforeLock, `unlocked by operator ${String(operator)}`);
        }
        wakeUp = true;
    });
    /** A validator's refusal: the update is rejected before it reaches history; `type` tells the client why. */
    function rejected(type, message) {
        return workflow_1.ApplicationFailure.create({ type, message, nonRetryable: true });
    }
    function offlineCodeValidator(length, what, allowed) {
        return (code) => {
            if (input.mode !== 'offline')
                throw rejected('not_expected', `This download is connected; it takes no ${what}.`);
            if (state.phase === 'locked')
                throw rejected('locked', `This download is locked after ${download_contract_1.WRONG_CODES_BEFORE_LOCK} wrong codes; an operator must unlock it.`);
            if (!allowed.includes(state.phase) || decision)
                throw rejected('not_expected', `This download is ${state.phase}; it does not expect a ${what} now.`);
            const problem = (0, code_format_1.codeShapeProblem)(code, length, what);
            if (problem)
                throw rejected(problem.refusal, problem.message);
        };
    }
    function answer(accepted, extra = {}) {
        return { accepted, phase: state.phase, wrongCodes: state.wrongCodes, ...extra };
    }
    /** The offline authorization code: asked of the key store only once the reservation exists. */
    async function authorizationCode() {
        if (state.authorizationCode === undefined) {
            const { code } = await checks.offlineAuthorizationCode({ key, credit: credit() });
            state.authorizationCode = code;
            note(`authorization code issued for ATC ${state.atc}`);
        }
        return state.authorizationCode;
    }
    function countWrongCode(message) {
        state.wrongCodes += 1;
        note(`wrong code (${state.wrongCodes} of ${download_contract_1.WRONG_CODES_BEFORE_LOCK})`);
        if (state.wrongCodes >= download_contract_1.WRONG_CODES_BEFORE_LOCK) {
            phaseBeforeLock = state.phase;
            state.operatorReason = `${download_contract_1.WRONG_CODES_BEFORE_LOCK} wrong codes`;
            setPhase('locked', `locked after ${download_contract_1.WRONG_CODES_BEFORE_LOCK} wrong codes; an operator must unlock it (retryNow)`);
        }
        return answer(false, { refusal: 'mac_mismatch', message });
    }
    (0, workflow_1.setHandler)(download_contract_1.submitRequestCodeUpdate, (code) => exclusive(async () => {
        if (state.phase === 'locked')
            return answer(false, { refusal: 'locked', message: 'This download is locked; an operator must unlock it.' });
        const verdict = await checks.verifyRequestCode({ csn: input.csn, purse: input.purse, amountMinor: input.amountMinor, code: (0, code_format_1.normalizeCode)(code) });
        if (!verdict.valid)
            return countWrongCode(verdict.message);
        if (state.phase === 'awaiting_request_code') {
            state.atc = verdict.atc;
            await reserve();
            if (!reserved())
                return answer(false, { refusal: 'download_failed', message: state.failure?.message });
            setPhase('awaiting_confirmation', `reserved for ATC ${state.atc}; issuing the authorization code`);
            return answer(true, { authorizationCode: await authorizationCode() });
        }
        // The pocket asked again (the card forgets its pending load after 3 wrong entries): the
        // same ATC means the card is still waiting for this very load, so the same code fits.
        if (verdict.atc === state.atc)
            return answer(true, { authorizationCode: await authorizationCode() });
        return answer(false, { refusal: 'atc_moved_on', message: 'This request code is for a later transaction of the card; type the confirmation code the pocket shows for this load (it can show it again).' });
    }), { validator: offlineCodeValidator(code_format_1.REQUEST_CODE_LENGTH, 'request code', ['awaiting_request_code', 'awaiting_confirmation', 'needs_operator']) });
    (0, workflow_1.setHandler)(download_contract_1.submitConfirmationCodeUpdate, (code) => exclusive(async () => {
        if (state.phase === 'locked')
            return answer(false, { refusal: 'locked', message: 'This download is locked; an operator must unlock it.' });
        if (decision)
            return answer(true);
        const verdict = await checks.verifyConfirmationCode({ credit: credit(), code: (0, code_format_1.normalizeCode)(code) });
        if (!verdict.valid)
            return countWrongCode(verdict.message);
        decision = { outcome: 'credited', proof: 'confirmation code from the pocket' };
        await (0, workflow_1.condition)(() => FINAL_PHASES.includes(state.phase));
        return answer(true);
    }), { validator: offlineCodeValidator(code_format_1.CONFIRMATION_CODE_LENGTH, 'confirmation code', ['awaiting_confirmation', 'needs_operator']) });
    (0, workflow_1.setHandler)(download_contract_1.reportNotLoadedUpdate, (code) => exclusive(async () => {
        if (state.phase === 'locked')
            return answer(false, { refusal: 'locked', message: 'This download is locked; an operator must unlock it.' });
        if (decision)
            return answer(true);
        const verdict = await checks.verifyRequestCode({ csn: input.csn, purse: input.purse, amountMinor: input.amountMinor, code: (0, code_format_1.normalizeCode)(code) });
        if (!verdict.valid)
            return countWrongCode(verdict.message);
        if (verdict.atc !== state.atc) {
            return answer(false, { refusal: 'atc_moved_on', message: 'The card has made transactions since; it may hold this load. Type the confirmation code instead (the pocket can show it again).' });
        }
        decision = { outcome: 'not_credited', proof: `fresh request code with the same ATC ${state.atc}` };
        await (0, workflow_1.condition)(() => FINAL_PHASES.includes(state.phase));
        return answer(true);
    }), { validator: offlineCodeValidator(code_format_1.REQUEST_CODE_LENGTH, 'request code', ['awaiting_confirmation', 'needs_operator']) });
    function evidenceValidator(purpose) {
        return ({ operator, evidence }) => {
            if (typeof operator !== 'string' || operator.trim().length === 0)
                throw rejected('evidence_invalid', 'Name the operator who acts.');
            if (!reserved() || state.atc === undefined || FINAL_PHASES.includes(state.phase) || decision) {
                throw rejected('evidence_invalid', `This download is ${state.phase}; there is no reservation in doubt to ${purpose}.`);
            }
            if (!stuck())
                throw rejected('evidence_invalid', `This download is ${state.phase}, not waiting; act only on a stuck download.`);
            const kinds = purpose === 'resolve' ? ['confirmation_code', 'log_record', 'operator_attestation'] : ['request_code', 'operator_attestation'];
            if (!evidence || !kinds.includes(evidence.kind))
                throw rejected('evidence_invalid', `To ${purpose} give evidence of kind ${kinds.join(' or ')}.`);
            if (evidence.kind === 'confirmation_code') {
                const problem = (0, code_format_1.codeShapeProblem)(evidence.code, code_format_1.CONFIRMATION_CODE_LENGTH, 'confirmation code');
                if (problem)
                    throw rejected('evidence_invalid', problem.message);
            }
            if (evidence.kind === 'request_code') {
                const problem = (0, code_format_1.codeShapeProblem)(evidence.code, code_format_1.REQUEST_CODE_LENGTH, 'request code');
                if (problem)
                    throw rejected('evidence_invalid', problem.message);
            }
            if (evidence.kind === 'log_record' && !/^[0-9A-Fa-f]{56}$/.test(String(evidence.recordHex).replace(/\s+/g, ''))) {
                throw rejected('evidence_invalid', 'A log record is 28 bytes: 56 hexadecimal digits as READ LOG returns them.');
            }
            if (evidence.kind === 'operator_attestation') {
                if (state.phase !== 'needs_operator')
                    throw rejected('evidence_invalid', 'An attestation is only accepted once the download needs an operator (the card could not prove anything).');
                if (typeof evidence.reference !== 'string' || evidence.reference.trim().length < 3)
                    throw rejected('evidence_invalid', 'An attestation needs a reference (ticket, how the card was examined).');
            }
        };
    }
    (0, workflow_1.setHandler)(download_contract_1.resolveWithEvidenceUpdate, ({ operator, evidence }) => exclusive(async () => {
        if (decision)
            return state;
        if (evidence.kind === 'confirmation_code') {
            const verdict = await checks.verifyConfirmationCode({ credit: credit(), code: (0, code_format_1.normalizeCode)(evidence.code) });
            if (!verdict.valid)
                throw workflow_1.ApplicationFailure.create({ type: 'evidence_refused', message: verdict.message });
            decision = { outcome: 'credited', proof: `confirmation code given by operator ${operator}` };
        }
        else if (evidence.kind === 'log_record') {
            const verdict = await checks.judgeLogRecordEvidence({ credit: credit(), recordHex: evidence.recordHex });
            if (!verdict.proves)
                throw workflow_1.ApplicationFailure.create({ type: 'evidence_refused', message: `This log record does not prove this load (ATC ${state.atc}, ${input.purse}, ${input.amountMinor}); read the card's log again.` });
            decision = { outcome: 'credited', proof: `log record given by operator ${operator}`, newBalanceMinor: verdict.balanceAfterMinor };
        }
        else {
            decision = { outcome: 'credited', proof: attestation(operator, evidence) };
        }
        await (0, workflow_1.condition)(() => FINAL_PHASES.includes(state.phase));
        return state;
    }), { validator: evidenceValidator('resolve') });
    (0, workflow_1.setHandler)(download_contract_1.voidWithEvidenceUpdate, ({ operator, evidence }) => exclusive(async () => {
        if (decision)
            return state;
        if (evidence.kind === 'request_code') {
            const verdict = await checks.verifyRequestCode({ csn: input.csn, purse: input.purse, amountMinor: input.amountMinor, code: (0, code_format_1.normalizeCode)(evidence.code) });
            if (!verdict.valid)
                throw workflow_1.ApplicationFailure.create({ type: 'evidence_refused', message: verdict.message });
            if (verdict.atc !== state.atc)
                throw workflow_1.ApplicationFailure.create({ type: 'evidence_refused', message: `The request code shows ATC ${verdict.atc}, not this load's ${state.atc}: the card moved on and may hold the load.` });
            decision = { outcome: 'not_credited', proof: `fresh request code with the same ATC ${state.atc}, given by operator ${operator}` };
        }
        else {
            decision = { outcome: 'not_credited', proof: attestation(operator, evidence) };
        }
        await (0, workflow_1.condition)(() => FINAL_PHASES.includes(state.phase));
        return state;
    }), { validator: evidenceValidator('void') });
    function attestation(operator, evidence) {
        return evidence.kind === 'operator_attestation' ? `attestation by ${operator} (${evidence.operator}): ${evidence.reference}` : `evidence by ${operator}`;
    }
    // ---- steps ----------------------------------------------------------------------------------
    (0, workflow_1.upsertSearchAttributes)([
        { key: download_contract_1.SEARCH_ATTRIBUTE.kind, value: download_contract_1.DOWNLOAD_KIND },
        { key: download_contract_1.SEARCH_ATTRIBUTE.cardSerial, value: input.csn },
        { key: download_contract_1.SEARCH_ATTRIBUTE.amountMinor, value: Number(input.amountMinor) },
        ...(input.readerId ? [{ key: download_contract_1.SEARCH_ATTRIBUTE.readerId, value: input.readerId }] : []),
    ]);
    setPhase('checking_card', `${input.mode} download of ${input.amountMinor} minor units onto the ${input.purse} purse`);
    let check;
    try {
        check = await checks.checkCardForDownload({ csn: input.csn, purse: input.purse, amountMinor: input.amountMinor });
    }
    catch (err) {
        refuseFrom(err);
    }
    state.customerId = check.customerId;
    (0, workflow_1.upsertSearchAttributes)([{ key: download_contract_1.SEARCH_ATTRIBUTE.customerId, value: check.customerId }]);
    /** Reserves the amount; on a refusal the download fails with nothing reserved. */
    async function reserve() {
        setPhase('reserving', `card is genuine (ATC ${state.atc}); reserving`);
        try {
            const { reservationId } = await ledgerSteps.reserveLoad({
                key,
                csn: input.csn,
                atc: state.atc,
                purse: input.purse,
                amountMinor: input.amountMinor,
                sourceAccountId: check.sourceAccountId,
                floatAccountId: check.floatAccountId,
            });
            state.reservationId = reservationId;
        }
        catch (err) {
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
    async function settle(d) {
        state.proof = d.proof;
        if (d.outcome === 'credited') {
            setPhase('posting', `credit proven by ${d.proof}`);
            await ledgerSteps.postLoad({ key, csn: input.csn, purse: input.purse, amountMinor: input.amountMinor });
            if (d.newBalanceMinor !== undefined)
                state.newBalanceMinor = d.newBalanceMinor;
            setPhase('posted', 'posted');
        }
        else {
            setPhase('voiding', `no credit, proven by ${d.proof}`);
            await ledgerSteps.voidLoad({ key });
            setPhase('voided', 'reservation released');
        }
        await (0, workflow_1.condition)(workflow_1.allHandlersFinished);
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
    async function awaitDecision(reason, tickMs, onTick) {
        const since = Date.now();
        for (;;) {
            if (decision)
                return decision;
            await (0, workflow_1.condition)(() => decision !== undefined || wakeUp, tickMs);
            wakeUp = false;
            if (decision)
                return decision;
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
    async function proveFromCard(why) {
        setPhase('awaiting_card', `${why}; present card ${input.csn} to a reader`);
        let readerId = input.readerId;
        let logInconclusive = false;
        const attempt = async () => {
            if (presentedAt) {
                readerId = presentedAt;
                presentedAt = undefined;
                (0, workflow_1.upsertSearchAttributes)([{ key: download_contract_1.SEARCH_ATTRIBUTE.readerId, value: readerId }]);
            }
            let log;
            try {
                log = await readerSteps(readerId).readCardLog({ csn: input.csn, waitForCardMs: timing.cardStepMs });
            }
            catch (err) {
                note(`card not read on reader ${readerId}: ${failureMessage(err)}`);
                return;
            }
            const proof = await checks.judgeCardLog({ credit: credit(), recordsHex: log.recordsHex });
            if (proof.outcome === 'credited') {
                decision = { outcome: 'credited', proof: `log record ATC ${state.atc} with MAC3 (read on reader ${readerId})`, newBalanceMinor: proof.balanceAfterMinor };
            }
            else if (proof.outcome === 'not_credited') {
                decision = { outcome: 'not_credited', proof: `card log read on reader ${readerId}: ATC_card ${proof.atcCard} < ATC ${state.atc}` };
            }
            else if (!logInconclusive) {
                logInconclusive = true;
                state.operatorReason = `the card's log cannot prove this load (${proof.reason}, ATC_card ${proof.atcCard})`;
                setPhase('needs_operator', state.operatorReason);
            }
        };
        await attempt();
        return awaitDecision('the card has not come back', timing.recoveryRetryMs, async () => {
            // A log that proved nothing will not prove more later: only a person, or the card shown
            // again on purpose (signal), can move it on.
            if (logInconclusive && !presentedAt)
                return;
            await attempt();
        });
    }
    async function connected() {
        setPhase('reading_card', `INITIALIZE LOAD on reader ${input.readerId}`);
        const reader = readerSteps(input.readerId);
        let init;
        try {
            init = await reader.initializeLoad({ csn: input.csn, purse: input.purse, amountMinor: input.amountMinor, rhHex: check.rhHex, waitForCardMs: timing.cardStepMs });
        }
        catch (err) {
            if (neverPickedUp(err))
                refuse('reader_offline', `Reader ${input.readerId} is not online (no reader agent picked the task up within ${timing.readerPickupMs} ms); start purseflow reader-agent on the PC that holds it.`);
            if (failureType(err) === 'card_absent')
                refuse('card_absent', failureMessage(err));
            refuseFrom(err, 'card_unreadable');
        }
        state.atc = init.atc;
        const session = { ...credit(), rhHex: check.rhHex, rcHex: init.rcHex };
        try {
            await checks.verifyMac1({ session, mac1Hex: init.mac1Hex });
        }
        catch (err) {
            refuseFrom(err);
        }
        // From the reservation on, nothing may abandon the money half-way: cancellation is honoured
        // only while the card provably has not been asked to credit.
        return workflow_1.CancellationScope.nonCancellable(async () => {
            await reserve();
            if (!reserved())
                refuse('insufficient_funds', state.failure?.message ?? 'insufficient funds');
            if (rootScope.consideredCancelled) {
                return settle({ outcome: 'not_credited', proof: 'cancelled before CREDIT LOAD was sent' });
            }
            const { mac2Hex } = await checks.authorizeOnlineLoad({ key, session });
            setPhase('crediting', `CREDIT LOAD on reader ${input.readerId}`);
            let answer;
            try {
                answer = await reader.creditLoad({ csn: input.csn, purse: input.purse, amountMinor: input.amountMinor, mac2Hex });
            }
            catch (err) {
                if (neverPickedUp(err)) {
                    return settle({ outcome: 'not_credited', proof: `CREDIT LOAD never reached reader ${input.readerId} (the task was not picked up)` });
                }
                if (failureType(err) === 'credit_not_sent') {
                    return settle({ outcome: 'not_credited', proof: `CREDIT LOAD was not sent: ${failureMessage(err)}` });
                }
                return settle(await proveFromCard(`CREDIT LOAD got no trustworthy answer (${failureMessage(err)})`));
            }
            const { valid } = await checks.verifyMac3({ credit: credit(), mac3Hex: answer.mac3Hex });
            if (!valid)
                return settle(await proveFromCard('the MAC3 of CREDIT LOAD does not verify'));
            return settle({ outcome: 'credited', proof: 'MAC3 of CREDIT LOAD', newBalanceMinor: answer.newBalanceMinor });
        });
    }
    // ---- offline --------------------------------------------------------------------------------
    async function offline() {
        setPhase('awaiting_request_code', 'waiting for the request code from the pocket');
        for (;;) {
            if (await (0, workflow_1.condition)(() => reserved() || state.phase === 'failed', timing.operatorAfterMs))
                break;
            // Locked by wrong codes, or a code being handled: keep waiting (for the operator, or the handler).
            if (state.phase === 'awaiting_request_code') {
                refuse('request_code_timeout', `No request code came within ${timing.operatorAfterMs} ms; nothing was reserved. Start a new download when the pocket is at hand.`);
            }
        }
        if (state.phase === 'failed')
            refuse(state.failure?.code ?? 'insufficient_funds', state.failure?.message ?? 'the reservation was refused');
        return workflow_1.CancellationScope.nonCancellable(async () => {
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
