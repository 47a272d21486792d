/**
 * The pure decision core, without a database: what one batch writes. The same behaviours are
 * proven against PostgreSQL in the other files; these tests pin the shape of the decision.
 */
import { decideTransferBatch, type AccountRow, type BatchState } from '../transfer-batch';
import { newId } from './fixture';

function account(id: string, creditsPosted = 0n, flags = 0): AccountRow {
  return { id, ledger: 1, flags, debitsPending: 0n, debitsPosted: 0n, creditsPending: 0n, creditsPosted, updatedUs: 0 };
}

function state(accounts: AccountRow[]): BatchState {
  return { nowUs: Date.now() * 1000, accounts: new Map(accounts.map((a) => [a.id, a])), transfers: new Map(), failed: new Map(), resolutions: new Map(), lastImportedUs: 0 };
}

test('a hot account touched by every transfer of a batch is written once, with its final counters', () => {
  const hot = newId();
  const sources = Array.from({ length: 100 }, () => newId());
  const submissions = sources.map((source) => [{ id: newId(), debitAccountId: source, creditAccountId: hot, amount: 5n, code: 1 }]);
  const decision = decideTransferBatch(submissions, state([account(hot), ...sources.map((s) => account(s))]));
  expect(decision.results.flat().every((r) => r.result === 'ok')).toBe(true);
  const writes = decision.accounts.filter((a) => a.id === hot);
  expect(writes).toHaveLength(1);
  expect(writes[0].creditsPosted).toBe(500n);
  expect(decision.newTransfers).toHaveLength(100);
});

test('each submission keeps its own results, in order, whatever else shares the batch', () => {
  const [a, b] = [newId(), newId()];
  const first = [{ id: newId(), debitAccountId: a, creditAccountId: b, amount: 1n, code: 1 }];
  const second = [
    { id: newId(), debitAccountId: a, creditAccountId: a, amount: 1n, code: 1 },
    { id: newId(), debitAccountId: b, creditAccountId: a, amount: 1n, code: 1 },
  ];
  const decision = decideTransferBatch([first, second], state([account(a), account(b)]));
  expect(decision.results.map((r) => r.map((x) => x.result))).toEqual([['ok'], ['accounts_must_be_different', 'ok']]);
});

test('a failed chain leaves nothing to write but the transient failure of the event that failed', () => {
  const [customer, sink] = [newId(), newId()];
  const failing = { id: newId(), debitAccountId: customer, creditAccountId: sink, amount: 11n, code: 1 };
  const decision = decideTransferBatch(
    [[{ id: newId(), debitAccountId: customer, creditAccountId: sink, amount: 5n, code: 1, flags: { linked: true } }, failing]],
    state([account(customer, 10n, 2), account(sink)]),
  );
  expect(decision.results[0].map((r) => r.result)).toEqual(['linked_event_failed', 'exceeds_credits']);
  expect(decision.newTransfers).toEqual([]);
  expect(decision.accounts.every((a) => a.debitsPosted === 0n && a.creditsPosted === (a.id === customer ? 10n : 0n))).toBe(true);
  expect(decision.failures).toEqual([{ id: failing.id, result: 'exceeds_credits' }]);
});
