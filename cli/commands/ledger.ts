import { Command } from 'commander';
import knexFactory, { type Knex } from 'knex';
import { checkLedgerInvariants, createLedger, migrateLedger } from '../../ledger';

/** A failure of a ledger command, shown by main as `[code] message`. */
export class LedgerCommandError extends Error {
  override readonly name = 'LedgerCommandError';
  constructor(
    readonly code: 'database_url_missing' | 'invariants_violated',
    message: string,
  ) {
    super(message);
  }
}

async function withDatabase<T>(work: (knex: Knex) => Promise<T>): Promise<T> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new LedgerCommandError('database_url_missing', 'DATABASE_URL is not set; export it (postgres://user@host:port/db) or start the services with `purseflow services up`.');
  }
  const knex = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 2 } });
  try {
    return await work(knex);
  } finally {
    await knex.destroy();
  }
}

export function registerLedgerCommands(program: Command): void {
  const ledger = program.command('ledger').description('the double-entry ledger on PostgreSQL (DATABASE_URL)');

  ledger
    .command('check')
    .description('prove the ledger consistent: balanced per ledger, counters equal to transfers, no pending ended twice, no flag broken; exit 1 naming offending rows')
    .action(async () => {
      const violations = await withDatabase(checkLedgerInvariants);
      if (violations.length === 0) {
        process.stdout.write('ledger check: ok, no invariant violated\n');
        return;
      }
      for (const v of violations) process.stdout.write(`ledger check: [${v.code}] ${v.message}\n`);
      throw new LedgerCommandError('invariants_violated', `${violations.length} invariant(s) violated (listed above); stop writers and investigate the named rows before any further posting.`);
    });

  ledger
    .command('migrate')
    .description("create or update the ledger's tables")
    .action(async () => {
      await withDatabase(migrateLedger);
      process.stdout.write('ledger migrate: up to date\n');
    });

  ledger
    .command('expire')
    .description('release the reservations of pending transfers whose timeout has passed')
    .action(async () => {
      const expired = await withDatabase(async (knex) => {
        const l = createLedger(knex, { batching: false });
        try {
          return await l.expirePendingTransfers();
        } finally {
          await l.close();
        }
      });
      process.stdout.write(`ledger expire: ${expired.length} pending transfer(s) expired\n`);
    });
}
