/**
 * The health of every part of one profile, for `purseflow status`: the service manager's processes
 * (pid files), whether PostgreSQL, each Temporal server process, the Web UI, the workers' and reader
 * agents' /metrics and the portal's /readyz answer, and the ledger's invariants.
 */
import path from 'node:path';
import {
  appStatus,
  embeddedApp,
  productionAppStatus,
  productionStatus,
  readServicesConfig,
  servicesStatus,
  temporalServicePid,
} from '../services';
import type { ProductionConfig, Profile, TemporalService } from '../services';
import { carries, combined, httpPart, ledgerPart, PartHealth, pidPart, postgresPart, PROBE_TIMEOUT_MS, processParts, StatusPart, temporalPart } from './probes';
import { EmbeddedOverrides, embeddedTargets, productionTargets, StatusTargets, TemporalTarget } from './targets';

export { PROBE_TIMEOUT_MS, STATUS_PARTS } from './probes';
export type { PartHealth, StatusPart } from './probes';
export { embeddedTargets, productionTargets } from './targets';
export type { Endpoint, EmbeddedOverrides, StatusTargets, TemporalTarget } from './targets';

/** One profile as `status` sees it: where to probe, and what its service manager runs. */
export interface StatusProfile {
  readonly profile: Profile;
  readonly targets: StatusTargets;
  /** The `services` part: the profile's services and app processes by their pid files. */
  readonly processes: () => PartHealth[];
  /** The pid of one of Temporal's service processes of this profile (production), undefined when none runs. */
  readonly temporalPid: (service: TemporalService) => number | undefined;
  /** The profile's data folder: logs, pid files, services.env. */
  readonly dataDir: string;
}

export function embeddedStatusProfile(overrides: EmbeddedOverrides = {}, env: NodeJS.ProcessEnv = process.env): StatusProfile {
  const config = readServicesConfig(env);
  return {
    profile: 'embedded',
    targets: embeddedTargets(env, overrides),
    processes: () => processParts(servicesStatus(config), appStatus(embeddedApp(config)), 'purseflow app'),
    temporalPid: () => undefined,
    dataDir: config.dataDir,
  };
}

export function productionStatusProfile(config: ProductionConfig): StatusProfile {
  return {
    profile: 'production',
    targets: productionTargets(config),
    processes: () => processParts(productionStatus(config), productionAppStatus(config), 'purseflow app --profile production'),
    temporalPid: (service) => temporalServicePid(config, service),
    dataDir: config.dataDir,
  };
}

/** One line per Temporal server process: its pid file names a live process, gRPC health says serving, its metrics page is its own. */
async function temporalProcessPart(target: TemporalTarget, pidOf: (service: TemporalService) => number | undefined, timeoutMs: number): Promise<PartHealth> {
  const { service, grpc, metricsUrl } = target;
  const checks = await Promise.all([
    ...(service ? [Promise.resolve(pidPart('temporal', target.name, pidOf(service)))] : []),
    ...(grpc ? [temporalPart(grpc.address, grpc.healthService, target.name, timeoutMs)] : []),
    // Every Temporal process labels its metrics with its service: a page of another program or service does not pass.
    ...(service && metricsUrl ? [httpPart('temporal', metricsUrl, carries(`service_name="${service}"`, `is this Temporal's ${service} service?`), target.name, timeoutMs)] : []),
  ]);
  return combined('temporal', target.name, checks);
}

/** Probes the parts asked for, concurrently, each probe bounded by `timeoutMs`. */
export async function probeParts(parts: readonly StatusPart[], profile: StatusProfile, timeoutMs = PROBE_TIMEOUT_MS): Promise<PartHealth[]> {
  const t = profile.targets;
  const probes: Record<StatusPart, () => Promise<PartHealth[]>> = {
    services: async () => profile.processes(),
    postgresql: async () => [await postgresPart(t.databaseUrl, timeoutMs)],
    temporal: () => Promise.all(t.temporal.map((target) => temporalProcessPart(target, profile.temporalPid, timeoutMs))),
    'temporal-ui': async () => [
      t.temporalUi
        ? await httpPart('temporal-ui', t.temporalUi.url, carries('PurseflowState', 'are our search attributes registered in this namespace?'), t.temporalUi.name, timeoutMs)
        : { part: 'temporal-ui', name: 'temporal web ui', health: 'idle', detail: 'no Web UI to check (TEMPORAL_UI_URL is unset)' },
    ],
    worker: () => Promise.all(t.workers.map((w) => httpPart('worker', w.url, carries('purseflow_downloads_total'), w.name, timeoutMs))),
    'reader-agent': () => Promise.all(t.readerAgents.map((a) => httpPart('reader-agent', a.url, carries('purseflow_reader_agent_up'), a.name, timeoutMs))),
    portal: async () => [await httpPart('portal', t.portal.url, () => undefined, t.portal.name, timeoutMs)],
    ledger: async () => [await ledgerPart(t.databaseUrl, timeoutMs)],
  };
  return (await Promise.all(parts.map((p) => probes[p]()))).flat();
}

/** What brings a part back, in this profile's words. */
export function remedyFor(part: StatusPart, { profile, dataDir }: Pick<StatusProfile, 'profile' | 'dataDir'>): string {
  const flag = profile === 'production' ? ' --profile production' : '';
  switch (part) {
    case 'services':
    case 'postgresql':
    case 'temporal':
    case 'temporal-ui':
      return `purseflow services up${flag}`;
    case 'worker':
    case 'reader-agent':
    case 'portal':
      return `purseflow app up${flag}`;
    case 'ledger':
      // The production ledger is another database: its address is in the profile's services.env.
      return profile === 'production' ? `set -a; . ${path.join(dataDir, 'services.env')}; set +a; purseflow ledger check` : 'purseflow ledger check';
  }
}
