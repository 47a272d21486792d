import fs from 'node:fs';
import path from 'node:path';
import { ServicesConfig } from './config';
import { PCSCD_SOCKET, pcscdStatus, startPcscd, stopPcscd } from './pcscd';
import { postgresStatus, postgresUrl, startPostgres, stopPostgres } from './postgres';
import { embeddedApp, stopApp } from './app';
import { which } from './process-control';
import { ServiceError } from './service-error';
import { ServiceStatus } from './service-status';
import { startTemporal, stopTemporal, temporalAddress, temporalStatus, temporalUiUrl } from './temporal';

export { readServicesConfig, SEARCH_ATTRIBUTES, REPOSITORY_ROOT } from './config';
export type { ServicesConfig } from './config';
export { ServiceError } from './service-error';
export { canConnect, freePortRun, isPortFree } from './process-control';
export type { ServiceStatus } from './service-status';
export type { AppLayout } from './app';
export { buildTemporalCli, resolveTemporalCli } from './temporal-cli';
export { startApp, stopApp, appStatus, appPids, embeddedApp, portalPort, acr30AgentMetricsPort, DEMO_CARD_CSN, DEMO_READER_ID, DEMO_ACR30_CARD_CSN, DEMO_ACR30_READER_ID, APP_PROCESS_NAMES } from './app';
export {
  readProductionConfig,
  parseProductionServiceNames,
  productionUp,
  productionDown,
  productionStatus,
  productionEnvironment,
  productionApp,
  productionAppStart,
  productionAppDown,
  productionAppStatus,
  PRODUCTION_SERVER_WORKERS,
  frontendAddress,
  webUiUrl,
  APP_METRICS_PORTS,
  temporalBinariesCached,
  resolveTemporalBinaries,
  PRODUCTION_SERVICE_NAMES,
  PORT_BLOCK_SIZE,
  TEMPORAL_SERVICES,
  temporalServicePid,
  restartTemporalServices,
  restartProductionPostgres,
} from './production';
export type { ProductionConfig, ProductionServiceName, TemporalService } from './production';

/** `embedded`: the dev server on SQLite (default); `production`: Temporal's own server on PostgreSQL (./production). */
export const PROFILES = ['embedded', 'production'] as const;
export type Profile = (typeof PROFILES)[number];

export function parseProfile(name: string | undefined): Profile {
  const profile = name ?? 'embedded';
  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new ServiceError('start_failed', 'services', `--profile ${profile} is not a profile; choose embedded or production.`);
  }
  return profile as Profile;
}

export const SERVICE_NAMES = ['postgresql', 'temporal', 'pcscd'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export function parseServiceNames(list: string | undefined): ServiceName[] {
  if (!list) return [...SERVICE_NAMES];
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
      throw new ServiceError('start_failed', name, `is not a service; choose from ${SERVICE_NAMES.join(', ')}.`);
    }
  }
  return names as ServiceName[];
}

/** The addresses every other process needs, written where tests and `npm start`'s children read them. */
export function servicesEnvironment(config: ServicesConfig): Record<string, string> {
  return {
    PURSEFLOW_DATA_DIR: config.dataDir,
    DATABASE_URL: postgresUrl(config),
    TEMPORAL_ADDRESS: temporalAddress(config),
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    ...(temporalUiUrl(config) ? { TEMPORAL_UI_URL: temporalUiUrl(config) as string } : {}),
    PCSCLITE_CSOCK_NAME: PCSCD_SOCKET,
    PURSEFLOW_VPCD_PORT: String(config.pcscd.vpcdPort),
  };
}

function writeServicesEnv(config: ServicesConfig): void {
  fs.mkdirSync(config.dataDir, { recursive: true });
  const lines = Object.entries(servicesEnvironment(config)).map(([k, v]) => `${k}=${v}`);
  fs.writeFileSync(path.join(config.dataDir, 'services.env'), `${lines.join('\n')}\n`);
}

function assertSerialTooling(): void {
  if (!which('socat')) throw new ServiceError('missing_package', 'socat', 'socat is missing: install the Debian package `socat` (serial pseudo-terminal pairs).');
}

export async function servicesUp(
  config: ServicesConfig,
  names: readonly ServiceName[] = SERVICE_NAMES,
  log: (line: string) => void = () => {},
): Promise<ServiceStatus[]> {
  const statuses: ServiceStatus[] = [];
  if (names.includes('pcscd')) assertSerialTooling();
  if (names.includes('postgresql')) statuses.push(await startPostgres(config));
  if (names.includes('temporal')) statuses.push(await startTemporal(config, log));
  if (names.includes('pcscd')) statuses.push(await startPcscd(config));
  writeServicesEnv(config);
  return statuses;
}

export async function servicesDown(config: ServicesConfig, names: readonly ServiceName[] = SERVICE_NAMES): Promise<ServiceStatus[]> {
  // The purseflow processes go first: nothing is left polling a Temporal or a database that is gone.
  const statuses: ServiceStatus[] = names.length === SERVICE_NAMES.length ? await stopApp(embeddedApp(config)) : [];
  // Reverse order of start: nothing is left talking to a database that is already gone.
  if (names.includes('pcscd')) statuses.push(await stopPcscd(config));
  if (names.includes('temporal')) statuses.push(await stopTemporal(config));
  if (names.includes('postgresql')) statuses.push(await stopPostgres(config));
  return statuses;
}

export function servicesStatus(config: ServicesConfig, names: readonly ServiceName[] = SERVICE_NAMES): ServiceStatus[] {
  const all: Record<ServiceName, () => ServiceStatus> = {
    postgresql: () => postgresStatus(config),
    temporal: () => temporalStatus(config),
    pcscd: () => pcscdStatus(config),
  };
  return names.map((n) => all[n]());
}
