// Metrics and logs of the worker processes (server worker, reader agent).
export { createWorkerMetrics, NO_REASON, type WorkerMetrics, type WorkerMetricSources, type Outcome } from './worker-metrics';
export { outcomeInterceptors } from './outcome-interceptor';
export { countLedgerResults } from './counted-ledger';
export { oldestPendingReservationAgeSeconds } from './pending-reservations';
export { watchLedgerInvariants, DEFAULT_INVARIANT_CHECK_INTERVAL_MS } from './ledger-invariant-watch';
export { serveMetrics, metricsPort, type MetricsServer, type MetricsServerOptions } from './metrics-server';
export { createLog, traceLogFields, temporalLogger, SECRET_FIELDS, REDACT_PATHS, type LogOptions } from './log';
export { ObservabilityError, type ObservabilityErrorCode } from './observability-error';
export { createReaderAgentMetrics, type ReaderAgentMetrics, type ReaderCardEvent } from './reader-agent-metrics';
export { startTracing, traceExportersFrom, redactAttributes, statementShape, type Tracing, type TracedProcess, type TraceExporterName } from './tracing';
export { clientTracing, workerTracing, spanFromWorkflow, WORKFLOW_TRACING_MODULE, type WorkerTracing } from './temporal-tracing';
