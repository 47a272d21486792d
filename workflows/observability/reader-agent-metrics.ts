// The reader agent's own /metrics: it says it is up (the server worker's view of the same gauge,
// from Temporal's pollers, is what alerts; this one is for the PC's own scrape) and counts what its
// reader saw.
import { Counter, Gauge, Registry } from 'prom-client';

export type ReaderCardEvent = 'card_seen' | 'download_told' | 'card_unreadable';

export interface ReaderAgentMetrics {
  readonly registry: Registry;
  readonly up: Gauge<'reader_id'>;
  readonly cardEvents: Counter<'reader_id' | 'event'>;
  /** Counts one event of this agent's reader. */
  count(event: ReaderCardEvent): void;
}

export function createReaderAgentMetrics(readerId: string): ReaderAgentMetrics {
  const registry = new Registry();
  const up = new Gauge({ name: 'purseflow_reader_agent_up', help: '1 while this reader agent runs and polls reader-<id>.', labelNames: ['reader_id'] as const, registers: [registry] });
  const cardEvents = new Counter({
    name: 'purseflow_reader_card_events_total',
    help: 'What the reader saw: cards inserted and read, downloads told their card is here, cards that could not be read.',
    labelNames: ['reader_id', 'event'] as const,
    registers: [registry],
  });
  up.set({ reader_id: readerId }, 1);
  return { registry, up, cardEvents, count: (event) => cardEvents.inc({ reader_id: readerId, event }) };
}
