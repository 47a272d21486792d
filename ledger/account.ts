import type { AccountFlags } from './flags';

/** Account codes of design.md. Workflows pick accounts by these names. */
export const ACCOUNT_CODES = ['customer_cash', 'customer_food', 'float_ecash', 'float_food', 'merchant_payable', 'bank', 'programme'] as const;
export type AccountCode = (typeof ACCOUNT_CODES)[number];

export function isAccountCode(value: unknown): value is AccountCode {
  return typeof value === 'string' && (ACCOUNT_CODES as readonly string[]).includes(value);
}

/**
 * Which side a balance normally grows on. Money the platform owes (customer money, e-cash on
 * cards, merchants' dues) grows by credits; money it holds or is owed by funders (the bank, a
 * voucher programme) grows by debits. Balances are reported as positive on the normal side.
 */
export type NormalSide = 'debit' | 'credit';
export const ACCOUNT_NORMAL_SIDE: Readonly<Record<AccountCode, NormalSide>> = {
  customer_cash: 'credit',
  customer_food: 'credit',
  float_ecash: 'credit',
  float_food: 'credit',
  merchant_payable: 'credit',
  bank: 'debit',
  programme: 'debit',
};

/** A ledger partitions accounts by currency (and purpose): transfers never cross ledgers. */
export interface LedgerDefinition {
  /** Positive integer chosen by the operator, like TigerBeetle's `ledger`. */
  readonly id: number;
  /** ISO 4217 code or similar, e.g. "EUR". */
  readonly currency: string;
  /** Decimal places of the minor unit (2 for EUR). */
  readonly exponent: number;
  /** Unique human name, e.g. "eur-cash", "eur-food". */
  readonly name: string;
}

export interface AccountInput {
  /** Client-chosen UUID; resubmitting it is idempotent. */
  readonly id: string;
  readonly ledger: number;
  readonly code: AccountCode;
  /** Who the account belongs to (customer, merchant, programme id), or null for platform accounts. */
  readonly ownerRef?: string | null;
  readonly flags?: AccountFlags;
  readonly metadata?: Record<string, unknown> | null;
  /**
   * Only with `flags.imported`: when the account was really opened (in the past, after the last
   * imported event). Without the flag the ledger stamps it and this must be left out.
   */
  readonly timestamp?: Date;
}

export interface Account {
  readonly id: string;
  readonly ledger: number;
  readonly code: AccountCode;
  readonly ownerRef: string | null;
  readonly flags: Readonly<Record<keyof AccountFlags, boolean>>;
  readonly debitsPending: bigint;
  readonly debitsPosted: bigint;
  readonly creditsPending: bigint;
  readonly creditsPosted: bigint;
  readonly metadata: Record<string, unknown> | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}
