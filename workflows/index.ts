// The public face of workflows/ for the composition root (cli/) and deployments: a plain list of
// exports; each part appends its own lines. The portal imports workflows/client instead.
export { migrateSettlement, rollbackSettlement } from './settlement/settlement-schema';
export { createSettlementActivities, type SettlementActivities, type SettlementActivityDeps, type PayoutPayload } from './settlement/settlement-activities';
export { payOutMerchant, payoutTransferId, type PayoutRequest, type Payout, type PayoutOutcome } from './settlement/merchant-payout';
export { SettlementError, type SettlementErrorCode } from './settlement/settlement-error';
export { storeUpload } from './settlement/upload-store';
export { createVoucherActivities, type VoucherActivities, type VoucherActivityDeps } from './vouchers/voucher-activities';
// Registry, downloads, the server worker and the reader agent.
export {
  Registry,
  RegistryError,
  migrateRegistry,
  rollbackRegistry,
  accountIdFor,
  nameBasedId,
  transferIdFor,
  parseMoney,
  parseMinor,
  formatMoney,
  isPurseName,
  PURSE_NAMES,
  PURSEFLOW_LEDGER,
  TRANSFER_CODE,
  MINOR_DIGITS,
  type Card,
  type CardForDownload,
  type CardStatus,
  type Customer,
  type Funding,
  type Merchant,
  type PlatformAccountCode,
  type PurseShadow,
  type RegistryErrorCode,
  type RegistryOptions,
  type TransferKey,
} from './registry';
export { createServerWorker, bundleWorkflows, SERVER_TASK_QUEUE, SERVER_WORKER_NODE_FLAGS, type ServerWorkerOptions } from './worker/server-worker';
export { ReaderAgent, ReaderAgentError, type ReaderAgentEvent, type ReaderAgentOptions } from './worker/reader-agent';
export { CardSlot, type SlotReader } from './activities/card-slot';
export { createServerActivities, type ServerActivities, type ServerActivityDeps, type CardCheck, type DownloadKey } from './activities/server-activities';
export { createCardActivities, type CardActivities, type CardLog, type CardSnapshot, type ReaderHeartbeat } from './activities/card-activities';
export { judgeLog, provesCredit, type LoadProof } from './activities/load-proof';
// Observability of the worker processes: purseflow_* metrics, /metrics, JSON logs.
export {
  createWorkerMetrics,
  outcomeInterceptors,
  countLedgerResults,
  oldestPendingReservationAgeSeconds,
  watchLedgerInvariants,
  serveMetrics,
  metricsPort,
  createLog,
  createReaderAgentMetrics,
  temporalLogger,
  ObservabilityError,
  NO_REASON,
  SECRET_FIELDS,
  REDACT_PATHS,
  DEFAULT_INVARIANT_CHECK_INTERVAL_MS,
  type WorkerMetrics,
  type WorkerMetricSources,
  type Outcome,
  type MetricsServer,
  type MetricsServerOptions,
  type LogOptions,
  type ObservabilityErrorCode,
  type ReaderAgentMetrics,
  type ReaderCardEvent,
} from './observability';
// Traces (OpenTelemetry), off unless OTEL_* variables ask for them.
export { startTracing, traceExportersFrom, traceLogFields, clientTracing, workerTracing, type Tracing, type TracedProcess, type WorkerTracing } from './observability';
