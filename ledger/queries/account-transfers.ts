/**
 * The transfers of one account, newest or oldest first, filtered, a page at a time. The cursor
 * is the journal position (seq) of the last transfer returned, so pages stay stable while new
 * transfers arrive.
 */
import type { Knex } from 'knex';
import { LedgerError } from '../errors';
import { TRANSFER_FLAG_BITS as T } from '../flags';
import { isLedgerId } from '../identifiers';
import type { Transfer } from '../transfer';
import { TRANSFER_COLUMNS, toTransfer, type TransferRecord } from './transfer-records';

export type TransferKind = 'single_phase' | 'pending' | 'post' | 'void';

export interface AccountTransfersFilter {
  /** Which side of the account: transfers debiting it, crediting it, or both (default). */
  readonly side?: 'debits' | 'credits' | 'both';
  readonly code?: number;
  readonly kind?: TransferKind;
  readonly userData?: string;
  /** Inclusive lower and exclusive upper bound on the transfer's timestamp. */
  readonly from?: Date;
  readonly until?: Date;
  /** 1..1000, default 100. */
  readonly limit?: number;
  readonly order?: 'asc' | 'desc';
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface TransferPage {
  readonly transfers: Transfer[];
  /** Pass as `cursor` for the next page; null when this page is the last. */
  readonly nextCursor: string | null;
}

const CURSOR_PREFIX = 'seq:';

function encodeCursor(seq: bigint): string {
  return Buffer.from(`${CURSOR_PREFIX}${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): bigint {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(CURSOR_PREFIX) || !/^[0-9]{1,19}$/.test(text.slice(CURSOR_PREFIX.length))) {
    throw new LedgerError('cursor_malformed', 'the cursor was not produced by listAccountTransfers; pass back nextCursor unchanged, or omit it for the first page.');
  }
  return BigInt(text.slice(CURSOR_PREFIX.length));
}

function kindCondition(kind: TransferKind): string {
  switch (kind) {
    case 'pending':
      return `(flags & ${T.pending}) <> 0`;
    case 'post':
      return `(flags & ${T.postPendingTransfer}) <> 0`;
    case 'void':
      return `(flags & ${T.voidPendingTransfer}) <> 0`;
    case 'single_phase':
      return `(flags & ${T.pending | T.postPendingTransfer | T.voidPendingTransfer}) = 0`;
  }
}

export async function listAccountTransfers(knex: Knex, accountId: string, filter: AccountTransfersFilter = {}): Promise<TransferPage> {
  if (!isLedgerId(accountId)) throw new LedgerError('input_malformed', `account id ${JSON.stringify(accountId)} is not a lower-case UUID.`);
  const limit = filter.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new LedgerError('query_invalid', `limit ${limit} must be an integer from 1 to 1000.`);
  const side = filter.side ?? 'both';
  if (!['debits', 'credits', 'both'].includes(side)) throw new LedgerError('query_invalid', `side must be "debits", "credits" or "both".`);
  const order = filter.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new LedgerError('query_invalid', 'order must be "asc" or "desc".');
  if (filter.kind !== undefined && !['single_phase', 'pending', 'post', 'void'].includes(filter.kind)) {
    throw new LedgerError('query_invalid', 'kind must be one of single_phase, pending, post, void.');
  }
  const after = filter.cursor === undefined ? null : decodeCursor(filter.cursor);

  const conditions: string[] = [];
  const values: unknown[] = [];
  const bind = (v: unknown): string => {
    values.push(v);
    return '?';
  };
  if (after !== null) conditions.push(`seq ${order === 'desc' ? '<' : '>'} ${bind(after.toString())}::bigint`);
  if (filter.code !== undefined) conditions.push(`code = ${bind(filter.code)}`);
  if (filter.userData !== undefined) conditions.push(`user_data = ${bind(filter.userData)}`);
  if (filter.from !== undefined) conditions.push(`"timestamp" >= ${bind(filter.from)}`);
  if (filter.until !== undefined) conditions.push(`"timestamp" < ${bind(filter.until)}`);
  if (filter.kind !== undefined) conditions.push(kindCondition(filter.kind));
  const where = conditions.length > 0 ? ` AND ${conditions.join(' AND ')}` : '';
  const direction = order === 'desc' ? 'DESC' : 'ASC';

  // One index range scan per side, merged: an OR across both account columns would not use them.
  const sides = side === 'both' ? ['debit_account_id', 'credit_account_id'] : [side === 'debits' ? 'debit_account_id' : 'credit_account_id'];
  const parts = sides.map((column) => `(SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE ${column} = ?::uuid${where} ORDER BY seq ${direction} LIMIT ${limit + 1})`);
  const bindings = sides.flatMap(() => [accountId, ...values]);
  const sql = `SELECT * FROM (${parts.join(' UNION ALL ')}) t ORDER BY seq ${direction} LIMIT ${limit + 1}`;
  const result = await knex.raw<{ rows: TransferRecord[] }>(sql, bindings as Knex.RawBinding[]);
  const rows = result.rows.map(toTransfer);
  const page = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? encodeCursor(page[page.length - 1].seq) : null;
  return { transfers: page, nextCursor };
}

export async function lookupTransfers(knex: Knex, ids: readonly string[]): Promise<Transfer[]> {
  const valid = ids.filter(isLedgerId);
  if (valid.length === 0) return [];
  const rows: TransferRecord[] = await knex('ledger_transfers').select(knex.raw(TRANSFER_COLUMNS)).whereIn('id', valid);
  const byId = new Map(rows.map((r) => [r.id, toTransfer(r)]));
  return valid.map((id) => byId.get(id)).filter((t): t is Transfer => t !== undefined);
}
