import path from 'node:path';
import { ConfigError, readServicesConfig, REPOSITORY_ROOT } from '../config';

/** The four Temporal services, in the order they are started: history owns the shards the others route to. */
export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

/** The ports one Temporal service process binds; `http` only on the frontend. */
export interface TemporalServicePorts {
  readonly grpc: number;
  readonly membership: number;
  readonly metrics: number;
  readonly http?: number;
}

/** Where Temporal's two databases live and how the server logs in; the password is never written to a file. */
export interface TemporalDatabaseServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Superuser connection used to create the `temporal` role on the private cluster; undefined for DATABASE_URL's server. */
  readonly adminUrl?: string;
  /** A connection string that reaches the server to check which databases exist. */
  readonly checkUrl: string;
}

/**
 * The production profile: Temporal's own server (four processes) on PostgreSQL, beside the embedded profile.
 * Its ports default to a block of their own so that both profiles run on one machine; each is overridable.
 */
export interface ProductionConfig {
  /** PURSEFLOW_PROD_DATA_DIR, default `<PURSEFLOW_DATA_DIR>/production`: data, logs, pid files, rendered configs. */
  readonly dataDir: string;
  /** PURSEFLOW_TOOLS_DIR, shared with the embedded profile: server, sql and the Web UI server are built there once. */
  readonly toolsDir: string;
  /** PURSEFLOW_READY_TIMEOUT_S, shared with the embedded profile. */
  readonly readyTimeoutMs: number;
  /** Our own config templates (docker/temporal), copied into the data folder at every start. */
  readonly templatesDir: string;
  readonly postgres: {
    /** DATABASE_URL: when set, Temporal's databases are created on that server and no cluster is started. */
    readonly externalUrl?: string;
    /** PURSEFLOW_PROD_PG_PORT (default 54339) */
    readonly port: number;
    /** PURSEFLOW_PG_BIN, shared with the embedded profile. */
    readonly binDir?: string;
  };
  readonly temporal: {
    /** PURSEFLOW_TEMPORAL_SERVER_VERSION (default v1.29.1): go.temporal.io/server module version. */
    readonly serverVersion: string;
    /** PURSEFLOW_PROD_TEMPORAL_PORT (default 7330): the frontend's gRPC port; the cluster uses the 13 ports from there. */
    readonly frontendPort: number;
    readonly ports: Readonly<Record<TemporalService, TemporalServicePorts>>;
    /** PURSEFLOW_PROD_HISTORY_SHARDS (default 4): fixed once Temporal's database is created. */
    readonly historyShards: number;
    /** PURSEFLOW_PROD_SQL_MAX_CONNS (default 20): persistence connections per service process. */
    readonly sqlMaxConns: number;
    readonly namespace: string;
    readonly databaseName: string;
    readonly visibilityDatabaseName: string;
  };
  readonly ui: {
    /** PURSEFLOW_TEMPORAL_UI_VERSION (default v2.42.1, the UI that Temporal CLI 1.5.1 embeds for server 1.29.1). */
    readonly version: string;
    /** PURSEFLOW_PROD_TEMPORAL_UI_PORT (default 8330) */
    readonly port: number;
  };
  /** The purseflow processes of this profile (`purseflow app up --profile production`). */
  readonly app: {
    /** PURSEFLOW_PROD_PORTAL_PORT (default 8380) */
    readonly portalPort: number;
    /**
     * PURSEFLOW_PROD_METRICS_PORT (default 9564, the embedded 9464 plus 100): the first of APP_METRICS_PORTS
     * ports, /metrics of server worker 1, server worker 2, the reader agent and the portal, in that order.
     */
    readonly metricsPort: number;
  };
}

/** How many /metrics ports the production app processes take from PURSEFLOW_PROD_METRICS_PORT on. */
export const APP_METRICS_PORTS = 4;

const FRONTEND_PORT = 7330;
/** Layout of the block of ports that starts at the frontend's gRPC port. */
export const PORT_OFFSETS: Readonly<Record<TemporalService, TemporalServicePorts>> = {
  frontend: { grpc: 0, http: 4, membership: 5, metrics: 9 },
  history: { grpc: 1, membership: 6, metrics: 10 },
  matching: { grpc: 2, membership: 7, metrics: 11 },
  worker: { grpc: 3, membership: 8, metrics: 12 },
};
export const PORT_BLOCK_SIZE = 13;
/**
 * Temporal 1.29 keeps each service's membership port in cluster_membership.rpc_port, a SMALLINT: a port
 * above 32767 makes the service die at start ("value out of range for type smallint").
 */
