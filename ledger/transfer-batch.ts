/**
 * The decision core of createTransfers: a pure function from (events, locked state) to results
 * and the rows to write. No I/O here: transfer-store.ts loads the state under lock and writes the
 * decision back in one statement. Keeping the rules pure lets a whole batch of many callers be
 * decided in memory, coalescing every account's changes into one row write per batch.
 */
import { MAX_AMOUNT } from './amount';
import { assertLedger } from './errors';
import { ACCOUNT_FLAG_BITS as A, TRANSFER_FLAG_BITS as T, encodeTransferFlags, hasFlag } from './flags';
import { isLedgerId } from './identifiers';
import { importedTimestampUs } from './imported-event';
import { TRANSIENT_TRANSFER_RESULTS, type CreateTransferResult } from './result-codes';
import type { CreateTransferOutcome, TransferInput } from './transfer';

export interface AccountRow {
  readonly id: string;
  readonly ledger: number;
  readonly flags: number;
  readonly debitsPending: bigint;
  readonly debitsPosted: bigint;
  readonly creditsPending: bigint;
  readonly creditsPosted: bigint;
  /** When the account last changed (its creation at first), microseconds since the epoch: imported events must come after it. */
  readonly updatedUs: number;
}

export interface TransferRow {
  readonly id: string;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amount: bigint;
  readonly pendingId: string | null;
  readonly ledger: number;
  readonly code: number;
  readonly flags: number;
  readonly timeout: number;
  readonly userData: string | null;
  /** Microseconds since the epoch (database clock). */
  readonly timestampUs: number;
}

export type PendingResolution = 'posted' | 'voided' | 'expired';

/** What the store read under lock: the accounts touched, the transfers named, prior failures. */
export interface BatchState {
  /** The batch's timestamp, read from the database clock after the account locks were taken. */
  readonly nowUs: number;
  readonly accounts: ReadonlyMap<string, AccountRow>;
  /** Stored transfers whose id is an event id or a pending id of the batch. */
  readonly transfers: ReadonlyMap<string, TransferRow>;
  readonly failed: ReadonlyMap<string, CreateTransferResult>;
  readonly resolutions: ReadonlyMap<string, PendingResolution>;
  /** The timestamp of the latest imported event (0: none yet); imported events must come after it. */
  readonly lastImportedUs: number;
}

export interface HistoryRow {
  readonly accountId: string;
  /** The transfer whose effect this snapshot follows (for an expiry: the pending transfer). */
  readonly transferId: string;
  readonly debitsPending: bigint;
  readonly debitsPosted: bigint;
  readonly creditsPending: bigint;
  readonly creditsPosted: bigint;
  /** The event's timestamp (an imported one's own, else the batch's). */
  readonly timestampUs: number;
}

export interface BatchDecision {
  /** One result list per submission, in the order of its events. */
  readonly results: CreateTransferOutcome[][];
  readonly newTransfers: TransferRow[];
  /** Final state of every account the batch changed: one row write each. */
  readonly accounts: AccountRow[];
  readonly resolutions: { pendingId: string; resolution: PendingResolution; resolvedBy: string | null; timestampUs: number }[];
  readonly timeoutsToInsert: { pendingId: string; expiresAtUs: number }[];
  readonly timeoutsToDelete: string[];
  readonly failures: { id: string; result: CreateTransferResult }[];
  readonly history: HistoryRow[];
  /** Set when the batch imported events: the new latest imported timestamp (the write re-checks the one it read). */
  readonly lastImportedUs: number | null;
}

const MAX_CODE = 65535;
const MAX_TIMEOUT = 2_147_483_647;
const MAX_USER_DATA = 128;
const US_PER_SECOND = 1_000_000;

type Verdict = { result: CreateTransferResult; amount?: bigint };

/** Ids this batch needs read: event ids (idempotency) and pending ids (posts and voids). */
export function idsToRead(submissions: readonly (readonly TransferInput[])[]): { transferIds: string[]; pendingIds: string[]; accountIds: string[] } {
  const transferIds = new Set<string>();
  const pendingIds = new Set<string>();
  const accountIds = new Set<string>();
  for (const events of submissions) {
    for (const e of events) {
      if (isLedgerId(e.id)) transferIds.add(e.id);
      if (isLedgerId(e.pendingId)) pendingIds.add(e.pendingId);
      if (isLedgerId(e.debitAccountId)) accountIds.add(e.debitAccountId);
      if (isLedgerId(e.creditAccountId)) accountIds.add(e.creditAccountId);
    }
  }
  return { transferIds: [...transferIds], pendingIds: [...pendingIds], accountIds: [...accountIds] };
}

