"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.up = up;
exports.down = down;
/**
 * The ledger's tables. Design choices (why, not what):
 * - ids are client-chosen UUIDs (16 bytes, TigerBeetle-sized, derivable by retrying callers);
 * - amounts and counters are bigint minor units, checked non-negative;
 * - transfers are append-only: a post, void or expiry never edits the pending row, it adds a row
 *   to ledger_pending_resolutions whose primary key makes "ended twice" impossible;
 * - transfers carry no foreign keys: the batch engine checks accounts under lock and FK probes
 *   would cost a lookup per row on the hot path; the invariant checker verifies references;
 * - accounts get fillfactor 70 and no index on counters, so counter updates stay HOT.
 */
async function up(knex) {
    await knex.raw(`
    CREATE TABLE ledger_ledgers (
      id integer PRIMARY KEY CHECK (id > 0),
      currency text NOT NULL CHECK (currency ~ '^[A-Z0-9_]{1,16}$'),
      exponent smallint NOT NULL CHECK (exponent BETWEEN 0 AND 18),
      name text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE ledger_accounts (
      id uuid PRIMARY KEY,
      ledger integer NOT NULL REFERENCES ledger_ledgers (id),
      code text NOT NULL,
      owner_ref text,
      flags integer NOT NULL DEFAULT 0,
      debits_pending bigint NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
      debits_posted bigint NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
      credits_pending bigint NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
      credits_posted bigint NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
      metadata jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      -- The two limit flags exclude each other, and the database refuses a broken limit even if
      -- the engine had a bug (fail loudly rather than store an overdraft).
      CONSTRAINT ledger_accounts_limit_flags_exclusive CHECK ((flags & 6) <> 6),
      CONSTRAINT ledger_accounts_debits_within_credits CHECK ((flags & 2) = 0 OR debits_pending + debits_posted <= credits_posted),
      CONSTRAINT ledger_accounts_credits_within_debits CHECK ((flags & 4) = 0 OR credits_pending + credits_posted <= debits_posted)
    ) WITH (fillfactor = 70);
    CREATE INDEX ledger_accounts_owner_ref ON ledger_accounts (owner_ref) WHERE owner_ref IS NOT NULL;

    -- One sequence orders every journal event (transfers and expiries); per account it follows
    -- commit order because it is drawn while the account rows are locked.
    CREATE SEQUENCE ledger_event_seq AS bigint;

    CREATE TABLE ledger_transfers (
      id uuid PRIMARY KEY,
      seq bigint NOT NULL DEFAULT nextval('ledger_event_seq'),
      debit_account_id uuid NOT NULL,
      credit_account_id uuid NOT NULL,
      amount bigint NOT NULL CHECK (amount >= 0),
      pending_id uuid,
      ledger integer NOT NULL,
      code integer NOT NULL CHECK (code BETWEEN 1 AND 65535),
      flags integer NOT NULL,
      timeout integer NOT NULL DEFAULT 0 CHECK (timeout >= 0),
      user_data text,
      "timestamp" timestamptz NOT NULL,
      CHECK (debit_account_id <> credit_account_id)
    );
    CREATE INDEX ledger_transfers_debit_account ON ledger_transfers (debit_account_id, seq);
    CREATE INDEX ledger_transfers_credit_account ON ledger_transfers (credit_account_id, seq);

    -- How each pending transfer ended. The primary key is the "ended at most once" guarantee.
    CREATE TABLE ledger_pending_resolutions (
      pending_id uuid PRIMARY KEY,
      resolution text NOT NULL CHECK (resolution IN ('posted', 'voided', 'expired')),
      resolved_by uuid,
      "timestamp" timestamptz NOT NULL,
      CHECK ((resolution = 'expired') = (resolved_by IS NULL))
    );

    -- Open pending transfers that have a deadline: the sweeper's work queue. Rows are deleted
    -- when the pending ends, so the queue stays small and VACUUM reclaims it.
    CREATE TABLE ledger_pending_timeouts (
      pending_id uuid PRIMARY KEY,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX ledger_pending_timeouts_due ON ledger_pending_timeouts (expires_at);

    -- Ids that failed for a state-dependent reason: retries answer id_already_failed.
    CREATE TABLE ledger_failed_transfers (
      id uuid PRIMARY KEY,
      result text NOT NULL,
      "timestamp" timestamptz NOT NULL
    );

    -- Balances after every event, for accounts with the history flag only.
    CREATE TABLE ledger_account_history (
      account_id uuid NOT NULL,
      seq bigint NOT NULL,
      transfer_id uuid NOT NULL,
      "timestamp" timestamptz NOT NULL,
      debits_pending bigint NOT NULL,
      debits_posted bigint NOT NULL,
      credits_pending bigint NOT NULL,
      credits_posted bigint NOT NULL,
      PRIMARY KEY (account_id, seq)
    );
  `);
}
async function down(knex) {
    await knex.raw(`
    DROP TABLE IF EXISTS ledger_account_history, ledger_failed_transfers, ledger_pending_timeouts,
      ledger_pending_resolutions, ledger_transfers, ledger_accounts, ledger_ledgers;
    DROP SEQUENCE IF EXISTS ledger_event_seq;
  `);
}
