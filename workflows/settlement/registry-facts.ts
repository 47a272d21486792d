/**
 * What settlement reads from and writes to the registry's tables, a whole chunk at a time: the
 * registry's own methods work one card or SAM per call, which would cost a round trip per record.
 * Written against the registry's schema (workflows/registry/migrations.ts); the shadow-balance
 * writes follow Registry.recordPurseMovement (one movement row per key, counters incremented).
 */
import type { Knex } from 'knex';
import { Registry } from '../registry';
import { assertSettlement } from './settlement-error';
import { postgresArrayLiteral } from '../../ledger';
import { PURSE_ECASH, purseKey, type CardStanding, type PurseShadow, type SettlementPurse } from './record-verdict';

export interface SettlingMerchant {
  readonly id: string;
  readonly foodEligible: boolean;
  readonly payableAccountId: string;
}

export async function settlingMerchant(db: Knex, merchantId: string): Promise<SettlingMerchant | undefined> {
  const row = await db('registry_merchants').where({ id: merchantId }).first('id', 'food_eligible', 'payable_account_id');
  return row ? { id: row.id, foodEligible: row.food_eligible, payableAccountId: row.payable_account_id } : undefined;
}

export async function transferCardOwner(db: Knex, transferCardId: string): Promise<string | undefined> {
  const row = await db('registry_transfer_cards').where({ transfer_card_id: transferCardId }).first('merchant_id');
  return row?.merchant_id;
}

export async function samOwners(db: Knex, samIds: readonly string[]): Promise<Map<string, string>> {
  const rows: { sam_id: string; merchant_id: string }[] = await db('registry_sams').whereIn('sam_id', [...new Set(samIds)]).select('sam_id', 'merchant_id');
  return new Map(rows.map((r) => [r.sam_id, r.merchant_id]));
}

export async function cardStandings(db: Knex, csns: readonly string[]): Promise<Map<string, CardStanding>> {
  const rows: { csn: string; status: string }[] = await db('registry_cards').whereIn('csn', [...new Set(csns)]).select('csn', 'status');
  return new Map(rows.map((r) => [r.csn, { blocked: r.status !== 'active' }]));
}

export const purseNameOf = (purse: SettlementPurse): 'ecash' | 'food' => (purse === PURSE_ECASH ? 'ecash' : 'food');

/** Shadow balances of the cards' purses, locked until the transaction ends (in key order, so two chunks never deadlock). */
export async function lockPurseShadows(trx: Knex.Transaction, csns: readonly string[]): Promise<Map<string, PurseShadow>> {
  const sorted = [...new Set(csns)].sort();
  if (sorted.length === 0) return new Map();
  const { rows } = await trx.raw<{ rows: { csn: string; purse: string; loaded_minor: string; spent_minor: string }[] }>(
    `SELECT csn, purse, loaded_minor, spent_minor FROM registry_card_purses
      WHERE csn = ANY(?::bpchar[]) ORDER BY csn, purse FOR UPDATE`,
    [postgresArrayLiteral(sorted)],
  );
  return new Map(rows.map((r) => [purseKey(r.csn, r.purse === 'ecash' ? 1 : 2), { loaded: BigInt(r.loaded_minor), settled: BigInt(r.spent_minor) }]));
}

/** The same shadow balances, read without locking (an optimistic decision checks them again, locked). */
export async function readPurseShadows(db: Knex, csns: readonly string[]): Promise<Map<string, PurseShadow>> {
  const unique = [...new Set(csns)];
  if (unique.length === 0) return new Map();
  const { rows } = await db.raw<{ rows: { csn: string; purse: string; loaded_minor: string; spent_minor: string }[] }>(
    `SELECT csn, purse, loaded_minor, spent_minor FROM registry_card_purses WHERE csn = ANY(?::bpchar[])`,
    [postgresArrayLiteral(unique)],
  );
  return new Map(rows.map((r) => [purseKey(r.csn, r.purse === 'ecash' ? 1 : 2), { loaded: BigInt(r.loaded_minor), settled: BigInt(r.spent_minor) }]));
}

