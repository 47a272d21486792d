import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SERVER_WORKER_NODE_FLAGS } from '../../workflows';
import { ServicesConfig } from './config';
import { assertPortFree, canConnect, ManagedProcess, runningPid, startDetached, stopProcess, waitUntilReady, sleep, isAlive } from './process-control';
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

export interface AppProcess {
  readonly name: string;
  /** A program other than this CLI (socat); by default the process is `node <cli> ...args`. */
  readonly program?: string;
  readonly args: string[];
  /** Flags for node before the CLI's entry (only for `node <cli>` processes). */
  readonly nodeFlags?: readonly string[];
  /** Variables of this process alone (each reader agent serves its metrics on a port of its own). */
  readonly env?: Record<string, string>;
  /** Ports checked free before the start, so that a squatter is named with the variable that moves us. */
  readonly ports?: ReadonlyArray<{ readonly port: number; readonly variable: string }>;
  readonly ready: () => Promise<boolean>;
}

/** One profile's app processes, in start order, and the folder that holds their pid files and logs. */
export interface AppLayout {
  readonly dataDir: string;
  readonly readyTimeoutMs: number;
  readonly processes: readonly AppProcess[];
}

function serialLinks(dataDir: string): { simulator: string; host: string } {
  const dir = path.join(dataDir, 'tty');
  return { simulator: path.join(dir, 'acr30-simulator'), host: path.join(dir, 'acr30-host') };
}

/**
 * The simulated ACR30S: a socat pty pair, the simulator holding the second demo card on one end, a reader
 * agent on the other. Needs no pcscd, so both profiles run it.
 */
export function serialReaderProcesses(dataDir: string, agentMetricsPort: string, agentReady: () => Promise<boolean>): AppProcess[] {
  const links = serialLinks(dataDir);
  return [
    {
      name: 'serial-line',
      program: 'socat',
      args: [`pty,raw,echo=0,link=${links.simulator}`, `pty,raw,echo=0,link=${links.host}`],
      ready: async () => fs.existsSync(links.simulator) && fs.existsSync(links.host),
    },
    {
      name: 'sim-acr30',
      args: ['sim', 'acr30', '--tty', links.simulator, '--csn', DEMO_ACR30_CARD_CSN, '--state', path.join(dataDir, 'cards', `${DEMO_ACR30_CARD_CSN}.in-reader.json`)],
      ready: async () => true,
    },
    {
      name: 'reader-agent-acr30',
      args: ['reader-agent', '--reader-id', DEMO_ACR30_READER_ID, '--tty', links.host],
      env: { PURSEFLOW_METRICS_PORT: agentMetricsPort },
      ready: agentReady,
    },
  ];
}

export function portalPort(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.PURSEFLOW_PORTAL_PORT || 8080);
}

/** Where the embedded profile's ACR30S reader agent serves /metrics (the PC/SC agent keeps the default 9465). */
export function acr30AgentMetricsPort(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.PURSEFLOW_ACR30_AGENT_METRICS_PORT || 9466);
}

/** The embedded profile's processes: one server worker, both demo readers (PC/SC in vpcd, ACR30S on socat), the portal. */
export function embeddedApp(config: ServicesConfig): AppLayout {
  const alive = async () => true;
  const processes: AppProcess[] = [
    { name: 'worker', args: ['worker'], nodeFlags: SERVER_WORKER_NODE_FLAGS, ready: alive },
    {
      name: 'sim-card',
      args: ['sim', 'card', '--csn', DEMO_CARD_CSN, '--vpcd-port', String(config.pcscd.vpcdPort), '--state', path.join(config.dataDir, 'cards', `${DEMO_CARD_CSN}.in-reader.json`)],
      ready: alive,
    },
    { name: 'reader-agent', args: ['reader-agent', '--reader-id', DEMO_READER_ID, '--reader', DEMO_READER_NAME], ready: alive },
    ...serialReaderProcesses(config.dataDir, String(acr30AgentMetricsPort()), alive),
    { name: 'portal', args: ['portal'], ready: async () => canConnect(portalPort()) },
  ];
  return { dataDir: config.dataDir, readyTimeoutMs: config.readyTimeoutMs, processes };
}

function managed(layout: AppLayout, app: AppProcess): ManagedProcess {
  // The marker is what only our process has on its command line, so a recycled pid is never taken for ours.
  const marker = app.program ? app.args[0] : `main.js ${app.args.slice(0, 3).join(' ')}`;
  return { name: app.name, pidFile: path.join(layout.dataDir, 'run', `${app.name}.pid`), logFile: path.join(layout.dataDir, 'logs', `${app.name}.log`), commandMarker: marker };
}

/**
 * The portal's cookie key: from PURSEFLOW_PORTAL_SESSION_KEY, else made once for this data folder and kept
 * beside it (mode 600), so that sessions survive a restart of the embedded system.
 */
export function portalSessionKey(dataDir: string): string {
  if (process.env.PURSEFLOW_PORTAL_SESSION_KEY) return process.env.PURSEFLOW_PORTAL_SESSION_KEY;
  const file = path.join(dataDir, 'portal-session.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/** Starts the processes of the layout that are not running; a second call finds them running and starts nothing. */
export async function startApp(layout: AppLayout, cliEntry: string, environment: Record<string, string>): Promise<ServiceStatus[]> {
  const env = { ...process.env, ...environment, PURSEFLOW_PORTAL_SESSION_KEY: portalSessionKey(layout.dataDir) };
  const statuses: ServiceStatus[] = [];
  for (const app of layout.processes) {
    const proc = managed(layout, app);
    if (runningPid(proc) !== undefined) {
      statuses.push({ name: app.name, state: 'running' });
      continue;
    }
    for (const { port, variable } of app.ports ?? []) await assertPortFree(app.name, port, variable);
    if (app.program) fs.mkdirSync(path.join(layout.dataDir, 'tty'), { recursive: true });
    const processEnv = { ...env, ...app.env };
    const pid = app.program ? startDetached(proc, app.program, app.args, processEnv) : startDetached(proc, process.execPath, [...(app.nodeFlags ?? []), cliEntry, ...app.args], processEnv);
    await waitUntilReady(proc, app.ready, layout.readyTimeoutMs, pid);
    // A process that dies in its first second (bad configuration, reader missing) is reported here, with its log.
    await sleep(1000);
    if (!isAlive(pid)) throw new ServiceError('start_failed', app.name, `exited during start-up; its log is ${proc.logFile}.`);
    statuses.push({ name: app.name, state: 'started', detail: `log ${proc.logFile}` });
  }
  return statuses;
}

export async function stopApp(layout: AppLayout): Promise<ServiceStatus[]> {
  const statuses: ServiceStatus[] = [];
  // Reverse order: the portal and the reader agents go before the worker they talk to, the serial line after its users.
  for (const app of [...layout.processes].reverse()) {
    if (await stopProcess(managed(layout, app))) statuses.push({ name: app.name, state: 'stopped' });
  }
  return statuses;
}

export function appStatus(layout: AppLayout): ServiceStatus[] {
  return layout.processes.map((app) => ({ name: app.name, state: runningPid(managed(layout, app)) !== undefined ? 'running' : 'stopped' }));
}

/** The pids of the layout's running processes, by name: for checks that none outlives `down`. */
export function appPids(layout: AppLayout): Map<string, number> {
  const pids = new Map<string, number>();
  for (const app of layout.processes) {
    const pid = runningPid(managed(layout, app));
    if (pid !== undefined) pids.set(app.name, pid);
  }
  return pids;
}
