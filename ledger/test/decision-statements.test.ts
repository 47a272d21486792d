/**
 * The SQL a batch sends is shaped to what it holds (pure, no database: every shape is also run
 * against PostgreSQL by the other files of this folder).
 */
import { postgresArrayLiteral } from '../database';
import { lockAndReadStatement, writeDecisionStatement, type Guard } from '../decision-statements';
import { decideTransferBatch, type AccountRow, type BatchState } from '../transfer-batch';
import { newId } from './fixture';

function account(id: string, creditsPosted = 0n): AccountRow {
  return { id, ledger: 1, flags: 0, debitsPending: 0n, debitsPosted: 0n, creditsPending: 0n, creditsPosted, updatedUs: 0 };
}

function guardFor(eventIds: string[], pendingIds: string[] = []): Guard {
  return { transferIds: [...eventIds, ...pendingIds], transfersFound: 0, eventIds, failedFound: 0, pendingIds, resolutionsFound: 0, lastImportedUs: null };
}

function pendingDecision() {
  const [debit, credit, id] = [newId(), newId(), newId()];
  const state: BatchState = { nowUs: Date.now() * 1000, accounts: new Map([debit, credit].map((a) => [a, account(a, 100n)])), transfers: new Map(), failed: new Map(), resolutions: new Map(), lastImportedUs: 0 };
  return { id, state, decision: decideTransferBatch([[{ id, debitAccountId: debit, creditAccountId: credit, amount: 5n, code: 1, flags: { pending: true }, timeout: 60 }]], state) };
}

test('a pending transfer writes only its transfer, its two accounts and its timeout: no resolution, failure or history table is touched', () => {
  const { id, state, decision } = pendingDecision();
  const statement = writeDecisionStatement(state.nowUs, decision, guardFor([id]), null);
  expect(statement.text).toContain('INSERT INTO ledger_transfers');
  expect(statement.text).toContain('UPDATE ledger_accounts');
  expect(statement.text).toContain('INSERT INTO ledger_pending_timeouts');
  for (const untouched of ['ledger_pending_resolutions', 'ledger_account_history', 'DELETE FROM ledger_pending_timeouts', 'INSERT INTO ledger_failed_transfers']) {
    expect(statement.text).not.toContain(untouched);
  }
});

test('every parameter the text names is passed, numbered in order, and no other', () => {
  const { id, state, decision } = pendingDecision();
  const statement = writeDecisionStatement(state.nowUs, decision, guardFor([id]), null);
  const numbers = [...new Set([...statement.text.matchAll(/\$(\d+)::/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
  expect(numbers).toEqual(statement.values.map((_, i) => i + 1));
});

test('two batches of the same shape share one prepared statement name and text; another shape gets another name', () => {
  const a = pendingDecision();
  const b = pendingDecision();
  const first = writeDecisionStatement(a.state.nowUs, a.decision, guardFor([a.id]), null);
  const second = writeDecisionStatement(b.state.nowUs, b.decision, guardFor([b.id]), null);
  expect(second.name).toBe(first.name);
  expect(second.text).toBe(first.text);
  const nothing = writeDecisionStatement(a.state.nowUs, { ...a.decision, newTransfers: [], accounts: [], timeoutsToInsert: [] }, guardFor([a.id]), null);
  expect(nothing.name).not.toBe(first.name);
  expect(nothing.text).not.toContain('INSERT');
});

test('a batch that ends no pending transfer neither reads resolutions nor looks up pending transfers while locking', () => {
  const creating = lockAndReadStatement([newId(), newId()], [], [newId()], [newId()], false);
  expect(creating.text).not.toContain('ledger_pending_resolutions');
  expect(creating.text).not.toContain('debit_account_id FROM ledger_transfers');
  const ending = lockAndReadStatement([], [newId()], [newId()], [newId()], false);
  expect(ending.text).toContain('ledger_pending_resolutions');
  expect(ending.name).not.toBe(creating.name);
});

test('writes chunk-sized bindings as array literals that quote only what the array parser would misread', () => {
  expect(postgresArrayLiteral([0, 42, 12345678901234n, '6071990000000017', 'settlement/54AB-1/3/6071990000000017:ecash'])).toBe('{0,42,12345678901234,6071990000000017,settlement/54AB-1/3/6071990000000017:ecash}');
  expect(postgresArrayLiteral(['', 'NULL', 'a,b', 'say "hi"', 'back\\slash', 'two words'])).toBe('{"","NULL","a,b","say \\"hi\\"","back\\\\slash","two words"}');
  expect(postgresArrayLiteral([])).toBe('{}');
  expect(() => postgresArrayLiteral([1.5])).toThrow();
});
