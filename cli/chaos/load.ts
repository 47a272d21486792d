/**
 * The steady load a chaos run keeps up while faults strike: one lane of connected downloads per
 * ACR30 reader, one lane of offline downloads per pocket card (driven by the simulated eCom
 * Pocket), and one lane of settlements (the merchant's POS debits the pocket cards, the Transfer
 * card's file is uploaded and settled). Each lane does one operation at a time and notes what it
 * started and how it ended; the audit judges those notes against the ledger and the cards.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { PocketError, PURSE, runMerchant, type Csn, type PurseId } from '../../card-driver';
import { SERVER_TASK_QUEUE } from '../../workflows';
import { DownloadClientError, formatMoney, settlementOutcome, uploadSettlementFile, type DownloadResult, type DownloadTiming, type PurseName } from '../../workflows/client';
import { CHAOS_MERCHANT, type ChaosWorld, type ConnectedReader, type PocketCard } from './chaos-world';
import { SeededRandom, streamSeed } from './seeded-random';

export interface DownloadOp {
  readonly kind: 'download';
  readonly mode: 'connected' | 'offline';
  readonly lane: string;
  readonly requestId: string;
  readonly csn: Csn;
  readonly purse: PurseName;
  readonly amountMinor: bigint;
  readonly startedAt: number;
  endedAt?: number;
  outcome?: 'posted' | 'voided' | 'refused';
  result?: DownloadResult;
  refusal?: string;
}

export interface Purchase {
  readonly csn: Csn;
  readonly purse: PurseName;
  readonly amountMinor: bigint;
}

export interface SettlementOp {
  readonly kind: 'settlement';
  readonly lane: string;
  readonly batchSeq: number;
  readonly purchases: readonly Purchase[];
  readonly startedAt: number;
  endedAt?: number;
  outcome?: 'settled' | 'file_rejected';
  accepted?: number;
  rejected?: number;
}

export type Operation = DownloadOp | SettlementOp;

/** Everything the load did, for the audit and the figures. */
export interface LoadBook {
  readonly downloads: DownloadOp[];
  readonly settlements: SettlementOp[];
  /** Every purchase the merchant's POS took from a card, noted in the same instant as the chip's debit. */
  readonly purchases: Purchase[];
  /** Things that must not happen but are not money: a lane that gave up on an operation, an unexpected error. */
  readonly anomalies: string[];
}

export interface Lane {
  readonly name: string;
  readonly kind: 'connected' | 'offline' | 'settlement';
  current?: Operation;
  /** When operations that succeeded (posted, settled) started and ended, in order. */
  readonly successes: { startedAt: number; endedAt: number }[];
  /** Resolves when the lane has stopped after `stop()`. */
  done?: Promise<void>;
}

export interface LoadOptions {
  /** Download timings (short intervals: a run lasts minutes, not days). */
  readonly timing: Partial<DownloadTiming>;
  /** Pause between a settlement and the next. */
  readonly settleEveryMs: number;
  /** An operation that has not ended after this long is an anomaly; the lane moves on. */
  readonly operationTimeoutMs: number;
  readonly tag: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Errors that no retry changes: the workflow ended, or our request was wrong. */
function isFinal(err: unknown): boolean {
  return err instanceof WorkflowFailedError || err instanceof DownloadClientError || err instanceof PocketError || (err instanceof Error && err.name === 'WorkflowUpdateFailedError');
}

/**
 * Calls `attempt` until it succeeds, through the faults (a frontend or PostgreSQL away answers with
 * connection errors for a few seconds). The same request id / update id makes every retry the same request.
 */
async function persist<T>(what: string, deadline: number, attempt: () => Promise<T>): Promise<T> {
  let delay = 250;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (isFinal(err)) throw err;
      if (Date.now() > deadline) throw new Error(`${what} still failing at the operation's deadline: ${(err as Error).message}`);
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }
}

const PURSE_ID: Record<PurseName, PurseId> = { ecash: PURSE.ecash, food: PURSE.food };

/** An async mutex per pocket card: the pocket and the merchant's POS never talk to one card at once. */
class CardLock {
  #tail: Promise<void> = Promise.resolve();
  async hold<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise((resolve) => (release = resolve));
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}

export class ChaosLoad {
  readonly book: LoadBook = { downloads: [], settlements: [], purchases: [], anomalies: [] };
  readonly lanes: Lane[] = [];
  #stopping = false;
  #sequence = 0;
  readonly #locks = new Map<Csn, CardLock>();
  /** Per pocket card: e-Cash posted onto it minus purchases made from it; purchases only ever spend this. */
  readonly #spendable = new Map<Csn, bigint>();
  #batchSeq = 1;
  #samSeq = 1;

