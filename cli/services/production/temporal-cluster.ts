import fs from 'node:fs';
import path from 'node:path';
import { assertPortFree, canConnect, ManagedProcess, runningPid, startDetached, stopProcess, waitUntilReady } from '../process-control';
import { ServiceStatus } from '../service-status';
import { frontendAddress, PORT_OFFSETS, ProductionConfig, TEMPORAL_SERVICES, TemporalDatabaseServer, TemporalService } from './production-config';

/** The config environment name: the server reads `<root>/config/purseflow.yaml`. */
const CONFIG_ENV = 'purseflow';

export function temporalRoot(config: ProductionConfig): string {
  return path.join(config.dataDir, 'temporal');
}

export function temporalServiceProcess(config: ProductionConfig, service: TemporalService): ManagedProcess {
  return {
    name: `temporal-${service}`,
    pidFile: path.join(config.dataDir, 'run', `temporal-${service}.pid`),
    logFile: path.join(config.dataDir, 'logs', `temporal-${service}.log`),
    // The root folder is in our data folder, so another profile's or another data folder's server never matches.
    commandMarker: `${temporalRoot(config)} `,
  };
}

/**
 * Copies our config templates (docker/temporal/config) into the data folder, so that a process's command
 * line names its data folder and an edited template applies at the next start.
 */
export function installServerConfig(config: ProductionConfig): void {
  const target = path.join(temporalRoot(config), 'config');
  fs.mkdirSync(path.join(target, 'dynamicconfig'), { recursive: true });
  for (const file of [`${CONFIG_ENV}.yaml`, path.join('dynamicconfig', `${CONFIG_ENV}.yaml`)]) {
    fs.copyFileSync(path.join(config.templatesDir, 'config', file), path.join(target, file));
  }
}

/**
 * The environment our template (docker/temporal/config/purseflow.yaml) is rendered with for one service:
 * every process gets all four services' ports (membership needs them) and its own metrics port.
 */
export function serverEnvironment(config: ProductionConfig, service: TemporalService, db: TemporalDatabaseServer): Record<string, string> {
  const p = config.temporal.ports;
  return {
    TEMPORAL_SERVER_LOG_LEVEL: 'warn',
    TEMPORAL_SERVER_HISTORY_SHARDS: String(config.temporal.historyShards),
    TEMPORAL_SERVER_DB_HOST: db.host,
    TEMPORAL_SERVER_DB_PORT: String(db.port),
    TEMPORAL_SERVER_DB_USER: db.user,
    TEMPORAL_SERVER_DB_PASSWORD: db.password,
    TEMPORAL_SERVER_DB_NAME: config.temporal.databaseName,
    TEMPORAL_SERVER_VISIBILITY_DB_NAME: config.temporal.visibilityDatabaseName,
    TEMPORAL_SERVER_SQL_MAX_CONNS: String(config.temporal.sqlMaxConns),
    TEMPORAL_SERVER_SQL_VIS_MAX_CONNS: String(Math.max(2, Math.ceil(config.temporal.sqlMaxConns / 2))),
    TEMPORAL_SERVER_BIND_IP: '127.0.0.1',
    TEMPORAL_SERVER_BROADCAST_ADDRESS: '127.0.0.1',
    TEMPORAL_SERVER_FRONTEND_ADDRESS: frontendAddress(config),
    TEMPORAL_SERVER_FRONTEND_PORT: String(p.frontend.grpc),
    TEMPORAL_SERVER_FRONTEND_HTTP_PORT: String(p.frontend.http),
    TEMPORAL_SERVER_FRONTEND_MEMBERSHIP_PORT: String(p.frontend.membership),
    TEMPORAL_SERVER_HISTORY_PORT: String(p.history.grpc),
    TEMPORAL_SERVER_HISTORY_MEMBERSHIP_PORT: String(p.history.membership),
    TEMPORAL_SERVER_MATCHING_PORT: String(p.matching.grpc),
    TEMPORAL_SERVER_MATCHING_MEMBERSHIP_PORT: String(p.matching.membership),
    TEMPORAL_SERVER_WORKER_PORT: String(p.worker.grpc),
    TEMPORAL_SERVER_WORKER_MEMBERSHIP_PORT: String(p.worker.membership),
    TEMPORAL_SERVER_METRICS_PORT: String(p[service].metrics),
    // The server resolves this path against its working directory, not against --root.
    TEMPORAL_SERVER_DYNAMIC_CONFIG: path.join(temporalRoot(config), 'config', 'dynamicconfig', `${CONFIG_ENV}.yaml`),
  };
}

