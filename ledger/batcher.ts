/**
 * The micro-batcher: concurrent createTransfers calls that arrive within one event-loop tick
 * (or while earlier batches are in flight) are decided and written in one transaction. Under
 * load batches grow by themselves (latency stays near one commit), at rest a lone call goes
 * out on the next tick. A hot account is locked and written once per batch, not once per call.
 */
import type { Knex } from 'knex';
import { LedgerError } from './errors';
import type { CreateTransferOutcome, TransferInput } from './transfer';
import { applyTransferSubmissions } from './transfer-store';

export interface BatcherOptions {
  /** Most events per transaction (whole submissions are never split). Default 1024. */
  readonly maxEvents?: number;
  /** Transactions in flight at once; more overlap commits (fsync) with deciding. Default 2. */
  readonly maxInFlight?: number;
}

interface Waiting {
  readonly events: readonly TransferInput[];
  resolve(results: CreateTransferOutcome[]): void;
  reject(err: unknown): void;
}

export class LedgerBatcher {
  private readonly maxEvents: number;
  private readonly maxInFlight: number;
  private queue: Waiting[] = [];
  private queuedEvents = 0;
  private inFlight = 0;
  private scheduled = false;
  private closed = false;
  private readonly idle: (() => void)[] = [];

  constructor(
    private readonly knex: Knex,
    options: BatcherOptions = {},
  ) {
    this.maxEvents = options.maxEvents ?? 1024;
    this.maxInFlight = options.maxInFlight ?? 2;
    if (!Number.isInteger(this.maxEvents) || this.maxEvents < 1) throw new RangeError('LedgerBatcher maxEvents must be a positive integer');
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new RangeError('LedgerBatcher maxInFlight must be a positive integer');
  }

  /** Same contract as Ledger.createTransfers: one result per event, in order. */
  createTransfers(events: readonly TransferInput[]): Promise<CreateTransferOutcome[]> {
    if (this.closed) return Promise.reject(new LedgerError('ledger_closed', 'the ledger was closed; create a new one with createLedger(knex).'));
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.queuedEvents += events.length;
      this.schedule();
    });
  }

  /** Waits until every queued call is answered, then refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.queue.length === 0 && this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a timer: callers of the same tick join the batch without adding latency.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const batch: Waiting[] = [];
      let events = 0;
      while (this.queue.length > 0 && (batch.length === 0 || events + this.queue[0].events.length <= this.maxEvents)) {
        const next = this.queue.shift()!;
        events += next.events.length;
        batch.push(next);
      }
      this.queuedEvents -= events;
      this.inFlight++;
      void this.run(batch);
    }
  }

  private async run(batch: Waiting[]): Promise<void> {
    try {
      const results = await applyTransferSubmissions(
        this.knex,
        batch.map((w) => w.events),
      );
      batch.forEach((w, i) => w.resolve(results[i]));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.inFlight--;
      if (this.queue.length > 0) this.flush();
      else if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  /** Events waiting for a transaction (for metrics). */
  get backlog(): number {
    return this.queuedEvents;
  }
}
