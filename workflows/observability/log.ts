// Structured JSON logs (pino) for the worker processes. One list says which fields are secret, so a
// key store, a code or a password handed to a log call by mistake is censored, never written.
import { trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';

/** Field names whose values never reach a log line, whatever object they sit in. */
export const SECRET_FIELDS = [
  'key',
  'keys',
  'keyStore',
  'masterKey',
  'masterKeys',
  'sessionKey',
  'password',
  'passwd',
  'secret',
  'token',
  'authorization',
  'cookie',
  'code',
  'authorizationCode',
  'confirmationCode',
  'requestCode',
  'mac1Hex',
  'mac2Hex',
  'mac3Hex',
  'databaseUrl',
  'DATABASE_URL',
] as const;

/** pino redaction paths: each secret field at the top level and up to three objects deep. */
export const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]);

export interface LogOptions {
  /** Fields every line carries (the process: worker or reader agent, its task queue or reader id). */
  readonly bindings?: Record<string, string>;
  readonly level?: string;
  /** Where lines go (default stdout); tests pass a stream. */
  readonly destination?: DestinationStream;
}

/**
 * pino's `mixin`: a line written inside a traced request or activity carries its trace_id and
 * span_id, so a log line leads to its trace. Nothing when tracing is off (no span is ever active).
 */
export function traceLogFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

export function createLog(options: LogOptions = {}): Logger {
  const level = options.level ?? process.env.PURSEFLOW_LOG_LEVEL ?? 'info';
  const base = { service: 'purseflow', ...(options.bindings ?? {}) };
  const config = { level, base, mixin: traceLogFields, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime };
  return options.destination ? pino(config, options.destination) : pino(config);
}

const TEMPORAL_LEVELS: Readonly<Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'>> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * The Temporal SDK's Logger interface over pino, for Runtime.install({ logger }): the SDK's and the
 * activities' context logs (workflowId, activityType…) arrive as fields of the same JSON lines.
 */
export function temporalLogger(log: Logger): TemporalLogger {
  // The SDK repeats fields the process's bindings already carry (taskQueue); a JSON line must not hold a key twice.
  const bound = new Set(Object.keys(log.bindings()));
  const write = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    const fields = Object.fromEntries(Object.entries(meta ?? {}).filter(([k]) => !bound.has(k)));
    log[TEMPORAL_LEVELS[level]](fields, message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
