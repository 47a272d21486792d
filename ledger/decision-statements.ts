/**
 * The SQL of a batch's two round trips, shaped to what the batch holds. A statement that carries
 * every part whether or not it has rows opens every journal table and its indexes each time
 * (executor set-up, and more relation locks than PostgreSQL's per-backend fast path holds, so the
 * rest go through the shared lock table): for the single-operation path that fixed cost was most
 * of the statement. So each part appears only when the batch has rows for it; a shape's text
 * never changes, so it is prepared once per connection under a name that spells the shape.
 */
import { assertLedger } from './errors';
import type { BatchDecision } from './transfer-batch';

export interface Statement {
  readonly name: string;
  readonly text: string;
  readonly values: unknown[];
}

/** What the write statement re-checks: the reads a decision rests on, and the deadline of the pendings it ends. */
export interface Guard {
  readonly transferIds: string[];
  readonly transfersFound: number;
  readonly eventIds: string[];
  readonly failedFound: number;
  readonly pendingIds: string[];
  readonly resolutionsFound: number;
  /** The latest imported timestamp the decision read, when the batch imports (null: it does not). */
  readonly lastImportedUs: number | null;
}

/** Numbers parameters in the order the text uses them. */
class Parameters {
  readonly values: unknown[] = [];
  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
  /** The parameters of an unnest(): one array per column. */
  columns(...columns: [unknown[], string][]): string {
    return columns.map(([values, type]) => this.add(values, type)).join(', ');
  }
}

const UPDATED_US = `((extract(epoch FROM a.updated_at) * 1000000)::bigint)::text AS updated_us`;
/** Read without a lock: the write statement takes the row only if it still holds this value. */
const LAST_IMPORTED_US = `(SELECT last_us::text FROM ledger_import_clock WHERE id = 1)`;

/** Amounts and counters travel as text inside JSON: JSON numbers would round bigints above 2^53. */
const TRANSFER_COLUMNS = `id, debit_account_id, credit_account_id, amount::text AS amount, pending_id, ledger, code, flags, timeout, user_data,
        ((extract(epoch FROM "timestamp") * 1000000)::bigint)::text AS ts_us`;

/**
 * Statement 1: lock every account in id order (no deadlock between batches) and, in the same
 * round trip, read the batch's ids, failed ids, resolutions and the clock. The select list is
 * evaluated in order: the locks first, then the reads.
 */
export function lockAndReadStatement(accountIds: string[], pendingIds: string[], readIds: string[], eventIds: string[], imports: boolean): Statement {
  const p = new Parameters();
  const ends = pendingIds.length > 0;
  const accounts = p.add(accountIds, 'uuid[]');
  const pendings = ends ? p.add(pendingIds, 'uuid[]') : '';
  const wanted = ends
    ? `SELECT unnest(${accounts}) AS id
    UNION SELECT debit_account_id FROM ledger_transfers WHERE id = ANY(${pendings})
    UNION SELECT credit_account_id FROM ledger_transfers WHERE id = ANY(${pendings})`
    : `SELECT unnest(${accounts}) AS id`;
  const reads = readIds.length > 0 ? `(SELECT coalesce(json_agg(t), '[]') FROM (SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = ANY(${p.add(readIds, 'uuid[]')})) t)` : `'[]'::json`;
  const failed = eventIds.length > 0 ? `(SELECT coalesce(json_agg(f), '[]') FROM (SELECT id, result FROM ledger_failed_transfers WHERE id = ANY(${p.add(eventIds, 'uuid[]')})) f)` : `'[]'::json`;
  const resolutions = ends ? `(SELECT coalesce(json_agg(r), '[]') FROM (SELECT pending_id, resolution FROM ledger_pending_resolutions WHERE pending_id = ANY(${pendings})) r)` : `'[]'::json`;
  const text = `
  WITH wanted AS (
    ${wanted}
  ), locked AS (
    SELECT a.id, a.ledger, a.flags, a.debits_pending::text, a.debits_posted::text, a.credits_pending::text, a.credits_posted::text, ${UPDATED_US}
    FROM ledger_accounts a
    WHERE a.id IN (SELECT id FROM wanted)
    ORDER BY a.id
    FOR NO KEY UPDATE OF a
  )
  SELECT (SELECT coalesce(json_agg(l), '[]') FROM locked l) AS accounts,
    ${imports ? LAST_IMPORTED_US : `'0'`} AS last_imported_us,
    ${reads} AS transfers,
    ${failed} AS failed,
    ${resolutions} AS resolutions,
    (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now_us`;
  return { name: `ledger_lock_and_read_${ends ? 'e' : ''}${readIds.length > 0 ? 'r' : ''}${eventIds.length > 0 ? 'f' : ''}${imports ? 'm' : ''}`, text, values: p.values };
}

