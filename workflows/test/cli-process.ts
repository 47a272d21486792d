// A `purseflow` command (the built CLI, dist/cli/main.js) as a real child process, for the tests
// that kill one with SIGKILL: no shutdown, no finishing of the task in hand, no closing of sessions.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO = resolve(__dirname, '../..');
export const CLI = resolve(REPO, 'dist/cli/main.js');
// Generous: on a loaded 2-core machine a worker's start (with its workflow bundle) can take 30 s.
const READY_MS = 60_000;

export interface CliProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** What it printed so far (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGKILL, then waits for the exit. */
  killHard(): Promise<void>;
  /** SIGKILL if still running (cleanup). */
  stop(): Promise<void>;
}

/** The environment the CLI needs, without what a developer's shell may carry that would change keys or modes. */
export function cliEnvironment(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PURSEFLOW_METRICS_PORT: '0', ...extra };
  // The tests' cards are issued under the spec's test keys; the processes must derive the same ones.
  for (const name of ['PURSEFLOW_MASTER_KEYS_FILE', 'PURSEFLOW_MK_LOAD', 'PURSEFLOW_MK_PURCHASE', 'PURSEFLOW_MK_SAM', 'PURSEFLOW_MK_TRANSFER', 'PURSEFLOW_SDK_METRICS_ADDRESS', 'PURSEFLOW_MODE']) {
    if (!(name in extra)) delete env[name];
  }
  env.NODE_ENV = 'test';
  return env;
}

/** Every process started here, from the moment it is spawned: a hook that timed out mid-start still leaves none behind. */
const started = new Set<CliProcess>();

/** SIGKILLs every process this file started that still runs (for afterAll). */
export async function stopAllCliProcesses(): Promise<void> {
  await Promise.all([...started].map((p) => p.stop()));
}

/** Starts `purseflow <args>` and resolves once its output contains `readyText`. */
export async function startCliProcess(args: string[], env: NodeJS.ProcessEnv, readyText: string): Promise<CliProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build it first (npx tsc -p tsconfig.build.json; npm test does it)`);
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const proc: CliProcess = {
    child,
    exited,
    output: () => output,
    async killHard() {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`purseflow ${args[0]} had already exited; its output:\n${output}`);
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  started.add(proc);
  void exited.then(() => started.delete(proc));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => {
      void proc.stop();
      fail(new Error(`purseflow ${args[0]} did not start within ${READY_MS} ms; its output:\n${output}`));
    }, READY_MS);
    const watch = (): void => {
      if (output.includes(readyText)) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', watch);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`purseflow ${args[0]} exited (code ${code}, signal ${signal}) before it ran; its output:\n${output}`));
    });
  });
  return proc;
}
