// The registry against a real PostgreSQL and the real ledger: enrolment, cards, merchants and
// deposits are idempotent, refuse what they cannot be, and keep the ledger balanced.
import { checkLedgerInvariants, type Ledger } from '../../ledger';
import type { TestDatabase } from '../../test-support/postgres';
import { migrateRegistry, RegistryError, type Registry, type RegistryErrorCode } from '../registry';
import { openRegistryWorld, type RegistryWorld } from './harness';

let world: RegistryWorld;
let db: TestDatabase;
let ledger: Ledger;
let registry: Registry;

beforeAll(async () => {
  world = await openRegistryWorld('wf_registry');
  ({ db, ledger, registry } = world);
});

afterAll(async () => {
  await world?.close();
});

async function refusal(p: Promise<unknown>): Promise<RegistryErrorCode> {
  const err = await p.then(
    () => new Error('expected a refusal'),
    (e: unknown) => e,
  );
  if (!(err instanceof RegistryError)) throw err;
  return err.code;
}

test('migrating twice and ensuring the platform accounts twice changes nothing', async () => {
  await migrateRegistry(db.db);
  await registry.ensurePlatformAccounts();
  const names = await db.db('registry_migrations').orderBy('id').pluck('name');
  // Each migration recorded once, in order: the second run applied nothing again.
  expect(names).toEqual(['0001_registry', '0002_registry_readers']);
});

test('enrolling a customer creates a cash and a food account that cannot be overdrawn', async () => {
  const customer = await registry.enrolCustomer({ id: 'C-1', name: 'Asha' });
  const accounts = await ledger.lookupAccounts([customer.cashAccountId, customer.foodAccountId]);
  expect(accounts.map((a) => a.code)).toEqual(['customer_cash', 'customer_food']);
  expect(accounts.every((a) => a.flags.debitsMustNotExceedCredits)).toBe(true);
});

test('enrolling the same customer again returns the same accounts', async () => {
  const first = await registry.enrolCustomer({ id: 'C-2', name: 'Ravi' });
  const again = await registry.enrolCustomer({ id: 'C-2', name: 'Ravi' });
  expect(again).toEqual(first);
});

test('enrolling an existing customer id under another name is refused', async () => {
  await registry.enrolCustomer({ id: 'C-3', name: 'Meena' });
  expect(await refusal(registry.enrolCustomer({ id: 'C-3', name: 'Someone else' }))).toBe('customer_exists_differently');
});

test.each([[''], ['has space'], ['-leading-dash'], ['x'.repeat(65)]])('a customer id like %j is refused', async (id) => {
  expect(await refusal(registry.enrolCustomer({ id, name: 'N' }))).toBe('id_invalid');
});

test('a card issued to a customer is active with empty shadow purses', async () => {
  await registry.enrolCustomer({ id: 'C-4', name: 'Kiran' });
  const card = await registry.issueCard({ csn: '6071 0000 0000 0018', customerId: 'C-4' });
  expect(card).toMatchObject({ csn: '6071000000000018', customerId: 'C-4', status: 'active' });
  expect(card.purses.ecash).toEqual({ loadedMinor: 0n, spentMinor: 0n, shadowMinor: 0n, overspent: false });
});

test('a card already issued to one customer cannot be issued to another', async () => {
  await registry.enrolCustomer({ id: 'C-5', name: 'Lata' });
  await registry.issueCard({ csn: '6071000000000026', customerId: 'C-4' });
  expect(await refusal(registry.issueCard({ csn: '6071000000000026', customerId: 'C-5' }))).toBe('card_owned_by_another_customer');
});

test('issuing a card to an unknown customer is refused', async () => {
  expect(await refusal(registry.issueCard({ csn: '6071000000000034', customerId: 'nobody' }))).toBe('customer_unknown');
});

test('a card number that is not 16 digits is refused', async () => {
  expect(await refusal(registry.issueCard({ csn: '6071-0000', customerId: 'C-4' }))).toBe('id_invalid');
});

test('blocking a card records why, and unblocking makes it active again', async () => {
  await registry.issueCard({ csn: '6071000000000042', customerId: 'C-4' });
  expect(await registry.blockCard('6071000000000042', 'lost')).toMatchObject({ status: 'blocked', blockedReason: 'lost' });
  expect(await registry.unblockCard('6071000000000042')).toMatchObject({ status: 'active', blockedReason: null });
});

