// Traces of the purseflow processes (OpenTelemetry 2.x), switched on by the standard OTEL_*
// variables and off when none is set. Each process edge (portal, server worker, reader agent) calls
// startTracing once, before it opens its database pool, and hands the result to its Temporal client
// and worker (temporal-tracing.ts). Domain code never sees a tracer.
import { createRequire } from 'node:module';
import { context, propagation, trace, type Attributes, type AttributeValue, type Context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, detectResources, envDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ObservabilityError } from './observability-error';
import { SECRET_FIELDS } from './log';

/** The processes that trace, and what each one instruments besides its Temporal calls. */
export type TracedProcess = 'portal' | 'worker' | 'reader-agent';

const INSTRUMENTS: Readonly<Record<TracedProcess, { readonly http: boolean; readonly pg: boolean }>> = {
  // The portal's spans start at the HTTP request; it reads the ledger and registry with SQL.
  portal: { http: true, pg: true },
  // Every ledger and registry statement of an activity becomes a child of its RunActivity span.
  worker: { http: false, pg: true },
  // Holds no database; its card activities are the spans.
  'reader-agent': { http: false, pg: false },
};

export type TraceExporterName = 'otlp' | 'console';

/**
 * Which exporters the environment asks for; none means tracing is off. Unlike the OTel default
 * (otlp), an unset OTEL_TRACES_EXPORTER exports only when an OTLP endpoint is named, so a process
 * started without any OTEL_* variable never tries to reach a collector.
 */
export function traceExportersFrom(env: NodeJS.ProcessEnv): TraceExporterName[] {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return [];
  const named = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '');
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (named.includes('none')) return [];
  const exporters = named.length > 0 ? named : endpoint ? ['otlp'] : [];
  for (const exporter of exporters) {
    if (exporter !== 'otlp' && exporter !== 'console') {
      throw new ObservabilityError('tracing_exporter_unsupported', `OTEL_TRACES_EXPORTER=${env.OTEL_TRACES_EXPORTER} names "${exporter}"; purseflow exports traces with otlp (OTLP/HTTP JSON) or console. Send them to an OpenTelemetry Collector to reach other back ends.`);
    }
  }
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (exporters.includes('otlp') && protocol && protocol !== 'http/json') {
    throw new ObservabilityError('tracing_protocol_unsupported', `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported; purseflow sends OTLP over HTTP as JSON: set it to http/json (or leave it unset) and point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's OTLP/HTTP port (4318).`);
  }
  return [...new Set(exporters)] as TraceExporterName[];
}

/** A running tracer provider of one process. */
export interface Tracing {
  readonly process: TracedProcess;
  readonly resource: Resource;
  /** Where spans made elsewhere (the workflow sandbox) are handed in to be redacted and exported. */
  readonly spanProcessor: SpanProcessor;
  /** Exports what is still buffered and stops; call it before the process exits. */
  shutdown(): Promise<void>;
}

/** Span attribute keys, by their last dot-separated part, that may carry a secret. */
const SECRET_KEY_PARTS = new Set([...SECRET_FIELDS.map((f) => f.toLowerCase()), 'x-csrf-token', 'csrf', '_csrf', 'set-cookie', 'proxy-authorization']);
/** Attributes whose URL keeps its path but loses its query (the upload form's CSRF token rides there). */
const URL_ATTRIBUTES = new Set(['url.full', 'http.url', 'http.target']);
const DROPPED_ATTRIBUTES = new Set(['url.query']);

function withoutQuery(value: string): string {
  const at = value.indexOf('?');
  return at === -1 ? value : value.slice(0, at);
}

/** Statements as written by knex carry $1… placeholders; the ledger's batched statements inline their values. */
const STATEMENT_ATTRIBUTES = new Set(['db.statement', 'db.query.text']);

/**
 * The statement's shape: string and number literals become `?`, so inlined values (amounts, ids,
 * anything a future statement might inline) never leave the process; $n placeholders stay.
 */
