// The client side of workflows/: what the portal and the CLI may import to start and drive
// workflows. Nothing here reaches worker, activity, ledger or card code.
export { DownloadClient, DownloadClientError, DEFAULT_SERVER_TASK_QUEUE, toInput, type DownloadClientErrorCode, type StartDownloadRequest, type StartedDownload, type StuckDownload } from './download-client';
export {
  DEFAULT_TIMING,
  STUCK_PHASES,
  WRONG_CODES_BEFORE_LOCK,
  SEARCH_ATTRIBUTE,
  downloadWorkflowId,
  readerTaskQueue,
  type CodeAnswer,
  type CodeRefusal,
  type DownloadFailureCode,
  type DownloadInput,
  type DownloadMode,
  type DownloadPhase,
  type DownloadResult,
  type DownloadState,
  type DownloadTiming,
  type Evidence,
  type LogEvidence,
  type PurseName,
} from '../download/download-contract';
export { formatMoney, parseMoney } from '../registry/money';
export {
  uploadSettlementFile,
  settlementOutcome,
  settlementProgress,
  listStuckSettlements,
  settlementWait,
  retrySettlementNow,
  SETTLEMENT_STUCK_AFTER_MS,
  type SettlementWait,
  type SettlementPendingStep,
  type SettlementUploadOptions,
  type StartedSettlement,
  type StuckSettlement,
} from '../settlement/settlement-client';
export { settlementWorkflowId, batchKeyOf, type BatchIdentity } from '../settlement/batch-identity';
export { SettlementError, type SettlementErrorCode } from '../settlement/settlement-error';
export {
  RESULT_REJECTIONS_LIMIT,
  type SettlementResult,
  type SettledBatch,
  type RejectedFile,
  type SettlementProgress,
  type SettlementPhase,
  type PurseAmounts,
} from '../settlement/settlement-types';
export { RECORD_REJECTION_REASONS, FILE_REJECTION_REASONS, type RecordRejectionReason, type FileRejectionReason } from '../settlement/rejection-reasons';
// Read-only queries over settlement's tables (database code, but nothing of a worker or activity).
export {
  rejectedRecords,
  acceptedRecords,
  decidedRecords,
  flaggedCards,
  type RejectedRecord,
  type AcceptedRecord,
  type DecidedRecord,
  type FlaggedCard,
} from '../settlement/settlement-store';
export {
  customerOverview,
  readersOf,
  CustomerReadError,
  type CustomerReadErrorCode,
  type CustomerOverview,
  type CustomerAccount,
  type CardOverview,
  type CardPurseOverview,
  type CustomerReader,
} from './customer-overview';
export { accountIdFor } from '../registry/name-based-id';
export { startVoucherIssuance, voucherProgress, voucherIssuanceOutcome, voucherWorkflowId, type VoucherIssueOptions } from '../vouchers/voucher-client';
export {
  VOUCHER_ROW_REJECTIONS,
  VOUCHER_FILE_REJECTIONS,
  MAX_VOUCHER_MINOR,
  type VoucherIssuanceResult,
  type VoucherProgress,
  type RejectedVoucherRow,
  type VoucherRowRejectionReason,
  type VoucherFileRejectionReason,
} from '../vouchers/voucher-types';
