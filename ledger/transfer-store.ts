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

const LOCK_ACCOUNTS = `
  WITH wanted AS (
    SELECT unnest($1::uuid[]) AS id
    UNION SELECT debit_account_id FROM ledger_transfers WHERE id = ANY($2::uuid[])
    UNION SELECT credit_account_id FROM ledger_transfers WHERE id = ANY($2::uuid[])
  )
  SELECT a.id, a.ledger, a.flags, a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted
  FROM ledger_accounts a
  WHERE a.id IN (SELECT id FROM wanted)
  ORDER BY a.id
  FOR NO KEY UPDATE OF a`;

// The select list is evaluated in order: the locks first, then the reads and the clock.
const LOCK_AND_READ = `
  WITH wanted AS (
    SELECT unnest($1::uuid[]) AS id
    UNION SELECT debit_account_id FROM ledger_transfers WHERE id = ANY($2::uuid[])
    UNION SELECT credit_account_id FROM ledger_transfers WHERE id = ANY($2::uuid[])
  ), locked AS (
    SELECT a.id, a.ledger, a.flags, a.debits_pending::text, a.debits_posted::text, a.credits_pending::text, a.credits_posted::text
    FROM ledger_accounts a
    WHERE a.id IN (SELECT id FROM wanted)
    ORDER BY a.id
    FOR NO KEY UPDATE OF a
  )
  SELECT (SELECT coalesce(json_agg(l), '[]') FROM locked l) AS accounts,
    (SELECT coalesce(json_agg(t), '[]') FROM (
      SELECT id, debit_account_id, credit_account_id, amount::text AS amount, pending_id, ledger, code, flags, timeout, user_data,
        ((extract(epoch FROM "timestamp") * 1000000)::bigint)::text AS ts_us
      FROM ledger_transfers WHERE id = ANY($3::uuid[])) t) AS transfers,
    (SELECT coalesce(json_agg(f), '[]') FROM (SELECT id, result FROM ledger_failed_transfers WHERE id = ANY($4::uuid[])) f) AS failed,
    (SELECT coalesce(json_agg(r), '[]') FROM (SELECT pending_id, resolution FROM ledger_pending_resolutions WHERE pending_id = ANY($2::uuid[])) r) AS resolutions,
    (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now_us`;

// Amounts travel as text inside JSON: JSON numbers would round bigints above 2^53.
const READ_STATE = `
  SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now_us,
    (SELECT coalesce(json_agg(t), '[]') FROM (
      SELECT id, debit_account_id, credit_account_id, amount::text AS amount, pending_id, ledger, code, flags, timeout, user_data,
        ((extract(epoch FROM "timestamp") * 1000000)::bigint)::text AS ts_us
      FROM ledger_transfers WHERE id = ANY($1::uuid[])) t) AS transfers,
    (SELECT coalesce(json_agg(f), '[]') FROM (SELECT id, result FROM ledger_failed_transfers WHERE id = ANY($2::uuid[])) f) AS failed,
    (SELECT coalesce(json_agg(r), '[]') FROM (SELECT pending_id, resolution FROM ledger_pending_resolutions WHERE pending_id = ANY($3::uuid[])) r) AS resolutions`;

