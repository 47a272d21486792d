/** Two-phase transfers: pending reserves, then exactly one of post (full or partial), void or expiry ends it. */
import { type Account, type CreateTransferResult, type TransferInput } from '../index';
import { newId, openLedgerFixture, type LedgerFixture } from './fixture';

let f: LedgerFixture;
beforeAll(async () => {
  f = await openLedgerFixture('two_phase');
});
afterAll(async () => {
  await f.expectConsistent();
  await f.close();
});

const one = async (event: TransferInput): Promise<CreateTransferResult> => (await f.ledger.createTransfers([event]))[0].result;
const counters = (a: Account): bigint[] => [a.debitsPending, a.debitsPosted, a.creditsPending, a.creditsPosted];

async function reserve(amount: bigint, timeout = 0): Promise<{ debit: string; credit: string; pendingId: string }> {
  const { account } = await f.funded(10_000n);
  const credit = await f.account('float_ecash');
  const pendingId = newId();
  expect(await one({ id: pendingId, debitAccountId: account, creditAccountId: credit, amount, code: 3, flags: { pending: true }, timeout })).toBe('ok');
  return { debit: account, credit, pendingId };
}

async function accounts(...ids: string[]): Promise<Account[]> {
  return f.ledger.lookupAccounts(ids);
}

const post = (pendingId: string, amount?: bigint): TransferInput => ({ id: newId(), pendingId, amount, flags: { postPendingTransfer: true } });
const voidOf = (pendingId: string): TransferInput => ({ id: newId(), pendingId, flags: { voidPendingTransfer: true } });

test('a pending transfer reserves on both sides and counts against the available balance', async () => {
  const { debit, credit } = await reserve(4_000n);
  const [d, c] = await accounts(debit, credit);
  expect(counters(d)).toEqual([4_000n, 0n, 0n, 10_000n]);
  expect(counters(c)).toEqual([0n, 0n, 4_000n, 0n]);
  expect(await one({ id: newId(), debitAccountId: debit, creditAccountId: credit, amount: 6_001n, code: 3 })).toBe('exceeds_credits');
});

test('posting without an amount posts the full pending amount', async () => {
  const { debit, credit, pendingId } = await reserve(4_000n);
  expect(await f.ledger.createTransfers([post(pendingId)])).toEqual([expect.objectContaining({ result: 'ok', amount: 4_000n })]);
  const [d, c] = await accounts(debit, credit);
  expect(counters(d)).toEqual([0n, 4_000n, 0n, 10_000n]);
  expect(counters(c)).toEqual([0n, 0n, 0n, 4_000n]);
});

test('a partial post moves that amount and releases the rest', async () => {
  const { debit, credit, pendingId } = await reserve(4_000n);
  expect(await one(post(pendingId, 1_500n))).toBe('ok');
  const [d, c] = await accounts(debit, credit);
  expect(counters(d)).toEqual([0n, 1_500n, 0n, 10_000n]);
  expect(counters(c)).toEqual([0n, 0n, 0n, 1_500n]);
});

test('a post cannot exceed the pending amount', async () => {
  const { pendingId } = await reserve(4_000n);
  expect(await one(post(pendingId, 4_001n))).toBe('exceeds_pending_transfer_amount');
});

test('a void releases the whole reservation and posts nothing', async () => {
  const { debit, credit, pendingId } = await reserve(4_000n);
  expect(await one(voidOf(pendingId))).toBe('ok');
  const [d, c] = await accounts(debit, credit);
  expect(counters(d)).toEqual([0n, 0n, 0n, 10_000n]);
  expect(counters(c)).toEqual([0n, 0n, 0n, 0n]);
});

test('a void that names an amount other than the pending amount is refused', async () => {
  const { pendingId } = await reserve(4_000n);
  expect(await one({ ...voidOf(pendingId), amount: 1n })).toBe('pending_transfer_has_different_amount');
  expect(await one({ ...voidOf(pendingId), amount: 4_000n })).toBe('ok');
});

test('a second post of the same pending transfer is refused: pending_transfer_already_posted', async () => {
  const { debit, pendingId } = await reserve(4_000n);
  expect(await one(post(pendingId))).toBe('ok');
  expect(await one(post(pendingId))).toBe('pending_transfer_already_posted');
  expect((await accounts(debit))[0].debitsPosted).toBe(4_000n);
});

test('a void after a post is refused and changes nothing', async () => {
  const { debit, pendingId } = await reserve(4_000n);
  expect(await one(post(pendingId, 1_000n))).toBe('ok');
  expect(await one(voidOf(pendingId))).toBe('pending_transfer_already_posted');
  expect(counters((await accounts(debit))[0])).toEqual([0n, 1_000n, 0n, 10_000n]);
});

test('a post after a void is refused: pending_transfer_already_voided', async () => {
  const { pendingId } = await reserve(4_000n);
  expect(await one(voidOf(pendingId))).toBe('ok');
  expect(await one(post(pendingId))).toBe('pending_transfer_already_voided');
});

