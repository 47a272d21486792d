"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.applyTransferSubmissions = applyTransferSubmissions;
exports.expireDuePendingTransfers = expireDuePendingTransfers;
const database_1 = require("./database");
const transfer_batch_1 = require("./transfer-batch");
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
  WITH batch AS (SELECT timestamptz 'epoch' + $1::bigint * interval '1 microsecond' AS ts),
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
    SELECT u.pending_id, timestamptz 'epoch' + u.expires_us * interval '1 microsecond' FROM unnest($21::uuid[], $22::bigint[]) AS u(pending_id, expires_us)
    RETURNING 1
  ),
  timeouts_removed AS (
    DELETE FROM ledger_pending_timeouts WHERE pending_id = ANY($23::uuid[]) RETURNING 1
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
  SELECT (SELECT count(*) FROM new_transfers) AS transfers, (SELECT count(*) FROM account_updates) AS accounts,
    (SELECT count(*) FROM resolutions) AS resolutions, (SELECT count(*) FROM timeouts_added) AS timeouts_added,
    (SELECT count(*) FROM timeouts_removed) AS timeouts_removed, (SELECT count(*) FROM failures) AS failures,
    (SELECT count(*) FROM history) AS history`;
function toAccountRow(r) {
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
function toTransferRow(r) {
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
async function loadState(client, accountIds, transferIds, pendingIds) {
    const locked = await client.query({ name: 'ledger_lock_accounts', text: LOCK_ACCOUNTS, values: [accountIds, pendingIds] });
    const read = await client.query({
        name: 'ledger_read_state',
        text: READ_STATE,
        values: [[...transferIds, ...pendingIds], transferIds, pendingIds],
    });
    const state = read.rows[0];
    return {
        nowUs: Number(state.now_us),
        accounts: new Map(locked.rows.map((r) => [r.id, toAccountRow(r)])),
        transfers: new Map(state.transfers.map((r) => [r.id, toTransferRow(r)])),
        failed: new Map(state.failed.map((r) => [r.id, r.result])),
        resolutions: new Map(state.resolutions.map((r) => [r.pending_id, r.resolution])),
    };
}
async function writeDecision(client, nowUs, d) {
    const t = d.newTransfers;
    const a = d.accounts;
    if (t.length + a.length + d.resolutions.length + d.failures.length + d.timeoutsToDelete.length === 0)
        return;
    await client.query({
        name: 'ledger_write_decision',
        text: WRITE_DECISION,
        values: [
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
        ],
    });
}
/** Applies submissions (one per caller) in one transaction; returns one result list per submission. */
async function applyTransferSubmissions(knex, submissions) {
    const { transferIds, pendingIds, accountIds } = (0, transfer_batch_1.idsToRead)(submissions);
    return (0, database_1.inTransaction)(knex, async (client) => {
        const state = await loadState(client, accountIds, transferIds, pendingIds);
        const decision = (0, transfer_batch_1.decideTransferBatch)(submissions, state);
        await writeDecision(client, state.nowUs, decision);
        return decision.results;
    });
}
/**
 * Ends pending transfers whose timeout has passed (as of `now`, default the database clock),
 * oldest deadline first, at most `limit` per call. Returns the ids it expired.
 */
async function expireDuePendingTransfers(knex, now, limit) {
    return (0, database_1.inTransaction)(knex, async (client) => {
        // Read without locking: queue rows are deleted only after account locks are held (here and
        // in posts/voids), so locking them first would invert the lock order and risk a deadlock.
        // Two sweepers serialize on the account locks and the second finds the resolutions.
        const due = await client.query({
            text: `SELECT pending_id FROM ledger_pending_timeouts
             WHERE expires_at <= coalesce($1::timestamptz, clock_timestamp())
             ORDER BY expires_at, pending_id LIMIT $2`,
            values: [now ?? null, limit],
        });
        if (due.rows.length === 0)
            return [];
        const ids = due.rows.map((r) => r.pending_id);
        const state = await loadState(client, [], [], ids);
        const clock = now ? { ...state, nowUs: now.getTime() * 1000 } : state;
        const decision = (0, transfer_batch_1.decideExpiries)(ids, clock);
        await writeDecision(client, state.nowUs, decision);
        return decision.expired;
    });
}
