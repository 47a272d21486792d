"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.checkLedgerInvariants = checkLedgerInvariants;
const flags_1 = require("./flags");
const PENDING = flags_1.TRANSFER_FLAG_BITS.pending;
const POST = flags_1.TRANSFER_FLAG_BITS.postPendingTransfer;
const VOID = flags_1.TRANSFER_FLAG_BITS.voidPendingTransfer;
const CHECKS = [
    {
        code: 'posted_unbalanced',
        describe: 'sum of debits_posted differs from sum of credits_posted',
        table: 'ledger',
        sql: `SELECT ledger::text AS ref, sum(debits_posted)::text || ' debits vs ' || sum(credits_posted)::text || ' credits' AS detail
          FROM ledger_accounts GROUP BY ledger HAVING sum(debits_posted) <> sum(credits_posted)`,
    },
    {
        code: 'pending_unbalanced',
        describe: 'sum of debits_pending differs from sum of credits_pending',
        table: 'ledger',
        sql: `SELECT ledger::text AS ref, sum(debits_pending)::text || ' debits vs ' || sum(credits_pending)::text || ' credits' AS detail
          FROM ledger_accounts GROUP BY ledger HAVING sum(debits_pending) <> sum(credits_pending)`,
    },
    {
        code: 'account_counters_mismatch',
        describe: "account counters differ from the sums of the account's transfers",
        table: 'ledger_accounts',
        sql: `WITH effects AS (
            SELECT t.debit_account_id AS account_id,
              CASE WHEN t.flags & ${PENDING} <> 0 AND r.pending_id IS NULL THEN t.amount ELSE 0 END AS dp,
              CASE WHEN t.flags & ${PENDING | VOID} = 0 THEN t.amount ELSE 0 END AS dpo, 0::bigint AS cp, 0::bigint AS cpo
            FROM ledger_transfers t LEFT JOIN ledger_pending_resolutions r ON r.pending_id = t.id
            UNION ALL
            SELECT t.credit_account_id, 0, 0,
              CASE WHEN t.flags & ${PENDING} <> 0 AND r.pending_id IS NULL THEN t.amount ELSE 0 END,
              CASE WHEN t.flags & ${PENDING | VOID} = 0 THEN t.amount ELSE 0 END
            FROM ledger_transfers t LEFT JOIN ledger_pending_resolutions r ON r.pending_id = t.id
          ), sums AS (
            SELECT account_id, sum(dp) AS dp, sum(dpo) AS dpo, sum(cp) AS cp, sum(cpo) AS cpo FROM effects GROUP BY account_id
          )
          SELECT a.id::text AS ref,
            format('counters %s/%s/%s/%s (debits pending/posted, credits pending/posted), transfers sum to %s/%s/%s/%s',
              a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted,
              coalesce(s.dp, 0), coalesce(s.dpo, 0), coalesce(s.cp, 0), coalesce(s.cpo, 0)) AS detail
          FROM ledger_accounts a LEFT JOIN sums s ON s.account_id = a.id
          WHERE a.debits_pending <> coalesce(s.dp, 0) OR a.debits_posted <> coalesce(s.dpo, 0)
             OR a.credits_pending <> coalesce(s.cp, 0) OR a.credits_posted <> coalesce(s.cpo, 0)`,
    },
    {
        code: 'transfer_account_missing',
        describe: 'transfer names an account that does not exist',
        table: 'ledger_transfers',
        sql: `SELECT t.id::text AS ref, 'debit ' || t.debit_account_id || ', credit ' || t.credit_account_id AS detail FROM ledger_transfers t
          WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.debit_account_id)
             OR NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.credit_account_id)`,
    },
    {
        code: 'transfer_ledger_mismatch',
        describe: "transfer's ledger is not the ledger of both its accounts",
        table: 'ledger_transfers',
        sql: `SELECT t.id::text AS ref, format('transfer ledger %s, debit account ledger %s, credit account ledger %s', t.ledger, d.ledger, c.ledger) AS detail
          FROM ledger_transfers t JOIN ledger_accounts d ON d.id = t.debit_account_id JOIN ledger_accounts c ON c.id = t.credit_account_id
          WHERE t.ledger <> d.ledger OR t.ledger <> c.ledger`,
    },
    {
        code: 'transfer_flags_invalid',
        describe: 'transfer has flags that exclude each other, or a post/void without pending_id (or the reverse)',
        table: 'ledger_transfers',
        sql: `SELECT id::text AS ref, 'flags ' || flags AS detail FROM ledger_transfers
          WHERE ((flags & ${PENDING} <> 0)::int + (flags & ${POST} <> 0)::int + (flags & ${VOID} <> 0)::int) > 1
             OR ((flags & ${POST | VOID} <> 0) <> (pending_id IS NOT NULL))
             OR (flags & ${POST | VOID} <> 0 AND flags & ${flags_1.TRANSFER_FLAG_BITS.balancingDebit | flags_1.TRANSFER_FLAG_BITS.balancingCredit | flags_1.TRANSFER_FLAG_BITS.closingDebit | flags_1.TRANSFER_FLAG_BITS.closingCredit} <> 0)
             OR (timeout > 0 AND flags & ${PENDING} = 0)`,
    },
    {
        code: 'pending_ended_twice',
        describe: 'more than one post/void names the same pending transfer',
        table: 'ledger_transfers',
        sql: `SELECT pending_id::text AS ref, count(*) || ' posts/voids' AS detail FROM ledger_transfers
          WHERE pending_id IS NOT NULL GROUP BY pending_id HAVING count(*) > 1`,
    },
    {
        code: 'resolution_mismatch',
        describe: 'a post/void and the recorded end of its pending transfer disagree',
        table: 'ledger_transfers',
        sql: `SELECT t.id::text AS ref, 'post/void without a matching resolution of ' || t.pending_id AS detail
          FROM ledger_transfers t LEFT JOIN ledger_pending_resolutions r ON r.pending_id = t.pending_id
          WHERE t.pending_id IS NOT NULL AND (r.pending_id IS NULL OR r.resolved_by IS DISTINCT FROM t.id
            OR r.resolution <> CASE WHEN t.flags & ${POST} <> 0 THEN 'posted' ELSE 'voided' END)
          UNION ALL
          SELECT r.pending_id::text, 'resolution ' || r.resolution || ' of a missing or non-pending transfer, or by a missing post/void'
          FROM ledger_pending_resolutions r LEFT JOIN ledger_transfers p ON p.id = r.pending_id
            LEFT JOIN ledger_transfers b ON b.id = r.resolved_by
          WHERE p.id IS NULL OR p.flags & ${PENDING} = 0 OR (r.resolved_by IS NOT NULL AND b.id IS NULL)`,
    },
    {
        code: 'post_exceeds_pending',
        describe: 'a post moved more than its pending transfer reserved, a void did not release exactly it, or accounts differ',
        table: 'ledger_transfers',
        sql: `SELECT t.id::text AS ref, format('amount %s of pending %s with amount %s', t.amount, p.id, p.amount) AS detail
          FROM ledger_transfers t JOIN ledger_transfers p ON p.id = t.pending_id
          WHERE (t.flags & ${POST} <> 0 AND t.amount > p.amount) OR (t.flags & ${VOID} <> 0 AND t.amount <> p.amount)
             OR t.debit_account_id <> p.debit_account_id OR t.credit_account_id <> p.credit_account_id`,
    },
    {
        code: 'account_limit_broken',
        describe: 'account breaks debits_must_not_exceed_credits or credits_must_not_exceed_debits, or has both',
        table: 'ledger_accounts',
        sql: `SELECT id::text AS ref, format('flags %s, counters %s/%s/%s/%s', flags, debits_pending, debits_posted, credits_pending, credits_posted) AS detail
          FROM ledger_accounts
          WHERE (flags & ${flags_1.ACCOUNT_FLAG_BITS.debitsMustNotExceedCredits} <> 0 AND debits_pending + debits_posted > credits_posted)
             OR (flags & ${flags_1.ACCOUNT_FLAG_BITS.creditsMustNotExceedDebits} <> 0 AND credits_pending + credits_posted > debits_posted)
             OR (flags & ${flags_1.ACCOUNT_FLAG_BITS.debitsMustNotExceedCredits | flags_1.ACCOUNT_FLAG_BITS.creditsMustNotExceedDebits}) = ${flags_1.ACCOUNT_FLAG_BITS.debitsMustNotExceedCredits | flags_1.ACCOUNT_FLAG_BITS.creditsMustNotExceedDebits}`,
    },
    {
        code: 'failed_id_applied',
        describe: 'an id is recorded as failed and also exists as a transfer',
        table: 'ledger_transfers',
        sql: `SELECT f.id::text AS ref, 'failed with ' || f.result AS detail FROM ledger_failed_transfers f JOIN ledger_transfers t ON t.id = f.id`,
    },
    {
        code: 'timeout_queue_mismatch',
        describe: 'an open pending transfer with a timeout is missing from the expiry queue, or an ended one is still queued',
        table: 'ledger_transfers',
        sql: `SELECT t.id::text AS ref, 'open pending with timeout not queued for expiry' AS detail
          FROM ledger_transfers t
          WHERE t.flags & ${PENDING} <> 0 AND t.timeout > 0
            AND NOT EXISTS (SELECT 1 FROM ledger_pending_resolutions r WHERE r.pending_id = t.id)
            AND NOT EXISTS (SELECT 1 FROM ledger_pending_timeouts q WHERE q.pending_id = t.id)
          UNION ALL
          SELECT q.pending_id::text, 'queued for expiry but already ended or not a pending transfer'
          FROM ledger_pending_timeouts q
          WHERE EXISTS (SELECT 1 FROM ledger_pending_resolutions r WHERE r.pending_id = q.pending_id)
             OR NOT EXISTS (SELECT 1 FROM ledger_transfers t WHERE t.id = q.pending_id AND t.flags & ${PENDING} <> 0)`,
    },
];
/** Runs every check; an empty array means the ledger is consistent. */
async function checkLedgerInvariants(knex) {
    const violations = [];
    // One snapshot for all checks, so concurrent writers cannot make a consistent ledger look broken.
    await knex.transaction(async (trx) => {
        for (const check of CHECKS) {
            const result = await trx.raw(check.sql);
            if (result.rows.length === 0)
                continue;
            const shown = result.rows.slice(0, 10).map((r) => `${check.table}:${r.ref} (${r.detail})`);
            const more = result.rows.length > 10 ? ` and ${result.rows.length - 10} more` : '';
            violations.push({
                code: check.code,
                message: `${check.describe}: ${shown.join('; ')}${more}`,
                rows: result.rows.map((r) => `${check.table}:${r.ref}`),
            });
        }
    }, { isolationLevel: 'repeatable read', readOnly: true });
    return violations;
}
