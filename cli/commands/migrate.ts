import { Command } from 'commander';
import knex from 'knex';
import { migrateLedger } from '../../ledger';
import { migratePortal } from '../../portal';
import { migrateRegistry, migrateSettlement } from '../../workflows';
import { ServiceError } from '../services';

/**
 * `purseflow migrate`: every part's tables brought up to date, in dependency order (the registry's
 * accounts live in the ledger, settlement reads the registry, the portal reads all three). Each part
 * keeps its own migration table, so running it again is a no-op. The deployment's migrate job runs it.
 */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description("bring the ledger's, registry's, settlement's and portal's tables up to date (DATABASE_URL); safe to run twice")
    .action(async () => {
      const url = process.env.DATABASE_URL;
      if (!url) throw new ServiceError('start_failed', 'migrate', 'DATABASE_URL is not set: start the services (`purseflow services up`) or set it.');
      const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 2 } });
      try {
        for (const [part, migrate] of [
          ['ledger', migrateLedger],
          ['registry', migrateRegistry],
          ['settlement', migrateSettlement],
          ['portal', migratePortal],
        ] as const) {
          await migrate(db);
          process.stdout.write(`${part.padEnd(10)} up to date\n`);
        }
      } finally {
        await db.destroy();
      }
    });
}
