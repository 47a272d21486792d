/**
 * Every result code of createTransfers, each produced by the smallest request that earns it,
 * against the real PostgreSQL.
 */
import knexFactory from 'knex';
import { CREATE_TRANSFER_RESULTS, createLedger, LedgerError, MAX_AMOUNT, type CreateTransferResult, type TransferInput } from '../index';
import { EUR_FOOD, newId, openLedgerFixture, type LedgerFixture } from './fixture';

let f: LedgerFixture;
const covered = new Set<CreateTransferResult>();

beforeAll(async () => {
  f = await openLedgerFixture('results');
});
afterAll(async () => {
  await f.expectConsistent();
  await f.close();
});

async function results(...events: TransferInput[]): Promise<CreateTransferResult[]> {
  const out = await f.ledger.createTransfers(events);
  for (const r of out) covered.add(r.result);
  return out.map((r) => r.result);
}
const one = async (event: TransferInput): Promise<CreateTransferResult> => (await results(event))[0];

async function pair(): Promise<{ debit: string; credit: string }> {
  const { account } = await f.funded(10_000n);
  return { debit: account, credit: await f.account('float_ecash') };
}

describe('single-phase transfers', () => {
  test('ok moves the amount from debits_posted to credits_posted', async () => {
    const { debit, credit } = await pair();
    expect(await one({ id: newId(), debitAccountId: debit, creditAccountId: credit, amount: 2_500n, code: 7 })).toBe('ok');
    const [d, c] = await f.ledger.lookupAccounts([debit, credit]);
    expect([d.debitsPosted, c.creditsPosted]).toEqual([2_500n, 2_500n]);
  });

  test('an identical resubmission answers exists and applies nothing', async () => {
    const { debit, credit } = await pair();
    const t = { id: newId(), debitAccountId: debit, creditAccountId: credit, amount: 100n, code: 7 };
    expect(await one(t)).toBe('ok');
    expect(await one(t)).toBe('exists');
    expect((await f.ledger.lookupAccounts([debit]))[0].debitsPosted).toBe(100n);
  });

  test.each([
    ['exists_with_different_flags', { flags: { pending: true } }],
    ['exists_with_different_pending_id', { pendingId: '11111111-1111-4111-8111-111111111111' }],
    ['exists_with_different_timeout', { timeout: 5 }],
    ['exists_with_different_amount', { amount: 101n }],
    ['exists_with_different_user_data', { userData: 'other' }],
    ['exists_with_different_ledger', { ledger: EUR_FOOD }],
    ['exists_with_different_code', { code: 8 }],
  ] as const)('a resubmission with another field answers %s', async (expected, change) => {
    const { debit, credit } = await pair();
    const t: TransferInput = { id: newId(), debitAccountId: debit, creditAccountId: credit, amount: 100n, code: 7, userData: 'req-1' };
    expect(await one(t)).toBe('ok');
    expect(await one({ ...t, ...change })).toBe(expected);
  });

  test('a resubmission with other accounts answers exists_with_different_debit_account_id / credit_account_id', async () => {
    const { debit, credit } = await pair();
    const other = await f.account('float_ecash');
    const t = { id: newId(), debitAccountId: debit, creditAccountId: credit, amount: 100n, code: 7 };
    expect(await one(t)).toBe('ok');
    expect(await one({ ...t, debitAccountId: other })).toBe('exists_with_different_debit_account_id');
    expect(await one({ ...t, creditAccountId: other })).toBe('exists_with_different_credit_account_id');
  });

  test('a state-dependent failure is sticky: the same id answers id_already_failed even once it could succeed', async () => {
    const { debit, credit } = await pair();
    const t = { id: newId(), debitAccountId: debit, creditAccountId: credit, amount: 20_000n, code: 7 };
    expect(await one(t)).toBe('exceeds_credits');
    expect(await one({ id: newId(), debitAccountId: (await f.account('bank')), creditAccountId: debit, amount: 50_000n, code: 1 })).toBe('ok');
    expect(await one(t)).toBe('id_already_failed');
  });

  test('a failure that does not depend on state is not remembered: fixing the request succeeds with the same id', async () => {
    const { debit, credit } = await pair();
    const id = newId();
    expect(await one({ id, debitAccountId: debit, creditAccountId: credit, amount: 0n, code: 7 })).toBe('amount_must_not_be_zero');
    expect(await one({ id, debitAccountId: debit, creditAccountId: credit, amount: 1n, code: 7 })).toBe('ok');
  });

  test('exceeds_credits when a debits_must_not_exceed_credits account would go below zero', async () => {
    const { debit, credit } = await pair();
    expect(await one({ id: newId(), debitAccountId: debit, creditAccountId: credit, amount: 10_001n, code: 7 })).toBe('exceeds_credits');
    expect(await one({ id: newId(), debitAccountId: debit, creditAccountId: credit, amount: 10_000n, code: 7 })).toBe('ok');
  });

  test('exceeds_debits when a credits_must_not_exceed_debits account would be credited past its debits', async () => {
    const capped = await f.account('bank', { creditsMustNotExceedDebits: true });
    const source = await f.account('programme');
    expect(await one({ id: newId(), debitAccountId: source, creditAccountId: capped, amount: 1n, code: 7 })).toBe('exceeds_debits');
  });

  test.each([
    ['id_must_be_uuid', { id: 'not-a-uuid' }],
    ['id_must_be_uuid', { id: '00000000-0000-0000-0000-000000000000' }],
    ['id_must_be_uuid', { id: 'A1B2C3D4-0000-4000-8000-000000000000' }],
    ['debit_account_id_must_be_uuid', { debitAccountId: undefined }],
    ['credit_account_id_must_be_uuid', { creditAccountId: 'x' }],
    ['amount_must_not_be_zero', { amount: 0n }],
    ['amount_must_not_be_zero', { amount: undefined }],
    ['amount_must_not_be_negative', { amount: -1n }],
    ['amount_must_not_exceed_maximum', { amount: MAX_AMOUNT + 1n }],
    ['code_must_not_be_zero', { code: 0 }],
    ['code_must_not_be_zero', { code: 70_000 }],
    ['code_must_not_be_zero', { code: undefined }],
    ['pending_id_must_be_zero', { pendingId: '11111111-1111-4111-8111-111111111111' }],
    ['timeout_reserved_for_pending_transfer', { timeout: 10 }],
    ['closing_transfer_must_be_pending', { flags: { closingDebit: true } }],
    ['flags_are_mutually_exclusive', { flags: { pending: true, voidPendingTransfer: true } }],
    ['flags_are_mutually_exclusive', { flags: { postPendingTransfer: true, balancingDebit: true } }],
    ['user_data_too_long', { userData: 'x'.repeat(129) }],
    ['timeout_must_be_valid', { flags: { pending: true }, timeout: 1.5 }],
    ['ledger_must_be_valid', { ledger: -1 }],
  ] as const)('refuses a malformed event with %s (%j)', async (expected, change) => {
    const { debit, credit } = await pair();
    expect(await one({ id: newId(), debitAccountId: debit, creditAccountId: credit, amount: 100n, code: 7, ...change } as TransferInput)).toBe(expected);
  });

  test('accounts_must_be_different when debit and credit are the same account', async () => {
    const { debit } = await pair();
    expect(await one({ id: newId(), debitAccountId: debit, creditAccountId: debit, amount: 1n, code: 7 })).toBe('accounts_must_be_different');
  });

  test('debit_account_not_found and credit_account_not_found name the missing side', async () => {
    const { debit, credit } = await pair();
    expect(await one({ id: newId(), debitAccountId: newId(), creditAccountId: credit, amount: 1n, code: 7 })).toBe('debit_account_not_found');
    expect(await one({ id: newId(), debitAccountId: debit, creditAccountId: newId(), amount: 1n, code: 7 })).toBe('credit_account_not_found');
  });

  test('accounts_must_have_the_same_ledger: cash cannot move into a food-voucher account', async () => {
    const { debit } = await pair();
    const food = await f.account('customer_food', {}, EUR_FOOD);
    expect(await one({ id: newId(), debitAccountId: debit, creditAccountId: food, amount: 1n, code: 7 })).toBe('accounts_must_have_the_same_ledger');
  });

  test('transfer_must_have_the_same_ledger_as_accounts when the stated ledger is not the accounts\'', async () => {
    const { debit, credit } = await pair();
    expect(await one({ id: newId(), debitAccountId: debit, creditAccountId: credit, amount: 1n, code: 7, ledger: EUR_FOOD })).toBe('transfer_must_have_the_same_ledger_as_accounts');
  });

  test('overflows_credits_posted when a counter would pass 2^63-1', async () => {
    const source = await f.account('bank');
    const sink = await f.account('float_ecash');
    expect(await one({ id: newId(), debitAccountId: source, creditAccountId: sink, amount: MAX_AMOUNT, code: 7 })).toBe('ok');
    const other = await f.account('bank');
    expect(await one({ id: newId(), debitAccountId: other, creditAccountId: sink, amount: 1n, code: 7 })).toBe('overflows_credits_posted');
    expect(await one({ id: newId(), debitAccountId: source, creditAccountId: await f.account('float_ecash'), amount: 1n, code: 7 })).toBe('overflows_debits_posted');
  });

  test('overflows_debits_pending, overflows_credits_pending, overflows_debits and overflows_credits guard reservations', async () => {
    const source = await f.account('bank');
    const sink = await f.account('float_ecash');
    const pending = { flags: { pending: true }, code: 7 };
    expect(await one({ id: newId(), debitAccountId: source, creditAccountId: sink, amount: MAX_AMOUNT, ...pending })).toBe('ok');
    expect(await one({ id: newId(), debitAccountId: source, creditAccountId: await f.account('float_ecash'), amount: 1n, ...pending })).toBe('overflows_debits_pending');
    expect(await one({ id: newId(), debitAccountId: await f.account('bank'), creditAccountId: sink, amount: 1n, ...pending })).toBe('overflows_credits_pending');
    expect(await one({ id: newId(), debitAccountId: source, creditAccountId: await f.account('float_ecash'), amount: 1n, code: 7 })).toBe('overflows_debits');
    expect(await one({ id: newId(), debitAccountId: await f.account('bank'), creditAccountId: sink, amount: 1n, code: 7 })).toBe('overflows_credits');
  });
});

