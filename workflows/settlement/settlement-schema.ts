/**
 * Settlement's own tables, migrated on their own (table `settlement_migrations`) beside the ledger's
 * and the registry's. Design choices (why, not what):
 * - every record of a MAC-valid file gets a row, so a verdict is kept per record and the portal can
 *   list the rejected ones with their reason;
 * - "never settled twice" is enforced by the database, not only by the code: an accepted record
 *   holds its (CSN, ATC) and its (SAM id, SAM seq) through partial unique indexes, whichever file
 *   it came from;
 * - the chunk size is fixed when a batch is first registered, because the ledger transfer ids of a
 *   batch are named by chunk (transfer-ids.ts) and must keep meaning the same records;
 * - a batch's file hash is fixed too: one Transfer card batch has exactly one genuine content.
 */
import type { Knex } from 'knex';

interface SettlementMigration {
  readonly name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const initial: SettlementMigration = {
  name: '0001_settlement',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE settlement_batches (
        batch_key text PRIMARY KEY,
        transfer_card_id char(16) NOT NULL CHECK (transfer_card_id ~ '^[0-9A-F]{16}$'),
        batch_seq bigint NOT NULL CHECK (batch_seq BETWEEN 0 AND 4294967295),
        merchant_id text NOT NULL,
        file_sha256 char(64) NOT NULL,
        record_count integer NOT NULL CHECK (record_count >= 0),
        chunk_records integer NOT NULL CHECK (chunk_records > 0),
        staged_records integer NOT NULL DEFAULT 0,
        registered_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (transfer_card_id, batch_seq)
      );

      CREATE TABLE settlement_records (
        batch_key text NOT NULL REFERENCES settlement_batches (batch_key),
        record_index integer NOT NULL CHECK (record_index >= 0),
        csn char(16) NOT NULL,
        atc integer NOT NULL,
        purse smallint NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        balance_after_minor bigint NOT NULL,
        sam_id char(16) NOT NULL,
        sam_seq bigint NOT NULL,
        purchased_at timestamptz NOT NULL,
        -- What the keys alone proved (card-driver's verifier), before any database check.
        proof text NOT NULL CHECK (proof IN ('valid', 'malformed_record', 'sam_mac_invalid', 'card_mac_invalid', 'duplicate_in_file')),
        -- NULL while staged; decided once, by the chunk that holds the record.
        verdict text CHECK (verdict IN ('accepted', 'rejected')),
        reason text,
        PRIMARY KEY (batch_key, record_index),
        CHECK ((verdict = 'rejected') = (reason IS NOT NULL))
      );
      CREATE UNIQUE INDEX settlement_records_card_atc ON settlement_records (csn, atc) WHERE verdict = 'accepted';
      CREATE UNIQUE INDEX settlement_records_sam_seq ON settlement_records (sam_id, sam_seq) WHERE verdict = 'accepted';
      CREATE INDEX settlement_records_rejected ON settlement_records (batch_key, record_index) WHERE verdict = 'rejected';

      -- Cards that tried to spend more than was ever loaded onto a purse: for operators.
      CREATE TABLE settlement_overspend_flags (
        batch_key text NOT NULL,
        record_index integer NOT NULL,
        csn char(16) NOT NULL,
        purse smallint NOT NULL,
        amount_minor bigint NOT NULL,
        flagged_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (batch_key, record_index)
      );
      CREATE INDEX settlement_overspend_flags_card ON settlement_overspend_flags (csn);
    `);
  },
  async down(knex) {
    await knex.raw('DROP TABLE IF EXISTS settlement_overspend_flags, settlement_records, settlement_batches');
  },
};

/**
 * One row per decided chunk, written first in the deciding transaction: it is the chunk's claim
 * (a second attempt waits on it, then finds the chunk decided) and, once the transaction commits,
 * its outcome, so the reservation, the post and a retry read one row instead of the chunk's records.
 */
const chunks: SettlementMigration = {
  name: '0002_settlement_chunks',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE settlement_chunks (
        batch_key text NOT NULL REFERENCES settlement_batches (batch_key),
        chunk_index integer NOT NULL CHECK (chunk_index >= 0),
        accepted integer NOT NULL DEFAULT 0 CHECK (accepted >= 0),
        rejected integer NOT NULL DEFAULT 0 CHECK (rejected >= 0),
        ecash_minor bigint NOT NULL DEFAULT 0 CHECK (ecash_minor >= 0),
        food_minor bigint NOT NULL DEFAULT 0 CHECK (food_minor >= 0),
        decided_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (batch_key, chunk_index)
      );
    `);
  },
  async down(knex) {
    await knex.raw('DROP TABLE IF EXISTS settlement_chunks');
  },
};

