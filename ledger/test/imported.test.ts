/**
 * Imported events (TigerBeetle's `imported` flag): accounts and transfers from another ledger,
 * loaded with their original timestamps, in time order, against the real PostgreSQL. The import
 * clock is one per database, so every test draws its timestamps from one rising clock.
 */
import { CREATE_ACCOUNT_RESULTS, CREATE_TRANSFER_RESULTS, getAccountBalanceAt, type AccountInput, type CreateAccountResult, type CreateTransferResult, type TransferInput } from '../index';
import { newId, openLedgerFixture, type LedgerFixture } from './fixture';

let f: LedgerFixture;
const coveredTransfers = new Set<CreateTransferResult>();
const coveredAccounts = new Set<CreateAccountResult>();

beforeAll(async () => {
  f = await openLedgerFixture('imported');
});
afterAll(async () => {
  await f.expectConsistent();
  await f.close();
});

/** One second after the previous call, starting thirty days ago: always in the past, always later. */
let clock = Date.now() - 30 * 24 * 3600 * 1000;
const next = (): Date => new Date((clock += 1000));

async function transfers(...events: TransferInput[]): Promise<CreateTransferResult[]> {
  const out = await f.ledger.createTransfers(events);
  for (const r of out) coveredTransfers.add(r.result);
  return out.map((r) => r.result);
}

async function accounts(...inputs: AccountInput[]): Promise<CreateAccountResult[]> {
  const out = await f.ledger.createAccounts(inputs);
  for (const r of out) coveredAccounts.add(r.result);
  return out.map((r) => r.result);
}

const importedAccount = (flags: AccountInput['flags'] = {}): AccountInput => ({ id: newId(), ledger: 1, code: 'customer_cash', flags: { ...flags, imported: true }, timestamp: next() });

/** Two accounts opened in the past: a bank and a customer with history. */
async function openedInThePast(): Promise<{ bank: string; customer: string }> {
  const bank: AccountInput = { ...importedAccount(), code: 'bank' };
  const customer = importedAccount({ history: true });
  expect(await accounts(bank, customer)).toEqual(['ok', 'ok']);
  return { bank: bank.id, customer: customer.id };
}

describe('an imported history', () => {
  test('keeps the accounts\' opening times and each transfer\'s own timestamp', async () => {
    const openedAt = clock + 2000; // the bank opens first, then the customer
    const { bank, customer } = await openedInThePast();
    const fundedAt = next();
    const reservedAt = next();
    const pendingId = newId();
    const postId = newId();
    const postedAt = next();
    expect(
      await transfers(
        { id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 10_000n, code: 1, flags: { imported: true }, timestamp: fundedAt },
        { id: pendingId, debitAccountId: customer, creditAccountId: bank, amount: 2_500n, code: 2, flags: { imported: true, pending: true }, timestamp: reservedAt },
        { id: postId, pendingId, amount: 2_000n, flags: { imported: true, postPendingTransfer: true }, timestamp: postedAt },
      ),
    ).toEqual(['ok', 'ok', 'ok']);
    const [account] = await f.ledger.lookupAccounts([customer]);
    expect(account.createdAt.getTime()).toBe(openedAt);
    expect([account.creditsPosted, account.debitsPosted, account.debitsPending]).toEqual([10_000n, 2_000n, 0n]);
    const [pending, post] = await f.ledger.lookupTransfers([pendingId, postId]);
    expect([pending.timestamp.getTime(), post.timestamp.getTime()]).toEqual([reservedAt.getTime(), postedAt.getTime()]);
    expect(pending.flags.imported).toBe(true);
  });

  test('answers balances as of a past instant from the imported timestamps', async () => {
    const { bank, customer } = await openedInThePast();
    const first = next();
    const second = next();
    expect(
      await transfers(
        { id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 700n, code: 1, flags: { imported: true }, timestamp: first },
        { id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 300n, code: 1, flags: { imported: true }, timestamp: second },
      ),
    ).toEqual(['ok', 'ok']);
    expect((await getAccountBalanceAt(f.database.db, customer, new Date(first.getTime() + 500))).posted).toBe(700n);
    expect((await getAccountBalanceAt(f.database.db, customer, second)).posted).toBe(1_000n);
  });

  test('a resubmitted imported transfer answers exists and applies nothing', async () => {
    const { bank, customer } = await openedInThePast();
    const t: TransferInput = { id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 50n, code: 1, flags: { imported: true }, timestamp: next() };
    expect(await transfers(t)).toEqual(['ok']);
    expect(await transfers(t)).toEqual(['exists']);
    expect((await f.ledger.lookupAccounts([customer]))[0].creditsPosted).toBe(50n);
  });

  test('live transfers follow the imported ones on the same accounts', async () => {
    const { bank, customer } = await openedInThePast();
    expect(await transfers({ id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 10n, code: 1, flags: { imported: true }, timestamp: next() })).toEqual(['ok']);
    expect(await transfers({ id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 5n, code: 1 })).toEqual(['ok']);
    expect((await f.ledger.lookupAccounts([customer]))[0].creditsPosted).toBe(15n);
  });
});

