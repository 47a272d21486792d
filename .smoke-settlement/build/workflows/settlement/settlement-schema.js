"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.migrateSettlement = migrateSettlement;
exports.rollbackSettlement = rollbackSettlement;
const initial = {
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
const MIGRATIONS = [initial];
const migrationSource = {
    getMigrations: async () => [...MIGRATIONS],
    getMigrationName: (m) => m.name,
    getMigration: async (m) => m,
};
const CONFIG = { migrationSource, tableName: 'settlement_migrations' };
/** Brings settlement's tables to the latest version; safe on every start. */
async function migrateSettlement(knex) {
    await knex.migrate.latest(CONFIG);
}
async function rollbackSettlement(knex) {
    await knex.migrate.rollback(CONFIG, true);
}
