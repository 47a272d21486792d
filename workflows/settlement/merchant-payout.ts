/**
 * Paying a merchant what settlement credited: merchant_payable → bank, single phase (the money
 * leaves the platform by bank transfer; there is nothing to reserve first). One payout per
 * reference: the transfer id is named by merchant and reference, so repeating a payout (a retried
 * activity, an operator running the command twice) pays once.
 */
import type { Knex } from 'knex';
import { accountBalance, isTransferApplied, MAX_AMOUNT, type Ledger } from '../../ledger';
import { nameBasedId, TRANSFER_CODE } from '../registry';
import { bankAccountId, settlingMerchant } from './registry-facts';
import { SettlementError } from './settlement-error';

export interface PayoutRequest {
  readonly merchantId: string;
  /** The bank transfer's reference: 1-100 characters, one payout per reference and merchant. */
  readonly reference: string;
  /** Minor units; absent pays out everything available. */
  readonly amountMinor?: bigint;
}

export type PayoutOutcome = 'paid' | 'already_paid' | 'nothing_to_pay';

export interface Payout {
  readonly merchantId: string;
  readonly reference: string;
  readonly transferId: string;
  readonly outcome: PayoutOutcome;
  /** Minor units moved to the bank (by this call or by the first call with this reference). */
  readonly amountMinor: bigint;
}

export function payoutTransferId(merchantId: string, reference: string): string {
  return nameBasedId(`payout/${merchantId}/${reference}`);
}

export async function payOutMerchant(deps: { db: Knex; ledger: Ledger }, request: PayoutRequest): Promise<Payout> {
  const reference = typeof request.reference === 'string' ? request.reference.trim() : '';
  if (reference.length === 0 || reference.length > 100) {
    throw new SettlementError('invalid_argument', 'A payout needs a reference of 1-100 characters (the bank transfer reference); reuse it to repeat a payout safely.');
  }
  if (request.amountMinor !== undefined && (typeof request.amountMinor !== 'bigint' || request.amountMinor <= 0n)) {
    throw new SettlementError('invalid_argument', 'A payout amount is a positive number of minor units; leave it out to pay everything available.');
  }
  const merchant = await settlingMerchant(deps.db, request.merchantId);
  if (!merchant) throw new SettlementError('merchant_unknown', `Merchant ${request.merchantId} is not enrolled; check the id (purseflow merchants list).`);
  const transferId = payoutTransferId(merchant.id, reference);
  const base = { merchantId: merchant.id, reference, transferId };

  const [done] = await deps.ledger.lookupTransfers([transferId]);
  if (done) return { ...base, outcome: 'already_paid', amountMinor: done.amount };

  const [payable] = await deps.ledger.lookupAccounts([merchant.payableAccountId]);
  if (!payable) throw new SettlementError('payout_refused', `The ledger has no payable account for merchant ${merchant.id}; re-enrol the merchant (idempotent), then retry.`);
  const available = accountBalance(payable).available;
  // Checked before sending: a refused transfer id stays failed in the ledger, and the reference with it.
  if (available <= 0n) return { ...base, outcome: 'nothing_to_pay', amountMinor: 0n };
  if (request.amountMinor !== undefined && request.amountMinor > available) {
    throw new SettlementError('payout_refused', `Merchant ${merchant.id} has ${available} minor units available, less than the ${request.amountMinor} asked; pay out at most the available amount.`);
  }

  const [outcome] = await deps.ledger.createTransfers([
    {
      id: transferId,
      debitAccountId: merchant.payableAccountId,
      creditAccountId: bankAccountId(),
      // Without an amount, a balancing debit moves exactly what is available at that instant.
      amount: request.amountMinor ?? MAX_AMOUNT,
      flags: request.amountMinor === undefined ? { balancingDebit: true } : {},
      code: TRANSFER_CODE.merchantPayout,
      userData: `payout/${reference}`.slice(0, 128),
    },
  ]);
  if (!isTransferApplied(outcome.result)) {
    throw new SettlementError('payout_refused', `The ledger refused the payout of merchant ${merchant.id} (${outcome.result}); check its balance and pay out with a new reference.`);
  }
  return { ...base, outcome: outcome.result === 'ok' ? 'paid' : 'already_paid', amountMinor: outcome.amount ?? request.amountMinor ?? 0n };
}