/** Working copy of the state with an undo journal, so that a failed linked chain leaves no trace. */
class BatchRun {
  private readonly accounts = new Map<string, AccountRow>();
  private readonly transfers = new Map<string, TransferRow>();
  private readonly resolutionsById = new Map<string, PendingResolution>();
  private readonly failedById = new Map<string, CreateTransferResult>();
  private readonly undo: (() => void)[] = [];
  readonly newTransfers: TransferRow[] = [];
  readonly resolutions: BatchDecision['resolutions'] = [];
  readonly timeoutsToInsert: BatchDecision['timeoutsToInsert'] = [];
  readonly timeoutsToDelete: string[] = [];
  readonly failures: BatchDecision['failures'] = [];
  readonly history: HistoryRow[] = [];
  /** Latest imported timestamp so far, this batch's imports included. */
  lastImportedUs: number;

  constructor(readonly state: BatchState) {
    this.lastImportedUs = state.lastImportedUs;
  }

  account(id: string): AccountRow | undefined {
    return this.accounts.get(id) ?? this.state.accounts.get(id);
  }
  transfer(id: string): TransferRow | undefined {
    return this.transfers.get(id) ?? this.state.transfers.get(id);
  }
  resolution(pendingId: string): PendingResolution | undefined {
    return this.resolutionsById.get(pendingId) ?? this.state.resolutions.get(pendingId);
  }
  failed(id: string): CreateTransferResult | undefined {
    return this.failedById.get(id) ?? this.state.failed.get(id);
  }

  recordImport(timestampUs: number): void {
    const previous = this.lastImportedUs;
    this.undo.push(() => (this.lastImportedUs = previous));
    this.lastImportedUs = timestampUs;
  }

  mark(): number[] {
    return [this.undo.length, this.newTransfers.length, this.resolutions.length, this.timeoutsToInsert.length, this.timeoutsToDelete.length, this.history.length];
  }
  rollback(mark: number[]): void {
    const [undo, transfers, resolutions, timeoutsIn, timeoutsOut, history] = mark;
    while (this.undo.length > undo) this.undo.pop()!();
    this.newTransfers.length = transfers;
    this.resolutions.length = resolutions;
    this.timeoutsToInsert.length = timeoutsIn;
    this.timeoutsToDelete.length = timeoutsOut;
    this.history.length = history;
  }

  setAccount(next: AccountRow): void {
    const previous = this.accounts.get(next.id);
    this.undo.push(() => (previous ? this.accounts.set(next.id, previous) : this.accounts.delete(next.id)));
    this.accounts.set(next.id, next);
  }
  addTransfer(row: TransferRow): void {
    this.undo.push(() => this.transfers.delete(row.id));
    this.transfers.set(row.id, row);
    this.newTransfers.push(row);
  }
  resolve(pendingId: string, resolution: PendingResolution, resolvedBy: string | null, pending: TransferRow, timestampUs: number): void {
    this.undo.push(() => this.resolutionsById.delete(pendingId));
    this.resolutionsById.set(pendingId, resolution);
    this.resolutions.push({ pendingId, resolution, resolvedBy, timestampUs });
    if (pending.timeout > 0) this.timeoutsToDelete.push(pendingId);
  }
  recordFailure(id: string, result: CreateTransferResult): void {
    if (!TRANSIENT_TRANSFER_RESULTS.has(result)) return;
    this.failedById.set(id, result);
    this.failures.push({ id, result });
  }
  snapshot(accountId: string, transferId: string, timestampUs: number): void {
    const a = this.account(accountId);
    assertLedger(a, `account ${accountId} changed but is not loaded`);
    if (!hasFlag(a.flags, A.history)) return;
    this.history.push({ accountId, transferId, debitsPending: a.debitsPending, debitsPosted: a.debitsPosted, creditsPending: a.creditsPending, creditsPosted: a.creditsPosted, timestampUs });
  }
  changedAccounts(): AccountRow[] {
    return [...this.accounts.values()];
  }
}