describe('how a request reaches PostgreSQL', () => {
  test('user data with quotes, backslashes and SQL in it is stored verbatim', async () => {
    const { debit, credit } = await pair();
    const userData = `O'Brien \\ "x"; DROP TABLE ledger_transfers; -- $1 \u00e9`;
    const id = newId();
    expect(await one({ id, debitAccountId: debit, creditAccountId: credit, amount: 1n, code: 7, userData })).toBe('ok');
    expect((await f.ledger.lookupTransfers([id]))[0].userData).toBe(userData);
    expect(await one({ id, debitAccountId: debit, creditAccountId: credit, amount: 1n, code: 7, userData })).toBe('exists');
  });

  test('the generic plans a folded transaction forces end with it: the pooled connection keeps its settings', async () => {
    const single = knexFactory({ client: 'pg', connection: f.database.url, pool: { min: 1, max: 1 } });
    try {
      const ledger = createLedger(single, { batching: false });
      const { debit, credit } = await pair();
      expect((await ledger.createTransfers([{ id: newId(), debitAccountId: debit, creditAccountId: credit, amount: 1n, code: 7 }]))[0].result).toBe('ok');
      const shown = await single.raw<{ rows: { plan_cache_mode: string }[] }>('SHOW plan_cache_mode');
      expect(shown.rows[0].plan_cache_mode).toBe('auto');
      await ledger.close();
    } finally {
      await single.destroy();
    }
  });

  test('a request too big to fold into one statement (prepared statements) gives the same results', async () => {
    const { debit, credit } = await pair();
    const events: TransferInput[] = Array.from({ length: 150 }, (_, i) => ({ id: newId(), debitAccountId: debit, creditAccountId: credit, amount: 100n, code: 7, userData: i % 2 ? `it's ${i}` : null }));
    const out = await results(...events);
    expect(out.filter((r) => r === 'ok')).toHaveLength(100);
    expect(out.slice(100).every((r) => r === 'exceeds_credits')).toBe(true);
    expect((await results(...events)).slice(0, 100).every((r) => r === 'exists')).toBe(true);
  });
});