test('resubmitting the same post answers exists, not already_posted', async () => {
  const { pendingId } = await reserve(4_000n);
  const p = post(pendingId, 1_000n);
  expect(await one(p)).toBe('ok');
  expect(await one(p)).toBe('exists');
  expect(await one({ ...p, amount: 999n })).toBe('exists_with_different_amount');
});

test('a retried full post answers exists whether it leaves the amount out or names the pending amount', async () => {
  const { pendingId } = await reserve(4_000n);
  const p = post(pendingId);
  expect(await one(p)).toBe('ok');
  expect(await one(p)).toBe('exists');
  expect(await one({ ...p, amount: 4_000n })).toBe('exists');
});

test('a post inherits accounts, ledger and code, and refuses ones that differ', async () => {
  const { debit, credit, pendingId } = await reserve(4_000n);
  expect(await one({ ...post(pendingId), debitAccountId: credit })).toBe('pending_transfer_has_different_debit_account_id');
  expect(await one({ ...post(pendingId), creditAccountId: debit })).toBe('pending_transfer_has_different_credit_account_id');
  expect(await one({ ...post(pendingId), ledger: 2 })).toBe('pending_transfer_has_different_ledger');
  expect(await one({ ...post(pendingId), code: 4 })).toBe('pending_transfer_has_different_code');
  const p = { ...post(pendingId), debitAccountId: debit, creditAccountId: credit, code: 3 };
  expect(await one(p)).toBe('ok');
  const [stored] = await f.ledger.lookupTransfers([p.id]);
  expect(stored).toMatchObject({ debitAccountId: debit, creditAccountId: credit, code: 3, pendingId, amount: 4_000n, ledger: 1 });
});

test('posting a transfer that is not pending is refused: pending_transfer_not_pending', async () => {
  const { account } = await f.funded(100n);
  const single = newId();
  expect(await one({ id: single, debitAccountId: account, creditAccountId: await f.account('float_ecash'), amount: 1n, code: 3 })).toBe('ok');
  expect(await one(post(single))).toBe('pending_transfer_not_pending');
});

test('posting an unknown pending id is refused, and that id stays failed', async () => {
  const p = post(newId());
  expect(await one(p)).toBe('pending_transfer_not_found');
  expect(await one(p)).toBe('id_already_failed');
});

test('a post or void needs a pending id different from its own id', async () => {
  expect(await one({ id: newId(), flags: { postPendingTransfer: true } })).toBe('pending_id_must_be_uuid');
  const id = newId();
  expect(await one({ id, pendingId: id, flags: { voidPendingTransfer: true } })).toBe('pending_id_must_be_different');
  expect(await one({ ...post(newId()), timeout: 5 })).toBe('timeout_reserved_for_pending_transfer');
  expect(await one({ ...post(newId()), amount: 0n })).toBe('amount_must_not_be_zero');
});

describe('expiry', () => {
  test('a pending transfer past its timeout can no longer be posted or voided, even before the sweeper runs', async () => {
    const { debit, pendingId } = await reserve(4_000n, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await one(post(pendingId))).toBe('pending_transfer_expired');
    expect(await one(voidOf(pendingId))).toBe('pending_transfer_expired');
    // Until the sweeper releases it, the reservation is still held (as in TigerBeetle).
    expect((await accounts(debit))[0].debitsPending).toBe(4_000n);
  });

  test('the sweeper releases the reservation of an expired pending transfer exactly once', async () => {
    const { debit, credit, pendingId } = await reserve(4_000n, 30);
    const later = new Date(Date.now() + 31_000);
    expect(await f.ledger.expirePendingTransfers(later)).toContain(pendingId);
    expect(await f.ledger.expirePendingTransfers(later)).not.toContain(pendingId);
    const [d, c] = await accounts(debit, credit);
    expect(counters(d)).toEqual([0n, 0n, 0n, 10_000n]);
    expect(counters(c)).toEqual([0n, 0n, 0n, 0n]);
    expect(await one(post(pendingId))).toBe('pending_transfer_expired');
  });

  test('the sweeper leaves pending transfers that are not yet due', async () => {
    const { debit, pendingId } = await reserve(4_000n, 3600);
    expect(await f.ledger.expirePendingTransfers()).not.toContain(pendingId);
    expect((await accounts(debit))[0].debitsPending).toBe(4_000n);
    expect(await one(post(pendingId))).toBe('ok');
  });

  test('a pending transfer without timeout never expires', async () => {
    const { pendingId } = await reserve(4_000n, 0);
    expect(await f.ledger.expirePendingTransfers(new Date(Date.now() + 10 * 365 * 86_400_000))).not.toContain(pendingId);
  });
});