function compareExisting(e: TransferInput, flags: number, s: TransferRow, run: BatchRun): CreateTransferResult {
  if (flags !== s.flags) return 'exists_with_different_flags';
  if ((e.pendingId ?? null) !== s.pendingId) return 'exists_with_different_pending_id';
  if ((e.timeout ?? 0) !== s.timeout) return 'exists_with_different_timeout';
  const postOrVoid = hasFlag(flags, T.postPendingTransfer) || hasFlag(flags, T.voidPendingTransfer);
  if (postOrVoid) {
    // A post or void inherits what it leaves out, so only fields it states are compared.
    if (e.debitAccountId !== undefined && e.debitAccountId !== s.debitAccountId) return 'exists_with_different_debit_account_id';
    if (e.creditAccountId !== undefined && e.creditAccountId !== s.creditAccountId) return 'exists_with_different_credit_account_id';
    if (hasFlag(flags, T.postPendingTransfer)) {
      const pending = s.pendingId ? run.transfer(s.pendingId) : undefined;
      const fullPost = pending !== undefined && s.amount === pending.amount;
      const same = e.amount === undefined ? fullPost : e.amount === s.amount || (fullPost && e.amount >= s.amount);
      if (!same) return 'exists_with_different_amount';
    } else if (e.amount !== undefined && e.amount !== 0n && e.amount !== s.amount) {
      return 'exists_with_different_amount';
    }
    if (e.userData !== undefined && e.userData !== null && e.userData !== s.userData) return 'exists_with_different_user_data';
    if (e.ledger !== undefined && e.ledger !== s.ledger) return 'exists_with_different_ledger';
    if (e.code !== undefined && e.code !== s.code) return 'exists_with_different_code';
    return 'exists';
  }
  if (e.debitAccountId !== s.debitAccountId) return 'exists_with_different_debit_account_id';
  if (e.creditAccountId !== s.creditAccountId) return 'exists_with_different_credit_account_id';
  const balancing = hasFlag(flags, T.balancingDebit) || hasFlag(flags, T.balancingCredit);
  // A balancing transfer records what it moved; a retry asking for at least that much is the same request.
  const amountMatches = balancing ? e.amount !== undefined && e.amount >= s.amount : e.amount === s.amount;
  if (!amountMatches) return 'exists_with_different_amount';
  if ((e.userData ?? null) !== s.userData) return 'exists_with_different_user_data';
  if (e.ledger !== undefined && e.ledger !== s.ledger) return 'exists_with_different_ledger';
  if (e.code !== s.code) return 'exists_with_different_code';
  return 'exists';
}

function isValidCode(code: unknown): boolean {
  return typeof code === 'number' && Number.isInteger(code) && code >= 1 && code <= MAX_CODE;
}

