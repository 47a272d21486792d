/**
 * The purseflow processes of the production profile: two server workers (the same task queue, so either
 * takes any task and one may die), the simulated ACR30S with its reader agent, and the portal, all against
 * this profile's Temporal frontend, namespace and ledger database. No PC/SC reader: pcscd belongs to the
 * embedded profile (a production reader agent runs on the machine with the reader, see docker/).
 */
import { SERVER_WORKER_NODE_FLAGS } from '../../../workflows';
import { AppLayout, AppProcess, appStatus, serialReaderProcesses, startApp, stopApp } from '../app';
import { canConnect } from '../process-control';
import { ServiceStatus } from '../service-status';
import { ProductionConfig } from './production-config';

export const PRODUCTION_SERVER_WORKERS = 2;

function metricsPortOf(config: ProductionConfig, slot: number): number {
  return config.app.metricsPort + slot;
}

const METRICS_VARIABLE = 'PURSEFLOW_PROD_METRICS_PORT';

export function productionApp(config: ProductionConfig): AppLayout {
  // Ready once /metrics answers: the worker opens it after its migrations, so the second worker never
  // meets the first one's migration lock.
  const worker = (index: number): AppProcess => {
    const port = metricsPortOf(config, index);
    return {
      name: `worker-${index + 1}`,
      args: ['worker'],
      nodeFlags: SERVER_WORKER_NODE_FLAGS,
      env: { PURSEFLOW_METRICS_PORT: String(port) },
      ports: [{ port, variable: METRICS_VARIABLE }],
      ready: () => canConnect(port),
    };
  };
  const agentPort = metricsPortOf(config, PRODUCTION_SERVER_WORKERS);
  const portalMetricsPort = metricsPortOf(config, PRODUCTION_SERVER_WORKERS + 1);
  const [serialLine, simulator, agent] = serialReaderProcesses(config.dataDir, String(agentPort), () => canConnect(agentPort));
  const processes: AppProcess[] = [
    ...Array.from({ length: PRODUCTION_SERVER_WORKERS }, (_, i) => worker(i)),
    serialLine,
    simulator,
    { ...agent, ports: [{ port: agentPort, variable: METRICS_VARIABLE }] },
    {
      name: 'portal',
      args: ['portal'],
      env: { PURSEFLOW_PORTAL_PORT: String(config.app.portalPort), PURSEFLOW_PORTAL_METRICS_PORT: String(portalMetricsPort) },
      ports: [
        { port: config.app.portalPort, variable: 'PURSEFLOW_PROD_PORTAL_PORT' },
        { port: portalMetricsPort, variable: METRICS_VARIABLE },
      ],
      ready: () => canConnect(config.app.portalPort),
    },
  ];
  return { dataDir: config.dataDir, readyTimeoutMs: config.readyTimeoutMs, processes };
}

/** Starts the app processes that are not running; a second call starts nothing. */
export function productionAppUp(config: ProductionConfig, cliEntry: string, environment: Record<string, string>): Promise<ServiceStatus[]> {
  return startApp(productionApp(config), cliEntry, environment);
}

export function productionAppDown(config: ProductionConfig): Promise<ServiceStatus[]> {
  return stopApp(productionApp(config));
}

export function productionAppStatus(config: ProductionConfig): ServiceStatus[] {
  return appStatus(productionApp(config));
}
