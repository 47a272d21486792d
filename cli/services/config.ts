import fs from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** Every port and path the service manager uses; each one can be overridden by the variable named beside it. */
export interface ServicesConfig {
  /** PURSEFLOW_DATA_DIR: one folder holds every service's data, logs and pid files. */
  readonly dataDir: string;
  /** PURSEFLOW_TOOLS_DIR: binaries built once and reused across clones (outside the repository). */
  readonly toolsDir: string;
  /** PURSEFLOW_READY_TIMEOUT_S: how long a service may take to become ready. */
  readonly readyTimeoutMs: number;
  readonly postgres: {
    /** DATABASE_URL: when set, an existing server is used and no cluster is started. */
    readonly externalUrl?: string;
    /** PURSEFLOW_PG_PORT */
    readonly port: number;
    /** PURSEFLOW_PG_BIN: folder with initdb and pg_ctl; default the newest under /usr/lib/postgresql. */
    readonly binDir?: string;
    readonly database: string;
    readonly user: string;
  };
  readonly temporal: {
    /** TEMPORAL_ADDRESS: when set, an existing cluster is used and no dev server is started. */
    readonly externalAddress?: string;
    /** PURSEFLOW_TEMPORAL_PORT */
    readonly port: number;
    /** PURSEFLOW_TEMPORAL_UI_PORT */
    readonly uiPort: number;
    /** PURSEFLOW_TEMPORAL_BIN: a temporal CLI to use instead of the one on PATH or built from Go modules. */
    readonly binary?: string;
    /** PURSEFLOW_TEMPORAL_CLI_VERSION: the Go module version built when no binary is found. */
    readonly cliVersion: string;
    readonly namespace: string;
  };
  readonly pcscd: {
    /** PURSEFLOW_PCSCD: `managed` (default) starts pcscd with vpcd, `external` uses a running one, `off` skips it. */
    readonly mode: 'managed' | 'external' | 'off';
    /** PURSEFLOW_VPCD_PORT: the TCP port on which vpcd waits for the simulated card. */
    readonly vpcdPort: number;
  };
}

/** The search attributes that workflows set and operators filter on in the Web UI. */
export const SEARCH_ATTRIBUTES: ReadonlyArray<readonly [name: string, type: 'Keyword' | 'Int']> = [
  ['PurseflowState', 'Keyword'],
  ['PurseflowKind', 'Keyword'],
  ['CardSerial', 'Keyword'],
  ['CustomerId', 'Keyword'],
  ['MerchantId', 'Keyword'],
  ['ReaderId', 'Keyword'],
  ['AmountMinor', 'Int'],
];

export class ConfigError extends Error {
  readonly code = 'invalid_config' as const;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new ConfigError(`${name}=${raw} is not a TCP port; set it to a whole number from 1 to 65535.`);
  }
  return value;
}

/** The checkout's root, found the same way from the sources (cli/services) and from the build (dist/cli/services). */
function findRepositoryRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new ConfigError(`no package.json above ${start}: run purseflow from its checkout.`);
  }
}

export const REPOSITORY_ROOT = findRepositoryRoot(__dirname);

export function readServicesConfig(env: NodeJS.ProcessEnv = process.env): ServicesConfig {
  const dataDir = path.resolve(env.PURSEFLOW_DATA_DIR || path.join(REPOSITORY_ROOT, '.data'));
  const pcscdMode = env.PURSEFLOW_PCSCD || 'managed';
  if (pcscdMode !== 'managed' && pcscdMode !== 'external' && pcscdMode !== 'off') {
    throw new ConfigError(`PURSEFLOW_PCSCD=${pcscdMode} is not one of managed, external, off.`);
  }
  const timeoutS = Number(env.PURSEFLOW_READY_TIMEOUT_S || '90');
  if (!(timeoutS > 0)) throw new ConfigError(`PURSEFLOW_READY_TIMEOUT_S=${env.PURSEFLOW_READY_TIMEOUT_S} must be a positive number of seconds.`);
  return {
    dataDir,
    toolsDir: path.resolve(env.PURSEFLOW_TOOLS_DIR || path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'purseflow', 'bin')),
    readyTimeoutMs: timeoutS * 1000,
    postgres: {
      externalUrl: env.DATABASE_URL || undefined,
      port: port(env, 'PURSEFLOW_PG_PORT', 54329),
      binDir: env.PURSEFLOW_PG_BIN || undefined,
      database: 'purseflow',
      user: 'purseflow',
    },
    temporal: {
      externalAddress: env.TEMPORAL_ADDRESS || undefined,
      port: port(env, 'PURSEFLOW_TEMPORAL_PORT', 7233),
      uiPort: port(env, 'PURSEFLOW_TEMPORAL_UI_PORT', 8233),
      binary: env.PURSEFLOW_TEMPORAL_BIN || undefined,
      cliVersion: env.PURSEFLOW_TEMPORAL_CLI_VERSION || 'v1.5.1',
      namespace: env.TEMPORAL_NAMESPACE || 'default',
    },
    pcscd: { mode: pcscdMode, vpcdPort: port(env, 'PURSEFLOW_VPCD_PORT', 35963) },
  };
}