/** Rules that need no state, in TigerBeetle's order after the idempotency check. */
function checkShape(e: TransferInput, flags: number): CreateTransferResult | null {
  const pending = hasFlag(flags, T.pending);
  const post = hasFlag(flags, T.postPendingTransfer);
  const voided = hasFlag(flags, T.voidPendingTransfer);
  const balancing = hasFlag(flags, T.balancingDebit) || hasFlag(flags, T.balancingCredit);
  const closing = hasFlag(flags, T.closingDebit) || hasFlag(flags, T.closingCredit);
  if (Number(pending) + Number(post) + Number(voided) > 1) return 'flags_are_mutually_exclusive';
  if ((post || voided) && (balancing || closing)) return 'flags_are_mutually_exclusive';
  if (post || voided) {
    if (!isLedgerId(e.pendingId)) return 'pending_id_must_be_uuid';
    if (e.pendingId === e.id) return 'pending_id_must_be_different';
    if (e.timeout !== undefined && e.timeout !== 0) return 'timeout_reserved_for_pending_transfer';
    if (e.debitAccountId !== undefined && !isLedgerId(e.debitAccountId)) return 'debit_account_id_must_be_uuid';
    if (e.creditAccountId !== undefined && !isLedgerId(e.creditAccountId)) return 'credit_account_id_must_be_uuid';
    if (post && e.amount !== undefined) {
      if (e.amount < 0n) return 'amount_must_not_be_negative';
      if (e.amount === 0n) return 'amount_must_not_be_zero';
    }
    if (voided && e.amount !== undefined && e.amount < 0n) return 'amount_must_not_be_negative';
    if (e.code !== undefined && !isValidCode(e.code)) return 'code_must_not_be_zero';
  } else {
    if (e.pendingId !== undefined && e.pendingId !== null) return 'pending_id_must_be_zero';
    if (e.timeout !== undefined && e.timeout !== 0 && !pending) return 'timeout_reserved_for_pending_transfer';
    if (closing && !pending) return 'closing_transfer_must_be_pending';
    if (!isLedgerId(e.debitAccountId)) return 'debit_account_id_must_be_uuid';
    if (!isLedgerId(e.creditAccountId)) return 'credit_account_id_must_be_uuid';
    if (e.debitAccountId === e.creditAccountId) return 'accounts_must_be_different';
    if (e.amount === undefined) return 'amount_must_not_be_zero';
    if (e.amount < 0n) return 'amount_must_not_be_negative';
    // Zero is allowed only to close an account (TigerBeetle's close-account recipe).
    if (e.amount === 0n && !closing) return 'amount_must_not_be_zero';
    if (!isValidCode(e.code)) return 'code_must_not_be_zero';
  }
  if (e.amount !== undefined && e.amount > MAX_AMOUNT) return 'amount_must_not_exceed_maximum';
  if (e.timeout !== undefined && (!Number.isInteger(e.timeout) || e.timeout < 0 || e.timeout > MAX_TIMEOUT)) return 'timeout_must_be_valid';
  if (e.userData !== undefined && e.userData !== null && e.userData.length > MAX_USER_DATA) return 'user_data_too_long';
  if (e.ledger !== undefined && (!Number.isInteger(e.ledger) || e.ledger <= 0)) return 'ledger_must_be_valid';
  return null;
}

function withCounters(a: AccountRow, change: Partial<Omit<AccountRow, 'id' | 'ledger'>>): AccountRow {
  return { ...a, ...change };
}

