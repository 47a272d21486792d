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
exports.proofOf = proofOf;
exports.fileReasonOf = fileReasonOf;
exports.chunkRange = chunkRange;
exports.createSettlementActivities = createSettlementActivities;
/**
 * The settlement activities of the server worker. Each takes a batch key and a chunk index (never
 * records), is idempotent, and reports counts; the records themselves live in settlement_records.
 */
const node_crypto_1 = require("node:crypto");
const fs = __importStar(require("node:fs"));
const node_stream_1 = require("node:stream");
const activity_1 = require("@temporalio/activity");
const ledger_1 = require("../../ledger");
const card_driver_1 = require("../../card-driver");
const registry_1 = require("../registry");
const record_verdict_1 = require("./record-verdict");
const registry_facts_1 = require("./registry-facts");
const rejection_reasons_1 = require("./rejection-reasons");
const settlement_error_1 = require("./settlement-error");
const settlement_store_1 = require("./settlement-store");
const settlement_types_1 = require("./settlement-types");
const transfer_ids_1 = require("./transfer-ids");
const merchant_payout_1 = require("./merchant-payout");
// Rows staged per INSERT while the file streams by: large enough to amortise the round trip.
const STAGE_ROWS = 4000;
/** The first reason card-driver gives, folded into what settlement distinguishes. */
function proofOf(reasons) {
    if (reasons.some((r) => r === 'csn_invalid' || r === 'purse_unknown' || r === 'amount_zero' || r === 'padding_not_zero'))
        return 'malformed_record';
    if (reasons.includes('sam_mac_invalid'))
        return 'sam_mac_invalid';
    if (reasons.includes('purchase_mac_invalid'))
        return 'card_mac_invalid';
    if (reasons.includes('sam_seq_repeated'))
        return 'duplicate_in_file';
    return 'valid';
}
function fileReasonOf(code) {
    switch (code) {
        case 'file_unreadable':
            return 'file_unreadable';
        case 'truncated':
        case 'trailing_bytes':
        case 'record_count_mismatch':
            return 'truncated';
        case 'too_short':
        case 'bad_magic':
        case 'unsupported_version':
        case 'header_padding':
        case 'invalid_record':
            return 'not_an_estb_file';
    }
}
const refuse = (reason, detail) => ({
    accepted: false,
    reason,
    message: detail ? `${rejection_reasons_1.FILE_REJECTION_REASONS[reason]} (${detail})` : rejection_reasons_1.FILE_REJECTION_REASONS[reason],
});
function chunkRange(batch, chunkIndex) {
    const from = chunkIndex * batch.chunkRecords;
    (0, settlement_error_1.assertSettlement)(Number.isInteger(chunkIndex) && chunkIndex >= 0 && from < Math.max(batch.recordCount, 1), `chunk ${chunkIndex} lies inside batch ${batch.batchKey}`);
    return { from, to: Math.min(from + batch.chunkRecords, batch.recordCount) };
}
function createSettlementActivities(deps) {
    const { db, ledger, keys } = deps;
    const beat = deps.heartbeat ?? ((details) => (0, activity_1.heartbeat)(details));
    async function stagedBatch(ref) {
        const batch = await (0, settlement_store_1.findBatch)(db, ref.batchKey);
        (0, settlement_error_1.assertSettlement)(batch, `batch ${ref.batchKey} was registered by verifySettlementFile`);
        (0, settlement_error_1.assertSettlement)(batch.merchantId === ref.merchantId, `batch ${ref.batchKey} belongs to merchant ${ref.merchantId}`);
        (0, settlement_error_1.assertSettlement)(batch.stagedRecords === batch.recordCount, `batch ${ref.batchKey} was fully staged before its chunks are decided`);
        return batch;
    }
    async function merchantOf(merchantId) {
        const merchant = await (0, registry_facts_1.settlingMerchant)(db, merchantId);
        if (!merchant)
            throw new settlement_error_1.SettlementError('merchant_unknown', `Merchant ${merchantId} is not enrolled; enrol it (purseflow merchants enrol) before settling its files.`);
        return merchant;
    }
    async function applyTransfers(step, transfers) {
        if (transfers.length === 0)
            return;
        const outcomes = await ledger.createTransfers(transfers);
        const refused = outcomes.filter((o) => !(0, ledger_1.isTransferApplied)(o.result));
        if (refused.length > 0) {
            throw new settlement_error_1.SettlementError('ledger_refused', `The ledger refused the settlement ${step} ${refused.map((o) => `${o.id}: ${o.result}`).join(', ')}; run purseflow ledger check and check the merchant's and the floats' accounts, then retry the workflow.`);
        }
    }
    return {
        /**
         * Reads the whole file once (streaming): checks the header against the upload, the Transfer
         * card's owner and the file MAC, and stages every record with what the keys say about it.
         * A refused file leaves nothing behind.
         */
        async verifySettlementFile(input) {
            (0, settlement_error_1.assertSettlement)(Number.isInteger(input.chunkRecords) && input.chunkRecords > 0, 'chunkRecords is a positive integer');
            const merchant = await (0, registry_facts_1.settlingMerchant)(db, input.merchantId);
            if (!merchant)
                return refuse('unknown_merchant', input.merchantId);
            const existing = await (0, settlement_store_1.findBatch)(db, input.batchKey);
            if (existing && existing.fileSha256 !== input.upload.sha256)
                return refuse('batch_seq_reused', input.batchKey);
            if (existing && existing.stagedRecords === existing.recordCount) {
                // Verified and staged by an earlier run (a re-upload after a failed run): reading again proves nothing new.
                return { accepted: true, batchKey: existing.batchKey, recordCount: existing.recordCount, chunkRecords: existing.chunkRecords };
            }
            const sha256 = (0, node_crypto_1.createHash)('sha256');
            const source = fs.createReadStream(input.upload.path, { highWaterMark: 1 << 20 });
            const hashing = new node_stream_1.Transform({
                transform(chunk, _encoding, done) {
                    sha256.update(chunk);
                    done(null, chunk);
                },
            });
            source.on('error', (err) => hashing.destroy(err));
            source.pipe(hashing);
            let batch;
            let staged = [];
            let stagedCount = 0;
            // One INSERT in flight while the next rows are verified: PostgreSQL writes while we compute MACs.
            let inFlight = Promise.resolve();
            const flush = async () => {
                await inFlight;
                if (!batch || staged.length === 0)
                    return;
                const rows = staged;
                staged = [];
                const batchKey = batch.batchKey;
                inFlight = (0, settlement_store_1.stageRecords)(db, batchKey, rows).then(() => {
                    stagedCount += rows.length;
                    beat({ stagedRecords: stagedCount });
                });
                // Surfaces a failed INSERT at the next flush; never an unhandled rejection meanwhile.
                inFlight.catch(() => undefined);
            };
            const drain = async () => {
                await flush();
                await inFlight;
            };
            const refuseAndForget = async (verdict) => {
                await inFlight.catch(() => undefined);
                if (batch)
                    await (0, settlement_store_1.discardBatch)(db, batch.batchKey);
                return verdict;
            };
            try {
                for await (const event of (0, card_driver_1.readEstb)(hashing, { keys })) {
                    if (event.kind === 'header') {
                        const h = event.header;
                        if (h.transferCardId !== input.transferCardId || h.batchSeq !== input.batchSeq)
                            return refuse('file_changed', 'its header names another batch');
                        const owner = await (0, registry_facts_1.transferCardOwner)(db, h.transferCardId);
                        if (owner === undefined)
                            return refuse('unknown_transfer_card', h.transferCardId);
                        if (owner !== merchant.id)
                            return refuse('transfer_card_of_other_merchant', h.transferCardId);
                        batch = await (0, settlement_store_1.registerBatch)(db, {
                            batchKey: input.batchKey,
                            transferCardId: h.transferCardId,
                            batchSeq: h.batchSeq,
                            merchantId: merchant.id,
                            fileSha256: input.upload.sha256,
                            recordCount: h.recordCount,
                            chunkRecords: input.chunkRecords,
                        });
                        if (batch.fileSha256 !== input.upload.sha256)
                            return refuse('batch_seq_reused', input.batchKey);
                    }
                    else if (event.kind === 'record') {
                        const r = event.record;
                        staged.push({
                            index: event.index,
                            csn: r.csn,
                            atc: r.atc,
                            purse: r.purse,
                            amount: r.amount,
                            balanceAfter: r.balanceAfter,
                            samId: r.samId,
                            samSeq: r.samSeq,
                            time: r.time,
                            proof: proofOf(event.verdict.reasons),
                        });
                        if (staged.length >= STAGE_ROWS)
                            await flush();
                    }
                    else {
                        await drain();
                        if (!event.fileAccepted)
                            return await refuseAndForget(refuse('file_mac_invalid'));
                        if (sha256.digest('hex') !== input.upload.sha256)
                            return await refuseAndForget(refuse('file_changed'));
                        (0, settlement_error_1.assertSettlement)(batch && stagedCount === batch.recordCount, `every record of ${input.batchKey} was staged`);
                        await (0, settlement_store_1.markStaged)(db, batch.batchKey, stagedCount);
                        return { accepted: true, batchKey: batch.batchKey, recordCount: batch.recordCount, chunkRecords: batch.chunkRecords };
                    }
                }
            }
            catch (err) {
                if (err instanceof card_driver_1.EstbError)
                    return await refuseAndForget(refuse(fileReasonOf(err.code), err.message));
                throw err;
            }
            finally {
                source.destroy();
            }
            return await refuseAndForget(refuse('truncated'));
        },
        /**
         * Decides the chunk's records once (all in one transaction, with the purses' shadow balances
         * locked) and reserves its accepted amount per purse: float → merchant payable, pending.
         */
        async checkSettlementChunk(ref) {
            const batch = await stagedBatch(ref);
            const merchant = await merchantOf(ref.merchantId);
            const { from, to } = chunkRange(batch, ref.chunkIndex);
            await db.transaction(async (trx) => {
                const rows = await (0, settlement_store_1.lockChunkRecords)(trx, batch.batchKey, from, to);
                (0, settlement_error_1.assertSettlement)(rows.length === to - from, `chunk ${ref.chunkIndex} of ${batch.batchKey} has all its ${to - from} records staged`);
                const decided = rows.filter((r) => r.decided).length;
                if (decided === rows.length)
                    return; // decided by an earlier attempt
                (0, settlement_error_1.assertSettlement)(decided === 0, `chunk ${ref.chunkIndex} of ${batch.batchKey} is decided all at once`);
                // One connection per transaction: its queries go one after another.
                const sams = await (0, registry_facts_1.samOwners)(trx, rows.map((r) => r.samId));
                const cards = await (0, registry_facts_1.cardStandings)(trx, rows.map((r) => r.csn));
                const pairs = await (0, settlement_store_1.settledPairs)(trx, rows);
                const purses = await (0, registry_facts_1.lockPurseShadows)(trx, rows.filter((r) => cards.has(r.csn)).map((r) => r.csn));
                const context = {
                    batchKey: batch.batchKey,
                    merchant: { id: merchant.id, foodEligible: merchant.foodEligible },
                    samOwners: sams,
                    cards,
                    settledCardAtc: pairs.cardAtc,
                    settledSamSeq: pairs.samSeq,
                    purses,
                };
                const decision = (0, record_verdict_1.decideChunk)(rows, context);
                await (0, settlement_store_1.writeVerdicts)(trx, batch.batchKey, decision.verdicts);
                const byIndex = new Map(rows.map((r) => [r.index, r]));
                // One movement per purse and chunk (the chunk is decided once, in this transaction): the
                // registry's shadow sees every settled minor unit, at a row per card rather than per record.
                await (0, registry_facts_1.recordSettledPurchases)(trx, [...decision.settledDeltas].map(([key, amount]) => ({ key: `settlement/${batch.batchKey}/${ref.chunkIndex}/${key}`, ...(0, record_verdict_1.purseOfKey)(key), amount })));
                const overspent = decision.verdicts.filter((v) => !v.accepted && v.reason === 'card_overspent').map((v) => byIndex.get(v.index));
                await (0, settlement_store_1.flagOverspends)(trx, batch.batchKey, overspent);
            });
            const amounts = await (0, settlement_store_1.acceptedByPurse)(db, batch.batchKey, from, to);
            await applyTransfers('reservation', [...amounts].map(([purse, amount]) => ({
                id: (0, transfer_ids_1.settlementPendingId)(batch.batchKey, ref.chunkIndex, purse),
                debitAccountId: (0, registry_facts_1.floatAccountId)(purse),
                creditAccountId: merchant.payableAccountId,
                amount,
                code: purse === record_verdict_1.PURSE_ECASH ? registry_1.TRANSFER_CODE.settlementEcash : registry_1.TRANSFER_CODE.settlementFood,
                flags: { pending: true },
                userData: `settlement/${batch.batchKey}/${ref.chunkIndex}`,
            })));
            const counts = await (0, settlement_store_1.verdictCounts)(db, batch.batchKey, from, to);
            (0, settlement_error_1.assertSettlement)(counts.undecided === 0, `chunk ${ref.chunkIndex} of ${batch.batchKey} left no record undecided`);
            return { chunkIndex: ref.chunkIndex, records: to - from, accepted: counts.accepted, rejected: counts.rejected };
        },
        /** Posts the chunk's reservations in full. */
        async postSettlementChunk(ref) {
            const batch = await stagedBatch(ref);
            const { from, to } = chunkRange(batch, ref.chunkIndex);
            const amounts = await (0, settlement_store_1.acceptedByPurse)(db, batch.batchKey, from, to);
            await applyTransfers('post', [...amounts.keys()].map((purse) => ({
                id: (0, transfer_ids_1.settlementPostId)(batch.batchKey, ref.chunkIndex, purse),
                pendingId: (0, transfer_ids_1.settlementPendingId)(batch.batchKey, ref.chunkIndex, purse),
                flags: { postPendingTransfer: true },
            })));
        },
        /** The batch's outcome from the database: counts per reason, amounts per purse, the first rejections. */
        async summarizeSettlement(ref) {
            const batch = await stagedBatch(ref);
            const counts = await (0, settlement_store_1.verdictCounts)(db, batch.batchKey);
            (0, settlement_error_1.assertSettlement)(counts.undecided === 0, `batch ${batch.batchKey} is fully decided before it is summarised`);
            const amounts = await (0, settlement_store_1.acceptedByPurse)(db, batch.batchKey, 0, batch.recordCount);
            const rejections = await (0, settlement_store_1.rejectedRecords)(db, batch.batchKey, { limit: settlement_types_1.RESULT_REJECTIONS_LIMIT + 1 });
            return {
                outcome: 'settled',
                batchKey: batch.batchKey,
                merchantId: batch.merchantId,
                records: batch.recordCount,
                accepted: counts.accepted,
                rejected: counts.rejected,
                rejectedByReason: counts.rejectedByReason,
                settledMinor: { ecash: (amounts.get(1) ?? 0n).toString(), food: (amounts.get(2) ?? 0n).toString() },
                rejections: rejections.slice(0, settlement_types_1.RESULT_REJECTIONS_LIMIT),
                moreRejections: rejections.length > settlement_types_1.RESULT_REJECTIONS_LIMIT,
            };
        },
        /** merchant_payable → bank, once per reference; amounts in minor units as decimal strings. */
        async payOutMerchant(request) {
            if (request.amountMinor !== undefined && !/^[1-9][0-9]*$/.test(request.amountMinor)) {
                throw new settlement_error_1.SettlementError('invalid_argument', `A payout amount is a positive whole number of minor units; got ${JSON.stringify(request.amountMinor)}.`);
            }
            const payout = await (0, merchant_payout_1.payOutMerchant)({ db, ledger }, { merchantId: request.merchantId, reference: request.reference, amountMinor: request.amountMinor === undefined ? undefined : BigInt(request.amountMinor) });
            return { ...payout, amountMinor: payout.amountMinor.toString() };
        },
    };
}
