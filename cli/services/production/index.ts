/**
 * The production profile: PostgreSQL with separate databases for the ledger, Temporal's persistence and
 * Temporal's visibility; Temporal's own server as four processes (history, matching, frontend, worker)
 * from our config template; the namespace and our search attributes; the Temporal Web UI server.
 * Everything lives under its own data folder and ports, beside the embedded profile.
 */
import fs from 'node:fs';
import path from 'node:path';
import { postgresStatus, postgresUrl, startPostgres, stopPostgres } from '../postgres';
import { assertPortFree, runningPid } from '../process-control';
import { ServiceError } from '../service-error';
import { ServiceStatus } from '../service-status';
import { frontendAddress, ProductionConfig, privateClusterConfig, TemporalService, webUiUrl } from './production-config';
import { resolveTemporalBinaries, temporalSchemaDirs } from './temporal-binaries';
import { startTemporalCluster, stopTemporalCluster, temporalClusterStatus, temporalServiceProcess } from './temporal-cluster';
import { ensureTemporalSchemas, temporalDatabaseServer } from './temporal-databases';
import { ensureNamespace } from './temporal-namespace';
import { productionAppDown, productionAppUp } from './production-app';
import { startWebUi, stopWebUi, webUiStatus } from './web-ui';

export { productionApp, productionAppStatus, PRODUCTION_SERVER_WORKERS } from './production-app';
export { productionAppDown } from './production-app';
export { readProductionConfig, APP_METRICS_PORTS, TEMPORAL_SERVICES, PORT_BLOCK_SIZE, frontendAddress, webUiUrl } from './production-config';
export type { ProductionConfig, TemporalService } from './production-config';
export { resolveTemporalBinaries, temporalBinariesCached } from './temporal-binaries';
export type { TemporalBinaries } from './temporal-binaries';
export { serverEnvironment } from './temporal-cluster';
export { ensureTemporalSchemas, temporalDatabaseServer } from './temporal-databases';
export { temporalSchemaDirs } from './temporal-binaries';

export const PRODUCTION_SERVICE_NAMES = ['postgresql', 'temporal', 'temporal-ui'] as const;
export type ProductionServiceName = (typeof PRODUCTION_SERVICE_NAMES)[number];

export function parseProductionServiceNames(list: string | undefined): ProductionServiceName[] {
  if (!list) return [...PRODUCTION_SERVICE_NAMES];
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(PRODUCTION_SERVICE_NAMES as readonly string[]).includes(name)) {
      throw new ServiceError('start_failed', name, `is not a service of the production profile; choose from ${PRODUCTION_SERVICE_NAMES.join(', ')}.`);
    }
  }
  return names as ProductionServiceName[];
}

/** The addresses the app's processes need under this profile: the same variables as the embedded profile's. */
export function productionEnvironment(config: ProductionConfig): Record<string, string> {
  return {
    PURSEFLOW_DATA_DIR: config.dataDir,
    DATABASE_URL: config.postgres.externalUrl ?? postgresUrl(privateClusterConfig(config)),
    TEMPORAL_ADDRESS: frontendAddress(config),
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    TEMPORAL_UI_URL: webUiUrl(config),
  };
}

function writeProductionEnv(config: ProductionConfig): void {
  fs.mkdirSync(config.dataDir, { recursive: true });
  const lines = Object.entries(productionEnvironment(config)).map(([k, v]) => `${k}=${v}`);
  fs.writeFileSync(path.join(config.dataDir, 'services.env'), `${lines.join('\n')}\n`);
}

async function upPostgres(config: ProductionConfig): Promise<ServiceStatus> {
  if (config.postgres.externalUrl) return { name: 'postgresql', state: 'external', detail: 'DATABASE_URL' };
  const cluster = privateClusterConfig(config);
  if (postgresStatus(cluster).state === 'running') return postgresStatus(cluster);
  // Checked here so that the message names this profile's variable, not the embedded profile's.
  await assertPortFree('postgresql', config.postgres.port, 'PURSEFLOW_PROD_PG_PORT');
  return startPostgres(cluster);
}

async function upTemporal(config: ProductionConfig, serverBinary: string, sqlBinary: string): Promise<ServiceStatus[]> {
  const db = temporalDatabaseServer(config, privateClusterConfig(config).postgres.user);
  const allRunning = temporalClusterStatus(config).every((s) => s.state === 'running');
  // A running cluster runs on an up-to-date schema: the schema step is for clusters about to start.
  if (!allRunning) await ensureTemporalSchemas(config, db, sqlBinary, temporalSchemaDirs(config));
  const cluster = await startTemporalCluster(config, serverBinary, db);
  const namespace = await ensureNamespace(config, temporalServiceProcess(config, 'frontend').logFile);
  return [...cluster, namespace];
}