const WRITE_DECISION = `
  WITH guard AS (
    SELECT (SELECT count(*) FROM ledger_transfers WHERE id = ANY($32::uuid[])) = $33::bigint
      AND (SELECT count(*) FROM ledger_failed_transfers WHERE id = ANY($34::uuid[])) = $35::bigint
      AND (SELECT count(*) FROM ledger_pending_resolutions WHERE pending_id = ANY($36::uuid[])) = $37::bigint
      AND ($38::bigint IS NULL OR clock_timestamp() < timestamptz 'epoch' + $38::bigint * interval '1 microsecond') AS fresh
  ),
  batch AS (SELECT timestamptz 'epoch' + $1::bigint * interval '1 microsecond' AS ts FROM guard WHERE guard.fresh),
  new_transfers AS (
    INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, pending_id, ledger, code, flags, timeout, user_data, "timestamp")
    SELECT u.id, u.debit, u.credit, u.amount, u.pending_id, u.ledger, u.code, u.flags, u.timeout, u.user_data, batch.ts
    FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::bigint[], $6::uuid[], $7::int[], $8::int[], $9::int[], $10::int[], $11::text[])
      WITH ORDINALITY AS u(id, debit, credit, amount, pending_id, ledger, code, flags, timeout, user_data, ord), batch
    ORDER BY u.ord
    RETURNING id, seq
  ),
  account_updates AS (
    UPDATE ledger_accounts a
    SET flags = u.flags, debits_pending = u.dp, debits_posted = u.dpo, credits_pending = u.cp, credits_posted = u.cpo, updated_at = batch.ts
    FROM unnest($12::uuid[], $13::int[], $14::bigint[], $15::bigint[], $16::bigint[], $17::bigint[]) AS u(id, flags, dp, dpo, cp, cpo), batch
    WHERE a.id = u.id
    RETURNING 1
  ),
  resolutions AS (
    INSERT INTO ledger_pending_resolutions (pending_id, resolution, resolved_by, "timestamp")
    SELECT u.pending_id, u.resolution, u.resolved_by, batch.ts FROM unnest($18::uuid[], $19::text[], $20::uuid[]) AS u(pending_id, resolution, resolved_by), batch
    RETURNING 1
  ),
  timeouts_added AS (
    INSERT INTO ledger_pending_timeouts (pending_id, expires_at)
    SELECT u.pending_id, timestamptz 'epoch' + u.expires_us * interval '1 microsecond' FROM unnest($21::uuid[], $22::bigint[]) AS u(pending_id, expires_us), batch
    RETURNING 1
  ),
  timeouts_removed AS (
    DELETE FROM ledger_pending_timeouts WHERE pending_id = ANY($23::uuid[]) AND (SELECT fresh FROM guard) RETURNING 1
  ),
  failures AS (
    INSERT INTO ledger_failed_transfers (id, result, "timestamp")
    SELECT u.id, u.result, batch.ts FROM unnest($24::uuid[], $25::text[]) AS u(id, result), batch
    RETURNING 1
  ),
  history AS (
    INSERT INTO ledger_account_history (account_id, seq, transfer_id, "timestamp", debits_pending, debits_posted, credits_pending, credits_posted)
    SELECT h.account_id, coalesce(t.seq, nextval('ledger_event_seq')), h.transfer_id, batch.ts, h.dp, h.dpo, h.cp, h.cpo
    FROM unnest($26::uuid[], $27::uuid[], $28::bigint[], $29::bigint[], $30::bigint[], $31::bigint[]) WITH ORDINALITY AS h(account_id, transfer_id, dp, dpo, cp, cpo, ord)
      CROSS JOIN batch LEFT JOIN new_transfers t ON t.id = h.transfer_id
    ORDER BY h.ord
    RETURNING 1
  )
  SELECT (SELECT fresh FROM guard) AS fresh, (SELECT count(*) FROM new_transfers) AS transfers, (SELECT count(*) FROM account_updates) AS accounts,
    (SELECT count(*) FROM resolutions) AS resolutions, (SELECT count(*) FROM timeouts_added) AS timeouts_added,
    (SELECT count(*) FROM timeouts_removed) AS timeouts_removed, (SELECT count(*) FROM failures) AS failures,
    (SELECT count(*) FROM history) AS history`;