const MAX_MEMBERSHIP_PORT = 32767;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, what: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${raw} is not ${what}; set it to a whole number from ${min} to ${max}.`);
  }
  return value;
}

function portsFrom(frontendPort: number): Record<TemporalService, TemporalServicePorts> {
  const shift = (o: TemporalServicePorts): TemporalServicePorts => ({
    grpc: frontendPort + o.grpc,
    membership: frontendPort + o.membership,
    metrics: frontendPort + o.metrics,
    ...(o.http === undefined ? {} : { http: frontendPort + o.http }),
  });
  return { frontend: shift(PORT_OFFSETS.frontend), history: shift(PORT_OFFSETS.history), matching: shift(PORT_OFFSETS.matching), worker: shift(PORT_OFFSETS.worker) };
}

export function readProductionConfig(env: NodeJS.ProcessEnv = process.env): ProductionConfig {
  // Data folder, tools cache and time-out are the embedded profile's own settings, read the same way.
  const shared = readServicesConfig({ ...env, DATABASE_URL: '', TEMPORAL_ADDRESS: '' });
  const frontendPort = integer(
    env,
    'PURSEFLOW_PROD_TEMPORAL_PORT',
    FRONTEND_PORT,
    1024,
    MAX_MEMBERSHIP_PORT + 1 - PORT_BLOCK_SIZE,
    'the first of 13 free TCP ports ending below 32768 (Temporal stores membership ports in a PostgreSQL smallint)',
  );
  const serverVersion = env.PURSEFLOW_TEMPORAL_SERVER_VERSION || 'v1.29.1';
  const uiVersion = env.PURSEFLOW_TEMPORAL_UI_VERSION || 'v2.42.1';
  for (const [name, value] of [['PURSEFLOW_TEMPORAL_SERVER_VERSION', serverVersion], ['PURSEFLOW_TEMPORAL_UI_VERSION', uiVersion]]) {
    if (!/^v\d+\.\d+\.\d+$/.test(value)) throw new ConfigError(`${name}=${value} is not a Go module version like v1.2.3.`);
  }
  return {
    dataDir: path.resolve(env.PURSEFLOW_PROD_DATA_DIR || path.join(shared.dataDir, 'production')),
    toolsDir: shared.toolsDir,
    readyTimeoutMs: shared.readyTimeoutMs,
    templatesDir: path.join(REPOSITORY_ROOT, 'docker', 'temporal'),
    postgres: {
      externalUrl: env.DATABASE_URL || undefined,
      port: integer(env, 'PURSEFLOW_PROD_PG_PORT', 54339, 1, 65535, 'a TCP port'),
      binDir: env.PURSEFLOW_PG_BIN || undefined,
    },
    temporal: {
      serverVersion,
      frontendPort,
      ports: portsFrom(frontendPort),
      historyShards: integer(env, 'PURSEFLOW_PROD_HISTORY_SHARDS', 4, 1, 16384, 'a number of history shards'),
      sqlMaxConns: integer(env, 'PURSEFLOW_PROD_SQL_MAX_CONNS', 20, 1, 1000, 'a number of connections'),
      namespace: env.TEMPORAL_NAMESPACE || 'default',
      databaseName: 'temporal',
      visibilityDatabaseName: 'temporal_visibility',
    },
    ui: {
      version: uiVersion,
      port: integer(env, 'PURSEFLOW_PROD_TEMPORAL_UI_PORT', 8330, 1, 65535, 'a TCP port'),
    },
    app: {
      portalPort: integer(env, 'PURSEFLOW_PROD_PORTAL_PORT', 8380, 1, 65535, 'a TCP port'),
      metricsPort: integer(env, 'PURSEFLOW_PROD_METRICS_PORT', 9564, 1, 65536 - APP_METRICS_PORTS, `the first of ${APP_METRICS_PORTS} free TCP ports`),
    },
  };
}

/** The private cluster of the production profile, described in the embedded profile's own terms so its code runs it. */
export function privateClusterConfig(config: ProductionConfig) {
  return readServicesConfig({
    PURSEFLOW_DATA_DIR: config.dataDir,
    PURSEFLOW_TOOLS_DIR: config.toolsDir,
    PURSEFLOW_PG_PORT: String(config.postgres.port),
    PURSEFLOW_PG_BIN: config.postgres.binDir,
    PURSEFLOW_READY_TIMEOUT_S: String(config.readyTimeoutMs / 1000),
    PURSEFLOW_PCSCD: 'off',
  });
}

export function frontendAddress(config: ProductionConfig): string {
  return `127.0.0.1:${config.temporal.frontendPort}`;
}

export function webUiUrl(config: ProductionConfig): string {
  return `http://127.0.0.1:${config.ui.port}`;
}