export interface SettledPurchase {
  /** Names the movement once: `settlement/<batch key>/<chunk>/<CSN>:<purse>`. */
  readonly key: string;
  readonly csn: string;
  readonly purse: SettlementPurse;
  readonly amount: bigint;
}

/**
 * Records the chunk's purchase movements, one per key. The deciding transaction has claimed its chunk,
 * so every key is new: one that is not would count a purchase twice, and fails loudly.
 */
export async function recordPurchaseMovements(trx: Knex.Transaction, purchases: readonly SettledPurchase[]): Promise<void> {
  if (purchases.length === 0) return;
  const { rowCount } = await trx.raw<{ rowCount: number }>(
    `INSERT INTO registry_purse_movements (key, csn, purse, kind, amount_minor)
     SELECT key, csn, purse, 'purchase', amount FROM unnest(?::text[], ?::bpchar[], ?::text[], ?::bigint[]) AS m(key, csn, purse, amount)
     ON CONFLICT (key) DO NOTHING`,
    [postgresArrayLiteral(purchases.map((p) => p.key)), postgresArrayLiteral(purchases.map((p) => p.csn)), postgresArrayLiteral(purchases.map((p) => purseNameOf(p.purse))), postgresArrayLiteral(purchases.map((p) => p.amount))],
  );
  assertSettlement(rowCount === purchases.length, `each of the ${purchases.length} purchase movements of a chunk is recorded once (${rowCount} were new)`);
}

/**
 * Adds the chunk's purchases to the purses' spent totals, in one statement that first locks the
 * cards' purses in key order (so two chunks never deadlock; in the locked mode they are locked
 * already) and returns how many purses it left spending more than was loaded: the optimistic
 * decision checks with it that a concurrent chunk did not spend them first. It is the deciding
 * transaction's last statement, so chunks sharing cards wait on each other only for it and the
 * commit, a round trip each.
 */
export async function addSettledPurchases(trx: Knex.Transaction, purchases: readonly SettledPurchase[]): Promise<{ overspentPurses: number }> {
  if (purchases.length === 0) return { overspentPurses: 0 };
  const { rows } = await trx.raw<{ rows: { updated: string; overspent: string }[] }>(
    `WITH locked AS MATERIALIZED (
       SELECT csn FROM registry_card_purses WHERE csn = ANY(?::bpchar[]) ORDER BY csn, purse FOR UPDATE
     ), moved AS (
       UPDATE registry_card_purses p SET spent_minor = p.spent_minor + m.amount
         FROM unnest(?::bpchar[], ?::text[], ?::bigint[]) AS m(csn, purse, amount)
        -- Evaluated once, before the first row is updated: every purse is locked, in order, first.
        WHERE (SELECT count(*) FROM locked) >= 0 AND p.csn = m.csn AND p.purse = m.purse
       RETURNING p.spent_minor > p.loaded_minor AS overspent
     )
     SELECT count(*)::text AS updated, count(*) FILTER (WHERE overspent)::text AS overspent FROM moved`,
    [postgresArrayLiteral([...new Set(purchases.map((p) => p.csn))].sort()), postgresArrayLiteral(purchases.map((p) => p.csn)), postgresArrayLiteral(purchases.map((p) => purseNameOf(p.purse))), postgresArrayLiteral(purchases.map((p) => p.amount))],
  );
  assertSettlement(Number(rows[0].updated) === purchases.length, `each of the ${purchases.length} purses a chunk settled from is registered (${rows[0].updated} were)`);
  return { overspentPurses: Number(rows[0].overspent) };
}

export function floatAccountId(purse: SettlementPurse): string {
  return Registry.platformAccountId(purse === PURSE_ECASH ? 'float_ecash' : 'float_food');
}

export function bankAccountId(): string {
  return Registry.platformAccountId('bank');
}