/**
 * The voucher issuance's own bookkeeping (workflows/vouchers), migrated with settlement's tables
 * because these are the workflows' tables that the worker migrates. One row per voucher that a run
 * claimed before sending it to the ledger: a retried chunk that finds the ledger answering `exists`
 * tells from it whether its own run (an attempt that died after the ledger write) or an earlier one
 * issued the voucher, so the counts stay exact.
 */
const voucherIssuances: SettlementMigration = {
  name: '0003_voucher_issuances',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE voucher_issuances (
        voucher_id text PRIMARY KEY,
        -- The first execution run id of the VoucherIssuanceWorkflow run that claimed it.
        issuing_run text NOT NULL,
        -- NULL until that run's bookkeeping committed; 'issued_before' when the ledger held it before the claim.
        outcome text CHECK (outcome IN ('issued', 'issued_before')),
        claimed_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  },
  async down(knex) {
    await knex.raw('DROP TABLE IF EXISTS voucher_issuances');
  },
};

/**
 * The file pass (settlement-file.ts): a batch is registered once its file is proven whole, with one
 * plan row per chunk (the digest of the chunk's record bytes and the SAM sequence floors), and the
 * records are written once, decided, by their chunk. `file_checked` tells such a batch from one
 * staged by the earlier code (every record inserted undecided while the file was read), whose
 * chunks still decide correctly: they drop the chunk's staged rows and write decided ones.
 */
const filePass: SettlementMigration = {
  name: '0004_settlement_file_pass',
  async up(knex) {
    await knex.raw(`
      ALTER TABLE settlement_batches ADD COLUMN file_checked boolean NOT NULL DEFAULT false;
      -- Where the worker reads the records from (the upload store: content-addressed, never rewritten).
      ALTER TABLE settlement_batches ADD COLUMN upload_path text;
      CREATE TABLE settlement_chunk_plans (
        batch_key text NOT NULL REFERENCES settlement_batches (batch_key),
        chunk_index integer NOT NULL CHECK (chunk_index >= 0),
        records_sha256 bytea NOT NULL CHECK (length(records_sha256) = 32),
        -- SAM id -> the highest SAM sequence number earlier in the file, for the SAMs of this chunk.
        sam_seq_floor jsonb NOT NULL,
        PRIMARY KEY (batch_key, chunk_index)
      );
    `);
  },
  async down(knex) {
    await knex.raw('DROP TABLE IF EXISTS settlement_chunk_plans; ALTER TABLE settlement_batches DROP COLUMN IF EXISTS file_checked, DROP COLUMN IF EXISTS upload_path');
  },
};

/**
 * Records are written only inside their chunk's deciding transaction, whose chunk row references
 * the batch (and a refused file's batch is discarded records first), so the per-record foreign key
 * proved nothing more, while its check — one lookup and one KEY SHARE lock on the same batch row per
 * record, shared by the chunks deciding at once — was about 40 % of the decided INSERT's cost.
 */
const recordsWithoutBatchKeyCheck: SettlementMigration = {
  name: '0005_records_without_batch_key_check',
  async up(knex) {
    await knex.raw('ALTER TABLE settlement_records DROP CONSTRAINT IF EXISTS settlement_records_batch_key_fkey');
  },
  async down(knex) {
    await knex.raw('ALTER TABLE settlement_records ADD CONSTRAINT settlement_records_batch_key_fkey FOREIGN KEY (batch_key) REFERENCES settlement_batches (batch_key)');
  },
};

const MIGRATIONS: readonly SettlementMigration[] = [initial, chunks, voucherIssuances, filePass, recordsWithoutBatchKeyCheck];

const migrationSource: Knex.MigrationSource<SettlementMigration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};

const CONFIG: Knex.MigratorConfig = { migrationSource, tableName: 'settlement_migrations' };

/** Brings settlement's tables to the latest version; safe on every start. */
export async function migrateSettlement(knex: Knex): Promise<void> {
  await knex.migrate.latest(CONFIG);
}

export async function rollbackSettlement(knex: Knex): Promise<void> {
  await knex.migrate.rollback(CONFIG, true);
}
