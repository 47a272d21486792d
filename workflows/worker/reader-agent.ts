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
    return agent;
  }

  /** Serves tasks until shutdown() (or the worker fails); releases the reader afterwards. */
  async run(): Promise<void> {
    try {
      if (this.slot.cardPresent) void this.tellWaitingDownloads();
      await this.worker.run();
    } finally {
      this.options.reader.off('card-inserted', this.onCardInserted);
      await this.slot.close();
    }
  }

  shutdown(): void {
    this.worker.shutdown();
  }

  private readonly onCardInserted = (): void => {
    void this.tellWaitingDownloads();
  };

  /** Signals every download that waits for the card now in the reader. */
  async tellWaitingDownloads(): Promise<void> {
    const { client, onEvent } = this.options;
    if (!client) return;
    let csn: string;
    try {
      csn = await this.slot.exclusive(async () => (await this.slot.selectFresh()).info.csn);
    } catch (err) {
      onEvent?.({ kind: 'card_unreadable', message: err instanceof Error ? err.message : String(err) });
      return;
    }
    onEvent?.({ kind: 'card_seen', csn });
    const query = `PurseflowKind = 'download' AND PurseflowState IN ('awaiting_card', 'needs_operator') AND CardSerial = '${csn}' AND ExecutionStatus = 'Running'`;
    for await (const execution of client.workflow.list({ query })) {
      await client.workflow
        .getHandle(execution.workflowId)
        .signal(cardPresentedSignal, { readerId: this.options.readerId })
        .then(() => onEvent?.({ kind: 'download_told', workflowId: execution.workflowId, csn }))
        .catch(() => undefined); // it finished in between: nothing to tell
    }
  }
}
