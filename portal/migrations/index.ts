import type { Knex } from 'knex';
import * as users from './0001_portal_users';
import * as ownership from './0002_portal_ownership';

/**
 * Migrations live in code (not files found by a glob) so that they run the same from TypeScript
 * under jest and from compiled dist/. The portal keeps its own bookkeeping table,
 * `portal_migrations`, so it migrates independently of the ledger and the workflows.
 */
interface PortalMigration {
  readonly name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const MIGRATIONS: readonly PortalMigration[] = [
  { name: '0001_portal_users', up: users.up, down: users.down },
  { name: '0002_portal_ownership', up: ownership.up, down: ownership.down },
];

const MIGRATION_CONFIG: Knex.MigratorConfig = {
  migrationSource: {
    getMigrations: async () => [...MIGRATIONS],
    getMigrationName: (migration: PortalMigration) => migration.name,
    getMigration: async (migration: PortalMigration) => migration,
  },
  tableName: 'portal_migrations',
};

/** Brings the portal's tables to the latest version; safe to run on every start. */
export async function migratePortal(knex: Knex): Promise<void> {
  await knex.migrate.latest(MIGRATION_CONFIG);
}