async function assertServicePortsFree(config: ProductionConfig, service: TemporalService): Promise<void> {
  const ports = config.temporal.ports[service];
  for (const [kind, port] of Object.entries(ports) as [keyof typeof ports, number][]) {
    const offset = PORT_OFFSETS[service][kind] as number;
    const variable = offset === 0 ? 'PURSEFLOW_PROD_TEMPORAL_PORT' : `PURSEFLOW_PROD_TEMPORAL_PORT (this is its +${offset}, the ${service} ${kind} port)`;
    await assertPortFree(`temporal-${service}`, port, variable);
  }
}

/**
 * Starts each of the four services that is not running, as a process of its own, and waits until every
 * started one answers (gRPC; the worker service: membership). Returns one status per service.
 */
export async function startTemporalCluster(config: ProductionConfig, serverBinary: string, db: TemporalDatabaseServer): Promise<ServiceStatus[]> {
  const statuses = new Map<TemporalService, ServiceStatus>();
  const toStart = TEMPORAL_SERVICES.filter((service) => runningPid(temporalServiceProcess(config, service)) === undefined);
  for (const service of toStart) await assertServicePortsFree(config, service);
  if (toStart.length > 0) installServerConfig(config);
  for (const service of TEMPORAL_SERVICES.filter((s) => !toStart.includes(s))) {
    statuses.set(service, { name: `temporal-${service}`, state: 'running', detail: serviceDetail(config, service, runningPid(temporalServiceProcess(config, service))) });
  }
  const start = async (service: TemporalService) => {
    const proc = temporalServiceProcess(config, service);
    const args = ['--root', temporalRoot(config), '--config', 'config', '--env', CONFIG_ENV, '--allow-no-auth', 'start', '--service', service];
    const pid = startDetached(proc, serverBinary, args, { ...process.env, ...serverEnvironment(config, service, db) });
    await waitUntilReady(proc, () => canConnect(readinessPort(config, service)), config.readyTimeoutMs, pid);
    statuses.set(service, { name: proc.name, state: 'started', detail: serviceDetail(config, service, pid) });
  };
  // On a fresh database every process tries to write the cluster's metadata record and all but one fail
  // on its key: the first one starts alone, the others join once it serves.
  const [first, ...rest] = toStart;
  if (first !== undefined) await start(first);
  await Promise.all(rest.map(start));
  if (statuses.size !== TEMPORAL_SERVICES.length) throw new Error(`invariant broken: ${statuses.size} of ${TEMPORAL_SERVICES.length} Temporal services accounted for`);
  return TEMPORAL_SERVICES.map((service) => statuses.get(service) as ServiceStatus);
}

/** The worker service (Temporal's system workflows) serves no gRPC in 1.29: it is up once it joins the membership ring. */
function readinessPort(config: ProductionConfig, service: TemporalService): number {
  return service === 'worker' ? config.temporal.ports.worker.membership : config.temporal.ports[service].grpc;
}

function serviceDetail(config: ProductionConfig, service: TemporalService, pid: number | undefined): string {
  const port = readinessPort(config, service);
  return `pid ${pid ?? '?'}, ${service === 'worker' ? 'membership' : 'gRPC'} 127.0.0.1:${port}`;
}

export async function stopTemporalCluster(config: ProductionConfig): Promise<ServiceStatus[]> {
  // Frontend and worker first, so nothing new reaches history and matching while they drain.
  const order: TemporalService[][] = [['frontend', 'worker'], ['matching', 'history']];
  for (const group of order) await Promise.all(group.map((service) => stopProcess(temporalServiceProcess(config, service))));
  return TEMPORAL_SERVICES.map((service) => ({ name: `temporal-${service}`, state: 'stopped' }));
}

export function temporalClusterStatus(config: ProductionConfig): ServiceStatus[] {
  return TEMPORAL_SERVICES.map((service) => {
    const proc = temporalServiceProcess(config, service);
    const pid = runningPid(proc);
    return pid === undefined
      ? { name: proc.name, state: 'stopped' }
      : { name: proc.name, state: 'running', detail: serviceDetail(config, service, pid) };
  });
}
