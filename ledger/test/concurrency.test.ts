/**
 * Many writers at once: limits hold, retries of one id have one effect, locks never deadlock,
 * and a connection killed in the middle of a batch neither loses an acknowledged transfer nor
 * applies one twice.
 */
import knexFactory from 'knex';
import { createLedger, isTransferApplied, type CreateTransferOutcome, type Ledger, type TransferInput } from '../index';
import { newId, openLedgerFixture, type LedgerFixture } from './fixture';

let f: LedgerFixture;
let unbatched: Ledger;
beforeAll(async () => {
  f = await openLedgerFixture('concurrency');
  unbatched = createLedger(f.database.db, { batching: false });
});
afterAll(async () => {
  await f.expectConsistent();
  await f.close();
});

describe.each([
  ['batched', () => f.ledger],
  ['unbatched', () => unbatched],
])('%s', (_name, ledger) => {
  test('100 parallel pending transfers against one account never overdraw it', async () => {
    const { account } = await f.funded(1_000n);
    const sink = await f.account('float_ecash');
    const out = await Promise.all(
      Array.from({ length: 100 }, () => ledger().createTransfers([{ id: newId(), debitAccountId: account, creditAccountId: sink, amount: 30n, code: 2, flags: { pending: true } }])),
    );
    const results = out.map((r) => r[0].result);
    expect(results.filter((r) => r === 'ok')).toHaveLength(33);
    expect(results.filter((r) => r === 'exceeds_credits')).toHaveLength(67);
    const [a] = await ledger().lookupAccounts([account]);
    expect(a.debitsPending).toBe(990n);
  });

  test('the same id sent 50 times in parallel has exactly one effect', async () => {
    const { account } = await f.funded(1_000n);
    const sink = await f.account('float_ecash');
    const t: TransferInput = { id: newId(), debitAccountId: account, creditAccountId: sink, amount: 10n, code: 2 };
    const out = await Promise.all(Array.from({ length: 50 }, () => ledger().createTransfers([t])));
    const results = out.map((r) => r[0].result);
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'exists')).toHaveLength(49);
    expect((await ledger().lookupAccounts([account]))[0].debitsPosted).toBe(10n);
  });

  test('the same post sent 50 times in parallel posts once', async () => {
    const { account } = await f.funded(1_000n);
    const sink = await f.account('float_ecash');
    const pendingId = newId();
    await ledger().createTransfers([{ id: pendingId, debitAccountId: account, creditAccountId: sink, amount: 400n, code: 2, flags: { pending: true } }]);
    const post: TransferInput = { id: newId(), pendingId, flags: { postPendingTransfer: true } };
    const out = await Promise.all(Array.from({ length: 50 }, () => ledger().createTransfers([post])));
    expect(out.map((r) => r[0].result).sort()).toEqual(['ok', ...Array<string>(49).fill('exists')].sort());
    expect((await ledger().lookupAccounts([sink]))[0].creditsPosted).toBe(400n);
  });

  test('different posts and voids of one pending transfer race: exactly one wins', async () => {
    const { account } = await f.funded(1_000n);
    const sink = await f.account('float_ecash');
    const pendingId = newId();
    await ledger().createTransfers([{ id: pendingId, debitAccountId: account, creditAccountId: sink, amount: 400n, code: 2, flags: { pending: true } }]);
    const out = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ledger().createTransfers([{ id: newId(), pendingId, flags: i % 2 ? { postPendingTransfer: true } : { voidPendingTransfer: true } }])),
    );
    const results = out.map((r) => r[0].result);
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'pending_transfer_already_posted' || r === 'pending_transfer_already_voided')).toHaveLength(19);
  });

  test('transfers in opposite directions between the same accounts never deadlock', async () => {
    const a = (await f.funded(100_000n)).account;
    const b = (await f.funded(100_000n)).account;
    const out = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        ledger().createTransfers([{ id: newId(), debitAccountId: i % 2 ? a : b, creditAccountId: i % 2 ? b : a, amount: 1n, code: 2 }]),
      ),
    );
    expect(out.every((r) => r[0].result === 'ok')).toBe(true);
  });
});

