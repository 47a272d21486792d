// The reader agent: a worker on the PC that holds one card reader. It polls `reader-<id>`, runs
// only card activities, holds no keys and no database. When a card is put into its reader it tells
// the downloads waiting for that card (search attributes PurseflowState + CardSerial), so a torn
// load is recovered on whichever of the customer's readers the card shows up.
import { Worker, type ActivityInterceptorsFactory, type NativeConnection } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { CardSlot, type SlotReader } from '../activities/card-slot';
import { createCardActivities } from '../activities/card-activities';
import { cardPresentedSignal, readerTaskQueue, READER_ID_PATTERN } from '../download/download-contract';

export interface ReaderAgentOptions {
  readonly connection: NativeConnection;
  /** For telling waiting downloads that their card is here; leave out to only serve tasks. */
  readonly client?: Client;
  readonly namespace?: string;
  readonly readerId: string;
  readonly reader: SlotReader;
  readonly identity?: string;
  /** Seen by every card activity run (tracing: workflows/observability workerTracing). */
  readonly activityInterceptors?: readonly ActivityInterceptorsFactory[];
  /** Reports what happens (card seen, downloads told); default: nothing. */
  readonly onEvent?: (event: ReaderAgentEvent) => void;
  /**
   * While a card stays in the reader, look again this often for downloads waiting for it
   * (default 5 s). A download may start waiting only after the card arrived — its reader hung
   * and the customer already moved the card here — and must still hear of it.
   */
  readonly lookAgainEveryMs?: number;
}

export const DEFAULT_LOOK_AGAIN_EVERY_MS = 5000;

/** The card in the reader since its last insertion, and the downloads already told of it. */
interface CardVisit {
  readonly csn: string;
  readonly told: Set<string>;
}

export type ReaderAgentEvent =
  | { kind: 'card_seen'; csn: string }
  | { kind: 'download_told'; workflowId: string; csn: string }
  | { kind: 'card_unreadable'; message: string };

export class ReaderAgentError extends Error {
  override readonly name = 'ReaderAgentError';
  constructor(
    readonly code: 'reader_id_invalid',
    message: string,
  ) {
    super(message);
  }
}

export class ReaderAgent {
  /** Bumped on every insertion and removal: a SELECT answered for an earlier visit is stale. */
  #generation = 0;
  #visit: CardVisit | undefined;
  #looking: Promise<void> | undefined;
  #lookAgain = false;

  private constructor(
    readonly worker: Worker,
    readonly slot: CardSlot,
    private readonly options: ReaderAgentOptions,
  ) {}

  static async create(options: ReaderAgentOptions): Promise<ReaderAgent> {
    if (!READER_ID_PATTERN.test(options.readerId)) {
      throw new ReaderAgentError('reader_id_invalid', `Reader id ${JSON.stringify(options.readerId)} must be 1-64 letters, digits, '_', '.' or '-'.`);
    }
    const slot = new CardSlot(options.readerId, options.reader);
    const worker = await Worker.create({
      connection: options.connection,
      namespace: options.namespace ?? 'default',
      taskQueue: readerTaskQueue(options.readerId),
      activities: createCardActivities(slot),
      // One card, one conversation: APDUs of two loads must never interleave.
      maxConcurrentActivityTaskExecutions: 1,
      identity: options.identity ?? `reader-agent:${options.readerId}`,
      ...(options.activityInterceptors ? { interceptors: { activity: [...options.activityInterceptors] } } : {}),
    });
    const agent = new ReaderAgent(worker, slot, options);
    options.reader.on('card-inserted', agent.onCardInserted);
    options.reader.on('card-removed', agent.onCardRemoved);
    return agent;
  }

  /** Serves tasks until shutdown() (or the worker fails); releases the reader afterwards. */
  async run(): Promise<void> {
    const everyMs = this.options.lookAgainEveryMs ?? DEFAULT_LOOK_AGAIN_EVERY_MS;
    const lookAgain = setInterval(() => {
      if (this.slot.cardPresent && this.#visit) void this.tellWaitingDownloads().catch(() => undefined);
    }, everyMs);
    try {
      if (this.slot.cardPresent) void this.tellWaitingDownloads().catch(() => undefined);
      await this.worker.run();
    } finally {
      clearInterval(lookAgain);
      this.options.reader.off('card-inserted', this.onCardInserted);
      this.options.reader.off('card-removed', this.onCardRemoved);
      await this.#looking?.catch(() => undefined);
      await this.slot.close();
    }
  }

  shutdown(): void {
    this.worker.shutdown();
  }

  private readonly onCardInserted = (): void => {
    this.#generation += 1;
    this.#visit = undefined;
    void this.tellWaitingDownloads().catch(() => undefined);
  };

  private readonly onCardRemoved = (): void => {
    this.#generation += 1;
    this.#visit = undefined;
  };

  /**
   * Signals every download that waits for the card now in the reader, each once per visit of the
   * card: the card is identified once when it arrives (SELECTed only if no session is open on it;
   * later looks reuse its CSN and never touch the card, so a load in progress on it keeps its
   * pending slot), and a download already told is not
   * told again (each signal makes it read the log: once per visit, not once per look).
   */
  tellWaitingDownloads(): Promise<void> {
    // One look at a time; one asked for meanwhile (a card inserted during a look) runs right after.
    if (this.#looking) {
      this.#lookAgain = true;
      return this.#looking;
    }
    const looking = (async () => {
      try {
        do {
          this.#lookAgain = false;
          await this.look();
        } while (this.#lookAgain);
      } finally {
        this.#looking = undefined;
      }
    })();
    this.#looking = looking;
    return looking;
  }

  private async look(): Promise<void> {
    const { client, onEvent } = this.options;
    if (!client) return;
    let visit = this.#visit;
    if (!visit) {
      const generation = this.#generation;
      let csn: string;
      try {
        csn = await this.slot.identify();
      } catch (err) {
        onEvent?.({ kind: 'card_unreadable', message: err instanceof Error ? err.message : String(err) });
        return;
      }
      if (generation !== this.#generation) return; // the card moved meanwhile; its event looks again
      visit = this.#visit = { csn, told: new Set() };
      onEvent?.({ kind: 'card_seen', csn });
    }
    const query = `PurseflowKind = 'download' AND PurseflowState IN ('awaiting_card', 'needs_operator') AND CardSerial = '${visit.csn}' AND ExecutionStatus = 'Running'`;
    for await (const execution of client.workflow.list({ query })) {
      if (visit.told.has(execution.workflowId)) continue;
      await client.workflow
        .getHandle(execution.workflowId)
        .signal(cardPresentedSignal, { readerId: this.options.readerId })
        .then(() => {
          visit.told.add(execution.workflowId);
          onEvent?.({ kind: 'download_told', workflowId: execution.workflowId, csn: visit.csn });
        })
        .catch(() => undefined); // it finished in between: nothing to tell
    }
  }
}
