import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ServicesConfig } from './config';
import { assertPortFree, canConnect, ManagedProcess, tail, waitUntilReady } from './process-control';
import { ServiceError } from './service-error';
import { ServiceStatus } from './service-status';

const NAME = 'postgresql';

function paths(config: ServicesConfig) {
  const root = path.join(config.dataDir, 'postgres');
  return { root, data: path.join(root, 'data'), socketDir: path.join(root, 'socket'), logFile: path.join(config.dataDir, 'logs', 'postgres.log') };
}

export function postgresUrl(config: ServicesConfig): string {
  return config.postgres.externalUrl ?? `postgres://${config.postgres.user}@127.0.0.1:${config.postgres.port}/${config.postgres.database}`;
}

function postgresBinDir(config: ServicesConfig): string {
  if (config.postgres.binDir) return config.postgres.binDir;
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => path.join(base, v, 'bin')).find((dir) => fs.existsSync(path.join(dir, 'initdb')));
  if (!found) {
    throw new ServiceError('missing_package', NAME, 'no initdb found under /usr/lib/postgresql: install the Debian package `postgresql` or set PURSEFLOW_PG_BIN.');
  }
  return found;
}

/** initdb and postgres refuse to run as root; as root we run them as the `postgres` system user. */
function runAsOwner(command: string, args: string[]): SpawnSyncReturns<string> {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  return spawnSync(cmd, argv, { encoding: 'utf8', cwd: '/' });
}

function handOver(dir: string): void {
  if (process.getuid?.() !== 0) return;
  const owner = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (owner.status !== 0) throw new ServiceError('missing_package', NAME, 'no `postgres` system user: install the Debian package `postgresql`.');
  fs.chownSync(dir, Number(owner.stdout.trim()), Number(group.stdout.trim()));
}

/**
 * As root the cluster runs as `postgres`, which must be able to walk down to its data folder. A checkout
 * under a private folder (mktemp -d, /root) would stop it there, so each folder on the way that others
 * cannot enter gets the search bit for others (enter, not list or read) — nothing else changes.
 */
function openPathForPostgres(dir: string): void {
  if (process.getuid?.() !== 0) return;
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const folder = path.sep + parts.slice(0, i).join(path.sep);
    const mode = fs.statSync(folder).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(folder, (mode & 0o7777) | 0o001);
  }
}

function pgProcess(config: ServicesConfig): ManagedProcess {
  const p = paths(config);
  return { name: NAME, pidFile: path.join(p.data, 'postmaster.pid'), logFile: p.logFile, commandMarker: 'postgres' };
}

function postmasterPid(config: ServicesConfig): number | undefined {
  const proc = pgProcess(config);
  if (!fs.existsSync(proc.pidFile)) return undefined;
  // postmaster.pid's first line is the pid; PostgreSQL removes a stale file itself on start, so we only read it.
  const pid = Number(fs.readFileSync(proc.pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres') ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function startPostgres(config: ServicesConfig): Promise<ServiceStatus> {
  if (config.postgres.externalUrl) return { name: NAME, state: 'external', detail: 'DATABASE_URL' };
  const p = paths(config);
  const bin = postgresBinDir(config);
  const major = path.basename(path.dirname(bin));
  if (postmasterPid(config) !== undefined) return { name: NAME, state: 'running', detail: postgresUrl(config) };
  const versionFile = path.join(p.data, 'PG_VERSION');
  if (fs.existsSync(versionFile)) {
    const dataVersion = fs.readFileSync(versionFile, 'utf8').trim();
    if (/^\d+$/.test(major) && dataVersion !== major) {
      throw new ServiceError(
        'data_dir_incompatible',
        NAME,
        `${p.data} was created by PostgreSQL ${dataVersion}, but this machine runs ${major}. Move that folder away (or delete it to start empty), or set PURSEFLOW_DATA_DIR to another folder.`,
      );
    }
  }
  await assertPortFree(NAME, config.postgres.port, 'PURSEFLOW_PG_PORT');
  for (const dir of [p.root, p.socketDir, path.dirname(p.logFile)]) fs.mkdirSync(dir, { recursive: true });
  openPathForPostgres(config.dataDir);
  handOver(p.root);
  handOver(p.socketDir);
  if (!fs.existsSync(versionFile)) {
    fs.mkdirSync(p.data, { recursive: true, mode: 0o700 });
    handOver(p.data);
    const init = runAsOwner(path.join(bin, 'initdb'), ['-D', p.data, '-U', config.postgres.user, '--auth=trust', '--encoding=UTF8', '--locale=C']);
    if (init.status !== 0) throw new ServiceError('start_failed', NAME, `initdb failed:\n${init.stderr || init.stdout}`);
  }
  if (!fs.existsSync(p.logFile)) fs.writeFileSync(p.logFile, '');
  handOver(p.logFile);
  const options = [
    `-p ${config.postgres.port}`,
    `-k ${p.socketDir}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=200',
    '-c shared_buffers=256MB',
  ].join(' ');
  const timeoutS = String(Math.ceil(config.readyTimeoutMs / 1000));
  const start = runAsOwner(path.join(bin, 'pg_ctl'), ['-D', p.data, '-l', p.logFile, '-o', options, '-t', timeoutS, '-w', 'start']);
  if (start.status !== 0) {
    throw new ServiceError('not_ready', NAME, `pg_ctl start failed; its log is ${p.logFile}:\n${tail(p.logFile)}`);
  }
  await waitUntilReady(pgProcess(config), () => canConnect(config.postgres.port), config.readyTimeoutMs);
  ensureDatabase(config, bin);
  return { name: NAME, state: 'started', detail: postgresUrl(config) };
}

function ensureDatabase(config: ServicesConfig, bin: string): void {
  const psql = (sql: string) =>
    spawnSync(path.join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(config.postgres.port), '-U', config.postgres.user, '-d', 'postgres', '-tAc', sql], {
      encoding: 'utf8',
    });
  const exists = psql(`SELECT 1 FROM pg_database WHERE datname = '${config.postgres.database}'`);
  if (exists.stdout.trim() !== '1') {
    const created = psql(`CREATE DATABASE ${config.postgres.database}`);
    if (created.status !== 0) throw new ServiceError('start_failed', NAME, `could not create database ${config.postgres.database}: ${created.stderr}`);
  }
}

export async function stopPostgres(config: ServicesConfig): Promise<ServiceStatus> {
  if (config.postgres.externalUrl) return { name: NAME, state: 'external', detail: 'DATABASE_URL' };
  if (postmasterPid(config) === undefined) return { name: NAME, state: 'stopped' };
  const p = paths(config);
  const stop = runAsOwner(path.join(postgresBinDir(config), 'pg_ctl'), ['-D', p.data, '-m', 'fast', '-w', 'stop']);
  if (stop.status !== 0) throw new ServiceError('start_failed', NAME, `pg_ctl stop failed: ${stop.stderr}`);
  return { name: NAME, state: 'stopped' };
}

export function postgresStatus(config: ServicesConfig): ServiceStatus {
  if (config.postgres.externalUrl) return { name: NAME, state: 'external', detail: 'DATABASE_URL' };
  return postmasterPid(config) !== undefined ? { name: NAME, state: 'running', detail: postgresUrl(config) } : { name: NAME, state: 'stopped' };
}

