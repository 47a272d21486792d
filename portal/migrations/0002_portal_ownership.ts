import type { Knex } from 'knex';

/**
 * The downloads and settlements the portal started, and for whom. Workflow ids derive from request ids and can be
 * guessed; whether a customer may see a download is decided by this table, never by the URL.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE portal_downloads (
      download_id text PRIMARY KEY,
      request_id text NOT NULL UNIQUE,
      customer_id text NOT NULL,
      csn text NOT NULL CHECK (csn ~ '^[0-9]{16}$'),
      purse text NOT NULL CHECK (purse IN ('ecash', 'food')),
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      mode text NOT NULL CHECK (mode IN ('connected', 'offline')),
      started_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX portal_downloads_customer ON portal_downloads (customer_id, started_at DESC);

    -- The same for settlements: which merchant uploaded which batch (the workflow id names the batch).
    CREATE TABLE portal_settlements (
      settlement_id text PRIMARY KEY,
      merchant_id text NOT NULL,
      file_name text NOT NULL,
      started_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX portal_settlements_merchant ON portal_settlements (merchant_id, started_at DESC);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS portal_settlements; DROP TABLE IF EXISTS portal_downloads;');
}