/** Statement 1 of the careful path: only the locks (its reads follow in READ_STATE, after the locks are held). */
export const LOCK_ACCOUNTS = `
  WITH wanted AS (
    SELECT unnest($1::uuid[]) AS id
    UNION SELECT debit_account_id FROM ledger_transfers WHERE id = ANY($2::uuid[])
    UNION SELECT credit_account_id FROM ledger_transfers WHERE id = ANY($2::uuid[])
  )
  SELECT a.id, a.ledger, a.flags, a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted, ${UPDATED_US}
  FROM ledger_accounts a
  WHERE a.id IN (SELECT id FROM wanted)
  ORDER BY a.id
  FOR NO KEY UPDATE OF a`;

export const READ_STATE = `
  SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now_us,
    ${LAST_IMPORTED_US} AS last_imported_us,
    (SELECT coalesce(json_agg(t), '[]') FROM (SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = ANY($1::uuid[])) t) AS transfers,
    (SELECT coalesce(json_agg(f), '[]') FROM (SELECT id, result FROM ledger_failed_transfers WHERE id = ANY($2::uuid[])) f) AS failed,
    (SELECT coalesce(json_agg(r), '[]') FROM (SELECT pending_id, resolution FROM ledger_pending_resolutions WHERE pending_id = ANY($3::uuid[])) r) AS resolutions`;

/**
 * Statement 2: writes the decision, guarded. Under READ COMMITTED the reads of statement 1 used a
 * snapshot taken before its lock waits, so this statement (a fresh snapshot, locks held) first
 * checks that no id, failure or resolution appeared since and that no pending transfer it ends has
 * passed its deadline; if something did, it writes nothing and answers `fresh = false`.
 */
