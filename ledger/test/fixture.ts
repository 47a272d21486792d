import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../test-support/postgres';
import { checkLedgerInvariants, createLedger, migrateLedger, type AccountFlags, type AccountCode, type Ledger, type LedgerOptions } from '../index';

export const EUR = 1;
export const EUR_FOOD = 2;

export interface LedgerFixture {
  readonly database: TestDatabase;
  readonly ledger: Ledger;
  account(code?: AccountCode, flags?: AccountFlags, ledgerId?: number): Promise<string>;
  /** A customer_cash account holding `amount` minor units, funded from a bank account. */
  funded(amount: bigint, flags?: AccountFlags): Promise<{ account: string; bank: string }>;
  expectConsistent(): Promise<void>;
  close(): Promise<void>;
}

export const newId = (): string => randomUUID();

export async function openLedgerFixture(name: string, options: LedgerOptions = {}): Promise<LedgerFixture> {
  const database = await createTestDatabase(`ledger_${name}`, { min: 0, max: 8 });
  await migrateLedger(database.db);
  const ledger = createLedger(database.db, options);
  await ledger.defineLedgers([
    { id: EUR, currency: 'EUR', exponent: 2, name: 'eur-cash' },
    { id: EUR_FOOD, currency: 'EUR', exponent: 2, name: 'eur-food' },
  ]);
  const account = async (code: AccountCode = 'customer_cash', flags: AccountFlags = {}, ledgerId = EUR): Promise<string> => {
    const id = newId();
    const [r] = await ledger.createAccounts([{ id, ledger: ledgerId, code, flags }]);
    if (r.result !== 'ok') throw new Error(`fixture account: ${r.result}`);
    return id;
  };
  return {
    database,
    ledger,
    account,
    async funded(amount, flags = { debitsMustNotExceedCredits: true }) {
      const bank = await account('bank');
      const id = await account('customer_cash', flags);
      const [r] = await ledger.createTransfers([{ id: newId(), debitAccountId: bank, creditAccountId: id, amount, code: 1 }]);
      if (r.result !== 'ok') throw new Error(`fixture funding: ${r.result}`);
      return { account: id, bank };
    },
    async expectConsistent() {
      expect(await checkLedgerInvariants(database.db)).toEqual([]);
    },
    async close() {
      await ledger.close();
      await database.drop();
    },
  };
}
