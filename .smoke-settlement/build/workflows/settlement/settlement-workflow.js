"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_CHUNKS_PER_RUN = exports.DEFAULT_CHUNK_RECORDS = void 0;
exports.SettlementWorkflow = SettlementWorkflow;
/**
 * SettlementWorkflow (design.md): verify the `.estb` file, decide every record chunk by chunk
 * (reserving each chunk's accepted amount as a pending transfer float → merchant payable), then
 * post every chunk's reservation, and end with a per-reason account of the rejected records.
 * Named `settlement-<Transfer card id>-<batch seq>`, so uploading the same file again finds this
 * run. Records never enter the history: activities take a chunk index and return counts.
 */
const workflow_1 = require("@temporalio/workflow");
const common_1 = require("@temporalio/common");
const settlement_types_1 = require("./settlement-types");
const batch_identity_1 = require("./batch-identity");
const PURSEFLOW_KIND = (0, common_1.defineSearchAttributeKey)('PurseflowKind', 'KEYWORD');
const PURSEFLOW_STATE = (0, common_1.defineSearchAttributeKey)('PurseflowState', 'KEYWORD');
const MERCHANT_ID = (0, common_1.defineSearchAttributeKey)('MerchantId', 'KEYWORD');
exports.DEFAULT_CHUNK_RECORDS = 5000;
exports.DEFAULT_CHUNKS_PER_RUN = 200;
// Reading and staging a large file takes a while; the heartbeat says the reader is alive.
const fileActivities = (0, workflow_1.proxyActivities)({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['SettlementError'] },
});
// Chunk steps are idempotent (verdict rows written once, transfer ids named by chunk): retrying is safe.
const chunkActivities = (0, workflow_1.proxyActivities)({
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['SettlementError'] },
});
async function SettlementWorkflow(input) {
    const batchKey = (0, batch_identity_1.batchKeyOf)(input);
    const progress = {
        phase: 'verifying',
        records: input.resume?.recordCount ?? 0,
        chunkCount: 0,
        chunksChecked: 0,
        chunksPosted: 0,
        accepted: 0,
        rejected: 0,
    };
    (0, workflow_1.setHandler)(settlement_types_1.settlementProgressQuery, () => ({ ...progress }));
    const enter = (phase) => {
        progress.phase = phase;
        (0, workflow_1.upsertSearchAttributes)([
            { key: PURSEFLOW_KIND, value: 'settlement' },
            { key: MERCHANT_ID, value: input.merchantId },
            { key: PURSEFLOW_STATE, value: phase },
        ]);
    };
    let resume = input.resume;
    if (!resume) {
        enter('verifying');
        const verification = await fileActivities.verifySettlementFile({
            batchKey,
            merchantId: input.merchantId,
            transferCardId: input.transferCardId,
            batchSeq: input.batchSeq,
            upload: input.upload,
            chunkRecords: input.chunkRecords ?? exports.DEFAULT_CHUNK_RECORDS,
        });
        if (!verification.accepted) {
            enter('file_rejected');
            const rejected = { outcome: 'file_rejected', batchKey, merchantId: input.merchantId, reason: verification.reason, message: verification.message };
            // A failed run (not a completed one) lets the merchant upload a corrected export under the same id.
            throw workflow_1.ApplicationFailure.create({ type: settlement_types_1.FILE_REJECTED_FAILURE, message: verification.message, nonRetryable: true, details: [rejected] });
        }
        resume = { batchKey, recordCount: verification.recordCount, chunkRecords: verification.chunkRecords, phase: 'checking', nextChunk: 0 };
    }
    const chunkCount = Math.ceil(resume.recordCount / resume.chunkRecords);
    const chunksPerRun = input.chunksPerRun ?? exports.DEFAULT_CHUNKS_PER_RUN;
    progress.records = resume.recordCount;
    progress.chunkCount = chunkCount;
    let stepsThisRun = 0;
    const continueIfLong = async (phase, nextChunk) => {
        if (++stepsThisRun < chunksPerRun || nextChunk >= chunkCount)
            return;
        await (0, workflow_1.continueAsNew)({ ...input, resume: { ...resume, phase, nextChunk } });
    };
    if (resume.phase === 'checking') {
        enter('checking');
        progress.chunksChecked = resume.nextChunk;
        for (let chunkIndex = resume.nextChunk; chunkIndex < chunkCount; chunkIndex++) {
            const summary = await chunkActivities.checkSettlementChunk({ batchKey, merchantId: input.merchantId, chunkIndex });
            progress.chunksChecked = chunkIndex + 1;
            progress.accepted += summary.accepted;
            progress.rejected += summary.rejected;
            await continueIfLong('checking', chunkIndex + 1);
        }
        resume = { ...resume, phase: 'posting', nextChunk: 0 };
    }
    else {
        progress.chunksChecked = chunkCount;
    }
    enter('posting');
    progress.chunksPosted = resume.nextChunk;
    for (let chunkIndex = resume.nextChunk; chunkIndex < chunkCount; chunkIndex++) {
        await chunkActivities.postSettlementChunk({ batchKey, merchantId: input.merchantId, chunkIndex });
        progress.chunksPosted = chunkIndex + 1;
        await continueIfLong('posting', chunkIndex + 1);
    }
    const result = await chunkActivities.summarizeSettlement({ batchKey, merchantId: input.merchantId });
    progress.accepted = result.accepted;
    progress.rejected = result.rejected;
    enter('settled');
    return result;
}
