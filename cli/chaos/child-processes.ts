/**
 * The processes the chaos suite starts itself (server workers, reader agents, socat lines and
 * forwarders): each in a process group of its own, its output in a log file, killed with the whole
 * group at the end — also when the run fails or the process exits early.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface StartedChild {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  readonly logFile: string;
  /** Resolves when the process has exited, however it ended. */
  readonly exited: Promise<void>;
  alive(): boolean;
}

export interface SpawnOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
  /** The line on standard output that says the process is ready; without it the process is ready once spawned. */
  readonly readyLine?: RegExp;
  readonly readyTimeoutMs?: number;
}

export class ChaosChildError extends Error {
  override readonly name = 'ChaosChildError';
}

export class ChildProcesses {
  readonly #children = new Set<StartedChild>();
  /** Every pid this run started, for the check that none outlives it. */
  readonly spawned: number[] = [];
  readonly #onExit = (): void => this.killAllNow();

  constructor() {
    // A crash of the suite itself must not leave workers, agents or socat behind.
    process.once('exit', this.#onExit);
  }

  async spawn(name: string, command: string, args: readonly string[], options: SpawnOptions): Promise<StartedChild> {
    fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
    const log = fs.createWriteStream(options.logFile, { flags: 'a' });
    const child = spawn(command, [...args], { env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) throw new ChaosChildError(`could not start ${name} (${command}); is it installed?`);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const started: StartedChild = {
      name,
      pid: child.pid,
      process: child,
      logFile: options.logFile,
      exited,
      alive: () => child.exitCode === null && child.signalCode === null,
    };
    this.#children.add(started);
    this.spawned.push(child.pid);
    void exited.then(() => this.#children.delete(started));
    // 'close' comes after the last output of the process has been read: only then may its log end.
    child.once('close', () => log.end());
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    if (options.readyLine) await this.#waitForLine(started, options.readyLine, options.readyTimeoutMs ?? 60_000);
    return started;
  }

  #waitForLine(child: StartedChild, line: RegExp, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => finish(new ChaosChildError(`${child.name} was not ready within ${timeoutMs / 1000} s; its log is ${child.logFile}`)), timeoutMs);
      const onData = (chunk: Buffer): void => {
        seen = (seen + chunk.toString()).slice(-4096);
        if (line.test(seen)) finish();
      };
      const onExit = (): void => finish(new ChaosChildError(`${child.name} exited during start-up; its log is ${child.logFile}`));
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        child.process.stdout?.off('data', onData);
        child.process.off('exit', onExit);
        if (err) reject(err);
        else resolve();
      };
      child.process.stdout?.on('data', onData);
      child.process.once('exit', onExit);
    });
  }

  /** kill -9 of the process and its group; resolves once it is gone. */
  async kill9(child: StartedChild): Promise<void> {
    signalGroup(child.pid, 'SIGKILL');
    await child.exited;
  }

  /** Asks every process to stop (SIGTERM), then kills what is still there after `graceMs`. */
  async stopAll(graceMs = 5000): Promise<void> {
    const children = [...this.#children];
    for (const child of children) signalGroup(child.pid, 'SIGTERM');
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(children.map((c) => c.exited)), timeout]);
    for (const child of children) if (child.alive()) signalGroup(child.pid, 'SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    process.off('exit', this.#onExit);
  }

  /** Synchronous last resort for the process's 'exit' hook. */
  killAllNow(): void {
    for (const child of this.#children) signalGroup(child.pid, 'SIGKILL');
  }

  get running(): readonly StartedChild[] {
    return [...this.#children];
  }
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