/** Starts what is not running; a second call finds everything running and starts nothing. */
export async function productionUp(
  config: ProductionConfig,
  names: readonly ProductionServiceName[] = PRODUCTION_SERVICE_NAMES,
  log: (line: string) => void = () => {},
): Promise<ServiceStatus[]> {
  const statuses: ServiceStatus[] = [];
  const binaries = names.includes('temporal') || names.includes('temporal-ui') ? resolveTemporalBinaries(config, log) : undefined;
  if (names.includes('postgresql')) statuses.push(await upPostgres(config));
  if (binaries && names.includes('temporal')) statuses.push(...(await upTemporal(config, binaries.server, binaries.sql)));
  if (binaries && names.includes('temporal-ui')) statuses.push(await startWebUi(config, binaries.ui));
  writeProductionEnv(config);
  return statuses;
}

/**
 * Starts the profile's app processes (two server workers, the simulated ACR30S and its reader agent, the
 * portal) with the profile's addresses, once its services run; else it says which command comes first.
 */
export async function productionAppStart(config: ProductionConfig, cliEntry: string): Promise<ServiceStatus[]> {
  // The Web UI is for people: the app runs without it.
  const down = productionStatus(config, ['postgresql', 'temporal']).filter((s) => s.state === 'stopped').map((s) => s.name);
  if (down.length > 0) {
    throw new ServiceError('start_failed', 'app', `${down.join(', ')} of the production profile not running: run \`purseflow services up --profile production\` first.`);
  }
  return productionAppUp(config, cliEntry, productionEnvironment(config));
}

export async function productionDown(config: ProductionConfig, names: readonly ProductionServiceName[] = PRODUCTION_SERVICE_NAMES): Promise<ServiceStatus[]> {
  // The purseflow processes go first (as in the embedded profile): nothing is left polling a Temporal or a database that is gone.
  const statuses: ServiceStatus[] = names.length === PRODUCTION_SERVICE_NAMES.length ? await productionAppDown(config) : [];
  // Reverse order of start: nothing is left talking to a database that is already gone.
  if (names.includes('temporal-ui')) statuses.push(await stopWebUi(config));
  if (names.includes('temporal')) statuses.push(...(await stopTemporalCluster(config)));
  if (names.includes('postgresql')) {
    statuses.push(config.postgres.externalUrl ? { name: 'postgresql', state: 'external', detail: 'DATABASE_URL' } : await stopPostgres(privateClusterConfig(config)));
  }
  return statuses;
}

export function productionStatus(config: ProductionConfig, names: readonly ProductionServiceName[] = PRODUCTION_SERVICE_NAMES): ServiceStatus[] {
  const statuses: ServiceStatus[] = [];
  if (names.includes('postgresql')) {
    statuses.push(config.postgres.externalUrl ? { name: 'postgresql', state: 'external', detail: 'DATABASE_URL' } : postgresStatus(privateClusterConfig(config)));
  }
  if (names.includes('temporal')) statuses.push(...temporalClusterStatus(config));
  if (names.includes('temporal-ui')) statuses.push(webUiStatus(config));
  return statuses;
}

/** The pid of one Temporal service process of this profile, or undefined when it is not running. */
export function temporalServicePid(config: ProductionConfig, service: TemporalService): number | undefined {
  return runningPid(temporalServiceProcess(config, service));
}

/**
 * Starts the Temporal services that are not running (one died) and leaves the others alone: what a
 * process supervisor does. No schema step: the cluster ran on this database a moment ago.
 */
export async function restartTemporalServices(config: ProductionConfig, serverBinary: string): Promise<ServiceStatus[]> {
  const db = temporalDatabaseServer(config, privateClusterConfig(config).postgres.user);
  return startTemporalCluster(config, serverBinary, db);
}

/** Stops the profile's private PostgreSQL (fast: open sessions are cut) and starts it again. */
export async function restartProductionPostgres(config: ProductionConfig): Promise<ServiceStatus> {
  if (config.postgres.externalUrl) throw new ServiceError('start_failed', 'postgresql', 'DATABASE_URL names an external server: restart it where it runs.');
  const cluster = privateClusterConfig(config);
  await stopPostgres(cluster);
  return startPostgres(cluster);
}