test('blocking an unknown card is refused', async () => {
  expect(await refusal(registry.blockCard('6071000000000059', 'lost'))).toBe('card_unknown');
});

test('a deposit credits the virtual account once, however often it is repeated', async () => {
  const customer = await registry.enrolCustomer({ id: 'C-6', name: 'Dev' });
  await registry.deposit({ depositId: 'BANK-REF-1', customerId: 'C-6', amount: '250.00' });
  await registry.deposit({ depositId: 'BANK-REF-1', customerId: 'C-6', amount: '250.00' });
  const [cash] = await ledger.lookupAccounts([customer.cashAccountId]);
  expect(cash.creditsPosted).toBe(25000n);
});

test('the same deposit id with another amount is refused', async () => {
  await registry.deposit({ depositId: 'BANK-REF-2', customerId: 'C-6', amount: '10.00' });
  expect(await refusal(registry.deposit({ depositId: 'BANK-REF-2', customerId: 'C-6', amount: '11.00' }))).toBe('deposit_exists_differently');
});

test.each([['0'], ['-5'], ['1.005'], ['1e3'], ['abc'], [' 5']])('a deposit of %j is refused', async (amount) => {
  expect(await refusal(registry.deposit({ depositId: `BAD-${amount}`, customerId: 'C-6', amount }))).toBe('amount_invalid');
});

test('a food voucher credits the food account from the programme', async () => {
  const customer = await registry.customer('C-6');
  await registry.issueFoodVoucher({ voucherId: 'FV-1', customerId: 'C-6', amount: '75.50' });
  const [food] = await ledger.lookupAccounts([customer.foodAccountId]);
  expect(food.creditsPosted).toBe(7550n);
});

test('a merchant is enrolled with its payable account, SAMs and Transfer cards', async () => {
  await registry.enrolMerchant({ id: 'M-1', name: 'Corner Shop', foodEligible: true });
  await registry.addSam({ samId: '53414d0000000001', merchantId: 'M-1' });
  const merchant = await registry.addTransferCard({ transferCardId: '5452414E53000001', merchantId: 'M-1' });
  expect(merchant).toMatchObject({ id: 'M-1', foodEligible: true, samIds: ['53414D0000000001'], transferCardIds: ['5452414E53000001'] });
  expect(await registry.merchantOfSam('53414D0000000001')).toBe('M-1');
  const [payable] = await ledger.lookupAccounts([merchant.payableAccountId]);
  expect(payable.code).toBe('merchant_payable');
});

test("a SAM of one merchant cannot be registered to another", async () => {
  await registry.enrolMerchant({ id: 'M-2', name: 'Pharmacy', foodEligible: false });
  expect(await refusal(registry.addSam({ samId: '53414D0000000001', merchantId: 'M-2' }))).toBe('device_owned_by_another_merchant');
});

test('re-enrolling a merchant with another food eligibility is refused', async () => {
  expect(await refusal(registry.enrolMerchant({ id: 'M-2', name: 'Pharmacy', foodEligible: true }))).toBe('merchant_exists_differently');
});

test('a purse movement counts once per key and a card that spends more than it got is flagged', async () => {
  await registry.issueCard({ csn: '6071000000000067', customerId: 'C-4' });
  expect(await registry.recordPurseMovement({ key: 'load-1', csn: '6071000000000067', purse: 'ecash', kind: 'load', amountMinor: 1000n })).toBe(true);
  expect(await registry.recordPurseMovement({ key: 'load-1', csn: '6071000000000067', purse: 'ecash', kind: 'load', amountMinor: 1000n })).toBe(false);
  await registry.recordPurseMovement({ key: 'buy-1', csn: '6071000000000067', purse: 'ecash', kind: 'purchase', amountMinor: 1500n });
  const card = await registry.card('6071000000000067');
  expect(card.purses.ecash).toEqual({ loadedMinor: 1000n, spentMinor: 1500n, shadowMinor: -500n, overspent: true });
  expect(await registry.overspentCards()).toEqual([{ csn: '6071000000000067', purse: 'ecash', loadedMinor: 1000n, spentMinor: 1500n }]);
});

test('after all of it the ledger invariants hold', async () => {
  expect(await checkLedgerInvariants(db.db)).toEqual([]);
});