describe('a request is imported or live as a whole', () => {
  test('a live transfer behind an imported one answers imported_event_expected', async () => {
    const { bank, customer } = await openedInThePast();
    const imported: TransferInput = { id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 1n, code: 1, flags: { imported: true }, timestamp: next() };
    expect(await transfers(imported, { id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 1n, code: 1 })).toEqual(['ok', 'imported_event_expected']);
  });

  test('an imported transfer behind a live one answers imported_event_not_expected', async () => {
    const { bank, customer } = await openedInThePast();
    const imported: TransferInput = { id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 1n, code: 1, flags: { imported: true }, timestamp: next() };
    expect(await transfers({ id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 1n, code: 1 }, imported)).toEqual(['ok', 'imported_event_not_expected']);
  });

  test('a live transfer with a timestamp answers timestamp_must_be_zero', async () => {
    const { bank, customer } = await openedInThePast();
    expect(await transfers({ id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 1n, code: 1, timestamp: new Date() })).toEqual(['timestamp_must_be_zero']);
  });

  test.each([
    ['imported_event_expected', [importedAccount(), { id: newId(), ledger: 1, code: 'bank' }]],
    ['imported_event_not_expected', [{ id: newId(), ledger: 1, code: 'bank' }, importedAccount()]],
  ] as const)('accounts: the second of a mixed request answers %s', async (expected, inputs) => {
    const results = await accounts(...(inputs as readonly AccountInput[]));
    expect(results[1]).toBe(expected);
  });

  test('accounts: a live account with a timestamp answers timestamp_must_be_zero', async () => {
    expect(await accounts({ id: newId(), ledger: 1, code: 'bank', timestamp: new Date() })).toEqual(['timestamp_must_be_zero']);
  });
});

