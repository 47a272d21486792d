export type ObservabilityErrorCode = 'metrics_port_invalid' | 'metrics_port_in_use' | 'reading_unreadable'
  | 'tracing_exporter_unsupported'
  | 'tracing_protocol_unsupported'
  | 'tracing_started_twice';

/** What keeps a worker from exposing its health; each message says what to change. */
export class ObservabilityError extends Error {
  override readonly name = 'ObservabilityError';
  constructor(
    readonly code: ObservabilityErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
