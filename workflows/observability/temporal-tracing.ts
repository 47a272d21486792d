// Temporal's OpenTelemetry interceptors (@temporalio/interceptors-opentelemetry, the same 1.24 as
// the SDK) wired to this process's Tracing: the client puts the caller's span into the workflow's
// headers, the workflow sandbox makes RunWorkflow/StartActivity spans and hands them out through a
// sink, the activity interceptor continues the trace in RunActivity, under which pg's spans appear.
import { trace, type SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, type OpenTelemetrySinks, type SerializableSpan } from '@temporalio/interceptors-opentelemetry';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import type { Tracing } from './tracing';

/** What a worker needs to trace its workflows and activities. */
export interface WorkerTracing {
  /** Put before the worker's other activity interceptors, so that their work sits inside RunActivity. */
  readonly activityInterceptors: ActivityInterceptorsFactory[];
  /** Bundled into the workflow code (bundleWorkflows({ traced: true })). */
  readonly workflowInterceptorModules: string[];
  /** The sink the workflow interceptors export their spans through. */
  readonly sinks: InjectedSinks<OpenTelemetrySinks>;
}

/** The workflow interceptors' module, resolved here so that the bundler finds it from any working directory. */
export const WORKFLOW_TRACING_MODULE = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/**
 * The portal's download pages poll each watched download (query, describe) twice a second: those
 * calls make a span only inside a traced request, never a trace of their own.
 */
class RequestBoundClientInterceptor extends OpenTelemetryWorkflowClientInterceptor {
  override query: OpenTelemetryWorkflowClientInterceptor['query'] = (input, next) => (trace.getActiveSpan() ? super.query(input, next) : next(input));
  override describe: OpenTelemetryWorkflowClientInterceptor['describe'] = (input, next) => (trace.getActiveSpan() ? super.describe(input, next) : next(input));
}

/** `interceptors.workflow` of a Temporal Client: start, signal, update… carry the caller's trace into the workflow. */
export function clientTracing(): WorkflowClientInterceptor[] {
  return [new RequestBoundClientInterceptor()];
}

/** A span made in the workflow sandbox, in the shape the 2.x exporters read. */
export function spanFromWorkflow(serialized: SerializableSpan, tracing: Pick<Tracing, 'resource'>, workflow: { workflowId: string; runId: string; workflowType: string; taskQueue: string; namespace: string }): ReadableSpan {
  // The interceptors' sandbox runs OTel 1.x and serializes its spans with parentSpanId and
  // instrumentationLibrary; the 2.x SDK reads parentSpanContext and instrumentationScope.
  const { traceState: _traceState, ...ids } = serialized.spanContext;
  const spanContext: SpanContext = ids;
  const parentSpanContext: SpanContext | undefined = serialized.parentSpanId ? { traceId: ids.traceId, spanId: serialized.parentSpanId, traceFlags: ids.traceFlags, isRemote: false } : undefined;
  return {
    name: serialized.name,
    kind: serialized.kind,
    spanContext: () => spanContext,
    parentSpanContext,
    startTime: serialized.startTime,
    endTime: serialized.endTime,
    status: serialized.status,
    // A chosen few of the workflow's facts: its memo and search attributes stay out of traces.
    attributes: {
      ...serialized.attributes,
      temporalWorkflowId: workflow.workflowId,
      run_id: workflow.runId,
      temporalWorkflowType: workflow.workflowType,
      temporalTaskQueue: workflow.taskQueue,
      temporalNamespace: workflow.namespace,
    },
    links: serialized.links,
    events: serialized.events,
    duration: serialized.duration,
    ended: serialized.ended,
    resource: tracing.resource,
    instrumentationScope: { name: serialized.instrumentationLibrary.name, version: serialized.instrumentationLibrary.version, schemaUrl: serialized.instrumentationLibrary.schemaUrl },
    droppedAttributesCount: serialized.droppedAttributesCount,
    droppedEventsCount: serialized.droppedEventsCount,
    droppedLinksCount: serialized.droppedLinksCount,
  };
}

/** Interceptors, workflow modules and sink of a worker whose process traces. */
export function workerTracing(tracing: Tracing): WorkerTracing {
  return {
    activityInterceptors: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
    workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
    sinks: {
      exporter: {
        export: {
          // Sinks are not called while a workflow replays: each span leaves the worker once.
          fn: (info, spans) => {
            for (const span of spans) tracing.spanProcessor.onEnd(spanFromWorkflow(span, tracing, info));
          },
        },
      },
    },
  };
}
