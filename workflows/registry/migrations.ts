// The registry's tables, migrated on their own (table `registry_migrations`) so that the ledger and
// the registry evolve independently. Migrations live in code so that they run the same from ts-jest
// and from dist/.
import type { Knex } from 'knex';

interface RegistryMigration {
  readonly name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const initial: RegistryMigration = {
  name: '0001_registry',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE registry_customers (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        cash_account_id uuid NOT NULL UNIQUE,
        food_account_id uuid NOT NULL UNIQUE,
        enrolled_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE registry_cards (
        csn char(16) PRIMARY KEY CHECK (csn ~ '^[0-9]{16}$'),
        customer_id text NOT NULL REFERENCES registry_customers (id),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
        blocked_reason text,
        issued_at timestamptz NOT NULL DEFAULT now(),
        status_changed_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'blocked') = (blocked_reason IS NOT NULL))
      );
      CREATE INDEX registry_cards_customer ON registry_cards (customer_id);

      -- The shadow of each purse: what the server loaded minus what merchants settled. A card that
      -- spent more than was ever loaded onto it is flagged (design.md, "Ledger").
      CREATE TABLE registry_card_purses (
        csn char(16) NOT NULL REFERENCES registry_cards (csn),
        purse text NOT NULL CHECK (purse IN ('ecash', 'food')),
        loaded_minor bigint NOT NULL DEFAULT 0 CHECK (loaded_minor >= 0),
        spent_minor bigint NOT NULL DEFAULT 0 CHECK (spent_minor >= 0),
        overspent boolean GENERATED ALWAYS AS (spent_minor > loaded_minor) STORED,
        PRIMARY KEY (csn, purse)
      );

      -- Every movement of a shadow balance once: the key is the ledger transfer id of a load or the
      -- settlement's record key, so a retried activity never counts twice.
      CREATE TABLE registry_purse_movements (
        key text PRIMARY KEY,
        csn char(16) NOT NULL REFERENCES registry_cards (csn),
        purse text NOT NULL CHECK (purse IN ('ecash', 'food')),
        kind text NOT NULL CHECK (kind IN ('load', 'purchase')),
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        recorded_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE registry_merchants (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        food_eligible boolean NOT NULL,
        payable_account_id uuid NOT NULL UNIQUE,
        enrolled_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE registry_sams (
        sam_id char(16) PRIMARY KEY CHECK (sam_id ~ '^[0-9A-F]{16}$'),
        merchant_id text NOT NULL REFERENCES registry_merchants (id),
        registered_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE registry_transfer_cards (
        transfer_card_id char(16) PRIMARY KEY CHECK (transfer_card_id ~ '^[0-9A-F]{16}$'),
        merchant_id text NOT NULL REFERENCES registry_merchants (id),
        registered_at timestamptz NOT NULL DEFAULT now()
      );

      -- Money put into a customer's accounts from outside (bank deposit, voucher programme), one row
      -- per client-chosen id so that a repeated request moves money once.
      CREATE TABLE registry_fundings (
        id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
        kind text NOT NULL CHECK (kind IN ('deposit', 'food_voucher')),
        customer_id text NOT NULL REFERENCES registry_customers (id),
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        transfer_id uuid NOT NULL UNIQUE,
        recorded_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  },
  async down(knex) {
    await knex.raw(`
      DROP TABLE IF EXISTS registry_fundings, registry_transfer_cards, registry_sams, registry_merchants,
        registry_purse_movements, registry_card_purses, registry_cards, registry_customers;
    `);
  },
};

/**
 * Which reader belongs to which customer: the portal offers a customer only their own readers for a
 * connected download, and a reader id is the name of a task queue (`reader-<id>`) that anyone could
 * otherwise type. One customer per reader; a reader that changes hands is assigned again.
 */
const readers: RegistryMigration = {
  name: '0002_registry_readers',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE registry_readers (
        reader_id text PRIMARY KEY CHECK (reader_id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
        customer_id text NOT NULL REFERENCES registry_customers (id),
        assigned_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX registry_readers_customer ON registry_readers (customer_id);
    `);
  },
  async down(knex) {
    await knex.raw('DROP TABLE IF EXISTS registry_readers');
  },
};

const MIGRATIONS: readonly RegistryMigration[] = [initial, readers];

const migrationSource: Knex.MigrationSource<RegistryMigration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};

const CONFIG: Knex.MigratorConfig = { migrationSource, tableName: 'registry_migrations' };

/** Brings the registry's tables to the latest version; safe on every start. */
export async function migrateRegistry(knex: Knex): Promise<void> {
  await knex.migrate.latest(CONFIG);
}

/** Drops the registry's tables (development and tests only). */
export async function rollbackRegistry(knex: Knex): Promise<void> {
  await knex.migrate.rollback(CONFIG, true);
}
