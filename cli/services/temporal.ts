import fs from 'node:fs';
import path from 'node:path';
import { ServicesConfig, SEARCH_ATTRIBUTES } from './config';
import { assertPortFree, canConnect, ManagedProcess, runningPid, startDetached, stopProcess, waitUntilReady } from './process-control';
import { ServiceStatus } from './service-status';
import { resolveTemporalCli } from './temporal-cli';

const NAME = 'temporal';

function temporalProcess(config: ServicesConfig): ManagedProcess {
  return {
    name: NAME,
    pidFile: path.join(config.dataDir, 'run', 'temporal.pid'),
    logFile: path.join(config.dataDir, 'logs', 'temporal.log'),
    commandMarker: 'start-dev',
  };
}

export function temporalAddress(config: ServicesConfig): string {
  return config.temporal.externalAddress ?? `127.0.0.1:${config.temporal.port}`;
}

export function temporalUiUrl(config: ServicesConfig): string | undefined {
  return config.temporal.externalAddress ? undefined : `http://127.0.0.1:${config.temporal.uiPort}`;
}

export async function startTemporal(config: ServicesConfig, log: (line: string) => void = () => {}): Promise<ServiceStatus> {
  if (config.temporal.externalAddress) return { name: NAME, state: 'external', detail: config.temporal.externalAddress };
  const proc = temporalProcess(config);
  if (runningPid(proc) !== undefined) return { name: NAME, state: 'running', detail: temporalAddress(config) };
  await assertPortFree(NAME, config.temporal.port, 'PURSEFLOW_TEMPORAL_PORT');
  await assertPortFree('temporal web ui', config.temporal.uiPort, 'PURSEFLOW_TEMPORAL_UI_PORT');
  const cli = resolveTemporalCli(config, log);
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(config.temporal.port),
    '--ui-port', String(config.temporal.uiPort),
    '--namespace', config.temporal.namespace,
    '--db-filename', path.join(config.dataDir, 'temporal', 'temporal.sqlite'),
    // WAL with synchronous=normal survives a crash of the server process (not of the machine) and triples
    // the dev server's throughput on this hardware (shared/deployment-notes.md §3: 12.8 → 38.6 workflows/s).
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    '--log-format', 'json',
    '--log-level', 'warn',
    ...SEARCH_ATTRIBUTES.flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  fs.mkdirSync(path.join(config.dataDir, 'temporal'), { recursive: true });
  const pid = startDetached(proc, cli, args);
  await waitUntilReady(proc, async () => (await canConnect(config.temporal.port)) && (await canConnect(config.temporal.uiPort)), config.readyTimeoutMs, pid);
  return { name: NAME, state: 'started', detail: `${temporalAddress(config)}, Web UI ${temporalUiUrl(config)}` };
}

export async function stopTemporal(config: ServicesConfig): Promise<ServiceStatus> {
  if (config.temporal.externalAddress) return { name: NAME, state: 'external', detail: config.temporal.externalAddress };
  await stopProcess(temporalProcess(config));
  return { name: NAME, state: 'stopped' };
}

export function temporalStatus(config: ServicesConfig): ServiceStatus {
  if (config.temporal.externalAddress) return { name: NAME, state: 'external', detail: config.temporal.externalAddress };
  return runningPid(temporalProcess(config)) !== undefined
    ? { name: NAME, state: 'running', detail: `${temporalAddress(config)}, Web UI ${temporalUiUrl(config)}` }
    : { name: NAME, state: 'stopped' };
}
