import type { Knex } from 'knex';
import * as ledgerCore from './0001_ledger_core';
import * as importClock from './0002_import_clock';

/**
 * Migrations live in code (not files found by a glob) so that they run the same from TypeScript
 * under jest and from compiled dist/. The ledger keeps its own bookkeeping table so that other
 * parts can migrate their own tables independently.
 */
interface LedgerMigration {
  readonly name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const MIGRATIONS: readonly LedgerMigration[] = [
  { name: '0001_ledger_core', up: ledgerCore.up, down: ledgerCore.down },
  { name: '0002_import_clock', up: importClock.up, down: importClock.down },
];

const migrationSource: Knex.MigrationSource<LedgerMigration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration,
};

const MIGRATION_CONFIG: Knex.MigratorConfig = {
  migrationSource,
  tableName: 'ledger_knex_migrations',
};

/** Brings the ledger's tables to the latest version; safe to run on every start. */
export async function migrateLedger(knex: Knex): Promise<void> {
  await knex.migrate.latest(MIGRATION_CONFIG);
}

/** Drops the ledger's tables (development and tests only). */
export async function rollbackLedger(knex: Knex): Promise<void> {
  await knex.migrate.rollback(MIGRATION_CONFIG, true);
}
