/**
 * The invariant checker finds each kind of corruption and names the rows. Corruption is made by
 * hand with SQL, as a bug or an operator's UPDATE would make it, and undone after each test so
 * that every test starts from a consistent ledger.
 */
import { checkLedgerInvariants, type InvariantViolationCode } from '../index';
import { newId, openLedgerFixture, type LedgerFixture } from './fixture';

let f: LedgerFixture;
beforeAll(async () => {
  f = await openLedgerFixture('invariants');
});
afterAll(async () => {
  await f.close();
});
beforeEach(async () => {
  expect(await checkLedgerInvariants(f.database.db)).toEqual([]);
});

const sql = (text: string, bindings: readonly unknown[] = []) => f.database.db.raw(text, bindings as never);

async function lifecycle(): Promise<{ customer: string; sink: string; pendingId: string; postId: string }> {
  const { account } = await f.funded(10_000n);
  const sink = await f.account('float_ecash');
  const pendingId = newId();
  const postId = newId();
  await f.ledger.createTransfers([{ id: pendingId, debitAccountId: account, creditAccountId: sink, amount: 700n, code: 2, flags: { pending: true }, timeout: 600 }]);
  await f.ledger.createTransfers([{ id: postId, pendingId, amount: 300n, flags: { postPendingTransfer: true } }]);
  return { customer: account, sink, pendingId, postId };
}

/** Corrupts, checks, and always undoes the corruption. */
async function whileCorrupted<T>(corrupt: () => Promise<unknown>, undo: () => Promise<unknown>, check: () => Promise<T>): Promise<T> {
  await corrupt();
  try {
    return await check();
  } finally {
    await undo();
  }
}

const codes = async (): Promise<InvariantViolationCode[]> => (await checkLedgerInvariants(f.database.db)).map((v) => v.code).sort();

test('a ledger written only through the API has no violation', async () => {
  await lifecycle();
  await f.ledger.createTransfers([{ id: newId(), debitAccountId: await f.account('bank'), creditAccountId: await f.account('customer_cash'), amount: 5n, code: 1 }]);
  expect(await checkLedgerInvariants(f.database.db)).toEqual([]);
});

test('a counter changed by hand breaks the balance and the sum of transfers, and the account is named', async () => {
  const { sink } = await lifecycle();
  const violations = await whileCorrupted(
    () => sql('UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = ?', [sink]),
    () => sql('UPDATE ledger_accounts SET credits_posted = credits_posted - 1 WHERE id = ?', [sink]),
    () => checkLedgerInvariants(f.database.db),
  );
  expect(violations.map((v) => v.code).sort()).toEqual(['account_counters_mismatch', 'posted_unbalanced']);
  expect(violations.find((v) => v.code === 'account_counters_mismatch')!.rows).toEqual([`ledger_accounts:${sink}`]);
  expect(violations.find((v) => v.code === 'posted_unbalanced')!.rows).toEqual(['ledger:1']);
});

test('a reservation changed by hand breaks the pending balance', async () => {
  const { customer } = await lifecycle();
  expect(
    await whileCorrupted(
      () => sql('UPDATE ledger_accounts SET debits_pending = 5 WHERE id = ?', [customer]),
      () => sql('UPDATE ledger_accounts SET debits_pending = 0 WHERE id = ?', [customer]),
      codes,
    ),
  ).toEqual(['account_counters_mismatch', 'pending_unbalanced']);
});

test('a pending transfer ended twice is found and named', async () => {
  const { customer, sink, pendingId } = await lifecycle();
  const secondPost = newId();
  const violations = await whileCorrupted(
    () =>
      sql(
        `INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, pending_id, ledger, code, flags, "timestamp")
         VALUES (?, ?, ?, 100, ?, 1, 2, 4, now())`,
        [secondPost, customer, sink, pendingId],
      ),
    () => sql('DELETE FROM ledger_transfers WHERE id = ?', [secondPost]),
    () => checkLedgerInvariants(f.database.db),
  );
  expect(violations.map((v) => v.code)).toEqual(expect.arrayContaining(['pending_ended_twice', 'resolution_mismatch', 'account_counters_mismatch']));
  expect(violations.find((v) => v.code === 'pending_ended_twice')!.rows).toEqual([`ledger_transfers:${pendingId}`]);
  expect(violations.find((v) => v.code === 'resolution_mismatch')!.rows).toContain(`ledger_transfers:${secondPost}`);
});