function applySinglePhaseOrPending(e: TransferInput, flags: number, run: BatchRun, at: number): Verdict {
  const debit = run.account(e.debitAccountId!);
  const credit = run.account(e.creditAccountId!);
  if (!debit) return { result: 'debit_account_not_found' };
  if (!credit) return { result: 'credit_account_not_found' };
  if (debit.ledger !== credit.ledger) return { result: 'accounts_must_have_the_same_ledger' };
  if (e.ledger !== undefined && e.ledger !== debit.ledger) return { result: 'transfer_must_have_the_same_ledger_as_accounts' };
  if (hasFlag(flags, T.imported)) {
    const order = importOrder(at, debit, credit, run);
    if (order) return { result: order };
    if (hasFlag(flags, T.pending) && (e.timeout ?? 0) !== 0) return { result: 'imported_event_timeout_must_be_zero' };
  }
  if (hasFlag(debit.flags, A.closed)) return { result: 'debit_account_already_closed' };
  if (hasFlag(credit.flags, A.closed)) return { result: 'credit_account_already_closed' };

  let amount = e.amount!;
  if (hasFlag(flags, T.balancingDebit) && hasFlag(debit.flags, A.debitsMustNotExceedCredits)) {
    const room = debit.creditsPosted - debit.debitsPosted - debit.debitsPending;
    amount = room < amount ? (room > 0n ? room : 0n) : amount;
    if (amount === 0n) return { result: 'exceeds_credits' };
  }
  if (hasFlag(flags, T.balancingCredit) && hasFlag(credit.flags, A.creditsMustNotExceedDebits)) {
    const room = credit.debitsPosted - credit.creditsPosted - credit.creditsPending;
    amount = room < amount ? (room > 0n ? room : 0n) : amount;
    if (amount === 0n) return { result: 'exceeds_debits' };
  }

  const pending = hasFlag(flags, T.pending);
  if (pending) {
    if (debit.debitsPending + amount > MAX_AMOUNT) return { result: 'overflows_debits_pending' };
    if (credit.creditsPending + amount > MAX_AMOUNT) return { result: 'overflows_credits_pending' };
  } else {
    if (debit.debitsPosted + amount > MAX_AMOUNT) return { result: 'overflows_debits_posted' };
    if (credit.creditsPosted + amount > MAX_AMOUNT) return { result: 'overflows_credits_posted' };
  }
  if (debit.debitsPending + debit.debitsPosted + amount > MAX_AMOUNT) return { result: 'overflows_debits' };
  if (credit.creditsPending + credit.creditsPosted + amount > MAX_AMOUNT) return { result: 'overflows_credits' };
  // Reservations count against the limit (pessimistic), so a later post can never break it.
  if (hasFlag(debit.flags, A.debitsMustNotExceedCredits) && debit.debitsPending + debit.debitsPosted + amount > debit.creditsPosted) {
    return { result: 'exceeds_credits' };
  }
  if (hasFlag(credit.flags, A.creditsMustNotExceedDebits) && credit.creditsPending + credit.creditsPosted + amount > credit.debitsPosted) {
    return { result: 'exceeds_debits' };
  }

  let debitFlags = debit.flags;
  let creditFlags = credit.flags;
  if (hasFlag(flags, T.closingDebit)) debitFlags |= A.closed;
  if (hasFlag(flags, T.closingCredit)) creditFlags |= A.closed;
  run.setAccount(
    pending
      ? withCounters(debit, { debitsPending: debit.debitsPending + amount, flags: debitFlags, updatedUs: at })
      : withCounters(debit, { debitsPosted: debit.debitsPosted + amount, flags: debitFlags, updatedUs: at }),
  );
  run.setAccount(
    pending
      ? withCounters(credit, { creditsPending: credit.creditsPending + amount, flags: creditFlags, updatedUs: at })
      : withCounters(credit, { creditsPosted: credit.creditsPosted + amount, flags: creditFlags, updatedUs: at }),
  );
  const timeout = e.timeout ?? 0;
  const row: TransferRow = {
    id: e.id,
    debitAccountId: debit.id,
    creditAccountId: credit.id,
    amount,
    pendingId: null,
    ledger: debit.ledger,
    code: e.code!,
    flags,
    timeout,
    userData: e.userData ?? null,
    timestampUs: at,
  };
  run.addTransfer(row);
  if (hasFlag(flags, T.imported)) run.recordImport(at);
  if (pending && timeout > 0) {
    run.timeoutsToInsert.push({ pendingId: e.id, expiresAtUs: at + timeout * US_PER_SECOND });
  }
  run.snapshot(debit.id, e.id, at);
  run.snapshot(credit.id, e.id, at);
  return { result: 'ok', amount };
}

export function pendingExpired(pending: TransferRow, nowUs: number): boolean {
  return pending.timeout > 0 && nowUs >= pending.timestampUs + pending.timeout * US_PER_SECOND;
}

function resolutionFailure(resolution: PendingResolution | undefined): CreateTransferResult | null {
  if (resolution === 'posted') return 'pending_transfer_already_posted';
  if (resolution === 'voided') return 'pending_transfer_already_voided';
  if (resolution === 'expired') return 'pending_transfer_expired';
  return null;
}

/** Releases a pending transfer's reservation; a post also moves `postAmount` to the posted counters. */
function releasePending(run: BatchRun, pending: TransferRow, postAmount: bigint, reopen: boolean, at: number): void {
  const debit = run.account(pending.debitAccountId);
  const credit = run.account(pending.creditAccountId);
  assertLedger(debit && credit, `accounts of pending transfer ${pending.id} are not loaded`);
  assertLedger(debit.debitsPending >= pending.amount && credit.creditsPending >= pending.amount, `pending counters of ${pending.id}'s accounts are below its amount`);
  // Voiding or expiring a closing transfer re-opens the account it closed (closing is reversible).
  const debitFlags = reopen && hasFlag(pending.flags, T.closingDebit) ? debit.flags & ~A.closed : debit.flags;
  const creditFlags = reopen && hasFlag(pending.flags, T.closingCredit) ? credit.flags & ~A.closed : credit.flags;
  run.setAccount(withCounters(debit, { debitsPending: debit.debitsPending - pending.amount, debitsPosted: debit.debitsPosted + postAmount, flags: debitFlags, updatedUs: at }));
  run.setAccount(withCounters(credit, { creditsPending: credit.creditsPending - pending.amount, creditsPosted: credit.creditsPosted + postAmount, flags: creditFlags, updatedUs: at }));
}