describe('balancing transfers', () => {
  test('balancing_debit moves only what the debit account has', async () => {
    const { account } = await f.funded(700n);
    const sink = await f.account('float_ecash');
    const out = await f.ledger.createTransfers([{ id: newId(), debitAccountId: account, creditAccountId: sink, amount: 1_000n, code: 5, flags: { balancingDebit: true } }]);
    expect(out[0]).toMatchObject({ result: 'ok', amount: 700n });
    expect((await accounts(account))[0].debitsPosted).toBe(700n);
  });

  test('balancing_debit with nothing left fails with exceeds_credits', async () => {
    const { account } = await f.funded(1n);
    const sink = await f.account('float_ecash');
    expect(await one({ id: newId(), debitAccountId: account, creditAccountId: sink, amount: 1n, code: 5, flags: { balancingDebit: true } })).toBe('ok');
    expect(await one({ id: newId(), debitAccountId: account, creditAccountId: sink, amount: 1n, code: 5, flags: { balancingDebit: true } })).toBe('exceeds_credits');
  });

  test('balancing_credit moves only what the credit account may still take', async () => {
    const capped = await f.account('bank', { creditsMustNotExceedDebits: true });
    const other = await f.account('customer_cash');
    expect(await one({ id: newId(), debitAccountId: capped, creditAccountId: other, amount: 300n, code: 5 })).toBe('ok');
    const out = await f.ledger.createTransfers([{ id: newId(), debitAccountId: other, creditAccountId: capped, amount: 1_000n, code: 5, flags: { balancingCredit: true } }]);
    expect(out[0]).toMatchObject({ result: 'ok', amount: 300n });
  });

  test('a retried balancing transfer answers exists although it moved less than asked', async () => {
    const { account } = await f.funded(700n);
    const t = { id: newId(), debitAccountId: account, creditAccountId: await f.account('float_ecash'), amount: 1_000n, code: 5, flags: { balancingDebit: true } };
    expect(await one(t)).toBe('ok');
    expect(await one(t)).toBe('exists');
  });
});

describe('closing accounts (reversible, as TigerBeetle)', () => {
  test('a closing pending transfer closes the account; transfers touching it are refused', async () => {
    const { account, bank } = await f.funded(500n);
    const closing = newId();
    expect(await one({ id: closing, debitAccountId: account, creditAccountId: bank, amount: 0n, code: 9, flags: { pending: true, closingDebit: true } })).toBe('ok');
    expect((await accounts(account))[0].flags.closed).toBe(true);
    expect(await one({ id: newId(), debitAccountId: account, creditAccountId: bank, amount: 1n, code: 9 })).toBe('debit_account_already_closed');
    expect(await one({ id: newId(), debitAccountId: bank, creditAccountId: account, amount: 1n, code: 9 })).toBe('credit_account_already_closed');
  });

  test('voiding the closing transfer re-opens the account', async () => {
    const { account, bank } = await f.funded(500n);
    const closing = newId();
    expect(await one({ id: closing, debitAccountId: bank, creditAccountId: account, amount: 0n, code: 9, flags: { pending: true, closingCredit: true } })).toBe('ok');
    expect(await one(voidOf(closing))).toBe('ok');
    expect((await accounts(account))[0].flags.closed).toBe(false);
    expect(await one({ id: newId(), debitAccountId: bank, creditAccountId: account, amount: 1n, code: 9 })).toBe('ok');
  });

  test('posting the closing transfer keeps the account closed', async () => {
    const { account, bank } = await f.funded(500n);
    const closing = newId();
    expect(await one({ id: closing, debitAccountId: account, creditAccountId: bank, amount: 500n, code: 9, flags: { pending: true, closingDebit: true } })).toBe('ok');
    expect(await one(post(closing))).toBe('ok');
    const [a] = await accounts(account);
    expect(a.flags.closed).toBe(true);
    expect(a.debitsPosted).toBe(a.creditsPosted);
  });

  test('expiry of the closing transfer re-opens the account', async () => {
    const { account, bank } = await f.funded(500n);
    const closing = newId();
    expect(await one({ id: closing, debitAccountId: account, creditAccountId: bank, amount: 0n, code: 9, flags: { pending: true, closingDebit: true }, timeout: 5 })).toBe('ok');
    expect(await f.ledger.expirePendingTransfers(new Date(Date.now() + 6_000))).toContain(closing);
    expect((await accounts(account))[0].flags.closed).toBe(false);
  });

  test('a sweep and close in one linked chain empties and closes the account', async () => {
    const { account, bank } = await f.funded(800n);
    const out = await f.ledger.createTransfers([
      { id: newId(), debitAccountId: account, creditAccountId: bank, amount: 1_000_000n, code: 9, flags: { linked: true, balancingDebit: true } },
      { id: newId(), debitAccountId: account, creditAccountId: bank, amount: 0n, code: 9, flags: { pending: true, closingDebit: true } },
    ]);
    expect(out.map((r) => r.result)).toEqual(['ok', 'ok']);
    expect(out[0].amount).toBe(800n);
    expect((await accounts(account))[0].flags.closed).toBe(true);
  });
});
