/**
 * Loads what a batch needs under lock and writes its decision back: the side-effect edge of
 * transfer-batch.ts. Per batch, two statements between BEGIN and COMMIT:
 * 1. lock every account in id order (no deadlock between batches) and, in the same round trip,
 *    read the batch's ids, failed ids, resolutions and the clock;
 * 2. write everything, guarded: under READ COMMITTED the reads of statement 1 used a snapshot
 *    taken before its lock waits, so statement 2 (a fresh snapshot, locks held) first checks
 *    that no id, failure or resolution appeared since and that no pending transfer it ends has
 *    passed its deadline. If something did, it writes nothing and the batch is decided again
 *    with a read taken after the locks (the careful path). Fewer round trips while the account
 *    rows are locked is what lets a hot account take more transactions per second.
 */
import type { Knex } from 'knex';
import { foldedQuery, inTransaction, type QueryResult, type SqlClient } from './database';
import { LOCK_ACCOUNTS, READ_STATE, lockAndReadStatement, writeDecisionStatement, type Guard, type Statement } from './decision-statements';
import { LedgerError } from './errors';
import { decideExpiries, decideTransferBatch, idsToRead, type AccountRow, type BatchDecision, type BatchState, type PendingResolution, type TransferRow } from './transfer-batch';
import type { CreateTransferResult } from './result-codes';
import type { CreateTransferOutcome, TransferInput } from './transfer';

interface AccountRecord {
  id: string;
  ledger: number;
  flags: number;
  debits_pending: string;
  debits_posted: string;
  credits_pending: string;
  credits_posted: string;
  updated_us: string;
}

interface TransferRecord {
  id: string;
  debit_account_id: string;
  credit_account_id: string;
  amount: string;
  pending_id: string | null;
  ledger: number;
  code: number;
  flags: number;
  timeout: number;
  user_data: string | null;
  ts_us: string;
}

function toAccountRow(r: AccountRecord): AccountRow {
  return {
    id: r.id,
    ledger: r.ledger,
    flags: r.flags,
    debitsPending: BigInt(r.debits_pending),
    debitsPosted: BigInt(r.debits_posted),
    creditsPending: BigInt(r.credits_pending),
    creditsPosted: BigInt(r.credits_posted),
    updatedUs: Number(r.updated_us),
  };
}

function toTransferRow(r: TransferRecord): TransferRow {
  return {
    id: r.id,
    debitAccountId: r.debit_account_id,
    creditAccountId: r.credit_account_id,
    amount: BigInt(r.amount),
    pendingId: r.pending_id,
    ledger: r.ledger,
    code: r.code,
    flags: r.flags,
    timeout: r.timeout,
    userData: r.user_data,
    timestampUs: Number(r.ts_us),
  };
}

class StaleRead extends Error {
  // database.ts retries on this code, as on a serialization failure; the retry reads carefully.
  readonly code = '40001';
  constructor() {
    super('the state changed between the read and the write of a batch');
  }
}

/**
 * Batches up to this many events fold BEGIN and COMMIT into their statements (simple protocol,
 * values sent as quoted text); bigger ones use the extended protocol with array
 * parameters, where quoting thousands of values as text would cost more than two round trips.
 */
const FOLD_MAX_EVENTS = 64;

/** How a batch's statements reach PostgreSQL: prepared (inTransaction sends BEGIN/COMMIT) or folded. */
interface Channel {
  readonly client: SqlClient;
  readonly folded: boolean;
}

function statement<R>(channel: Channel, { name, text, values }: Statement, fold: { begin?: boolean; commit?: boolean }): Promise<QueryResult<R>> {
  if (channel.folded) return foldedQuery<R>(channel.client, `${name}_folded`, text, values, fold);
  return channel.client.query<R>({ name, text, values });
}

interface ReadRecord {
  now_us: string;
  last_imported_us: string;
  transfers: TransferRecord[];
  failed: { id: string; result: CreateTransferResult }[];
  resolutions: { pending_id: string; resolution: PendingResolution }[];
}


/**
 * Locks the accounts and reads the state. `careful` reads after the locks are held (a fresh
 * snapshot); otherwise the read shares the lock statement's round trip and is re-checked by the
 * write statement's guard.
 */