function toAccountRow(r: AccountRecord): AccountRow {
  return {
    id: r.id,
    ledger: r.ledger,
    flags: r.flags,
    debitsPending: BigInt(r.debits_pending),
    debitsPosted: BigInt(r.debits_posted),
    creditsPending: BigInt(r.credits_pending),
    creditsPosted: BigInt(r.credits_posted),
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

function statement<R>(channel: Channel, name: string, text: string, values: unknown[], fold: { begin?: boolean; commit?: boolean }): Promise<QueryResult<R>> {
  if (channel.folded) return foldedQuery<R>(channel.client, `${name}_folded`, text, values, fold);
  return channel.client.query<R>({ name, text, values });
}

interface ReadRecord {
  now_us: string;
  transfers: TransferRecord[];
  failed: { id: string; result: CreateTransferResult }[];
  resolutions: { pending_id: string; resolution: PendingResolution }[];
}

/** What the write statement re-checks: the reads a decision rests on, and the deadline of the pendings it ends. */
interface Guard {
  readonly transferIds: string[];
  readonly transfersFound: number;
  readonly eventIds: string[];
  readonly failedFound: number;
  readonly pendingIds: string[];
  readonly resolutionsFound: number;
}

/**
 * Locks the accounts and reads the state. `careful` reads after the locks are held (a fresh
 * snapshot); otherwise the read shares the lock statement's round trip and is re-checked by the
 * write statement's guard.
 */
async function loadState(channel: Channel, accountIds: string[], transferIds: string[], pendingIds: string[], careful: boolean): Promise<{ state: BatchState; guard: Guard }> {
  const readIds = [...new Set([...transferIds, ...pendingIds])];
  let accounts: AccountRecord[];
  let read: ReadRecord;
  if (careful) {
    accounts = (await statement<AccountRecord>(channel, 'ledger_lock_accounts', LOCK_ACCOUNTS, [accountIds, pendingIds], { begin: true })).rows;
    read = (await statement<ReadRecord>(channel, 'ledger_read_state', READ_STATE, [readIds, transferIds, pendingIds], {})).rows[0];
  } else {
    const row = (await statement<ReadRecord & { accounts: AccountRecord[] }>(channel, 'ledger_lock_and_read', LOCK_AND_READ, [accountIds, pendingIds, readIds, transferIds], { begin: true })).rows[0];
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
  };
  return {
    state,
    guard: { transferIds: readIds, transfersFound: state.transfers.size, eventIds: transferIds, failedFound: state.failed.size, pendingIds, resolutionsFound: state.resolutions.size },
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
  const t = d.newTransfers;
  const a = d.accounts;
  const nowUs = state.nowUs;
  // Even a batch that writes nothing runs the statement: its guard proves the answers were not
  // decided on a stale read.
  const written = await statement<{ fresh: boolean }>(
    channel,
    'ledger_write_decision',
    WRITE_DECISION,
    [
      nowUs,
      t.map((x) => x.id),
      t.map((x) => x.debitAccountId),
      t.map((x) => x.creditAccountId),
      t.map((x) => x.amount),
      t.map((x) => x.pendingId),
      t.map((x) => x.ledger),
      t.map((x) => x.code),
      t.map((x) => x.flags),
      t.map((x) => x.timeout),
      t.map((x) => x.userData),
      a.map((x) => x.id),
      a.map((x) => x.flags),
      a.map((x) => x.debitsPending),
      a.map((x) => x.debitsPosted),
      a.map((x) => x.creditsPending),
      a.map((x) => x.creditsPosted),
      d.resolutions.map((x) => x.pendingId),
      d.resolutions.map((x) => x.resolution),
      d.resolutions.map((x) => x.resolvedBy),
      d.timeoutsToInsert.map((x) => x.pendingId),
      d.timeoutsToInsert.map((x) => x.expiresAtUs),
      d.timeoutsToDelete,
      d.failures.map((x) => x.id),
      d.failures.map((x) => x.result),
      d.history.map((x) => x.accountId),
      d.history.map((x) => x.transferId),
      d.history.map((x) => x.debitsPending),
      d.history.map((x) => x.debitsPosted),
      d.history.map((x) => x.creditsPending),
      d.history.map((x) => x.creditsPosted),
      guard.transferIds,
      guard.transfersFound,
      guard.eventIds,
      guard.failedFound,
      guard.pendingIds,
      guard.resolutionsFound,
      earliestDeadline(d, state),
    ],
    { commit: true },
  );
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
  return inTransaction(
    knex,
    async (client, attempt) => {
      const channel: Channel = { client, folded };
      const careful = attempt > 1;
      const { state, guard } = await loadState(channel, accountIds, transferIds, pendingIds, careful);
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
    const { state, guard } = await loadState(channel, [], [], ids, attempt > 1);
    const clock = now ? { ...state, nowUs: now.getTime() * 1000 } : state;
    const decision = decideOnRead(() => decideExpiries(ids, clock), attempt > 1);
    await writeDecision(channel, state, guard, decision);
    return decision.expired;
  });
}
