"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_ROWS_PER_CHUNK = void 0;
exports.VoucherIssuanceWorkflow = VoucherIssuanceWorkflow;
/**
 * VoucherIssuanceWorkflow: one run per voucher file (named by the file's hash), one activity per
 * chunk of lines, a progress query for the terminal's progress bar. Running the same file again
 * issues only what is missing (for example rows of customers enrolled since): every voucher's
 * transfer id is named by the file and the line.
 */
const workflow_1 = require("@temporalio/workflow");
const common_1 = require("@temporalio/common");
const voucher_types_1 = require("./voucher-types");
const PURSEFLOW_KIND = (0, common_1.defineSearchAttributeKey)('PurseflowKind', 'KEYWORD');
const PURSEFLOW_STATE = (0, common_1.defineSearchAttributeKey)('PurseflowState', 'KEYWORD');
exports.DEFAULT_ROWS_PER_CHUNK = 1000;
const activities = (0, workflow_1.proxyActivities)({
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
async function VoucherIssuanceWorkflow(input) {
    const progress = { phase: 'scanning', totalRows: 0, processedRows: 0, issued: 0, alreadyIssued: 0, rejected: 0 };
    (0, workflow_1.setHandler)(voucher_types_1.voucherProgressQuery, () => ({ ...progress }));
    const enter = (phase) => {
        progress.phase = phase;
        (0, workflow_1.upsertSearchAttributes)([
            { key: PURSEFLOW_KIND, value: 'vouchers' },
            { key: PURSEFLOW_STATE, value: phase },
        ]);
    };
    enter('scanning');
    const scan = await activities.scanVoucherFile({ upload: input.upload, rowsPerChunk: input.rowsPerChunk ?? exports.DEFAULT_ROWS_PER_CHUNK });
    if (!scan.accepted) {
        enter('file_rejected');
        const result = { outcome: 'file_rejected', fileSha256: input.upload.sha256, reason: scan.reason, message: scan.message };
        throw workflow_1.ApplicationFailure.create({ type: voucher_types_1.VOUCHER_FILE_REJECTED_FAILURE, message: scan.message, nonRetryable: true, details: [result] });
    }
    enter('issuing');
    progress.totalRows = scan.rows;
    const rejections = [];
    let issuedMinor = 0n;
    for (const chunk of scan.chunks) {
        const summary = await activities.issueVoucherChunk({ upload: input.upload, chunk });
        progress.processedRows += summary.rows;
        progress.issued += summary.issued;
        progress.alreadyIssued += summary.alreadyIssued;
        progress.rejected += summary.rejections.length;
        issuedMinor += BigInt(summary.issuedMinor);
        for (const r of summary.rejections)
            if (rejections.length <= voucher_types_1.RESULT_ROW_REJECTIONS_LIMIT)
                rejections.push(r);
    }
    enter('done');
    return {
        outcome: 'processed',
        fileSha256: input.upload.sha256,
        rows: progress.totalRows,
        issued: progress.issued,
        alreadyIssued: progress.alreadyIssued,
        rejected: progress.rejected,
        issuedMinor: issuedMinor.toString(),
        rejections: rejections.slice(0, voucher_types_1.RESULT_ROW_REJECTIONS_LIMIT),
        moreRejections: rejections.length > voucher_types_1.RESULT_ROW_REJECTIONS_LIMIT,
    };
}
