import { Connection } from '@temporalio/client';
// The SDK's own converter to a protobuf Duration (seconds are a Long there); marked deprecated for workflow code only.
import { msToTs } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../config';
import { sleep } from '../process-control';
import { ServiceError } from '../service-error';
import { ServiceStatus } from '../service-status';
import { frontendAddress, ProductionConfig } from './production-config';

const NAME = 'temporal-namespace';
/**
 * Temporal keeps closed workflows' histories this long. The ledger's journal is the record of money;
 * a week covers an operator investigating a transfer that got stuck before a weekend.
 */
const RETENTION = '7 days';
/** temporal.api.enums.v1.IndexedValueType, by value: @temporalio/proto is not one of our direct dependencies. */
const INDEXED_VALUE_TYPE = { Keyword: 2, Int: 3 } as const;
const GRPC_ALREADY_EXISTS = 6;

function grpcCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'number' ? (err as { code: number }).code : undefined;
}

/** Retries `attempt` until it succeeds or the deadline passes; the cluster answers late while membership settles. */
async function untilDeadline<T>(deadline: number, what: string, logHint: string, attempt: () => Promise<T>): Promise<T> {
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await attempt();
    } catch (err) {
      last = err;
      await sleep(500);
    }
  }
  throw new ServiceError('not_ready', NAME, `${what} did not succeed within the start-up time (PURSEFLOW_READY_TIMEOUT_S): ${(last as Error)?.message ?? 'no answer'}. See ${logHint}.`);
}

/**
 * Registers the namespace and our search attributes on the cluster's frontend when missing, then waits
 * until the frontend serves the namespace (its cache refreshes every 2 s), so a worker can start at once.
 */
export async function ensureNamespace(config: ProductionConfig, logHint: string): Promise<ServiceStatus> {
  const deadline = Date.now() + config.readyTimeoutMs;
  const namespace = config.temporal.namespace;
  const connection = await untilDeadline(deadline, `connecting to the frontend ${frontendAddress(config)}`, logHint, () =>
    Connection.connect({ address: frontendAddress(config), connectTimeout: 2000 }),
  );
  try {
    const service = connection.workflowService;
    const created = await untilDeadline(deadline, `registering namespace ${namespace}`, logHint, async () => {
      try {
        await service.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION) });
        return true;
      } catch (err) {
        if (grpcCode(err) === GRPC_ALREADY_EXISTS) return false;
        throw err;
      }
    });
    const added = await untilDeadline(deadline, `adding search attributes to ${namespace}`, logHint, async () => {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = SEARCH_ATTRIBUTES.filter(([name]) => !(customAttributes && name in customAttributes));
      if (missing.length === 0) return 0;
      const searchAttributes = Object.fromEntries(missing.map(([name, type]) => [name, INDEXED_VALUE_TYPE[type]]));
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
      return missing.length;
    });
    // A query naming every search attribute, resolved through the frontend's namespace cache: it fails
    // until the cache has the namespace and the attributes' mapping, as a workflow start setting them would.
    const everyAttribute = SEARCH_ATTRIBUTES.map(([name, type]) => (type === 'Int' ? `${name} = 0` : `${name} = ''`)).join(' AND ');
    await untilDeadline(deadline, `serving namespace ${namespace} with its search attributes`, logHint, () => service.countWorkflowExecutions({ namespace, query: everyAttribute }));
    const detail = `${namespace}${created ? ' (registered)' : ''}, ${SEARCH_ATTRIBUTES.length} search attributes${added > 0 ? ` (${added} added)` : ''}`;
    return { name: NAME, state: created || added > 0 ? 'started' : 'running', detail };
  } finally {
    await connection.close();
  }
}
