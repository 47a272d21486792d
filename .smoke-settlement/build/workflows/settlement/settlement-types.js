"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.settlementProgressQuery = exports.FILE_REJECTED_FAILURE = exports.RESULT_REJECTIONS_LIMIT = void 0;
/**
 * What crosses Temporal for a settlement: the workflow's input, the activities' small summaries,
 * the progress the portal polls and the typed result. No record lists (they stay in PostgreSQL),
 * no bigint (amounts in minor units travel as decimal strings).
 */
const workflow_1 = require("@temporalio/workflow");
/** At most this many rejected records travel in the result; the rest are listed from the database. */
exports.RESULT_REJECTIONS_LIMIT = 100;
/** The ApplicationFailure type a whole-file rejection ends the workflow with (its details hold the RejectedFile). */
exports.FILE_REJECTED_FAILURE = 'SettlementFileRejected';
/** The portal's and the CLI's view of a running settlement. */
exports.settlementProgressQuery = (0, workflow_1.defineQuery)('settlementProgress');
