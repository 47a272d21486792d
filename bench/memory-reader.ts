// A reader with a card that never leaves it: the card-driver simulator behind an in-memory channel,
// so the download benchmarks measure the workflow, the ledger and the key store, not PC/SC.
import { EventEmitter } from 'node:events';
import { inMemoryChannel, type SimulatedCard } from '../card-driver';
import type { SlotReader } from '../workflows';

export class MemoryReader extends EventEmitter implements SlotReader {
  readonly cardPresent = true;
  constructor(
    readonly name: string,
    private readonly card: SimulatedCard,
  ) {
    super();
  }
  async connect(): Promise<ReturnType<typeof inMemoryChannel> & { open: boolean; disconnect(): Promise<void> }> {
    return { ...inMemoryChannel(this.card), open: true, disconnect: async () => undefined };
  }
  async close(): Promise<void> {}
}
