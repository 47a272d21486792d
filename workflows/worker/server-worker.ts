// The server worker: every workflow, plus the activities that need the database and the keys.
// Reader activities never run here; they run in the reader agent on the PC that holds the reader.
import { Worker, bundleWorkflowCode, type ActivityInterceptorsFactory, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import type { Knex } from 'knex';
import { SERVER_TASK_QUEUE } from '../download/download-contract';
import type { Ledger } from '../../ledger';
import type { KeyStore } from '../../card-driver';
import { Registry } from '../registry';
import { createServerActivities } from '../activities/server-activities';
import { createSettlementActivities } from '../settlement/settlement-activities';
import { createVoucherActivities } from '../vouchers/voucher-activities';
import { WORKFLOW_TRACING_MODULE, type WorkerTracing } from '../observability/temporal-tracing';

/** The task queue the workflows and the server activities run on. */
export { SERVER_TASK_QUEUE };

/**
 * How node must be started for the server worker (every place that starts one uses these):
 * OpenSSL's legacy provider holds single DES, which the MAC chains of a settlement file are made of
 * (a third of the work of EDE with K1‖K1). A 32 MB young generation (V8's default is 16) lets a
 * settlement chunk's records and query texts die young instead of being promoted and collected
 * again: +15–30 % settled records/s against 1 MB in alternating runs, no change for downloads, and a
 * 1,000,000-record verification still peaks under 100 MB (workflows/README.md, card-driver/README.md).
 * Without them the worker still gives the same results, slower, and says so at start.
 */
export const SERVER_WORKER_NODE_FLAGS: readonly string[] = ['--openssl-legacy-provider', '--max-semi-space-size=32'];

const bundles = new Map<boolean, Promise<WorkflowBundle>>();

/**
 * The workflow code, bundled once per process (webpack takes seconds; every worker and every
 * replay in this process shares the result). `traced` adds the OpenTelemetry workflow
 * interceptors (workflows/observability); they add no commands, so histories replay either way.
 */
export function bundleWorkflows(options: { readonly traced?: boolean } = {}): Promise<WorkflowBundle> {
  const traced = options.traced ?? false;
  let bundle = bundles.get(traced);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath: require.resolve('../temporal-workflows'),
      workflowInterceptorModules: traced ? [WORKFLOW_TRACING_MODULE] : [],
      logger: quietBundlerLogger,
    });
    bundles.set(traced, bundle);
  }
  return bundle;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export interface ServerWorkerOptions {
  readonly connection: NativeConnection;
  readonly namespace?: string;
  readonly taskQueue?: string;
  readonly knex: Knex;
  readonly ledger: Ledger;
  readonly keys: KeyStore;
  /** More activities on the same worker (the settlement's, for one). */
  readonly extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
  readonly workflowBundle?: WorkflowBundle;
  readonly identity?: string;
  /** Seen by every activity run (workflows/observability counts outcomes with one). */
  readonly activityInterceptors?: readonly ActivityInterceptorsFactory[];
  /** Traces workflows and activities (workflows/observability workerTracing); leave out when tracing is off. */
  readonly tracing?: WorkerTracing;
}

export async function createServerWorker(options: ServerWorkerOptions): Promise<Worker> {
  const registry = new Registry({ knex: options.knex, ledger: options.ledger });
  const activities = {
    ...createServerActivities({ registry, ledger: options.ledger, keys: options.keys }),
    ...createSettlementActivities({ db: options.knex, ledger: options.ledger, keys: options.keys }),
    ...createVoucherActivities({ db: options.knex, ledger: options.ledger }),
    ...(options.extraActivities ?? {}),
  };
  const activityInterceptors = [...(options.tracing?.activityInterceptors ?? []), ...(options.activityInterceptors ?? [])];
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? SERVER_TASK_QUEUE,
    workflowBundle: options.workflowBundle ?? (await bundleWorkflows({ traced: options.tracing !== undefined })),
    activities,
    // A killed worker's cached workflows get their next task on its sticky queue, and it waits
    // there this long before any other worker may take it (the SDK's default is 10 s). 3 s
    // keeps a worker kill's stall short; a live but slow worker costs at most one replay.
    stickyQueueScheduleToStartTimeout: '3 seconds',
    ...(activityInterceptors.length > 0 ? { interceptors: { activity: activityInterceptors } } : {}),
    ...(options.tracing ? { sinks: options.tracing.sinks } : {}),
    // The bridge refuses an explicit undefined identity; leave the SDK's default then.
    ...(options.identity ? { identity: options.identity } : {}),
  });
}
