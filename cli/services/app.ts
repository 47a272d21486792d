import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SERVER_WORKER_NODE_FLAGS } from '../../workflows';
import { ServicesConfig } from './config';
import { canConnect, ManagedProcess, runningPid, startDetached, stopProcess, waitUntilReady, sleep, isAlive } from './process-control';
import { ServiceError } from './service-error';
import { ServiceStatus } from './service-status';

/** The demo card every `npm start` plugs into the virtual reader: the spec's vector card. */
export const DEMO_CARD_CSN = '6071000000000019';
export const DEMO_READER_ID = 'demo';
/** vpcd's first slot, as pcscd names it. */
export const DEMO_READER_NAME = 'Virtual PCD 00 00';
/** The second demo card, held by a simulated ACR30S on a socat pty pair, served by its own reader agent. */
export const DEMO_ACR30_CARD_CSN = '6071000000000027';
export const DEMO_ACR30_READER_ID = 'demo-acr30';

export const APP_PROCESS_NAMES = ['worker', 'sim-card', 'reader-agent', 'serial-line', 'sim-acr30', 'reader-agent-acr30', 'portal'] as const;
export type AppProcessName = (typeof APP_PROCESS_NAMES)[number];

interface AppProcess {
  readonly name: AppProcessName;
  /** A program other than this CLI (socat); by default the process is `node <cli> ...args`. */
  readonly program?: string;
  readonly args: string[];
  /** Flags for node before the CLI's entry (only for `node <cli>` processes). */
  readonly nodeFlags?: readonly string[];
  /** Variables of this process alone (each reader agent serves its metrics on a port of its own). */
  readonly env?: Record<string, string>;
  readonly ready: (config: ServicesConfig) => Promise<boolean>;
}

function serialLinks(config: ServicesConfig): { simulator: string; host: string } {
  const dir = path.join(config.dataDir, 'tty');
  return { simulator: path.join(dir, 'acr30-simulator'), host: path.join(dir, 'acr30-host') };
}

export function portalPort(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.PURSEFLOW_PORTAL_PORT || 8080);
}

function appProcesses(config: ServicesConfig): AppProcess[] {
  const alive = async () => true;
  return [
    { name: 'worker', args: ['worker'], nodeFlags: SERVER_WORKER_NODE_FLAGS, ready: alive },
    {
      name: 'sim-card',
      args: ['sim', 'card', '--csn', DEMO_CARD_CSN, '--vpcd-port', String(config.pcscd.vpcdPort), '--state', path.join(config.dataDir, 'cards', `${DEMO_CARD_CSN}.in-reader.json`)],
      ready: alive,
    },
    { name: 'reader-agent', args: ['reader-agent', '--reader-id', DEMO_READER_ID, '--reader', DEMO_READER_NAME], ready: alive },
    {
      name: 'serial-line',
      program: 'socat',
      args: [`pty,raw,echo=0,link=${serialLinks(config).simulator}`, `pty,raw,echo=0,link=${serialLinks(config).host}`],
      ready: async () => fs.existsSync(serialLinks(config).simulator) && fs.existsSync(serialLinks(config).host),
    },
    {
      name: 'sim-acr30',
      args: ['sim', 'acr30', '--tty', serialLinks(config).simulator, '--csn', DEMO_ACR30_CARD_CSN, '--state', path.join(config.dataDir, 'cards', `${DEMO_ACR30_CARD_CSN}.in-reader.json`)],
      ready: alive,
    },
    {
      name: 'reader-agent-acr30',
      args: ['reader-agent', '--reader-id', DEMO_ACR30_READER_ID, '--tty', serialLinks(config).host],
      env: { PURSEFLOW_METRICS_PORT: process.env.PURSEFLOW_ACR30_AGENT_METRICS_PORT || '9466' },
      ready: alive,
    },
    { name: 'portal', args: ['portal'], ready: async () => canConnect(portalPort()) },
  ];
}

function managed(config: ServicesConfig, name: AppProcessName): ManagedProcess {
  // The marker is what only our process has on its command line, so a recycled pid is never taken for ours.
  const app = appProcesses(config).find((p) => p.name === name)!;
  const marker = app.program ? app.args[0] : `main.js ${app.args.slice(0, 3).join(' ')}`;
  return { name, pidFile: path.join(config.dataDir, 'run', `${name}.pid`), logFile: path.join(config.dataDir, 'logs', `${name}.log`), commandMarker: marker };
}

/**
 * The portal's cookie key: from PURSEFLOW_PORTAL_SESSION_KEY, else made once for this data folder and kept
 * beside it (mode 600), so that sessions survive a restart of the embedded system.
 */
export function portalSessionKey(config: ServicesConfig): string {
  if (process.env.PURSEFLOW_PORTAL_SESSION_KEY) return process.env.PURSEFLOW_PORTAL_SESSION_KEY;
  const file = path.join(config.dataDir, 'portal-session.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

export async function startApp(config: ServicesConfig, cliEntry: string, environment: Record<string, string>): Promise<ServiceStatus[]> {
  const env = { ...process.env, ...environment, PURSEFLOW_PORTAL_SESSION_KEY: portalSessionKey(config) };
  const statuses: ServiceStatus[] = [];
  for (const app of appProcesses(config)) {
    const proc = managed(config, app.name);
    if (runningPid(proc) !== undefined) {
      statuses.push({ name: app.name, state: 'running' });
      continue;
    }
    if (app.program) fs.mkdirSync(path.dirname(serialLinks(config).simulator), { recursive: true });
    const processEnv = { ...env, ...app.env };
    const pid = app.program ? startDetached(proc, app.program, app.args, processEnv) : startDetached(proc, process.execPath, [...(app.nodeFlags ?? []), cliEntry, ...app.args], processEnv);
    await waitUntilReady(proc, () => app.ready(config), config.readyTimeoutMs, pid);
    // A process that dies in its first second (bad configuration, reader missing) is reported here, with its log.
    await sleep(1000);
    if (!isAlive(pid)) throw new ServiceError('start_failed', app.name, `exited during start-up; its log is ${proc.logFile}.`);
    statuses.push({ name: app.name, state: 'started', detail: `log ${proc.logFile}` });
  }
  return statuses;
}

export async function stopApp(config: ServicesConfig): Promise<ServiceStatus[]> {
  const statuses: ServiceStatus[] = [];
  // Reverse order: the portal and the reader agents go before the worker they talk to, the serial line after its users.
  for (const name of [...APP_PROCESS_NAMES].reverse()) {
    if (await stopProcess(managed(config, name))) statuses.push({ name, state: 'stopped' });
  }
  return statuses;
}

export function appStatus(config: ServicesConfig): ServiceStatus[] {
  return APP_PROCESS_NAMES.map((name) => ({ name, state: runningPid(managed(config, name)) !== undefined ? 'running' : 'stopped' }));
}
