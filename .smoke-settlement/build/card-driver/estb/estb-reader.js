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
exports.readEstb = readEstb;
exports.verifyEstb = verifyEstb;
// Streaming reader and verifier of `.estb` files (spec 4.5). Memory stays bounded whatever the
// file size: the stream is read in chunks, records are verified a chunk at a time and handed out
// one by one, and the file MAC is computed incrementally. A record's verdict covers the rules
// that need no database; duplicates against earlier files, card status and ownership in the
// ledger are the caller's to check.
const fs = __importStar(require("node:fs"));
const node_crypto_1 = require("node:crypto");
const digits_1 = require("../crypto/digits");
const retail_mac_1 = require("../crypto/retail-mac");
const transaction_macs_1 = require("../esmart/transaction-macs");
const estb_error_1 = require("./estb-error");
const estb_format_1 = require("./estb-format");
const READ_CHUNK_BYTES = 256 * 1024;
const CHECK_BATCH_RECORDS = 256;
/** Reads and verifies a file given as a path or a byte stream. Unreadable files throw EstbError. */
async function* readEstb(source, options) {
    const stream = typeof source === 'string' ? fs.createReadStream(source, { highWaterMark: READ_CHUNK_BYTES }) : source;
    const checker = new RecordChecker(options);
    let pending = Buffer.alloc(0);
    let header;
    let mac;
    let index = 0;
    let accepted = 0;
    const fileRejections = [];
    try {
        for await (const piece of stream) {
            const chunk = typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece;
            pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
            if (!header) {
                if (pending.length < estb_format_1.HEADER_BYTES)
                    continue;
                header = (0, estb_format_1.decodeHeader)(pending.subarray(0, estb_format_1.HEADER_BYTES));
                const merchant = options.merchant;
                if (merchant && !merchant.transferCardIds.has(header.transferCardId))
                    fileRejections.push('transfer_card_not_of_merchant');
                mac = options.keys.transferFileMac(header.transferCardId).update(estb_format_1.FILE_MAC_TAG).update(pending.subarray(0, estb_format_1.HEADER_BYTES));
                pending = pending.subarray(estb_format_1.HEADER_BYTES);
                yield { kind: 'header', header };
            }
            // Small batches keep every record object short-lived (collected young, never promoted), so
            // the heap stays flat however large the file; the SAM MACs are still batched per SAM.
            for (;;) {
                const count = Math.min(header.recordCount - index, Math.floor(pending.length / estb_format_1.RECORD_BYTES), CHECK_BATCH_RECORDS);
                if (count <= 0)
                    break;
                const block = pending.subarray(0, count * estb_format_1.RECORD_BYTES);
                mac.update(block);
                const verdicts = checker.check(block, count);
                for (let i = 0; i < count; i++) {
                    const v = verdicts[i];
                    if (v.verdict.accepted)
                        accepted++;
                    yield { kind: 'record', index: index + i, record: v.record, verdict: v.verdict };
                }
                index += count;
                pending = pending.subarray(count * estb_format_1.RECORD_BYTES);
            }
            if (index === header.recordCount && pending.length > estb_format_1.TRAILER_BYTES) {
                throw new estb_error_1.EstbError('trailing_bytes', `The file holds more than the ${header.recordCount} records its header announces; it is damaged or tampered with. Export it again.`);
            }
        }
    }
    catch (err) {
        if (err instanceof estb_error_1.EstbError)
            throw err;
        if (isIoError(err)) {
            throw new estb_error_1.EstbError('file_unreadable', `Cannot read the settlement file (${err.code}); check the path and permissions.`);
        }
        throw err;
    }
    if (!header)
        throw new estb_error_1.EstbError('too_short', `An .estb file starts with a ${estb_format_1.HEADER_BYTES}-byte header; this one has ${pending.length} bytes. Export the file from the Transfer card again.`);
    if (index < header.recordCount || pending.length < estb_format_1.TRAILER_BYTES) {
        throw new estb_error_1.EstbError('truncated', `The file ends early: its header announces ${header.recordCount} records and a MAC, but only ${index} records${index === header.recordCount ? ' and no complete MAC' : ''} arrived. Upload the complete file.`);
    }
    if (!sameBytes(mac.digest(), pending.subarray(0, estb_format_1.TRAILER_BYTES)))
        fileRejections.unshift('file_mac_invalid');
    yield {
        kind: 'end',
        fileAccepted: fileRejections.length === 0,
        fileRejections,
        records: index,
        acceptedRecords: accepted,
        rejectedRecords: index - accepted,
    };
}
/** Reads a whole file, handing each record to `onRecord`, and sums up. */
async function verifyEstb(source, options, onRecord) {
    let header;
    const byReason = {};
    for await (const event of readEstb(source, options)) {
        if (event.kind === 'header')
            header = event.header;
        else if (event.kind === 'record') {
            for (const r of event.verdict.reasons)
                byReason[r] = (byReason[r] ?? 0) + 1;
            onRecord?.(event.index, event.record, event.verdict);
        }
        else {
            return { header: header, ...withoutKind(event), rejectionsByReason: byReason };
        }
    }
    throw new estb_error_1.EstbError('truncated', 'The settlement file ended without its MAC.');
}
function withoutKind(event) {
    const { kind: _kind, ...rest } = event;
    return rest;
}
/** Checks records a block at a time; remembers, per SAM, the highest sequence number seen. */
class RecordChecker {
    options;
    #lastSeqBySam = new Map();
    constructor(options) {
        this.options = options;
    }
    check(block, count) {
        const { keys, merchant } = this.options;
        const out = new Array(count);
        const bySam = new Map();
        for (let i = 0; i < count; i++) {
            const bytes = block.subarray(i * estb_format_1.RECORD_BYTES, (i + 1) * estb_format_1.RECORD_BYTES);
            const record = (0, estb_format_1.decodeRecord)(bytes);
            const reasons = [];
            const csnValid = /^[0-9]{16}$/.test(record.csn) && (0, digits_1.hasValidLuhn)(record.csn);
            const purseValid = record.purse === 1 || record.purse === 2;
            if (!csnValid)
                reasons.push('csn_invalid');
            if (!purseValid)
                reasons.push('purse_unknown');
            if (record.amount === 0n)
                reasons.push('amount_zero');
            if (!isZero(bytes, 43, estb_format_1.RECORD_BYTES))
                reasons.push('padding_not_zero');
            if (csnValid) {
                const kp = keys.cardPurchaseKey(record.csn);
                const macp = (0, transaction_macs_1.purchaseMacOverFields)(kp, record.atc, bytes.subarray(0, estb_format_1.PURCHASE_FIELDS_SPAN));
                if (!sameBytes(macp, record.macp))
                    reasons.push('purchase_mac_invalid');
            }
            const last = this.#lastSeqBySam.get(record.samId);
            if (last !== undefined && record.samSeq <= last)
                reasons.push('sam_seq_repeated');
            else
                this.#lastSeqBySam.set(record.samId, record.samSeq);
            if (merchant) {
                if (!merchant.samIds.has(record.samId))
                    reasons.push('sam_not_of_merchant');
                if (record.purse === 2 && !merchant.acceptsFoodVouchers)
                    reasons.push('food_not_accepted');
            }
            let group = bySam.get(record.samId);
            if (!group)
                bySam.set(record.samId, (group = []));
            group.push(i);
            out[i] = { record, verdict: { accepted: false, reasons } };
        }
        for (const [samId, indexes] of bySam) {
            const messages = indexes.map((i) => Buffer.concat([SAM_TAG, block.subarray(i * estb_format_1.RECORD_BYTES, i * estb_format_1.RECORD_BYTES + estb_format_1.SAM_MAC_SPAN)]));
            const macs = (0, retail_mac_1.retailMac4Batch)(keys.samKey(samId), messages);
            indexes.forEach((i, k) => {
                if (!sameBytes(macs[k], out[i].record.macs))
                    out[i].verdict.reasons.push('sam_mac_invalid');
            });
        }
        for (const o of out)
            o.verdict.accepted = o.verdict.reasons.length === 0;
        return out;
    }
}
const SAM_TAG = Buffer.of(0x05);
function isZero(b, from, to) {
    for (let i = from; i < to; i++)
        if (b[i] !== 0)
            return false;
    return true;
}
function sameBytes(a, b) {
    return a.length === b.length && (0, node_crypto_1.timingSafeEqual)(a, b);
}
// Duck-typed: errors from Node's fs may come from another realm (test sandboxes), failing instanceof.
function isIoError(err) {
    const code = typeof err === 'object' && err !== null ? err.code : undefined;
    return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}
