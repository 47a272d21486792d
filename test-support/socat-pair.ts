// A virtual null-modem cable: two pseudo-terminals joined by socat (background.md §7.3). One end
// takes the ACR30 simulator, the other the host driver. `unplug()` kills socat, which is what
// pulling the cable looks like to both ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SocatPair {
  /** For the host driver. */
  readonly hostPath: string;
  /** For the simulated reader. */
  readonly devicePath: string;
  readonly pid: number;
  /** Kills socat (both ends see the line drop) and waits for it to exit. */
  unplug(): Promise<void>;
  /** unplug() plus removal of the temporary directory. */
  close(): Promise<void>;
}

export function openSocatPair(timeoutMs = 5000): Promise<SocatPair> {
  const dir = mkdtempSync(join(tmpdir(), 'purseflow-pty-'));
  const hostPath = join(dir, 'host');
  const devicePath = join(dir, 'device');
  const child: ChildProcess = spawn(
    'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const unplug = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      void unplug();
      reject(new Error(`socat did not start within ${timeoutMs} ms: ${log}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`Cannot run socat (${err.message}); install it (Debian package "socat")`));
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('starting data transfer loop')) {
        clearTimeout(timer);
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume();
        resolve({
          hostPath,
          devicePath,
          pid: child.pid ?? -1,
          unplug,
          close: async () => {
            await unplug();
            rmSync(dir, { recursive: true, force: true });
          },
        });
      }
    });
  });
}