function applyPostOrVoid(e: TransferInput, flags: number, run: BatchRun, at: number): Verdict {
  const post = hasFlag(flags, T.postPendingTransfer);
  const pending = run.transfer(e.pendingId!);
  if (!pending) return { result: 'pending_transfer_not_found' };
  if (!hasFlag(pending.flags, T.pending)) return { result: 'pending_transfer_not_pending' };
  if (e.debitAccountId !== undefined && e.debitAccountId !== pending.debitAccountId) return { result: 'pending_transfer_has_different_debit_account_id' };
  if (e.creditAccountId !== undefined && e.creditAccountId !== pending.creditAccountId) return { result: 'pending_transfer_has_different_credit_account_id' };
  if (e.ledger !== undefined && e.ledger !== pending.ledger) return { result: 'pending_transfer_has_different_ledger' };
  if (e.code !== undefined && e.code !== pending.code) return { result: 'pending_transfer_has_different_code' };
  let amount = pending.amount;
  if (post) {
    if (e.amount !== undefined && e.amount > pending.amount) return { result: 'exceeds_pending_transfer_amount' };
    amount = e.amount ?? pending.amount;
  } else if (e.amount !== undefined && e.amount !== 0n && e.amount !== pending.amount) {
    return { result: 'pending_transfer_has_different_amount' };
  }
  const ended = resolutionFailure(run.resolution(pending.id));
  if (ended) return { result: ended };
  if (pendingExpired(pending, run.state.nowUs)) return { result: 'pending_transfer_expired' };
  if (hasFlag(flags, T.imported)) {
    const order = importOrder(at, run.account(pending.debitAccountId)!, run.account(pending.creditAccountId)!, run);
    if (order) return { result: order };
  }
  if (post) {
    const debit = run.account(pending.debitAccountId)!;
    const credit = run.account(pending.creditAccountId)!;
    if (debit.debitsPosted + amount > MAX_AMOUNT) return { result: 'overflows_debits_posted' };
    if (credit.creditsPosted + amount > MAX_AMOUNT) return { result: 'overflows_credits_posted' };
  }
  releasePending(run, pending, post ? amount : 0n, !post, at);
  run.addTransfer({
    id: e.id,
    debitAccountId: pending.debitAccountId,
    creditAccountId: pending.creditAccountId,
    amount,
    pendingId: pending.id,
    ledger: pending.ledger,
    code: e.code ?? pending.code,
    flags,
    timeout: 0,
    userData: e.userData ?? pending.userData,
    timestampUs: at,
  });
  if (hasFlag(flags, T.imported)) run.recordImport(at);
  run.resolve(pending.id, post ? 'posted' : 'voided', e.id, pending, at);
  run.snapshot(pending.debitAccountId, e.id, at);
  run.snapshot(pending.creditAccountId, e.id, at);
  return { result: 'ok', amount };
}

/** Imported events keep the ledger in time order: after every earlier import and after both accounts' latest change. */
function importOrder(at: number, debit: AccountRow, credit: AccountRow, run: BatchRun): CreateTransferResult | null {
  if (at <= run.lastImportedUs) return 'imported_event_timestamp_must_not_regress';
  if (at <= debit.updatedUs) return 'imported_event_timestamp_must_postdate_debit_account';
  if (at <= credit.updatedUs) return 'imported_event_timestamp_must_postdate_credit_account';
  return null;
}

function decideOne(e: TransferInput, run: BatchRun, requestImported: boolean): Verdict {
  const flags = encodeTransferFlags(e.flags);
  const imported = importedTimestampUs(hasFlag(flags, T.imported), e.timestamp, requestImported, run.state.nowUs);
  if (typeof imported === 'string') return { result: imported };
  const at = imported ?? run.state.nowUs;
  if (!isLedgerId(e.id)) return { result: 'id_must_be_uuid' };
  const stored = run.transfer(e.id);
  if (stored) {
    const result = compareExisting(e, flags, stored, run);
    return result === 'exists' ? { result, amount: stored.amount } : { result };
  }
  if (run.failed(e.id)) return { result: 'id_already_failed' };
  const shape = checkShape(e, flags);
  if (shape) return { result: shape };
  const postOrVoid = hasFlag(flags, T.postPendingTransfer) || hasFlag(flags, T.voidPendingTransfer);
  return postOrVoid ? applyPostOrVoid(e, flags, run, at) : applySinglePhaseOrPending(e, flags, run, at);
}

