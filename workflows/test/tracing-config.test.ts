import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { SerializableSpan } from '@temporalio/interceptors-opentelemetry';
import { ObservabilityError, redactAttributes, spanFromWorkflow, statementShape, traceExportersFrom } from '../observability';

describe('tracing is off unless the OTEL_* variables ask for it', () => {
  test('no variable: off, so a process never reaches for a collector nobody runs', () => {
    expect(traceExportersFrom({})).toEqual([]);
  });

  test('an OTLP endpoint alone switches OTLP export on', () => {
    expect(traceExportersFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual(['otlp']);
    expect(traceExportersFrom({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toEqual(['otlp']);
  });

  test('OTEL_TRACES_EXPORTER names the exporters; none and OTEL_SDK_DISABLED switch tracing off', () => {
    expect(traceExportersFrom({ OTEL_TRACES_EXPORTER: 'console' })).toEqual(['console']);
    expect(traceExportersFrom({ OTEL_TRACES_EXPORTER: 'otlp, console' })).toEqual(['otlp', 'console']);
    expect(traceExportersFrom({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual([]);
    expect(traceExportersFrom({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toEqual([]);
  });

  test('an exporter or protocol purseflow does not ship is refused with what to set instead', () => {
    expect(() => traceExportersFrom({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(expect.objectContaining({ code: 'tracing_exporter_unsupported' }));
    expect(() => traceExportersFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(ObservabilityError);
    expect(() => traceExportersFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/http\/json/);
    expect(traceExportersFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toEqual(['otlp']);
  });
});

describe('no secret leaves the process in a span attribute', () => {
  test('URLs lose their query string (the upload form carries its CSRF token there) and their credentials', () => {
    expect(
      redactAttributes({
        'url.path': '/merchant/uploads',
        'url.query': '_csrf=abc123',
        'url.full': 'http://portal:8080/merchant/uploads?_csrf=abc123',
        'http.target': '/merchant/uploads?_csrf=abc123',
        'db.connection_string': 'postgresql://purseflow:hunter22@db:5432/purseflow',
      }),
    ).toEqual({
      'url.path': '/merchant/uploads',
      'url.full': 'http://portal:8080/merchant/uploads',
      'http.target': '/merchant/uploads',
      'db.connection_string': 'postgresql://db:5432/purseflow',
    });
  });

  test('headers and fields named like secrets are censored; status codes are not', () => {
    expect(
      redactAttributes({
        'http.request.header.cookie': ['purseflow_session=xyz'],
        'http.request.header.authorization': ['Bearer t'],
        'http.request.header.x-csrf-token': ['t'],
        password: 'p',
        'app.code': '123456789',
        'http.response.status_code': 201,
      }),
    ).toEqual({
      'http.request.header.cookie': '[redacted]',
      'http.request.header.authorization': '[redacted]',
      'http.request.header.x-csrf-token': '[redacted]',
      password: '[redacted]',
      'app.code': '[redacted]',
      'http.response.status_code': 201,
    });
  });

  test('SQL keeps its shape and placeholders, never the values a statement inlines', () => {
    expect(statementShape('select * from "ledger_accounts" where "id" = $1 limit $2')).toBe('select * from "ledger_accounts" where "id" = $1 limit $2');
    expect(statementShape(`BEGIN; EXECUTE ledger_write('1795630561328648', '{"8000"}', 'it''s', 10, 4.5, NULL); COMMIT`)).toBe('BEGIN; EXECUTE ledger_write(?, ?, ?, ?, ?, NULL); COMMIT');
    expect(statementShape('select "t1"."a2" from t1 where x = 42')).toBe('select "t1"."a2" from t1 where x = ?');
    expect(redactAttributes({ 'db.query.text': "select 1 where code = '123456789'", 'db.query.parameter.0': 'secret' })).toEqual({ 'db.query.text': 'select ? where code = ?' });
  });
});

describe("workflow spans from the interceptors' sandbox", () => {
  const serialized: SerializableSpan = {
    name: 'RunWorkflow:DownloadWorkflow',
    kind: SpanKind.INTERNAL,
    spanContext: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, traceState: 'k=v' },
    parentSpanId: 'c'.repeat(16),
    startTime: [1, 0],
    endTime: [2, 0],
    status: { code: SpanStatusCode.OK },
    attributes: { temporalWorkflowId: 'download-1' },
    links: [],
    events: [],
    duration: [1, 0],
    ended: true,
    droppedAttributesCount: 0,
    droppedLinksCount: 0,
    droppedEventsCount: 0,
    instrumentationLibrary: { name: '@temporalio/interceptor-workflow', version: '1' },
  };
  const info = { workflowId: 'download-1', runId: 'r1', workflowType: 'DownloadWorkflow', taskQueue: 'q', namespace: 'default' };

  test('keep their parent and scope in the shape the 2.x exporters read', () => {
    const span = spanFromWorkflow(serialized, { resource: resourceFromAttributes({ 'service.name': 'purseflow-worker' }) }, info);
    expect(span.spanContext()).toEqual({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 });
    expect(span.parentSpanContext).toMatchObject({ traceId: 'a'.repeat(32), spanId: 'c'.repeat(16) });
    expect(span.instrumentationScope).toMatchObject({ name: '@temporalio/interceptor-workflow', version: '1' });
    expect(span.resource.attributes['service.name']).toBe('purseflow-worker');
  });

  test('carry the workflow id, run, type, queue and namespace, never its memo or search attributes', () => {
    const span = spanFromWorkflow(serialized, { resource: resourceFromAttributes({}) }, { ...info, memo: { secret: 'x' }, searchAttributes: { CardSerial: ['1'] } } as typeof info);
    expect(Object.keys(span.attributes).sort()).toEqual(['run_id', 'temporalNamespace', 'temporalTaskQueue', 'temporalWorkflowId', 'temporalWorkflowType']);
  });
});