describe('errors of the caller are thrown, typed, before anything is sent', () => {
  test.each([
    ['input_malformed', [{ id: newId(), amount: 5 }]],
    ['input_malformed', [{ id: newId(), amount: 5n, flags: { pendng: true } }]],
    ['input_malformed', [{ id: newId(), amount: 5n, code: '7' }]],
    ['input_malformed', [null]],
    ['input_malformed', [{ id: newId(), amount: 5n, userData: 'a\u0000b' }]],
    ['batch_empty', []],
    ['batch_too_large', Array.from({ length: 8190 }, () => ({ id: newId() }))],
  ])('%s', async (code, events) => {
    const error = await f.ledger.createTransfers(events as unknown as TransferInput[]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as LedgerError).code).toBe(code);
  });
});

// Two-phase, linked, closing and import codes are proven in their own files; this list keeps the
// documentation and the tests honest about which codes this file covers.
test('this file covers the codes it claims', () => {
  const twoPhaseAndChains = Object.keys(CREATE_TRANSFER_RESULTS).filter((c) => c.startsWith('pending_') || c.startsWith('linked_') || c.includes('closed') || c === 'exceeds_pending_transfer_amount' || c.startsWith('imported_') || c === 'timestamp_must_be_zero');
  const expected = Object.keys(CREATE_TRANSFER_RESULTS).filter((c) => !twoPhaseAndChains.includes(c));
  expect(expected.filter((c) => !covered.has(c as CreateTransferResult))).toEqual([]);
});