test('a post larger than its pending transfer is found', async () => {
  const { postId } = await lifecycle();
  expect(
    await whileCorrupted(
      () => sql('UPDATE ledger_transfers SET amount = 701 WHERE id = ?', [postId]),
      () => sql('UPDATE ledger_transfers SET amount = 300 WHERE id = ?', [postId]),
      codes,
    ),
  ).toEqual(expect.arrayContaining(['post_exceeds_pending']));
});

test('the database refuses an overdraft of a limited account even from a hand-written UPDATE', async () => {
  const { customer } = await lifecycle();
  await expect(sql('UPDATE ledger_accounts SET debits_posted = 1000000 WHERE id = ?', [customer])).rejects.toThrow(/ledger_accounts_debits_within_credits/);
});

test('a broken limit is found when the database constraint was dropped', async () => {
  const { customer } = await lifecycle();
  expect(
    await whileCorrupted(
      async () => {
        await sql('ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_debits_within_credits');
        await sql('UPDATE ledger_accounts SET debits_posted = 1000000 WHERE id = ?', [customer]);
      },
      async () => {
        await sql('UPDATE ledger_accounts SET debits_posted = 300 WHERE id = ?', [customer]);
        await sql('ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_debits_within_credits CHECK ((flags & 2) = 0 OR debits_pending + debits_posted <= credits_posted)');
      },
      codes,
    ),
  ).toEqual(expect.arrayContaining(['account_limit_broken']));
});

test('an id both failed and applied is found', async () => {
  const { postId } = await lifecycle();
  expect(
    await whileCorrupted(
      () => sql('INSERT INTO ledger_failed_transfers (id, result, "timestamp") VALUES (?, \'exceeds_credits\', now())', [postId]),
      () => sql('DELETE FROM ledger_failed_transfers WHERE id = ?', [postId]),
      codes,
    ),
  ).toEqual(['failed_id_applied']);
});

test('a transfer naming a missing account is found', async () => {
  const { customer } = await lifecycle();
  const orphan = newId();
  expect(
    await whileCorrupted(
      () => sql(`INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, ledger, code, flags, "timestamp") VALUES (?, ?, ?, 0, 1, 2, 0, now())`, [orphan, customer, newId()]),
      () => sql('DELETE FROM ledger_transfers WHERE id = ?', [orphan]),
      codes,
    ),
  ).toEqual(expect.arrayContaining(['transfer_account_missing']));
});

test('an open pending transfer missing from the expiry queue, and excluding flags, are found', async () => {
  const { account } = await f.funded(1_000n);
  const sink = await f.account('float_ecash');
  const pendingId = newId();
  await f.ledger.createTransfers([{ id: pendingId, debitAccountId: account, creditAccountId: sink, amount: 10n, code: 2, flags: { pending: true }, timeout: 60 }]);
  const queued = (await sql('SELECT expires_at FROM ledger_pending_timeouts WHERE pending_id = ?', [pendingId])).rows[0].expires_at as Date;
  expect(
    await whileCorrupted(
      async () => {
        await sql('DELETE FROM ledger_pending_timeouts WHERE pending_id = ?', [pendingId]);
        await sql('UPDATE ledger_transfers SET flags = 2 | 4 WHERE id = ?', [pendingId]);
      },
      async () => {
        await sql('INSERT INTO ledger_pending_timeouts (pending_id, expires_at) VALUES (?, ?)', [pendingId, queued]);
        await sql('UPDATE ledger_transfers SET flags = 2 WHERE id = ?', [pendingId]);
      },
      codes,
    ),
  ).toEqual(expect.arrayContaining(['timeout_queue_mismatch', 'transfer_flags_invalid']));
});

test('a transfer on another ledger than its accounts is found', async () => {
  const { postId } = await lifecycle();
  expect(
    await whileCorrupted(
      () => sql('UPDATE ledger_transfers SET ledger = 2 WHERE id = ?', [postId]),
      () => sql('UPDATE ledger_transfers SET ledger = 1 WHERE id = ?', [postId]),
      codes,
    ),
  ).toEqual(['transfer_ledger_mismatch']);
});