export function statementShape(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, '?').replace(/(?<![\w$."])\d+(?:\.\d+)?\b/g, '?');
}

/** user:password@ in a connection string or URL. */
function withoutCredentials(value: string): string {
  return value.replace(/(\w+:\/\/)[^/@\s]*@/g, '$1');
}

function cleanValue(key: string, value: AttributeValue): AttributeValue | undefined {
  if (DROPPED_ATTRIBUTES.has(key) || key.startsWith('db.query.parameter.')) return undefined;
  const lastPart = (key.split('.').pop() ?? key).toLowerCase();
  if (SECRET_KEY_PARTS.has(lastPart) || /password|secret|token|cookie|authorization/.test(lastPart)) return '[redacted]';
  if (typeof value !== 'string') return value;
  if (STATEMENT_ATTRIBUTES.has(key)) return statementShape(value);
  return withoutCredentials(URL_ATTRIBUTES.has(key) ? withoutQuery(value) : value);
}

/** The attributes with secrets removed: no query strings, no credentials in URLs, no secret-named fields. */
export function redactAttributes(attributes: Attributes): Attributes {
  const clean: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    const v = cleanValue(key, value);
    if (v !== undefined) clean[key] = v;
  }
  return clean;
}

/** A copy of the span as exporters read it, with redacted attributes on the span and its events. */
function redactedSpan(span: ReadableSpan): ReadableSpan {
  const spanContext = span.spanContext();
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => spanContext,
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: redactAttributes(span.attributes),
    links: span.links,
    events: span.events.map((e) => (e.attributes ? { ...e, attributes: redactAttributes(e.attributes) } : e)),
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/** Every span passes here on its way out, whichever instrumentation made it. */
class RedactingSpanProcessor implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}
  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }
  onEnd(span: ReadableSpan): void {
    this.next.onEnd(redactedSpan(span));
  }
  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

class FanOutSpanProcessor implements SpanProcessor {
  constructor(private readonly processors: readonly SpanProcessor[]) {}
  onStart(span: Span, parentContext: Context): void {
    for (const p of this.processors) p.onStart(span, parentContext);
  }
  onEnd(span: ReadableSpan): void {
    for (const p of this.processors) p.onEnd(span);
  }
  async forceFlush(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.forceFlush()));
  }
  async shutdown(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.shutdown()));
  }
}

function exporterProcessor(name: TraceExporterName): SpanProcessor {
  // The OTLP exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS, _TIMEOUT itself; the batch processor OTEL_BSP_*.
  return name === 'otlp' ? new BatchSpanProcessor(new OTLPTraceExporter()) : new SimpleSpanProcessor(new ConsoleSpanExporter());
}

/** Health checks and scrapes would fill the traces with noise. */
const UNTRACED_PATHS = /^\/(livez|readyz|metrics|static\/|favicon)/;

function instrumentationsFor(process: TracedProcess): Instrumentation[] {
  const wanted = INSTRUMENTS[process];
  const list: Instrumentation[] = [];
  if (wanted.http) {
    list.push(
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
        // Only calls made while serving a request; the exporter's own posts are suppressed anyway.
        requireParentforOutgoingSpans: true,
      }),
    );
  }
  if (wanted.pg) {
    // Statements as written, with $1… placeholders: parameter values are never recorded
    // (enhancedDatabaseReporting off). Pool housekeeping outside a traced request or activity makes no spans.
    list.push(new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }));
  }
  return list;
}

let running: Tracing | undefined;

/**
 * Starts tracing for this process if the environment asks for it (traceExportersFrom), else returns
 * undefined and installs nothing. Service name `purseflow-<process>` unless OTEL_SERVICE_NAME says
 * otherwise; OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG) and OTEL_BSP_* apply as usual.
 */
export function startTracing(process: TracedProcess, env: NodeJS.ProcessEnv = globalThis.process.env): Tracing | undefined {
  const exporters = traceExportersFrom(env);
  if (exporters.length === 0) return undefined;
  if (running) throw new ObservabilityError('tracing_started_twice', `Tracing was already started in this process for ${running.process}; start it once per process.`);
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: `purseflow-${process}`, 'service.namespace': 'purseflow' }))
    .merge(detectResources({ detectors: [envDetector] }));
  const spanProcessor = new RedactingSpanProcessor(new FanOutSpanProcessor(exporters.map(exporterProcessor)));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // AsyncLocalStorage context and W3C trace context: the Temporal interceptors inject and extract through these.
  provider.register();
  const unregister = registerInstrumentations({ tracerProvider: provider, instrumentations: instrumentationsFor(process) });
  if (INSTRUMENTS[process].http) {
    // `http` was loaded long before (Fastify, the CLI): its require hook only patches on the next
    // require, and the module object is shared, so requiring it once more instruments every server.
    createRequire(__filename)('http');
  }
  const tracing: Tracing = {
    process,
    resource,
    spanProcessor,
    async shutdown() {
      unregister();
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
      running = undefined;
    },
  };
  running = tracing;
  return tracing;
}