describe('an imported timestamp lies in the past, in time order', () => {
  test.each([
    ['missing', undefined],
    ['not a date', new Date('not a date')],
    ['the epoch itself', new Date(0)],
  ])('%s: imported_event_timestamp_out_of_range, for transfers and accounts', async (_, timestamp) => {
    const { bank, customer } = await openedInThePast();
    expect(await transfers({ id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 1n, code: 1, flags: { imported: true }, timestamp })).toEqual(['imported_event_timestamp_out_of_range']);
    expect(await accounts({ ...importedAccount(), timestamp })).toEqual(['imported_event_timestamp_out_of_range']);
  });

  test('a timestamp that is not in the past answers imported_event_timestamp_must_not_advance', async () => {
    const { bank, customer } = await openedInThePast();
    const future = new Date(Date.now() + 60_000);
    expect(await transfers({ id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 1n, code: 1, flags: { imported: true }, timestamp: future })).toEqual(['imported_event_timestamp_must_not_advance']);
    expect(await accounts({ ...importedAccount(), timestamp: future })).toEqual(['imported_event_timestamp_must_not_advance']);
  });

  test('a timestamp not after the last imported event answers imported_event_timestamp_must_not_regress', async () => {
    const { bank, customer } = await openedInThePast();
    const at = next();
    expect(await transfers({ id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 1n, code: 1, flags: { imported: true }, timestamp: at })).toEqual(['ok']);
    expect(await transfers({ id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 1n, code: 1, flags: { imported: true }, timestamp: at })).toEqual(['imported_event_timestamp_must_not_regress']);
    expect(await accounts({ ...importedAccount(), timestamp: at })).toEqual(['imported_event_timestamp_must_not_regress']);
  });

  test('a transfer before its debit account was opened or last changed answers imported_event_timestamp_must_postdate_debit_account', async () => {
    const liveDebit = await f.account('bank');
    const { customer } = await openedInThePast();
    expect(await transfers({ id: newId(), debitAccountId: liveDebit, creditAccountId: customer, amount: 1n, code: 1, flags: { imported: true }, timestamp: next() })).toEqual([
      'imported_event_timestamp_must_postdate_debit_account',
    ]);
  });

  test('a transfer before its credit account was opened or last changed answers imported_event_timestamp_must_postdate_credit_account', async () => {
    const { bank } = await openedInThePast();
    const liveCredit = await f.account('float_ecash');
    expect(await transfers({ id: newId(), debitAccountId: bank, creditAccountId: liveCredit, amount: 1n, code: 1, flags: { imported: true }, timestamp: next() })).toEqual([
      'imported_event_timestamp_must_postdate_credit_account',
    ]);
  });

  test('an imported pending transfer with a timeout answers imported_event_timeout_must_be_zero', async () => {
    const { bank, customer } = await openedInThePast();
    expect(await transfers({ id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 1n, code: 1, flags: { imported: true, pending: true }, timeout: 60, timestamp: next() })).toEqual([
      'imported_event_timeout_must_be_zero',
    ]);
  });

  test('a failed linked chain takes its timestamps back: the next import may reuse them', async () => {
    const { bank, customer } = await openedInThePast();
    const at = next();
    const chain: TransferInput[] = [
      { id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 1n, code: 1, flags: { imported: true, linked: true }, timestamp: at },
      { id: newId(), debitAccountId: bank, creditAccountId: newId(), amount: 1n, code: 1, flags: { imported: true }, timestamp: next() },
    ];
    expect(await transfers(...chain)).toEqual(['linked_event_failed', 'credit_account_not_found']);
    expect(await transfers({ id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 1n, code: 1, flags: { imported: true }, timestamp: at })).toEqual(['ok']);
  });

  test('concurrent imports never put the ledger out of time order: each timestamp lands once, later than every one before it', async () => {
    const { bank, customer } = await openedInThePast();
    const stamps = Array.from({ length: 12 }, () => next());
    const events = stamps.map((timestamp) => ({ id: newId(), debitAccountId: bank, creditAccountId: customer, amount: 1n, code: 1, flags: { imported: true }, timestamp }));
    // Shuffled and sent at once: the first to commit wins, the ones it overtook are refused as regressions.
    const shuffled = [...events].sort(() => Math.random() - 0.5);
    const outcomes = await Promise.all(shuffled.map((e) => f.ledger.createTransfers([e])));
    const accepted = shuffled.filter((_, i) => outcomes[i][0].result === 'ok');
    for (const [o] of outcomes) expect(['ok', 'imported_event_timestamp_must_not_regress']).toContain(o.result);
    expect(accepted.length).toBeGreaterThan(0);
    const stored = await f.ledger.lookupTransfers(accepted.map((e) => e.id));
    const bySeq = [...stored].sort((a, b) => (a.seq < b.seq ? -1 : 1)).map((t) => t.timestamp.getTime());
    expect(bySeq).toEqual([...bySeq].sort((a, b) => a - b));
    expect((await f.ledger.lookupAccounts([customer]))[0].creditsPosted).toBe(BigInt(accepted.length));
  });
});

// The import codes are proven here, and only here.
test('this file covers every import code of createTransfers and createAccounts', () => {
  const isImportCode = (c: string): boolean => c.startsWith('imported_') || c === 'timestamp_must_be_zero';
  expect(Object.keys(CREATE_TRANSFER_RESULTS).filter((c) => isImportCode(c) && !coveredTransfers.has(c as CreateTransferResult))).toEqual([]);
  expect(Object.keys(CREATE_ACCOUNT_RESULTS).filter((c) => isImportCode(c) && !coveredAccounts.has(c as CreateAccountResult))).toEqual([]);
});