  constructor(
    private readonly world: ChaosWorld,
    /** The run's seed: each lane draws its amounts and purses from a stream of its own. */
    private readonly seed: number,
    private readonly options: LoadOptions,
  ) {
    for (const p of world.pockets) {
      this.#locks.set(p.csn, new CardLock());
      this.#spendable.set(p.csn, 0n);
    }
  }

  start(): void {
    for (const reader of this.world.readers) this.#startLane(`connected-${reader.readerId}`, 'connected', (lane, random) => this.#connectedDownload(lane, random, reader));
    for (const pocket of this.world.pockets) this.#startLane(`offline-${pocket.csn}`, 'offline', (lane, random) => this.#offlineDownload(lane, random, pocket));
    if (this.world.pockets.length > 0) this.#startLane('settlement', 'settlement', (lane) => this.#settlement(lane));
  }

  /** Lets every lane finish the operation in hand, then stop. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.lanes.map((l) => l.done));
  }

  laneOf(reader: ConnectedReader): Lane | undefined {
    return this.lanes.find((l) => l.name === `connected-${reader.readerId}`);
  }

  #startLane(name: string, kind: Lane['kind'], operation: (lane: Lane, random: SeededRandom) => Promise<void>): void {
    const lane: Lane = { name, kind, successes: [] };
    // Stream 0 is the fault schedule's (run-chaos.ts); lanes take 1, 2, …
    const random = new SeededRandom(streamSeed(this.seed, this.lanes.length + 1));
    lane.done = (async () => {
      while (!this.#stopping) {
        try {
          await operation(lane, random);
        } catch (err) {
          this.book.anomalies.push(`${name}: ${(err as Error).message}`);
          await sleep(1000);
        } finally {
          lane.current = undefined;
        }
      }
    })();
    this.lanes.push(lane);
  }

  #requestId(lane: string): string {
    this.#sequence += 1;
    return `chaos-${this.options.tag}-${lane}-${this.#sequence}`;
  }

  #amount(random: SeededRandom): bigint {
    // 1.00 to 5.00 in steps of 0.25: small, so a card never nears its purse limit during a run.
    return BigInt(random.int(4, 20)) * 25n;
  }

  /** Waits for the download's end; a refusal (the workflow failed with a code) is an end too. */
  async #outcome(op: DownloadOp, deadline: number): Promise<void> {
    try {
      const result = await persist(`result of ${op.requestId}`, deadline, () => this.world.downloads.result(op.requestId));
      op.result = result;
      op.outcome = result.outcome;
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      op.outcome = 'refused';
      op.refusal = err.cause instanceof ApplicationFailure ? (err.cause.type ?? 'refused') : err.message;
    }
    op.endedAt = Date.now();
  }

  #succeeded(lane: Lane, op: Operation): void {
    if (op.endedAt !== undefined) lane.successes.push({ startedAt: op.startedAt, endedAt: op.endedAt });
  }

  async #connectedDownload(lane: Lane, random: SeededRandom, reader: ConnectedReader): Promise<void> {
    const purse = random.pick(['ecash', 'food'] as const);
    const op: DownloadOp = { kind: 'download', mode: 'connected', lane: lane.name, requestId: this.#requestId(lane.name), csn: reader.card.csn, purse, amountMinor: this.#amount(random), startedAt: Date.now() };
    lane.current = op;
    this.book.downloads.push(op);
    const deadline = op.startedAt + this.options.operationTimeoutMs;
    await persist(`start of ${op.requestId}`, deadline, () =>
      this.world.downloads.start({ requestId: op.requestId, csn: op.csn, purse, amount: formatMoney(op.amountMinor), mode: 'connected', readerId: reader.readerId, timing: this.options.timing }),
    );
    await this.#outcome(op, deadline);
    if (op.outcome === 'posted') this.#succeeded(lane, op);
    // A refused download (reader offline, card out) leaves a moment before the next try, as a person would.
    else await sleep(500);
  }

  async #offlineDownload(lane: Lane, random: SeededRandom, pocket: PocketCard): Promise<void> {
    const lock = this.#locks.get(pocket.csn) as CardLock;
    await lock.hold(async () => {
      const purse = random.pick(['ecash', 'food'] as const);
      const op: DownloadOp = { kind: 'download', mode: 'offline', lane: lane.name, requestId: this.#requestId(lane.name), csn: pocket.csn, purse, amountMinor: this.#amount(random), startedAt: Date.now() };
      lane.current = op;
      this.book.downloads.push(op);
      const deadline = op.startedAt + this.options.operationTimeoutMs;
      const downloads = this.world.downloads;
      await persist(`start of ${op.requestId}`, deadline, () =>
        downloads.start({ requestId: op.requestId, csn: op.csn, purse, amount: formatMoney(op.amountMinor), mode: 'offline', timing: this.options.timing }),
      );
      // The customer types the request code once the portal asks for it.
      for (;;) {
        const state = await persist(`state of ${op.requestId}`, deadline, () => downloads.state(op.requestId));
        if (state.phase === 'awaiting_request_code') break;
        if (Date.now() > deadline) throw new Error(`${op.requestId} never asked for the request code (phase ${state.phase})`);
        await sleep(200);
      }
      const requestCode = pocket.pocket.requestCode(PURSE_ID[purse], op.amountMinor);
      const requestUpdate = randomUUID();
      const authorization = await persist(`request code of ${op.requestId}`, deadline, () => downloads.submitRequestCode(op.requestId, requestCode, requestUpdate));
      if (!authorization.accepted || !authorization.authorizationCode) {
        // Not a fault the suite injects: the workflow is cancelled so that it does not wait for days.
        this.book.anomalies.push(`${op.requestId}: request code refused (${authorization.refusal}: ${authorization.message ?? ''})`);
        await persist(`cancel of ${op.requestId}`, deadline, () => downloads.handle(op.requestId).cancel());
        await this.#outcome(op, deadline);
        return;
      }
      const confirmation = pocket.pocket.enterAuthorizationCode(authorization.authorizationCode);
      const confirmationUpdate = randomUUID();
      const confirmed = await persist(`confirmation code of ${op.requestId}`, deadline, () => downloads.submitConfirmationCode(op.requestId, confirmation, confirmationUpdate));
      if (!confirmed.accepted) this.book.anomalies.push(`${op.requestId}: confirmation code refused (${confirmed.refusal}: ${confirmed.message ?? ''})`);
      await this.#outcome(op, deadline);
      if (op.outcome === 'posted') {
        if (purse === 'ecash') this.#spendable.set(op.csn, (this.#spendable.get(op.csn) ?? 0n) + op.amountMinor);
        this.#succeeded(lane, op);
      }
    });
  }

  async #settlement(lane: Lane): Promise<void> {
    await sleep(this.options.settleEveryMs);
    if (this.#stopping) return;
    const amount = 100n;
    // The POS debits every pocket card that has posted e-Cash left, one purchase each, holding all their locks.
    const pockets = this.world.pockets;
    const locks = pockets.map((p) => this.#locks.get(p.csn) as CardLock);
    const purchase = await holdAll(locks, async () => {
      const cards = pockets.filter((p) => (this.#spendable.get(p.csn) ?? 0n) >= amount).map((p) => p.pocket.card);
      if (cards.length === 0) return undefined;
      const batchSeq = this.#batchSeq++;
      const run = runMerchant(this.world.keys, cards, {
        samId: CHAOS_MERCHANT.samId,
        transferCardId: CHAOS_MERCHANT.transferCardId,
        purse: PURSE.ecash,
        amount,
        purchases: cards.length,
        firstSamSeq: this.#samSeq,
        batchSeq,
      });
      this.#samSeq += cards.length;
      const purchases = cards.map((card) => ({ csn: card.csn, purse: 'ecash' as const, amountMinor: amount }));
      this.book.purchases.push(...purchases);
      for (const card of cards) this.#spendable.set(card.csn, (this.#spendable.get(card.csn) ?? 0n) - amount);
      const file = path.join(this.world.dataDir, 'merchant', `batch-${batchSeq}.estb`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, run.file);
      return { batchSeq, file, purchases };
    });
    if (!purchase) return;
    const op: SettlementOp = { kind: 'settlement', lane: lane.name, batchSeq: purchase.batchSeq, purchases: purchase.purchases, startedAt: Date.now() };
    lane.current = op;
    this.book.settlements.push(op);
    const deadline = op.startedAt + this.options.operationTimeoutMs;
    const started = await persist(`upload of batch ${op.batchSeq}`, deadline, () =>
      uploadSettlementFile(this.world.client, { merchantId: CHAOS_MERCHANT.id, file: purchase.file, uploadDir: this.world.uploadDir, taskQueue: SERVER_TASK_QUEUE }),
    );
    const result = await persist(`outcome of batch ${op.batchSeq}`, deadline, () => settlementOutcome(this.world.client.workflow.getHandle(started.workflowId)));
    op.endedAt = Date.now();
    op.outcome = result.outcome;
    if (result.outcome === 'settled') {
      op.accepted = result.accepted;
      op.rejected = result.rejected;
      this.#succeeded(lane, op);
    } else {
      this.book.anomalies.push(`settlement batch ${op.batchSeq} refused whole: ${result.reason} (${result.message})`);
    }
  }
}

async function holdAll<T>(locks: readonly CardLock[], work: () => Promise<T>): Promise<T> {
  if (locks.length === 0) return work();
  const [first, ...rest] = locks;
  return first.hold(() => holdAll(rest, work));
}
