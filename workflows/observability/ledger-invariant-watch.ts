// The server worker checks the ledger's invariants every few minutes and exports the verdict, so
// that "ledger invariant broken" and "check stale" can alert (docker/observability/alerts.yml).
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { checkLedgerInvariants } from '../../ledger';
import type { WorkerMetrics } from './worker-metrics';

export const DEFAULT_INVARIANT_CHECK_INTERVAL_MS = 5 * 60_000;

/** Runs one check now and then every `intervalMs`; the returned function stops it (and waits for a check in flight). */
export function watchLedgerInvariants(knex: Knex, metrics: WorkerMetrics, options: { intervalMs?: number; log?: Logger } = {}): () => Promise<void> {
  const intervalMs = options.intervalMs ?? DEFAULT_INVARIANT_CHECK_INTERVAL_MS;
  if (!Number.isInteger(intervalMs) || intervalMs < 1_000) throw new RangeError(`the invariant check interval must be a whole number of milliseconds ≥ 1000, not ${intervalMs}`);
  let inFlight: Promise<void> = Promise.resolve();
  const check = async (): Promise<void> => {
    try {
      const violations = await checkLedgerInvariants(knex);
      metrics.invariantViolations.set(violations.length);
      metrics.invariantLastCheck.set(Date.now() / 1000);
      if (violations.length > 0) options.log?.error({ violations: violations.map((v) => ({ code: v.code, rows: v.rows.slice(0, 10) })) }, `ledger invariant check: ${violations.length} violation(s)`);
    } catch (err) {
      // A failed check leaves the timestamp old, which is what the staleness alert watches.
      options.log?.warn({ err }, 'ledger invariant check could not run');
    }
  };
  inFlight = check();
  const timer = setInterval(() => {
    inFlight = check();
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await inFlight;
  };
}
