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
exports.uploadSettlementFile = uploadSettlementFile;
exports.settlementOutcome = settlementOutcome;
exports.settlementProgress = settlementProgress;
/**
 * Starting and following a settlement from a client (the CLI, the portal): the same code for both.
 * The client reads the file's header to name the workflow, so uploading the same file twice finds
 * the first run and its result instead of settling again.
 */
const fs = __importStar(require("node:fs"));
const client_1 = require("@temporalio/client");
const common_1 = require("@temporalio/common");
const batch_identity_1 = require("./batch-identity");
const settlement_error_1 = require("./settlement-error");
const settlement_types_1 = require("./settlement-types");
const upload_store_1 = require("./upload-store");
// Only what names the workflow is read here (spec 4.5: "ESTB", version, Transfer card id, batch
// seq); the worker verifies the whole file with card-driver's reader, header included, and refuses
// it if these bytes lied. The client stays free of card-driver (and of its native reader modules).
const ESTB_MAGIC = 'ESTB';
const ESTB_VERSION = 0x01;
const NAMING_BYTES = 17;
async function readBatchIdentity(upload) {
    const fd = await fs.promises.open(upload.path, 'r');
    try {
        const head = Buffer.alloc(NAMING_BYTES);
        const { bytesRead } = await fd.read(head, 0, NAMING_BYTES, 0);
        if (bytesRead < NAMING_BYTES || head.toString('latin1', 0, 4) !== ESTB_MAGIC || head[4] !== ESTB_VERSION) {
            throw new settlement_error_1.SettlementError('not_an_estb_file', `${upload.path} is not an .estb settlement file (version 01); upload the file exported from the Transfer card.`);
        }
        return { transferCardId: head.toString('hex', 5, 13).toUpperCase(), batchSeq: head.readUInt32BE(13) };
    }
    finally {
        await fd.close();
    }
}
/**
 * Stores the file and starts its SettlementWorkflow, or attaches to the one already started for
 * the same Transfer card batch. A file that is not `.estb` at all is refused here (SettlementError).
 */
async function uploadSettlementFile(client, options) {
    const upload = await (0, upload_store_1.storeUpload)(options.file, options.uploadDir, '.estb');
    const header = await readBatchIdentity(upload);
    const input = {
        merchantId: options.merchantId,
        transferCardId: header.transferCardId,
        batchSeq: header.batchSeq,
        upload,
        chunkRecords: options.chunkRecords,
        chunksPerRun: options.chunksPerRun,
    };
    const workflowId = (0, batch_identity_1.settlementWorkflowId)(header);
    try {
        const handle = await client.workflow.start('SettlementWorkflow', {
            workflowId,
            taskQueue: options.taskQueue,
            args: [input],
            // A completed settlement is final; a refused file (a failed run) may be uploaded again corrected.
            workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
            workflowIdConflictPolicy: 'USE_EXISTING',
        });
        return { workflowId, started: true, firstExecutionRunId: handle.firstExecutionRunId, handle };
    }
    catch (err) {
        if (!(err instanceof client_1.WorkflowExecutionAlreadyStartedError))
            throw err;
        return { workflowId, started: false, handle: client.workflow.getHandle(workflowId) };
    }
}
/** The typed outcome of a settlement run: a whole-file rejection comes back as a value, not a throw. */
async function settlementOutcome(handle) {
    try {
        return await handle.result();
    }
    catch (err) {
        const rejected = rejectedFileOf(err);
        if (rejected)
            return rejected;
        throw err;
    }
}
function rejectedFileOf(err) {
    if (!(err instanceof client_1.WorkflowFailedError))
        return undefined;
    const cause = err.cause;
    if (!(cause instanceof common_1.ApplicationFailure) || cause.type !== settlement_types_1.FILE_REJECTED_FAILURE)
        return undefined;
    const [details] = cause.details ?? [];
    return details;
}
function settlementProgress(handle) {
    return handle.query(settlement_types_1.settlementProgressQuery);
}
