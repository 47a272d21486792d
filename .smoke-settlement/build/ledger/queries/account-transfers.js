"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.listAccountTransfers = listAccountTransfers;
exports.lookupTransfers = lookupTransfers;
const errors_1 = require("../errors");
const flags_1 = require("../flags");
const identifiers_1 = require("../identifiers");
const transfer_records_1 = require("./transfer-records");
const CURSOR_PREFIX = 'seq:';
function encodeCursor(seq) {
    return Buffer.from(`${CURSOR_PREFIX}${seq}`).toString('base64url');
}
function decodeCursor(cursor) {
    const text = Buffer.from(cursor, 'base64url').toString('utf8');
    if (!text.startsWith(CURSOR_PREFIX) || !/^[0-9]{1,19}$/.test(text.slice(CURSOR_PREFIX.length))) {
        throw new errors_1.LedgerError('cursor_malformed', 'the cursor was not produced by listAccountTransfers; pass back nextCursor unchanged, or omit it for the first page.');
    }
    return BigInt(text.slice(CURSOR_PREFIX.length));
}
function kindCondition(kind) {
    switch (kind) {
        case 'pending':
            return `(flags & ${flags_1.TRANSFER_FLAG_BITS.pending}) <> 0`;
        case 'post':
            return `(flags & ${flags_1.TRANSFER_FLAG_BITS.postPendingTransfer}) <> 0`;
        case 'void':
            return `(flags & ${flags_1.TRANSFER_FLAG_BITS.voidPendingTransfer}) <> 0`;
        case 'single_phase':
            return `(flags & ${flags_1.TRANSFER_FLAG_BITS.pending | flags_1.TRANSFER_FLAG_BITS.postPendingTransfer | flags_1.TRANSFER_FLAG_BITS.voidPendingTransfer}) = 0`;
    }
}
async function listAccountTransfers(knex, accountId, filter = {}) {
    if (!(0, identifiers_1.isLedgerId)(accountId))
        throw new errors_1.LedgerError('input_malformed', `account id ${JSON.stringify(accountId)} is not a lower-case UUID.`);
    const limit = filter.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new errors_1.LedgerError('query_invalid', `limit ${limit} must be an integer from 1 to 1000.`);
    const side = filter.side ?? 'both';
    if (!['debits', 'credits', 'both'].includes(side))
        throw new errors_1.LedgerError('query_invalid', `side must be "debits", "credits" or "both".`);
    const order = filter.order ?? 'desc';
    if (order !== 'asc' && order !== 'desc')
        throw new errors_1.LedgerError('query_invalid', 'order must be "asc" or "desc".');
    if (filter.kind !== undefined && !['single_phase', 'pending', 'post', 'void'].includes(filter.kind)) {
        throw new errors_1.LedgerError('query_invalid', 'kind must be one of single_phase, pending, post, void.');
    }
    const after = filter.cursor === undefined ? null : decodeCursor(filter.cursor);
    const conditions = [];
    const values = [];
    const bind = (v) => {
        values.push(v);
        return '?';
    };
    if (after !== null)
        conditions.push(`seq ${order === 'desc' ? '<' : '>'} ${bind(after.toString())}::bigint`);
    if (filter.code !== undefined)
        conditions.push(`code = ${bind(filter.code)}`);
    if (filter.userData !== undefined)
        conditions.push(`user_data = ${bind(filter.userData)}`);
    if (filter.from !== undefined)
        conditions.push(`"timestamp" >= ${bind(filter.from)}`);
    if (filter.until !== undefined)
        conditions.push(`"timestamp" < ${bind(filter.until)}`);
    if (filter.kind !== undefined)
        conditions.push(kindCondition(filter.kind));
    const where = conditions.length > 0 ? ` AND ${conditions.join(' AND ')}` : '';
    const direction = order === 'desc' ? 'DESC' : 'ASC';
    // One index range scan per side, merged: an OR across both account columns would not use them.
    const sides = side === 'both' ? ['debit_account_id', 'credit_account_id'] : [side === 'debits' ? 'debit_account_id' : 'credit_account_id'];
    const parts = sides.map((column) => `(SELECT ${transfer_records_1.TRANSFER_COLUMNS} FROM ledger_transfers WHERE ${column} = ?::uuid${where} ORDER BY seq ${direction} LIMIT ${limit + 1})`);
    const bindings = sides.flatMap(() => [accountId, ...values]);
    const sql = `SELECT * FROM (${parts.join(' UNION ALL ')}) t ORDER BY seq ${direction} LIMIT ${limit + 1}`;
    const result = await knex.raw(sql, bindings);
    const rows = result.rows.map(transfer_records_1.toTransfer);
    const page = rows.slice(0, limit);
    const nextCursor = rows.length > limit ? encodeCursor(page[page.length - 1].seq) : null;
    return { transfers: page, nextCursor };
}
async function lookupTransfers(knex, ids) {
    const valid = ids.filter(identifiers_1.isLedgerId);
    if (valid.length === 0)
        return [];
    const rows = await knex('ledger_transfers').select(knex.raw(transfer_records_1.TRANSFER_COLUMNS)).whereIn('id', valid);
    const byId = new Map(rows.map((r) => [r.id, (0, transfer_records_1.toTransfer)(r)]));
    return valid.map((id) => byId.get(id)).filter((t) => t !== undefined);
}
