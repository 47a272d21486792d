"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.up = up;
exports.down = down;
/**
 * The downloads the portal started, and for whom. Workflow ids derive from request ids and can be
 * guessed; whether a customer may see a download is decided by this table, never by the URL.
 */
async function up(knex) {
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
  `);
}
async function down(knex) {
    await knex.raw('DROP TABLE IF EXISTS portal_downloads;');
}
