/** Ledgers and accounts: idempotent creation with TigerBeetle's result codes. */
import { LedgerError, type AccountInput, type CreateAccountResult } from '../index';
import { EUR, EUR_FOOD, newId, openLedgerFixture, type LedgerFixture } from './fixture';

let f: LedgerFixture;
beforeAll(async () => {
  f = await openLedgerFixture('accounts');
});
afterAll(async () => {
  await f.close();
});

const results = async (...inputs: AccountInput[]): Promise<CreateAccountResult[]> => (await f.ledger.createAccounts(inputs)).map((r) => r.result);
const customer = (change: Partial<AccountInput> = {}): AccountInput => ({ id: newId(), ledger: EUR, code: 'customer_cash', ownerRef: 'cust-1', metadata: { tier: 'gold', limits: [1, 2] }, ...change });

test('an account is created with zero counters and can be looked up', async () => {
  const input = customer({ flags: { debitsMustNotExceedCredits: true, history: true } });
  expect(await results(input)).toEqual(['ok']);
  const [a] = await f.ledger.lookupAccounts([input.id]);
  expect(a).toMatchObject({ id: input.id, ledger: EUR, code: 'customer_cash', ownerRef: 'cust-1', metadata: { tier: 'gold', limits: [1, 2] }, debitsPending: 0n, debitsPosted: 0n, creditsPending: 0n, creditsPosted: 0n });
  expect(a.flags).toMatchObject({ debitsMustNotExceedCredits: true, history: true, closed: false });
});

test('an identical resubmission answers exists, whatever the key order of its metadata', async () => {
  const input = customer();
  expect(await results(input)).toEqual(['ok']);
  expect(await results({ ...input, metadata: { limits: [1, 2], tier: 'gold' } })).toEqual(['exists']);
});

test.each([
  ['exists_with_different_flags', { flags: { history: true } }],
  ['exists_with_different_ledger', { ledger: EUR_FOOD }],
  ['exists_with_different_code', { code: 'customer_food' }],
  ['exists_with_different_owner_ref', { ownerRef: 'cust-2' }],
  ['exists_with_different_metadata', { metadata: { tier: 'silver' } }],
] as const)('a resubmission with another field answers %s', async (expected, change) => {
  const input = customer();
  expect(await results(input)).toEqual(['ok']);
  expect(await results({ ...input, ...change } as AccountInput)).toEqual([expected]);
});

test.each([
  ['id_must_be_uuid', { id: 'nope' }],
  ['flags_are_mutually_exclusive', { flags: { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: true } }],
  ['code_must_be_known', { code: 'savings' }],
  ['owner_ref_too_long', { ownerRef: 'x'.repeat(129) }],
  ['metadata_must_be_object', { metadata: [1, 2] }],
  ['ledger_not_found', { ledger: 99 }],
] as const)('refuses a malformed account with %s', async (expected, change) => {
  expect(await results(customer(change as Partial<AccountInput>))).toEqual([expected]);
});

test('the same id twice in one request: the second answers exists', async () => {
  const input = customer();
  expect(await results(input, input)).toEqual(['ok', 'exists']);
});

test('linked accounts are created all or nothing', async () => {
  const good = customer({ flags: { linked: true } });
  const bad = customer({ ledger: 99 });
  expect(await results(good, bad)).toEqual(['linked_event_failed', 'ledger_not_found']);
  expect(await f.ledger.lookupAccounts([good.id])).toEqual([]);
  expect(await results(customer({ flags: { linked: true } }))).toEqual(['linked_event_chain_open']);
});

test('lookupAccounts returns the existing accounts in the order asked and skips unknown ids', async () => {
  const a = customer();
  const b = customer();
  await f.ledger.createAccounts([a, b]);
  expect((await f.ledger.lookupAccounts([b.id, newId(), 'junk', a.id])).map((x) => x.id)).toEqual([b.id, a.id]);
});

test("accountsOfOwner returns one owner's accounts, oldest first, and no one else's", async () => {
  const owner = `cust-${newId()}`;
  const cash = customer({ ownerRef: owner });
  const food = customer({ ownerRef: owner, ledger: EUR_FOOD, code: 'customer_food' });
  await f.ledger.createAccounts([cash, customer({ ownerRef: `${owner}-other` })]);
  await f.ledger.createAccounts([food]);
  expect((await f.ledger.accountsOfOwner(owner)).map((a) => a.id)).toEqual([cash.id, food.id]);
  expect(await f.ledger.accountsOfOwner(`nobody-${newId()}`)).toEqual([]);
});

test('accountsOfOwner refuses an empty or over-long owner_ref with input_malformed', async () => {
  for (const bad of ['', 'x'.repeat(129)]) {
    const error = await f.ledger.accountsOfOwner(bad).catch((err: unknown) => err);
    expect((error as LedgerError).code).toBe('input_malformed');
  }
});

test('defineLedgers is idempotent and refuses to change a ledger', async () => {
  await f.ledger.defineLedgers([{ id: EUR, currency: 'EUR', exponent: 2, name: 'eur-cash' }]);
  const error = await f.ledger.defineLedgers([{ id: EUR, currency: 'EUR', exponent: 3, name: 'eur-cash' }]).catch((err: unknown) => err);
  expect((error as LedgerError).code).toBe('ledger_definition_conflict');
  expect((await f.ledger.listLedgers()).map((l) => l.id)).toEqual([EUR, EUR_FOOD]);
});

test('defineLedgers refuses malformed definitions', async () => {
  for (const bad of [
    { id: 0, currency: 'EUR', exponent: 2, name: 'zero' },
    { id: 7, currency: 'eur', exponent: 2, name: 'lower' },
    { id: 8, currency: 'EUR', exponent: 19, name: 'too-fine' },
  ]) {
    const error = await f.ledger.defineLedgers([bad]).catch((err: unknown) => err);
    expect((error as LedgerError).code).toBe('input_malformed');
  }
});

test('createAccounts refuses unknown flags and empty requests with typed errors', async () => {
  const unknown = await f.ledger.createAccounts([{ ...customer(), flags: { histroy: true } as never }]).catch((err: unknown) => err);
  expect((unknown as LedgerError).code).toBe('input_malformed');
  const empty = await f.ledger.createAccounts([]).catch((err: unknown) => err);
  expect((empty as LedgerError).code).toBe('batch_empty');
});
