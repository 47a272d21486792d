/**
 * The ledger's write API. createTransfers goes through the micro-batcher by default, so that
 * concurrent callers (Temporal activities, portal requests) share transactions; with
 * `batching: false` every call is its own transaction.
 */
import type { Knex } from 'knex';
import type { Account, AccountInput, LedgerDefinition } from './account';
import { accountsOfOwner, createAccounts, defineLedgers, listLedgers, lookupAccounts, type CreateAccountOutcome } from './account-store';
import { LedgerBatcher, type BatcherOptions } from './batcher';
import { LedgerError } from './errors';
import { unknownAccountFlags, unknownTransferFlags } from './flags';
import { lookupTransfers } from './queries/account-transfers';
import type { CreateTransferOutcome, Transfer, TransferInput } from './transfer';
import { applyTransferSubmissions, expireDuePendingTransfers } from './transfer-store';

/** Most events in one createTransfers or createAccounts call (TigerBeetle's batch limit). */
export const MAX_BATCH_EVENTS = 8189;

export interface LedgerOptions {
  /** Micro-batching of concurrent createTransfers calls (default on); `false` for one transaction per call. */
  readonly batching?: BatcherOptions | false;
}

function describeType(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

/**
 * Wrong JS types are programming errors, not ledger outcomes: they are thrown before anything
 * is sent, so that a float amount or a misspelt flag never becomes a transfer.
 */
function assertTransferTypes(events: readonly TransferInput[]): void {
  if (!Array.isArray(events)) throw new LedgerError('input_malformed', 'createTransfers takes an array of transfers.');
  if (events.length === 0) throw new LedgerError('batch_empty', 'createTransfers was called with no transfers; send at least one.');
  if (events.length > MAX_BATCH_EVENTS) throw new LedgerError('batch_too_large', `createTransfers takes at most ${MAX_BATCH_EVENTS} transfers; split the batch (linked chains must stay within one call).`);
  events.forEach((e, i) => {
    if (typeof e !== 'object' || e === null) throw new LedgerError('input_malformed', `transfer ${i} is ${describeType(e)}, not an object.`);
    if (e.amount !== undefined && typeof e.amount !== 'bigint') {
      throw new LedgerError('input_malformed', `transfer ${i} (${String(e.id)}): amount is a ${describeType(e.amount)}; pass bigint minor units (parseAmount("250.00", 2) gives 25000n).`);
    }
    for (const field of ['code', 'timeout', 'ledger'] as const) {
      if (e[field] !== undefined && typeof e[field] !== 'number') throw new LedgerError('input_malformed', `transfer ${i} (${String(e.id)}): ${field} must be a number.`);
    }
    if (e.flags !== undefined && (typeof e.flags !== 'object' || e.flags === null)) throw new LedgerError('input_malformed', `transfer ${i} (${String(e.id)}): flags must be an object like { pending: true }.`);
    const unknown = unknownTransferFlags(e.flags);
    if (unknown.length > 0) throw new LedgerError('input_malformed', `transfer ${i} (${String(e.id)}): unknown flags ${unknown.join(', ')}; see TRANSFER_FLAG_BITS.`);
    if (e.timestamp !== undefined && !(e.timestamp instanceof Date)) throw new LedgerError('input_malformed', `transfer ${i} (${String(e.id)}): timestamp must be a Date (only on imported transfers).`);
    if (e.userData !== undefined && e.userData !== null && typeof e.userData !== 'string') throw new LedgerError('input_malformed', `transfer ${i} (${String(e.id)}): userData must be a string.`);
    // PostgreSQL text cannot hold NUL; refused here so that one caller's bad string cannot fail a batch shared with others.
    if (typeof e.userData === 'string' && e.userData.includes('\u0000')) throw new LedgerError('input_malformed', `transfer ${i} (${String(e.id)}): userData contains a NUL character; remove it.`);
  });
}

function assertAccountTypes(inputs: readonly AccountInput[]): void {
  if (!Array.isArray(inputs)) throw new LedgerError('input_malformed', 'createAccounts takes an array of accounts.');
  if (inputs.length === 0) throw new LedgerError('batch_empty', 'createAccounts was called with no accounts; send at least one.');
  if (inputs.length > MAX_BATCH_EVENTS) throw new LedgerError('batch_too_large', `createAccounts takes at most ${MAX_BATCH_EVENTS} accounts; split the batch.`);
  inputs.forEach((a, i) => {
    if (typeof a !== 'object' || a === null) throw new LedgerError('input_malformed', `account ${i} is ${describeType(a)}, not an object.`);
    if (typeof a.ledger !== 'number') throw new LedgerError('input_malformed', `account ${i} (${String(a.id)}): ledger must be a number.`);
    const unknown = unknownAccountFlags(a.flags);
    if (unknown.length > 0) throw new LedgerError('input_malformed', `account ${i} (${String(a.id)}): unknown flags ${unknown.join(', ')}; see ACCOUNT_FLAG_BITS.`);
    if (a.timestamp !== undefined && !(a.timestamp instanceof Date)) throw new LedgerError('input_malformed', `account ${i} (${String(a.id)}): timestamp must be a Date (only on imported accounts).`);
  });
}

export class Ledger {
  private readonly batcher: LedgerBatcher | null;
  private closed = false;

  constructor(
    private readonly knex: Knex,
    options: LedgerOptions = {},
  ) {
    this.batcher = options.batching === false ? null : new LedgerBatcher(knex, options.batching ?? {});
  }

  /** Defines ledgers (currency partitions); idempotent, refuses changes to an existing id. */
  defineLedgers(definitions: readonly LedgerDefinition[]): Promise<void> {
    return defineLedgers(this.knex, definitions);
  }

  listLedgers(): Promise<LedgerDefinition[]> {
    return listLedgers(this.knex);
  }

  /** Creates accounts idempotently; one result per input, in order. */
  async createAccounts(inputs: readonly AccountInput[]): Promise<CreateAccountOutcome[]> {
    this.assertOpen();
    assertAccountTypes(inputs);
    return createAccounts(this.knex, inputs);
  }

  /** The accounts that exist among `ids`, in the order asked; unknown ids are left out. */
  lookupAccounts(ids: readonly string[]): Promise<Account[]> {
    return lookupAccounts(this.knex, ids);
  }

  /** The accounts of one owner (owner_ref), oldest first. */
  accountsOfOwner(ownerRef: string): Promise<Account[]> {
    return accountsOfOwner(this.knex, ownerRef);
  }

  /** Applies transfers; one result per event, in order. Business failures are result codes, never throws. */
  async createTransfers(events: readonly TransferInput[]): Promise<CreateTransferOutcome[]> {
    this.assertOpen();
    assertTransferTypes(events);
    if (this.batcher) return this.batcher.createTransfers(events);
    return (await applyTransferSubmissions(this.knex, [events]))[0];
  }

  /** The transfers that exist among `ids`, in the order asked. */
  lookupTransfers(ids: readonly string[]): Promise<Transfer[]> {
    return lookupTransfers(this.knex, ids);
  }

  /**
   * Releases the reservations of pending transfers whose timeout passed (as of `now`, default the
   * database clock). Runs until nothing is due; returns the ids expired. Call it periodically.
   */
  async expirePendingTransfers(now?: Date, batchSize = 1000): Promise<string[]> {
    const expired: string[] = [];
    for (;;) {
      const ids = await expireDuePendingTransfers(this.knex, now, batchSize);
      expired.push(...ids);
      if (ids.length < batchSize) return expired;
    }
  }

  /** Answers every call in flight, then refuses new writes. Does not close the knex pool (the caller owns it). */
  async close(): Promise<void> {
    this.closed = true;
    await this.batcher?.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new LedgerError('ledger_closed', 'this Ledger was closed; create a new one with createLedger(knex).');
  }
}

export function createLedger(knex: Knex, options: LedgerOptions = {}): Ledger {
  return new Ledger(knex, options);
}
