import type { Knex } from 'knex';

/**
 * The timestamp of the latest imported event. Imported events (past events loaded with their own
 * time) must come in time order across the whole ledger; a single row is the cheapest record of
 * that order, and only importing batches ever touch it, so live traffic never contends on it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE ledger_import_clock (
      id smallint PRIMARY KEY CHECK (id = 1),
      last_us bigint NOT NULL CHECK (last_us >= 0)
    );
    INSERT INTO ledger_import_clock (id, last_us) VALUES (1, 0);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS ledger_import_clock');
}