test('the batcher answers each caller with its own results when many calls share a transaction', async () => {
  const { account } = await f.funded(1_000n);
  const sink = await f.account('float_ecash');
  const calls = Array.from({ length: 30 }, (_, i) => [
    { id: newId(), debitAccountId: account, creditAccountId: sink, amount: BigInt(i + 1), code: 2 },
    { id: newId(), debitAccountId: account, creditAccountId: sink, amount: 0n, code: 2 },
  ]);
  const out = await Promise.all(calls.map((events) => f.ledger.createTransfers(events)));
  out.forEach((results, i) => {
    expect(results.map((r) => r.id)).toEqual(calls[i].map((e) => e.id));
    expect(results.map((r) => r.result)).toEqual(['ok', 'amount_must_not_be_zero']);
  });
});

test('a connection killed in the middle of batches loses nothing acknowledged and applies nothing twice', async () => {
  const { account } = await f.funded(1_000_000n);
  const sink = await f.account('float_ecash');
  // knex warns on every dead pooled connection; those warnings are this test's point, not noise to show.
  const quiet = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  const killer = knexFactory({ client: 'pg', connection: f.database.url, pool: { min: 0, max: 1 } });
  let killing = true;
  let killed = 0;
  const killLoop = (async () => {
    // Kill one busy backend at a time, every few milliseconds, a bounded number of times.
    while (killing && killed < 25) {
      const r = await killer.raw<{ rows: unknown[] }>(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle' LIMIT 1`,
      );
      killed += r.rows.length;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const acknowledged = new Map<string, bigint>();
  const send = async (t: TransferInput): Promise<void> => {
    // A caller that gets no answer resends the same id, as Temporal activities do.
    for (;;) {
      let out: CreateTransferOutcome[];
      try {
        out = await f.ledger.createTransfers([t]);
      } catch {
        continue;
      }
      expect(isTransferApplied(out[0].result)).toBe(true);
      acknowledged.set(t.id, t.amount!);
      return;
    }
  };
  await Promise.all(
    Array.from({ length: 40 }, async () => {
      for (let i = 0; i < 15; i++) await send({ id: newId(), debitAccountId: account, creditAccountId: sink, amount: BigInt(1 + Math.floor(Math.random() * 100)), code: 2 });
    }),
  );
  killing = false;
  await killLoop;
  await killer.destroy();
  quiet.mockRestore();
  expect(killed).toBeGreaterThan(0);
  const stored = await f.ledger.lookupTransfers([...acknowledged.keys()]);
  expect(stored).toHaveLength(acknowledged.size);
  const total = [...acknowledged.values()].reduce((a, b) => a + b, 0n);
  expect((await f.ledger.lookupAccounts([sink]))[0].creditsPosted).toBe(total);
});

test('a batch of many transfers onto one hot account updates that account row once', async () => {
  const hot = await f.account('float_ecash');
  const sources = await Promise.all(Array.from({ length: 40 }, () => f.account('bank')));
  const updatesOfAccounts = async (): Promise<number> => {
    await f.database.db.raw('SELECT pg_stat_force_next_flush()');
    const r = await f.database.db.raw<{ rows: { n: string }[] }>("SELECT n_tup_upd::text AS n FROM pg_stat_user_tables WHERE relname = 'ledger_accounts'");
    return Number(r.rows[0].n);
  };
  const before = await updatesOfAccounts();
  const out = await f.ledger.createTransfers(sources.map((source) => ({ id: newId(), debitAccountId: source, creditAccountId: hot, amount: 1n, code: 2 })));
  expect(out.every((r) => r.result === 'ok')).toBe(true);
  // 40 source rows and the hot row: 41 row updates, not 80.
  expect((await updatesOfAccounts()) - before).toBe(41);
  expect((await f.ledger.lookupAccounts([hot]))[0].creditsPosted).toBe(40n);
});
