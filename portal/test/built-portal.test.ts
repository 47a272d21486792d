// The portal as `npm start` and the image run it: the built CLI from dist/, not the sources. Its
// templates and static files live beside the sources (tsc copies none), and dist/portal/views/
// exists too (render.ts compiles there): the portal must still find the real ones.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../test-support/postgres';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const built = fs.existsSync(MAIN);
if (!built) console.warn(`built-portal: ${MAIN} is missing; run \`npm run build\` (npm test does).`);

let database: TestDatabase;
let portal: ChildProcess | undefined;
let url = '';

beforeAll(async () => {
  if (!built) return;
  database = await createTestDatabase('built_portal');
  portal = spawn(process.execPath, [MAIN, 'portal', '--port', '0'], {
    env: { ...process.env, DATABASE_URL: database.url, PURSEFLOW_PORTAL_SESSION_KEY: randomBytes(32).toString('hex'), PURSEFLOW_PORTAL_METRICS_PORT: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  url = await new Promise<string>((resolve, reject) => {
    const look = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const m = /portal listening on (\S+)/.exec(output);
      if (m) resolve(m[1]);
    };
    portal!.stdout!.on('data', look);
    portal!.stderr!.on('data', look);
    portal!.once('exit', (code) => reject(new Error(`purseflow portal exited ${code}:\n${output}`)));
  });
}, 120_000);

afterAll(async () => {
  if (portal && portal.exitCode === null) {
    const exited = new Promise((resolve) => portal!.once('exit', resolve));
    portal.kill('SIGTERM');
    await exited;
  }
  await database?.drop();
});

const whenBuilt = built ? test : test.skip;

whenBuilt('the built portal renders its pages from the templates', async () => {
  const response = await fetch(`${url}/sign-in`);
  expect(response.status).toBe(200);
  expect(await response.text()).toContain('Sign in');
});

whenBuilt('the built portal serves its stylesheet', async () => {
  const response = await fetch(`${url}/static/portal.css`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/css');
});

whenBuilt('the built portal renders its error page', async () => {
  const response = await fetch(`${url}/no-such-page`);
  expect(response.status).toBe(404);
  expect(await response.text()).toContain('There is nothing here');
});
