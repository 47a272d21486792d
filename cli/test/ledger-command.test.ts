import { Command } from 'commander';
import { checkLedgerInvariants, createLedger, migrateLedger } from '../../ledger';
import { createTestDatabase, type TestDatabase } from '../../test-support/postgres';
import { LedgerCommandError, registerLedgerCommands } from '../commands/ledger';

let database: TestDatabase;
let savedUrl: string | undefined;
let output: string[];
let write: jest.SpyInstance;

beforeAll(async () => {
  database = await createTestDatabase('cli_ledger');
  savedUrl = process.env.DATABASE_URL;
});
afterAll(async () => {
  process.env.DATABASE_URL = savedUrl;
  await database.drop();
});
beforeEach(() => {
  output = [];
  write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  });
  process.env.DATABASE_URL = database.url;
});
afterEach(() => write.mockRestore());

async function run(...args: string[]): Promise<void> {
  const program = new Command('purseflow').exitOverride();
  registerLedgerCommands(program);
  await program.parseAsync(['node', 'purseflow', ...args]);
}

test('`ledger migrate` creates the tables and `ledger check` passes on a consistent ledger', async () => {
  await run('ledger', 'migrate');
  await run('ledger', 'check');
  expect(output.join('')).toMatch(/ledger check: ok/);
});

test('`ledger check` fails with invariants_violated and names the offending rows', async () => {
  await migrateLedger(database.db);
  const ledger = createLedger(database.db, { batching: false });
  await ledger.defineLedgers([{ id: 1, currency: 'EUR', exponent: 2, name: 'eur-cash' }]);
  const [bank, customer] = ['8a2f3c52-8d7e-4b6a-9a51-6a0f5b1f0001', '8a2f3c52-8d7e-4b6a-9a51-6a0f5b1f0002'];
  await ledger.createAccounts([
    { id: bank, ledger: 1, code: 'bank' },
    { id: customer, ledger: 1, code: 'customer_cash' },
  ]);
  await ledger.createTransfers([{ id: '8a2f3c52-8d7e-4b6a-9a51-6a0f5b1f0003', debitAccountId: bank, creditAccountId: customer, amount: 100n, code: 1 }]);
  await database.db.raw('UPDATE ledger_accounts SET credits_posted = 99 WHERE id = ?', [customer]);
  const error = await run('ledger', 'check').catch((err: unknown) => err);
  expect(error).toBeInstanceOf(LedgerCommandError);
  expect((error as LedgerCommandError).code).toBe('invariants_violated');
  expect(output.join('')).toContain(`ledger_accounts:${customer}`);
  await database.db.raw('UPDATE ledger_accounts SET credits_posted = 100 WHERE id = ?', [customer]);
  expect(await checkLedgerInvariants(database.db)).toEqual([]);
});

test('`ledger expire` reports how many pending transfers it expired', async () => {
  await run('ledger', 'expire');
  expect(output.join('')).toMatch(/ledger expire: 0 pending transfer\(s\) expired/);
});

test('a missing DATABASE_URL is a typed error that says what to do', async () => {
  delete process.env.DATABASE_URL;
  const error = await run('ledger', 'check').catch((err: unknown) => err);
  expect((error as LedgerCommandError).code).toBe('database_url_missing');
  expect((error as Error).message).toMatch(/export it/);
});
