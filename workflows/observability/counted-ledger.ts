// Counts every transfer the worker submits, by the ledger's result code, without the ledger (which
// imports nothing) or the activities knowing: the worker is handed this view of its Ledger.
import type { CreateTransferOutcome, Ledger, TransferInput } from '../../ledger';
import type { WorkerMetrics } from './worker-metrics';

/**
 * The same Ledger, whose createTransfers also counts purseflow_ledger_postings_total{result}: `ok`,
 * `exists` (an idempotent resubmission) and each refusal's code. A call that throws (a programming
 * error such as a float amount) counts nothing: it is not a ledger outcome.
 */
export function countLedgerResults(ledger: Ledger, metrics: Pick<WorkerMetrics, 'ledgerPostings'>): Ledger {
  const createTransfers = async (events: readonly TransferInput[]): Promise<CreateTransferOutcome[]> => {
    const outcomes = await ledger.createTransfers(events);
    for (const o of outcomes) metrics.ledgerPostings.inc({ result: o.result });
    return outcomes;
  };
  return new Proxy(ledger, {
    get(target, property, receiver) {
      if (property === 'createTransfers') return createTransfers;
      const value: unknown = Reflect.get(target, property, receiver);
      // Methods run on the real Ledger, whose private fields the proxy does not have.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
