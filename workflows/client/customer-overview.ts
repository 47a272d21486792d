// What a customer's page reads from the registry: their accounts (the ledger ids, which are the
// registry's name-based ids, so the caller reads balances through ledger/queries), their cards with
// each purse's last known (shadow) balance, and their readers. Read-only SQL over the registry's
// tables; nothing here writes, and nothing reaches worker or activity code.
import type { Knex } from 'knex';
import { accountIdFor } from '../registry/name-based-id';
import { PURSEFLOW_LEDGER } from '../registry/transfer-codes';
import type { PurseName } from '../registry/purse';

const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export type CustomerReadErrorCode = 'customer_id_invalid' | 'registry_inconsistent';

export class CustomerReadError extends Error {
  override readonly name = 'CustomerReadError';
  constructor(
    readonly code: CustomerReadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface CustomerAccount {
  readonly purse: PurseName;
  /** `customer_cash` (the virtual account) or `customer_food` (the food-voucher account). */
  readonly code: 'customer_cash' | 'customer_food';
  /** The ledger account id: read its balance with ledger/queries' getAccountBalance. */
  readonly accountId: string;
  readonly currency: string;
}

export interface CardPurseOverview {
  readonly purse: PurseName;
  readonly loadedMinor: bigint;
  readonly spentMinor: bigint;
  /**
   * What the server last knows the purse holds: loaded by downloads minus purchases settled. The
   * card may hold less (purchases not settled yet); negative means it spent more than was loaded.
   */
  readonly lastKnownMinor: bigint;
  readonly overspent: boolean;
}

export interface CardOverview {
  readonly csn: string;
  readonly blocked: boolean;
  readonly blockedReason: string | null;
  readonly purses: readonly CardPurseOverview[];
}

export interface CustomerOverview {
  readonly customerId: string;
  readonly name: string;
  readonly accounts: readonly CustomerAccount[];
  readonly cards: readonly CardOverview[];
}

export interface CustomerReader {
  readonly readerId: string;
  readonly assignedAt: Date;
}

function checkCustomerId(customerId: unknown): string {
  if (typeof customerId !== 'string' || !CUSTOMER_ID_PATTERN.test(customerId)) {
    throw new CustomerReadError('customer_id_invalid', `The customer id ${JSON.stringify(customerId)} must be 1-64 letters, digits, '_', '.' or '-'; check the link or the user's customer.`);
  }
  return customerId;
}

/** The customer's accounts and cards; null when no such customer is enrolled. */
export async function customerOverview(db: Knex, customerId: string): Promise<CustomerOverview | null> {
  const id = checkCustomerId(customerId);
  const customer: { id: string; name: string; cash_account_id: string; food_account_id: string } | undefined = await db('registry_customers')
    .where({ id })
    .first('id', 'name', 'cash_account_id', 'food_account_id');
  if (!customer) return null;
  const owner = `customer:${id}`;
  // The stored ids are the name-based ones; a difference means the registry was edited by hand.
  if (customer.cash_account_id !== accountIdFor('customer_cash', owner) || customer.food_account_id !== accountIdFor('customer_food', owner)) {
    throw new CustomerReadError('registry_inconsistent', `Customer ${id}'s account ids in the registry are not the name-based ids of accountIdFor; the registry was edited by hand. Re-enrol the customer (idempotent) or report it.`);
  }
  const rows: { csn: string; status: 'active' | 'blocked'; blocked_reason: string | null; purse: PurseName | null; loaded_minor: string | null; spent_minor: string | null }[] = await db('registry_cards as c')
    .leftJoin('registry_card_purses as p', 'p.csn', 'c.csn')
    .where('c.customer_id', id)
    .orderBy([{ column: 'c.csn' }, { column: 'p.purse' }])
    .select('c.csn', 'c.status', 'c.blocked_reason', 'p.purse', 'p.loaded_minor', 'p.spent_minor');
  const cards = new Map<string, { csn: string; blocked: boolean; blockedReason: string | null; purses: CardPurseOverview[] }>();
  for (const r of rows) {
    let card = cards.get(r.csn);
    if (!card) {
      card = { csn: r.csn, blocked: r.status === 'blocked', blockedReason: r.blocked_reason, purses: [] };
      cards.set(r.csn, card);
    }
    if (r.purse !== null) {
      const loadedMinor = BigInt(r.loaded_minor ?? '0');
      const spentMinor = BigInt(r.spent_minor ?? '0');
      card.purses.push({ purse: r.purse, loadedMinor, spentMinor, lastKnownMinor: loadedMinor - spentMinor, overspent: spentMinor > loadedMinor });
    }
  }
  return {
    customerId: customer.id,
    name: customer.name,
    accounts: [
      { purse: 'ecash', code: 'customer_cash', accountId: customer.cash_account_id, currency: PURSEFLOW_LEDGER.currency },
      { purse: 'food', code: 'customer_food', accountId: customer.food_account_id, currency: PURSEFLOW_LEDGER.currency },
    ],
    cards: [...cards.values()],
  };
}

/** The readers assigned to the customer (`purseflow readers assign`), by reader id. Online or not is Temporal's to say. */
export async function readersOf(db: Knex, customerId: string): Promise<CustomerReader[]> {
  const id = checkCustomerId(customerId);
  const rows: { reader_id: string; assigned_at: Date }[] = await db('registry_readers').where({ customer_id: id }).orderBy('reader_id').select('reader_id', 'assigned_at');
  return rows.map((r) => ({ readerId: r.reader_id, assignedAt: r.assigned_at }));
}