function succeeded(result: CreateTransferResult): boolean {
  // A chain retried after it was applied answers `exists` for each event and stays intact.
  return result === 'ok' || result === 'exists';
}

/**
 * Decides a batch made of independent submissions (one per caller). Linked chains never cross a
 * submission; events run in order and each sees the effects of the ones before it.
 */
export function decideTransferBatch(submissions: readonly (readonly TransferInput[])[], state: BatchState): BatchDecision {
  const run = new BatchRun(state);
  const results: CreateTransferOutcome[][] = [];
  for (const events of submissions) {
    const out: CreateTransferOutcome[] = new Array(events.length);
    const requestImported = events[0]?.flags?.imported === true;
    let chainStart = -1;
    let chainMark: number[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      const linked = e.flags?.linked === true;
      if (chainStart < 0 && linked) {
        chainStart = i;
        chainMark = run.mark();
      }
      const inChain = chainStart >= 0;
      const verdict: Verdict = linked && i === events.length - 1 ? { result: 'linked_event_chain_open' } : decideOne(e, run, requestImported);
      out[i] = verdict.amount === undefined ? { id: e.id, result: verdict.result } : { id: e.id, result: verdict.result, amount: verdict.amount };
      if (!inChain) {
        if (!succeeded(verdict.result)) run.recordFailure(e.id, verdict.result);
        continue;
      }
      if (!succeeded(verdict.result)) {
        run.rollback(chainMark);
        run.recordFailure(e.id, verdict.result);
        for (let j = chainStart; j < i; j++) out[j] = { id: events[j].id, result: 'linked_event_failed' };
        // The rest of the chain is not evaluated: it fails with the chain.
        let j = i + 1;
        if (linked) {
          for (; j < events.length; j++) {
            out[j] = { id: events[j].id, result: 'linked_event_failed' };
            if (events[j].flags?.linked !== true) break;
          }
        }
        i = linked ? j : i;
        chainStart = -1;
        continue;
      }
      if (!linked) chainStart = -1;
    }
    results.push(out);
  }
  return {
    results,
    newTransfers: run.newTransfers,
    accounts: run.changedAccounts(),
    resolutions: run.resolutions,
    timeoutsToInsert: run.timeoutsToInsert,
    timeoutsToDelete: run.timeoutsToDelete,
    failures: run.failures,
    history: run.history,
    // Imports only move the clock forward, so it moved if and only if an import survived the batch.
    lastImportedUs: run.lastImportedUs > state.lastImportedUs ? run.lastImportedUs : null,
  };
}

/**
 * Decides the expiry of pending transfers past their deadline: releases each reservation,
 * re-opens accounts closed by it, and records the resolution. Already-ended ones are skipped.
 */
export function decideExpiries(pendingIds: readonly string[], state: BatchState): BatchDecision & { expired: string[] } {
  const run = new BatchRun(state);
  const expired: string[] = [];
  for (const id of pendingIds) {
    const pending = run.transfer(id);
    assertLedger(pending && hasFlag(pending.flags, T.pending), `timeout queue names ${id}, which is not a pending transfer`);
    // Ended by a post or void that committed after the sweeper read its queue: nothing to release.
    if (run.resolution(id) !== undefined) continue;
    if (!pendingExpired(pending, state.nowUs)) continue;
    releasePending(run, pending, 0n, true, state.nowUs);
    run.resolve(id, 'expired', null, pending, state.nowUs);
    run.snapshot(pending.debitAccountId, id, state.nowUs);
    run.snapshot(pending.creditAccountId, id, state.nowUs);
    expired.push(id);
  }
  return {
    results: [],
    newTransfers: [],
    accounts: run.changedAccounts(),
    resolutions: run.resolutions,
    timeoutsToInsert: [],
    timeoutsToDelete: run.timeoutsToDelete,
    failures: [],
    history: run.history,
    lastImportedUs: null,
    expired,
  };
}
