"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.linesOf = linesOf;
exports.voucherTransferId = voucherTransferId;
exports.createVoucherActivities = createVoucherActivities;
/**
 * The voucher activities of the server worker: scan a stored CSV into chunks of whole lines, then
 * issue each chunk's vouchers (programme → customer_food, single phase) in one ledger call. A
 * voucher's transfer id is named by the file's hash and its line, exactly as the registry names a
 * food voucher (`funding/food_voucher/<voucher id>`), so a re-run, a retried activity or the
 * registry's own issueFoodVoucher with the same voucher id can never issue it twice.
 */
const node_crypto_1 = require("node:crypto");
const fs = __importStar(require("node:fs"));
const ledger_1 = require("../../ledger");
const registry_1 = require("../registry");
const voucher_rows_1 = require("./voucher-rows");
const voucher_types_1 = require("./voucher-types");
// A voucher file is read whole by the scan; far above any programme's list, far below memory trouble.
const MAX_FILE_BYTES = 256 * 1024 * 1024;
const refuse = (reason, detail) => ({
    accepted: false,
    reason,
    message: detail ? `${voucher_types_1.VOUCHER_FILE_REJECTIONS[reason]} (${detail})` : voucher_types_1.VOUCHER_FILE_REJECTIONS[reason],
});
/** Splits a buffer into lines with their byte offsets; `\r\n` and `\n` both end a line. */
function linesOf(bytes) {
    const lines = [];
    let start = 0;
    while (start < bytes.length) {
        const newline = bytes.indexOf(0x0a, start);
        const end = newline === -1 ? bytes.length : newline + 1;
        lines.push({ start, end, text: bytes.toString('utf8', start, end).replace(/\r?\n$/, '') });
        start = end;
    }
    return lines;
}
/** The voucher transfer id the registry would use for the same voucher id. */
function voucherTransferId(voucherId) {
    return (0, registry_1.nameBasedId)(`funding/food_voucher/${voucherId}`);
}
function createVoucherActivities(deps) {
    const { db, ledger } = deps;
    return {
        async scanVoucherFile(input) {
            let bytes;
            try {
                const stat = await fs.promises.stat(input.upload.path);
                if (stat.size > MAX_FILE_BYTES)
                    return refuse('file_unreadable', `larger than ${MAX_FILE_BYTES} bytes; split the file`);
                bytes = await fs.promises.readFile(input.upload.path);
            }
            catch (err) {
                return refuse('file_unreadable', err.code);
            }
            if ((0, node_crypto_1.createHash)('sha256').update(bytes).digest('hex') !== input.upload.sha256)
                return refuse('file_changed');
            const lines = linesOf(bytes);
            if (lines.length === 0 || !(0, voucher_rows_1.isVoucherHeader)(lines[0].text))
                return refuse('header_missing');
            const chunks = [];
            let rows = 0;
            let current;
            for (let i = 1; i < lines.length; i++) {
                if ((0, voucher_rows_1.isBlankLine)(lines[i].text))
                    continue;
                current ??= { fromByte: lines[i].start, firstLine: i + 1, rows: 0 };
                current.rows++;
                rows++;
                if (current.rows === input.rowsPerChunk) {
                    chunks.push({ ...current, toByte: lines[i].end });
                    current = undefined;
                }
            }
            if (current)
                chunks.push({ ...current, toByte: bytes.length });
            return { accepted: true, rows, chunks };
        },
        async issueVoucherChunk(input) {
            const { chunk, upload } = input;
            const handle = await fs.promises.open(upload.path, 'r');
            let bytes;
            try {
                bytes = Buffer.alloc(chunk.toByte - chunk.fromByte);
                await handle.read(bytes, 0, bytes.length, chunk.fromByte);
            }
            finally {
                await handle.close();
            }
            const rejections = [];
            const candidates = [];
            linesOf(bytes).forEach((l, i) => {
                if ((0, voucher_rows_1.isBlankLine)(l.text))
                    return;
                const parsed = (0, voucher_rows_1.parseVoucherLine)(chunk.firstLine + i, l.text);
                if (parsed.ok)
                    candidates.push(parsed.row);
                else
                    rejections.push(parsed.rejection);
            });
            const customers = candidates.length
                ? await db('registry_customers').whereIn('id', [...new Set(candidates.map((r) => r.customerId))]).select('id', 'food_account_id')
                : [];
            const foodAccount = new Map(customers.map((c) => [c.id, c.food_account_id]));
            const issuable = [];
            for (const row of candidates) {
                if (foodAccount.has(row.customerId))
                    issuable.push(row);
                else
                    rejections.push({ line: row.line, reason: 'unknown_customer', text: `${row.customerId}` });
            }
            let issued = 0;
            let alreadyIssued = 0;
            let issuedMinor = 0n;
            if (issuable.length > 0) {
                const programme = registry_1.Registry.platformAccountId('programme');
                const transfers = issuable.map((row) => {
                    const voucherId = (0, voucher_rows_1.voucherIdOf)(upload.sha256, row.line);
                    return {
                        id: voucherTransferId(voucherId),
                        debitAccountId: programme,
                        creditAccountId: foodAccount.get(row.customerId),
                        amount: row.amountMinor,
                        code: registry_1.TRANSFER_CODE.foodVoucher,
                        userData: voucherId,
                    };
                });
                const outcomes = await ledger.createTransfers(transfers);
                const fundings = [];
                outcomes.forEach((outcome, i) => {
                    const row = issuable[i];
                    if (!(0, ledger_1.isTransferApplied)(outcome.result)) {
                        rejections.push({ line: row.line, reason: 'ledger_refused', text: `${row.customerId} (${outcome.result})` });
                        return;
                    }
                    if (outcome.result === 'ok') {
                        issued++;
                        issuedMinor += row.amountMinor;
                    }
                    else
                        alreadyIssued++;
                    fundings.push({
                        id: (0, voucher_rows_1.voucherIdOf)(upload.sha256, row.line),
                        kind: 'food_voucher',
                        customer_id: row.customerId,
                        amount_minor: row.amountMinor.toString(),
                        transfer_id: transfers[i].id,
                    });
                });
                // The registry's record of fundings, as registry.issueFoodVoucher keeps it.
                if (fundings.length > 0)
                    await db('registry_fundings').insert(fundings).onConflict('id').ignore();
            }
            rejections.sort((a, b) => a.line - b.line);
            return { rows: chunk.rows, issued, alreadyIssued, issuedMinor: issuedMinor.toString(), rejections };
        },
    };
}