export function writeDecisionStatement(nowUs: number, d: BatchDecision, guard: Guard, earliestDeadlineUs: number | null): Statement {
  const p = new Parameters();
  const checks: string[] = [];
  let shape = '';
  if (guard.transferIds.length > 0) {
    checks.push(`(SELECT count(*) FROM ledger_transfers WHERE id = ANY(${p.add(guard.transferIds, 'uuid[]')})) = ${p.add(guard.transfersFound, 'bigint')}`);
    shape += 't';
  }
  if (guard.eventIds.length > 0) {
    checks.push(`(SELECT count(*) FROM ledger_failed_transfers WHERE id = ANY(${p.add(guard.eventIds, 'uuid[]')})) = ${p.add(guard.failedFound, 'bigint')}`);
    shape += 'f';
  }
  if (guard.pendingIds.length > 0) {
    checks.push(`(SELECT count(*) FROM ledger_pending_resolutions WHERE pending_id = ANY(${p.add(guard.pendingIds, 'uuid[]')})) = ${p.add(guard.resolutionsFound, 'bigint')}`);
    shape += 'r';
  }
  if (earliestDeadlineUs !== null) {
    checks.push(`clock_timestamp() < timestamptz 'epoch' + ${p.add(earliestDeadlineUs, 'bigint')} * interval '1 microsecond'`);
    shape += 'd';
  }
  const ctes = [`guard AS (SELECT ${checks.length > 0 ? checks.join('\n      AND ') : 'true'} AS fresh)`];
  const counts: string[] = [];
  const part = (name: string, letter: string, cte: string): void => {
    ctes.push(`${name} AS (${cte})`);
    counts.push(`(SELECT count(*) FROM ${name}) AS ${name}`);
    shape += letter;
  };
  const writes = d.newTransfers.length + d.accounts.length + d.resolutions.length + d.timeoutsToInsert.length + d.timeoutsToDelete.length + d.failures.length + d.history.length;
  // A batch that imported events stamps each row with its event's own time and moves the import
  // clock, but only from the value it decided on: a concurrent import that moved it first leaves
  // this statement with no batch row, so it writes nothing and the batch is decided again.
  const imported = d.lastImportedUs !== null;
  if (imported) {
    assertLedger(guard.lastImportedUs !== null, 'a batch imported events without reading the import clock');
    assertLedger(d.lastImportedUs! > guard.lastImportedUs, 'the import clock must move forward');
    ctes.push(
      `import_clock AS (UPDATE ledger_import_clock SET last_us = ${p.add(d.lastImportedUs, 'bigint')} WHERE id = 1 AND last_us = ${p.add(guard.lastImportedUs, 'bigint')} AND (SELECT fresh FROM guard) RETURNING 1)`,
    );
    shape += 'm';
  }
  const stamp = (column: string): string => (imported ? `timestamptz 'epoch' + ${column} * interval '1 microsecond'` : 'batch.ts');
  if (writes > 0) {
    shape += '_';
    ctes.push(`batch AS (SELECT timestamptz 'epoch' + ${p.add(nowUs, 'bigint')} * interval '1 microsecond' AS ts FROM guard${imported ? ', import_clock' : ''} WHERE guard.fresh)`);
  }
  // Each row's own timestamp travels only when the batch imported events (live rows share batch.ts).
  /** The imported time of each row, a column only when the batch imports. */
  const timestamps = <R>(rows: readonly R[], at: (row: R) => number): [unknown[], string][] => (imported ? [[rows.map(at), 'bigint[]']] : []);
  const t = d.newTransfers;
  const historyJoinsTransfers = d.history.length > 0 && t.length > 0;
  if (t.length > 0) {
    part(
      'new_transfers',
      'n',
      `
    INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, pending_id, ledger, code, flags, timeout, user_data, "timestamp")
    SELECT u.id, u.debit, u.credit, u.amount, u.pending_id, u.ledger, u.code, u.flags, u.timeout, u.user_data, ${stamp('u.ts_us')}
    FROM unnest(${p.columns(
      [t.map((x) => x.id), 'uuid[]'],
      [t.map((x) => x.debitAccountId), 'uuid[]'],
      [t.map((x) => x.creditAccountId), 'uuid[]'],
      [t.map((x) => x.amount), 'bigint[]'],
      [t.map((x) => x.pendingId), 'uuid[]'],
      [t.map((x) => x.ledger), 'int[]'],
      [t.map((x) => x.code), 'int[]'],
      [t.map((x) => x.flags), 'int[]'],
      [t.map((x) => x.timeout), 'int[]'],
      [t.map((x) => x.userData), 'text[]'],
      ...timestamps(t, (x) => x.timestampUs),
    )})
      WITH ORDINALITY AS u(id, debit, credit, amount, pending_id, ledger, code, flags, timeout, user_data, ${imported ? 'ts_us, ' : ''}ord), batch
    ORDER BY u.ord
    RETURNING ${historyJoinsTransfers ? 'id, seq' : '1'}`,
    );
  }
  const a = d.accounts;
  if (a.length > 0) {
    part(
      'account_updates',
      'a',
      `
    UPDATE ledger_accounts a
    SET flags = u.flags, debits_pending = u.dp, debits_posted = u.dpo, credits_pending = u.cp, credits_posted = u.cpo, updated_at = ${stamp('u.ts_us')}
    FROM unnest(${p.columns(
      [a.map((x) => x.id), 'uuid[]'],
      [a.map((x) => x.flags), 'int[]'],
      [a.map((x) => x.debitsPending), 'bigint[]'],
      [a.map((x) => x.debitsPosted), 'bigint[]'],
      [a.map((x) => x.creditsPending), 'bigint[]'],
      [a.map((x) => x.creditsPosted), 'bigint[]'],
      ...timestamps(a, (x) => x.updatedUs),
    )}) AS u(id, flags, dp, dpo, cp, cpo${imported ? ', ts_us' : ''}), batch
    WHERE a.id = u.id
    RETURNING 1`,
    );
  }
  const r = d.resolutions;
  if (r.length > 0) {
    part(
      'resolutions',
      's',
      `
    INSERT INTO ledger_pending_resolutions (pending_id, resolution, resolved_by, "timestamp")
    SELECT u.pending_id, u.resolution, u.resolved_by, ${stamp('u.ts_us')}
    FROM unnest(${p.columns(
      [r.map((x) => x.pendingId), 'uuid[]'],
      [r.map((x) => x.resolution), 'text[]'],
      [r.map((x) => x.resolvedBy), 'uuid[]'],
      ...timestamps(r, (x) => x.timestampUs),
    )}) AS u(pending_id, resolution, resolved_by${imported ? ', ts_us' : ''}), batch
    RETURNING 1`,
    );
  }
  const ti = d.timeoutsToInsert;
  if (ti.length > 0) {
    part(
      'timeouts_added',
      'i',
      `
    INSERT INTO ledger_pending_timeouts (pending_id, expires_at)
    SELECT u.pending_id, timestamptz 'epoch' + u.expires_us * interval '1 microsecond'
    FROM unnest(${p.columns(
      [ti.map((x) => x.pendingId), 'uuid[]'],
      [ti.map((x) => x.expiresAtUs), 'bigint[]'],
    )}) AS u(pending_id, expires_us), batch
    RETURNING 1`,
    );
  }
  if (d.timeoutsToDelete.length > 0) {
    part('timeouts_removed', 'x', `DELETE FROM ledger_pending_timeouts WHERE pending_id = ANY(${p.add(d.timeoutsToDelete, 'uuid[]')}) AND EXISTS (SELECT 1 FROM batch) RETURNING 1`);
  }
  const f = d.failures;
  if (f.length > 0) {
    part(
      'failures',
      'e',
      `
    INSERT INTO ledger_failed_transfers (id, result, "timestamp")
    SELECT u.id, u.result, batch.ts
    FROM unnest(${p.columns(
      [f.map((x) => x.id), 'uuid[]'],
      [f.map((x) => x.result), 'text[]'],
    )}) AS u(id, result), batch
    RETURNING 1`,
    );
  }
  const h = d.history;
  if (h.length > 0) {
    // A history row shares its transfer's journal seq; an expiry (no new transfer) takes the next one.
    part(
      'history',
      historyJoinsTransfers ? 'j' : 'h',
      `
    INSERT INTO ledger_account_history (account_id, seq, transfer_id, "timestamp", debits_pending, debits_posted, credits_pending, credits_posted)
    SELECT h.account_id, ${historyJoinsTransfers ? "coalesce(t.seq, nextval('ledger_event_seq'))" : "nextval('ledger_event_seq')"}, h.transfer_id, ${stamp('h.ts_us')}, h.dp, h.dpo, h.cp, h.cpo
    FROM unnest(${p.columns(
      [h.map((x) => x.accountId), 'uuid[]'],
      [h.map((x) => x.transferId), 'uuid[]'],
      [h.map((x) => x.debitsPending), 'bigint[]'],
      [h.map((x) => x.debitsPosted), 'bigint[]'],
      [h.map((x) => x.creditsPending), 'bigint[]'],
      [h.map((x) => x.creditsPosted), 'bigint[]'],
      ...timestamps(h, (x) => x.timestampUs),
    )}) WITH ORDINALITY AS h(account_id, transfer_id, dp, dpo, cp, cpo, ${imported ? 'ts_us, ' : ''}ord)
      CROSS JOIN batch${historyJoinsTransfers ? ' LEFT JOIN new_transfers t ON t.id = h.transfer_id' : ''}
    ORDER BY h.ord
    RETURNING 1`,
    );
  }
  assertLedger(/^[a-z_]*$/.test(shape), 'a write statement shape must be a lower-case identifier (SQL folds prepared names)');
  const text = `WITH ${ctes.join(',\n  ')}\n  SELECT (SELECT fresh FROM guard)${imported ? ' AND EXISTS (SELECT 1 FROM import_clock)' : ''} AS fresh${counts.length > 0 ? `, ${counts.join(', ')}` : ''}`;
  return { name: `ledger_write_${shape}`, text, values: p.values };
}
