// A PC/SC reader that vanishes mid-command: pcscd itself dies while the card is still working.
// The shared pcscd must never be stopped, so this runs a private pcscd (test-support/private-pcscd)
// and a child process that talks to it (pcsc-lite fixes the socket name once per process).
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { startPrivatePcscd, type PrivatePcscd } from '../../test-support/private-pcscd';

// Ports of this test's own, away from the shared vpcd slots (35963/35964).
// Below the kernel's ephemeral range (32768+) and the production tests' port runs (20000+): no client connection can hold it.
const VPCD_PORT = 19980;

// Loads TypeScript in the child with the same compiler Jest uses.
const SWC_HOOK = `
const fs = require('fs'); const swc = require('@swc/core');
require.extensions['.ts'] = (m, file) => {
  const { code } = swc.transformSync(fs.readFileSync(file, 'utf8'), {
    filename: file, jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' },
  });
  m._compile(code, file);
};
require(process.argv[1]);
`;

let pcscd: PrivatePcscd;

beforeAll(async () => {
  pcscd = await startPrivatePcscd(VPCD_PORT);
});

afterAll(async () => {
  await pcscd?.close();
});

test('pcscd dying during a command fails it with reader_vanished and raises reader-vanished', async () => {
  const child = spawn(process.execPath, ['-e', SWC_HOOK, path.join(__dirname, 'pcsc-vanish-child.ts')], {
    env: { ...process.env, PCSCLITE_CSOCK_NAME: pcscd.socket, VANISH_VPCD_PORT: String(VPCD_PORT) },
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: path.join(__dirname, '..', '..'),
  });
  interface Step {
    step: string;
    code?: string | null;
    fate?: string | null;
    message?: string;
  }
  const steps: Record<string, Step> = {};
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const step = JSON.parse(buffer.slice(0, nl)) as Step;
      buffer = buffer.slice(nl + 1);
      steps[step.step] = step;
      if (step.step === 'transmitting') void new Promise((r) => setTimeout(r, 200)).then(() => pcscd.kill());
    }
  });
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(steps.crash).toBeUndefined();
  expect(exitCode).toBe(0);
  expect(steps.transmit).toMatchObject({ code: 'reader_vanished', fate: 'unknown' });
  expect(steps.event).toMatchObject({ code: 'reader_vanished' });
  expect(steps['connect-after']).toMatchObject({ code: 'reader_vanished' });
  // And with no pcscd at all, a new session says so instead of waiting.
  expect(steps['open-without-pcscd']).toMatchObject({ code: 'reader_unavailable' });
}, 20_000);
