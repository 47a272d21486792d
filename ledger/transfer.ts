import type { TransferFlags, TransferFlagName } from './flags';
import type { CreateTransferResult } from './result-codes';

/**
 * One event of createTransfers. Single-phase and pending transfers name both accounts, an amount
 * and a code; a post or void names `pendingId` and inherits what it leaves out.
 */
export interface TransferInput {
  /** Client-chosen UUID: the idempotency key. */
  readonly id: string;
  readonly debitAccountId?: string;
  readonly creditAccountId?: string;
  /**
   * Minor units. On a post, leave it out to post the full pending amount; a smaller amount posts
   * that much and releases the rest. On a void, leave it out (or give the pending amount).
   * On a balancing transfer it is the maximum to move.
   */
  readonly amount?: bigint;
  readonly pendingId?: string;
  /** Optional: when given it must be the accounts' ledger. */
  readonly ledger?: number;
  /** Why money moves, 1..65535 (required except on post/void, which inherit it). */
  readonly code?: number;
  readonly flags?: TransferFlags;
  /** Seconds a pending transfer may stay pending; 0 or absent means no timeout. */
  readonly timeout?: number;
  /** A caller's reference (request id, card serial…), up to 128 characters. */
  readonly userData?: string | null;
  /**
   * Only with `flags.imported`: when the event really happened (it must lie in the past, after the
   * last imported event and after both accounts' latest change). Without the flag the ledger
   * stamps the event itself and this must be left out.
   */
  readonly timestamp?: Date;
}

export interface Transfer {
  readonly id: string;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amount: bigint;
  readonly pendingId: string | null;
  readonly ledger: number;
  readonly code: number;
  readonly flags: Readonly<Record<TransferFlagName, boolean>>;
  readonly timeout: number;
  readonly userData: string | null;
  /** When the ledger applied it (database clock). */
  readonly timestamp: Date;
  /** Position in the journal: strictly increasing per account, used for cursors and history. */
  readonly seq: bigint;
}

export interface CreateTransferOutcome {
  readonly id: string;
  readonly result: CreateTransferResult;
  /** The amount actually moved (posts and balancing transfers may differ from the request); set for ok and exists. */
  readonly amount?: bigint;
}
