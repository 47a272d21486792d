// The purseflow_* metrics the server worker and the reader agent export: the contract of
// docker/README.md ("Metrics and alerts"), which docker/observability/alerts.yml and the Grafana
// dashboard read. Names and labels change only together with those two files.
import { Counter, Gauge, Registry } from 'prom-client';

export type Outcome = 'started' | 'completed' | 'failed';

/** What a gauge reads when Prometheus scrapes; each source is asked afresh on every scrape. */
export interface WorkerMetricSources {
  /** Seconds since the oldest download reservation still pending was made; 0 when none is. */
  readonly oldestPendingReservationAgeSeconds?: () => Promise<number>;
  /** For each watched reader id, whether its task queue has a poller now. */
  readonly readersOnline?: () => Promise<ReadonlyMap<string, boolean>>;
}

export interface WorkerMetrics {
  readonly registry: Registry;
  readonly downloads: Counter<'outcome' | 'reason'>;
  readonly settlements: Counter<'outcome' | 'reason'>;
  readonly ledgerPostings: Counter<'result'>;
  readonly oldestPendingReservationAge: Gauge;
  readonly readerAgentUp: Gauge<'reader_id'>;
  readonly invariantViolations: Gauge;
  readonly invariantLastCheck: Gauge;
}

/** The reason label of an outcome that has none (started, completed): a constant, so series stay few. */
export const NO_REASON = 'none';

/**
 * A registry of its own (never prom-client's global one), so that several workers in one process
 * (the tests) do not collide, plus Node's process metrics under the same registry.
 */
export function createWorkerMetrics(sources: WorkerMetricSources = {}): WorkerMetrics {
  const registry = new Registry();
  const downloads = new Counter({
    name: 'purseflow_downloads_total',
    help: 'Downloads of value onto cards by outcome (started, completed, failed) and the reason of a failure.',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  });
  const settlements = new Counter({
    name: 'purseflow_settlements_total',
    help: 'Settlement batches by outcome (started, completed, failed) and the reason of a failure.',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  });
  const ledgerPostings = new Counter({
    name: 'purseflow_ledger_postings_total',
    help: "Transfers submitted to the ledger by its result code (ok, exists, and each refusal's code).",
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const oldestPendingReservationAge = new Gauge({
    name: 'purseflow_oldest_pending_reservation_age_seconds',
    help: 'Age of the oldest download reservation (pending transfer) not yet posted, voided or expired; 0 when none.',
    registers: [registry],
    async collect() {
      if (sources.oldestPendingReservationAgeSeconds) this.set(await sources.oldestPendingReservationAgeSeconds());
    },
  });
  const readerAgentUp = new Gauge({
    name: 'purseflow_reader_agent_up',
    help: "1 while a reader agent polls its task queue reader-<id>, 0 when it does not.",
    labelNames: ['reader_id'] as const,
    registers: [registry],
    async collect() {
      if (!sources.readersOnline) return;
      for (const [readerId, online] of await sources.readersOnline()) this.set({ reader_id: readerId }, online ? 1 : 0);
    },
  });
  const invariantViolations = new Gauge({
    name: 'purseflow_ledger_invariant_violations',
    help: 'Violations the last ledger invariant check found (debits = credits, balances = entries, pending ended once).',
    registers: [registry],
  });
  const invariantLastCheck = new Gauge({
    name: 'purseflow_ledger_invariant_last_check_timestamp_seconds',
    help: 'When the ledger invariant check last finished (Unix seconds).',
    registers: [registry],
  });
  // Series that exist from the start, so that rates and dashboards read 0 rather than "no data".
  for (const counter of [downloads, settlements]) for (const outcome of ['started', 'completed'] as const) counter.inc({ outcome, reason: NO_REASON }, 0);
  ledgerPostings.inc({ result: 'ok' }, 0);
  return { registry, downloads, settlements, ledgerPostings, oldestPendingReservationAge, readerAgentUp, invariantViolations, invariantLastCheck };
}
