// A pcscd of the test's own, with vpcd on ports of its choosing, that a test may kill: the shared
// pcscd must never be stopped. pcsc-lite 1.9.9's daemon always binds /run/pcscd/pcscd.comm, so it
// runs in a private mount namespace (`unshare -m`, needs root) with a temporary directory mounted
// over /run/pcscd; clients reach it with PCSCLITE_CSOCK_NAME=<dir>/pcscd.comm. The client library
// remembers the socket name for the life of a process, so only a child process may use it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivatePcscd {
  /** Value for PCSCLITE_CSOCK_NAME in a child process. */
  readonly socket: string;
  /** vpcd slot 0's port; slot 1 is port + 1. */
  readonly vpcdPort: number;
  /** SIGKILL: the reader vanishes for every client at once. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivatePcscd(vpcdPort: number, timeoutMs = 5000): Promise<PrivatePcscd> {
  const dir = mkdtempSync(join(tmpdir(), 'purseflow-pcscd-'));
  const conf = join(dir, 'reader.conf');
  writeFileSync(
    conf,
    [
      'FRIENDLYNAME "Virtual PCD"',
      `DEVICENAME   /dev/null:0x${vpcdPort.toString(16)}`,
      'LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so',
      `CHANNELID    0x${vpcdPort.toString(16)}`,
      '',
    ].join('\n'),
  );
  const run = join(dir, 'run');
  mkdirSync(run);
  const child = spawn('unshare', ['-m', 'sh', '-c', `mount --bind ${run} /run/pcscd && exec pcscd -f -c ${conf}`], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const socket = join(run, 'pcscd.comm');
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(socket)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await kill();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`A private pcscd did not start (needs root, unshare and the vsmartcard-vpcd driver)`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    socket,
    vpcdPort,
    kill,
    close: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
