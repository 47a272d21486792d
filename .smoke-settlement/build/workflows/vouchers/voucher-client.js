"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.voucherWorkflowId = voucherWorkflowId;
exports.startVoucherIssuance = startVoucherIssuance;
exports.voucherProgress = voucherProgress;
exports.voucherIssuanceOutcome = voucherIssuanceOutcome;
/**
 * Issuing a voucher file from a client (the CLI, the portal): store it, start (or re-run) its
 * workflow, follow its progress, get the typed result.
 */
const client_1 = require("@temporalio/client");
const common_1 = require("@temporalio/common");
const upload_store_1 = require("../settlement/upload-store");
const voucher_types_1 = require("./voucher-types");
function voucherWorkflowId(fileSha256) {
    return `vouchers-${fileSha256}`;
}
/**
 * Starts the file's workflow. A file being issued right now is joined, not started twice; a file
 * issued before runs again, which issues only the rows that were not issued then.
 */
async function startVoucherIssuance(client, options) {
    const upload = await (0, upload_store_1.storeUpload)(options.file, options.uploadDir, '.csv');
    return client.workflow.start('VoucherIssuanceWorkflow', {
        workflowId: voucherWorkflowId(upload.sha256),
        taskQueue: options.taskQueue,
        args: [{ upload, rowsPerChunk: options.rowsPerChunk }],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        workflowIdConflictPolicy: 'USE_EXISTING',
    });
}
function voucherProgress(handle) {
    return handle.query(voucher_types_1.voucherProgressQuery);
}
/** The typed outcome; a refused file comes back as a value, not a throw. */
async function voucherIssuanceOutcome(handle) {
    try {
        return await handle.result();
    }
    catch (err) {
        if (err instanceof client_1.WorkflowFailedError && err.cause instanceof common_1.ApplicationFailure && err.cause.type === voucher_types_1.VOUCHER_FILE_REJECTED_FAILURE) {
            return (err.cause.details ?? [])[0];
        }
        throw err;
    }
}
