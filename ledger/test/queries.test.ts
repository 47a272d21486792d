/** Read-only queries: balances, balances as of a past instant, transfers of an account page by page. */
import type { TransferInput } from '../index';
import { getAccountBalance, getAccountBalanceAt, listAccountTransfers, LedgerError } from '../queries';
import { newId, openLedgerFixture, type LedgerFixture } from './fixture';

let f: LedgerFixture;
beforeAll(async () => {
  f = await openLedgerFixture('queries');
});
afterAll(async () => {
  await f.close();
});

const db = () => f.database.db;
const codeOf = (err: unknown): string => (err instanceof LedgerError ? err.code : `not a LedgerError: ${String(err)}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('posted, pending and available balances on the normal side of a customer account', async () => {
  const { account } = await f.funded(10_000n);
  const sink = await f.account('float_ecash');
  await f.ledger.createTransfers([
    { id: newId(), debitAccountId: account, creditAccountId: sink, amount: 1_000n, code: 2 },
    { id: newId(), debitAccountId: account, creditAccountId: sink, amount: 2_500n, code: 2, flags: { pending: true } },
  ]);
  expect(await getAccountBalance(db(), account)).toMatchObject({ side: 'credit', posted: 9_000n, pending: -2_500n, available: 6_500n });
  expect(await getAccountBalance(db(), sink)).toMatchObject({ side: 'credit', posted: 1_000n, pending: 2_500n, available: 1_000n });
});

test('a bank account reports its balance on the debit side', async () => {
  const { bank } = await f.funded(10_000n);
  expect(await getAccountBalance(db(), bank)).toMatchObject({ side: 'debit', posted: 10_000n, available: 10_000n });
});

test('the balance as of a past instant, for an account with history', async () => {
  const bank = await f.account('bank');
  const account = await f.account('customer_cash', { history: true });
  const before = new Date();
  await sleep(20);
  const pendingId = newId();
  await f.ledger.createTransfers([{ id: newId(), debitAccountId: bank, creditAccountId: account, amount: 5_000n, code: 1 }]);
  await sleep(20);
  const afterDeposit = new Date();
  await sleep(20);
  await f.ledger.createTransfers([{ id: pendingId, debitAccountId: account, creditAccountId: bank, amount: 2_000n, code: 2, flags: { pending: true }, timeout: 60 }]);
  await sleep(20);
  const afterPending = new Date();
  await sleep(20);
  await f.ledger.createTransfers([{ id: newId(), pendingId, amount: 500n, flags: { postPendingTransfer: true } }]);
  await sleep(20);
  const afterPost = new Date();
  expect((await getAccountBalanceAt(db(), account, before)).posted).toBe(0n);
  expect(await getAccountBalanceAt(db(), account, afterDeposit)).toMatchObject({ posted: 5_000n, available: 5_000n });
  expect(await getAccountBalanceAt(db(), account, afterPending)).toMatchObject({ posted: 5_000n, available: 3_000n });
  expect(await getAccountBalanceAt(db(), account, afterPost)).toMatchObject({ posted: 4_500n, available: 4_500n });
});

test('an expiry is part of the history: the balance after it no longer holds the reservation', async () => {
  const bank = await f.account('bank');
  const account = await f.account('customer_cash', { history: true });
  await f.ledger.createTransfers([
    { id: newId(), debitAccountId: bank, creditAccountId: account, amount: 1_000n, code: 1 },
    { id: newId(), debitAccountId: account, creditAccountId: bank, amount: 400n, code: 2, flags: { pending: true }, timeout: 1 },
  ]);
  await f.ledger.expirePendingTransfers(new Date(Date.now() + 2_000));
  await sleep(5);
  expect(await getAccountBalanceAt(db(), account, new Date())).toMatchObject({ posted: 1_000n, available: 1_000n });
});

test('past balances are refused for accounts without the history flag', async () => {
  const { account } = await f.funded(1n, {});
  expect(codeOf(await getAccountBalanceAt(db(), account, new Date()).catch((e: unknown) => e))).toBe('history_not_enabled');
});

test('balances of unknown or malformed accounts are typed errors', async () => {
  expect(codeOf(await getAccountBalance(db(), newId()).catch((e: unknown) => e))).toBe('account_not_found');
  expect(codeOf(await getAccountBalance(db(), 'nope').catch((e: unknown) => e))).toBe('input_malformed');
});

describe('transfers of an account', () => {
  let account: string;
  let sink: string;
  const ids: string[] = [];
  beforeAll(async () => {
    ({ account } = await f.funded(100_000n));
    sink = await f.account('float_ecash');
    const events: TransferInput[] = [];
    for (let i = 0; i < 25; i++) {
      const id = newId();
      ids.push(id);
      events.push({ id, debitAccountId: account, creditAccountId: sink, amount: BigInt(i + 1), code: i % 2 ? 11 : 12, userData: `req-${i}`, flags: i === 24 ? { pending: true } : {} });
    }
    await f.ledger.createTransfers(events);
  });

  test('pages through every transfer newest first without repeats or gaps', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await listAccountTransfers(db(), sink, { limit: 10, cursor });
      seen.push(...page.transfers.map((t) => t.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  test('pages oldest first when asked', async () => {
    const page = await listAccountTransfers(db(), sink, { limit: 3, order: 'asc' });
    expect(page.transfers.map((t) => t.id)).toEqual(ids.slice(0, 3));
  });

  test('includes both sides by default and filters to one side on request', async () => {
    const both = await listAccountTransfers(db(), account, { limit: 1000 });
    expect(both.transfers).toHaveLength(26); // the funding credit and 25 debits
    expect((await listAccountTransfers(db(), account, { side: 'credits' })).transfers).toHaveLength(1);
    expect((await listAccountTransfers(db(), account, { side: 'debits', limit: 1000 })).transfers).toHaveLength(25);
  });

  test('filters by code, user data, kind and time range', async () => {
    expect((await listAccountTransfers(db(), sink, { code: 11, limit: 1000 })).transfers).toHaveLength(12);
    expect((await listAccountTransfers(db(), sink, { userData: 'req-7' })).transfers.map((t) => t.id)).toEqual([ids[7]]);
    expect((await listAccountTransfers(db(), sink, { kind: 'pending' })).transfers.map((t) => t.id)).toEqual([ids[24]]);
    expect((await listAccountTransfers(db(), sink, { kind: 'single_phase', limit: 1000 })).transfers).toHaveLength(24);
    expect((await listAccountTransfers(db(), sink, { until: new Date(Date.now() - 3_600_000) })).transfers).toHaveLength(0);
    expect((await listAccountTransfers(db(), sink, { from: new Date(Date.now() - 3_600_000), limit: 1000 })).transfers).toHaveLength(25);
  });

  test.each([
    ['cursor_malformed', { cursor: 'garbage' }],
    ['query_invalid', { limit: 0 }],
    ['query_invalid', { limit: 1001 }],
    ['query_invalid', { side: 'sideways' }],
    ['query_invalid', { order: 'random' }],
    ['query_invalid', { kind: 'refund' }],
  ])('refuses a bad query with %s (%j)', async (code, filter) => {
    expect(codeOf(await listAccountTransfers(db(), sink, filter as never).catch((e: unknown) => e))).toBe(code);
  });
});