async function loadState(channel: Channel, accountIds: string[], transferIds: string[], pendingIds: string[], careful: boolean, imports: boolean): Promise<{ state: BatchState; guard: Guard }> {
  const readIds = [...new Set([...transferIds, ...pendingIds])];
  let accounts: AccountRecord[];
  let read: ReadRecord;
  if (careful) {
    accounts = (await statement<AccountRecord>(channel, { name: 'ledger_lock_accounts', text: LOCK_ACCOUNTS, values: [accountIds, pendingIds] }, { begin: true })).rows;
    read = (await statement<ReadRecord>(channel, { name: 'ledger_read_state', text: READ_STATE, values: [readIds, transferIds, pendingIds] }, {})).rows[0];
  } else {
    const row = (await statement<ReadRecord & { accounts: AccountRecord[] }>(channel, lockAndReadStatement(accountIds, pendingIds, readIds, transferIds, imports), { begin: true })).rows[0];
    accounts = row.accounts;
    read = row;
  }
  const lockedIds = new Set(accounts.map((r) => r.id));
  const named = new Set(pendingIds);
  for (const t of read.transfers) {
    if (named.has(t.id) && (!lockedIds.has(t.debit_account_id) || !lockedIds.has(t.credit_account_id))) {
      // The pending transfer committed between the lock statement's snapshot and this read, so
      // its accounts are not locked: start over, the next attempt locks them in order.
      throw new StaleRead();
    }
  }
  const state: BatchState = {
    nowUs: Number(read.now_us),
    accounts: new Map(accounts.map((r) => [r.id, toAccountRow(r)])),
    transfers: new Map(read.transfers.map((r) => [r.id, toTransferRow(r)])),
    failed: new Map(read.failed.map((r) => [r.id, r.result])),
    resolutions: new Map(read.resolutions.map((r) => [r.pending_id, r.resolution])),
    lastImportedUs: Number(read.last_imported_us),
  };
  return {
    state,
    guard: {
      transferIds: readIds,
      transfersFound: state.transfers.size,
      eventIds: transferIds,
      failedFound: state.failed.size,
      pendingIds,
      resolutionsFound: state.resolutions.size,
      lastImportedUs: imports ? state.lastImportedUs : null,
    },
  };
}

/** The earliest deadline among the pending transfers this decision posts or voids (null: none). */
function earliestDeadline(d: BatchDecision, state: BatchState): number | null {
  let earliest: number | null = null;
  for (const r of d.resolutions) {
    if (r.resolution === 'expired') continue;
    const pending = state.transfers.get(r.pendingId);
    if (!pending || pending.timeout === 0) continue;
    const deadline = pending.timestampUs + pending.timeout * 1_000_000;
    earliest = earliest === null ? deadline : Math.min(earliest, deadline);
  }
  return earliest;
}

async function writeDecision(channel: Channel, state: BatchState, guard: Guard, d: BatchDecision): Promise<void> {
  // Even a batch that writes nothing runs the statement: its guard proves the answers were not
  // decided on a stale read.
  const written = await statement<{ fresh: boolean }>(channel, writeDecisionStatement(state.nowUs, d, guard, earliestDeadline(d, state)), { commit: true });
  // A stale guard wrote nothing (and a folded COMMIT committed nothing): decide again, carefully.
  if (!written.rows[0].fresh) throw new StaleRead();
}

/**
 * A read shared with the lock statement may pair fresh account rows with a stale journal (a
 * resolution it missed), which the engine's assertions catch. Only the careful read, taken
 * after the locks, may fail an assertion for real: then it is a bug and it is thrown.
 */
function decideOnRead<D>(decide: () => D, careful: boolean): D {
  try {
    return decide();
  } catch (err) {
    if (!careful && err instanceof LedgerError && err.code === 'invariant_broken') throw new StaleRead();
    throw err;
  }
}

/** Applies submissions (one per caller) in one transaction; returns one result list per submission. */
export async function applyTransferSubmissions(knex: Knex, submissions: readonly (readonly TransferInput[])[]): Promise<CreateTransferOutcome[][]> {
  const { transferIds, pendingIds, accountIds } = idsToRead(submissions);
  const folded = submissions.reduce((n, events) => n + events.length, 0) <= FOLD_MAX_EVENTS;
  const imports = submissions.some((events) => events.some((e) => e.flags?.imported === true));
  return inTransaction(
    knex,
    async (client, attempt) => {
      const channel: Channel = { client, folded };
      const careful = attempt > 1;
      const { state, guard } = await loadState(channel, accountIds, transferIds, pendingIds, careful, imports);
      const decision = decideOnRead(() => decideTransferBatch(submissions, state), careful);
      await writeDecision(channel, state, guard, decision);
      return decision.results;
    },
    { folded },
  );
}

/**
 * Ends pending transfers whose timeout has passed (as of `now`, default the database clock),
 * oldest deadline first, at most `limit` per call. Returns the ids it expired.
 */
export async function expireDuePendingTransfers(knex: Knex, now: Date | undefined, limit: number): Promise<string[]> {
  return inTransaction(knex, async (client, attempt) => {
    // Read without locking: queue rows are deleted only after account locks are held (here and
    // in posts/voids), so locking them first would invert the lock order and risk a deadlock.
    // Two sweepers serialize on the account locks and the second finds the resolutions.
    const due = await client.query<{ pending_id: string }>({
      text: `SELECT pending_id FROM ledger_pending_timeouts
             WHERE expires_at <= coalesce($1::timestamptz, clock_timestamp())
             ORDER BY expires_at, pending_id LIMIT $2`,
      values: [now ?? null, limit],
    });
    if (due.rows.length === 0) return [];
    const ids = due.rows.map((r) => r.pending_id);
    const channel: Channel = { client, folded: false };
    const { state, guard } = await loadState(channel, [], [], ids, attempt > 1, false);
    const clock = now ? { ...state, nowUs: now.getTime() * 1000 } : state;
    const decision = decideOnRead(() => decideExpiries(ids, clock), attempt > 1);
    await writeDecision(channel, state, guard, decision);
    return decision.expired;
  });
}
