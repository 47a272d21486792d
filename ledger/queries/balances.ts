/**
 * Balances as readers want them. The four counters are the truth; posted, pending and available
 * are derived on the account's normal side (see ACCOUNT_NORMAL_SIDE).
 */
import type { Knex } from 'knex';
import { ACCOUNT_NORMAL_SIDE, type Account, type NormalSide } from '../account';
import { toAccount, type AccountRecord } from '../account-store';
import { LedgerError } from '../errors';
import { isLedgerId } from '../identifiers';

export interface Counters {
  readonly debitsPending: bigint;
  readonly debitsPosted: bigint;
  readonly creditsPending: bigint;
  readonly creditsPosted: bigint;
}

export interface Balance {
  readonly accountId: string;
  readonly side: NormalSide;
  /** Posted balance on the normal side. */
  readonly posted: bigint;
  /** Net reservations: incoming pending minus outgoing pending, on the normal side. */
  readonly pending: bigint;
  /** What can be spent now: posted minus outgoing reservations (incoming ones do not count yet). */
  readonly available: bigint;
  readonly counters: Counters;
}

export function balanceOf(accountId: string, side: NormalSide, c: Counters): Balance {
  const credit = side === 'credit';
  const posted = credit ? c.creditsPosted - c.debitsPosted : c.debitsPosted - c.creditsPosted;
  const pending = credit ? c.creditsPending - c.debitsPending : c.debitsPending - c.creditsPending;
  const outgoing = credit ? c.debitsPending : c.creditsPending;
  return { accountId, side, posted, pending, available: posted - outgoing, counters: c };
}

export function accountBalance(account: Account): Balance {
  return balanceOf(account.id, ACCOUNT_NORMAL_SIDE[account.code], account);
}

async function loadAccount(knex: Knex, accountId: string): Promise<Account> {
  if (!isLedgerId(accountId)) throw new LedgerError('input_malformed', `account id ${JSON.stringify(accountId)} is not a lower-case UUID.`);
  const row = await knex<AccountRecord>('ledger_accounts').where({ id: accountId }).first();
  if (!row) throw new LedgerError('account_not_found', `no account ${accountId}; check the id or create the account first.`);
  return toAccount(row);
}

/** Current posted, pending and available balance of one account. */
export async function getAccountBalance(knex: Knex, accountId: string): Promise<Balance> {
  return accountBalance(await loadAccount(knex, accountId));
}

/**
 * The balance right after the last event at or before `at`, for accounts created with the
 * `history` flag (zero before the first event).
 */
export async function getAccountBalanceAt(knex: Knex, accountId: string, at: Date): Promise<Balance> {
  const account = await loadAccount(knex, accountId);
  if (!account.flags.history) {
    throw new LedgerError('history_not_enabled', `account ${accountId} was created without the history flag, so past balances are not kept; create accounts that need them with flags.history.`);
  }
  const row = await knex('ledger_account_history')
    .where({ account_id: accountId })
    .andWhere('timestamp', '<=', at)
    .orderBy('seq', 'desc')
    .first<{ debits_pending: string; debits_posted: string; credits_pending: string; credits_posted: string } | undefined>();
  const c: Counters = row
    ? { debitsPending: BigInt(row.debits_pending), debitsPosted: BigInt(row.debits_posted), creditsPending: BigInt(row.credits_pending), creditsPosted: BigInt(row.credits_posted) }
    : { debitsPending: 0n, debitsPosted: 0n, creditsPending: 0n, creditsPosted: 0n };
  return balanceOf(accountId, ACCOUNT_NORMAL_SIDE[account.code], c);
}
