"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.READER_ID_PATTERN = exports.REQUEST_ID_PATTERN = exports.DOWNLOAD_KIND = exports.SEARCH_ATTRIBUTE = exports.voidWithEvidenceUpdate = exports.resolveWithEvidenceUpdate = exports.retryNowSignal = exports.cardPresentedSignal = exports.reportNotLoadedUpdate = exports.submitConfirmationCodeUpdate = exports.submitRequestCodeUpdate = exports.downloadStateQuery = exports.STUCK_PHASES = exports.WRONG_CODES_BEFORE_LOCK = exports.DEFAULT_TIMING = void 0;
exports.downloadWorkflowId = downloadWorkflowId;
exports.readerTaskQueue = readerTaskQueue;
// What DownloadWorkflow promises the outside world: its input, its state as the query shows it,
// its messages, its failure codes and its search attributes. Imported by the workflow (inside the
// sandbox), by the client side and by the portal, so it holds no Node-only code.
const workflow_1 = require("@temporalio/workflow");
const common_1 = require("@temporalio/common");
exports.DEFAULT_TIMING = {
    readerPickupMs: 30_000,
    cardStepMs: 60_000,
    recoveryRetryMs: 5 * 60_000,
    remindAfterMs: 24 * 60 * 60_000,
    operatorAfterMs: 3 * 24 * 60 * 60_000,
};
exports.WRONG_CODES_BEFORE_LOCK = 5;
exports.STUCK_PHASES = ['awaiting_card', 'awaiting_confirmation', 'locked', 'needs_operator'];
exports.downloadStateQuery = (0, workflow_1.defineQuery)('downloadState');
/** Offline: the request code the pocket shows after INITIALIZE LOAD. */
exports.submitRequestCodeUpdate = (0, workflow_1.defineUpdate)('submitRequestCode');
/** Offline: the confirmation code the pocket shows after CREDIT LOAD. */
exports.submitConfirmationCodeUpdate = (0, workflow_1.defineUpdate)('submitConfirmationCode');
/** Offline: "the card was not loaded, give the money back", proven by a fresh request code with the same ATC. */
exports.reportNotLoadedUpdate = (0, workflow_1.defineUpdate)('reportNotLoaded');
/** A reader agent saw this download's card: read its log there. */
exports.cardPresentedSignal = (0, workflow_1.defineSignal)('cardPresented');
/** Operator: try the stuck step again now (also unlocks a download locked by wrong codes). */
exports.retryNowSignal = (0, workflow_1.defineSignal)('retryNow');
/** Operator: settle the download with proof. */
exports.resolveWithEvidenceUpdate = (0, workflow_1.defineUpdate)('resolveWithEvidence');
/** Operator: void the reservation with proof that the card was not credited. */
exports.voidWithEvidenceUpdate = (0, workflow_1.defineUpdate)('voidWithEvidence');
exports.SEARCH_ATTRIBUTE = {
    state: (0, common_1.defineSearchAttributeKey)('PurseflowState', common_1.SearchAttributeType.KEYWORD),
    kind: (0, common_1.defineSearchAttributeKey)('PurseflowKind', common_1.SearchAttributeType.KEYWORD),
    cardSerial: (0, common_1.defineSearchAttributeKey)('CardSerial', common_1.SearchAttributeType.KEYWORD),
    customerId: (0, common_1.defineSearchAttributeKey)('CustomerId', common_1.SearchAttributeType.KEYWORD),
    merchantId: (0, common_1.defineSearchAttributeKey)('MerchantId', common_1.SearchAttributeType.KEYWORD),
    readerId: (0, common_1.defineSearchAttributeKey)('ReaderId', common_1.SearchAttributeType.KEYWORD),
    amountMinor: (0, common_1.defineSearchAttributeKey)('AmountMinor', common_1.SearchAttributeType.INT),
};
exports.DOWNLOAD_KIND = 'download';
function downloadWorkflowId(requestId) {
    return `download-${requestId}`;
}
function readerTaskQueue(readerId) {
    return `reader-${readerId}`;
}
exports.REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
exports.READER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
