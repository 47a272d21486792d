import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ServiceError } from './service-error';

/** The pid file of a process we started, and what its command line must contain for the pid to still be ours. */
export interface ManagedProcess {
  readonly name: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly commandMarker: string;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLineOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * The pid of our running process, or undefined. A pid file whose process died, or whose pid now belongs
 * to another program, is stale: it is removed so that a fresh start is not blocked by it.
 */
export function runningPid(proc: ManagedProcess): number | undefined {
  if (!fs.existsSync(proc.pidFile)) return undefined;
  const pid = Number(fs.readFileSync(proc.pidFile, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && commandLineOf(pid).includes(proc.commandMarker)) return pid;
  fs.rmSync(proc.pidFile, { force: true });
  return undefined;
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * The first of `length` consecutive free ports for an isolated production profile (its PostgreSQL,
 * Temporal's port block, the Web UI): between 20000 and 32767, since Temporal keeps membership ports in
 * a PostgreSQL smallint, and below the kernel's ephemeral range, where a client connection could take one.
 */
export async function freePortRun(length: number, attempts = 100): Promise<number> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const base = 20000 + Math.floor(Math.random() * (32767 - 20000 - length));
    const ports = Array.from({ length }, (_, i) => base + i);
    if ((await Promise.all(ports.map((port) => isPortFree(port)))).every(Boolean)) return base;
  }
  throw new ServiceError('port_taken', 'ports', `no run of ${length} free ports found between 20000 and 32767; stop what holds them and run again.`);
}

export async function assertPortFree(service: string, port: number, variable: string): Promise<void> {
  if (!(await isPortFree(port))) {
    throw new ServiceError(
      'port_taken',
      service,
      `port ${port} is already in use by another program. Stop that program or set ${variable} to a free port.`,
    );
  }
}

export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Starts a long-running program detached from this process, its output appended to its log, and records its pid. */
export function startDetached(proc: ManagedProcess, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  fs.mkdirSync(path.dirname(proc.pidFile), { recursive: true });
  fs.mkdirSync(path.dirname(proc.logFile), { recursive: true });
  const log = fs.openSync(proc.logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log], env });
    if (child.pid === undefined) {
      throw new ServiceError('start_failed', proc.name, `could not start ${command}; see ${proc.logFile}.`);
    }
    child.unref();
    fs.writeFileSync(proc.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    fs.closeSync(log);
  }
}

export async function stopProcess(proc: ManagedProcess, graceMs = 10_000): Promise<boolean> {
  const pid = runningPid(proc);
  if (pid === undefined) return false;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  fs.rmSync(proc.pidFile, { force: true });
  return true;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it holds; a process that dies or a deadline that passes is reported with its log. */
export async function waitUntilReady(
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  pid?: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (pid !== undefined && !isAlive(pid)) {
      throw new ServiceError('start_failed', proc.name, `exited during start-up; its log is ${proc.logFile}:\n${tail(proc.logFile)}`);
    }
    if (Date.now() > deadline) {
      throw new ServiceError(
        'not_ready',
        proc.name,
        `not ready within ${Math.round(timeoutMs / 1000)} s (PURSEFLOW_READY_TIMEOUT_S); its log is ${proc.logFile}.`,
      );
    }
    await sleep(200);
  }
}

export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function which(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const found = result.stdout.trim();
  return result.status === 0 && found ? found : undefined;
}
