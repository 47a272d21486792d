import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, TestDatabase } from '../../test-support/postgres';
import { REPOSITORY_ROOT } from '../services';

/** `npm start` seeds through the built CLI, exactly as a person would type it. */
function seed(env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [path.join(REPOSITORY_ROOT, 'dist', 'cli', 'main.js'), 'demo', 'seed'], { encoding: 'utf8', env });
}

describe('purseflow demo seed', () => {
  let database: TestDatabase;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    database = await createTestDatabase('demo_seed');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-demo-'));
    env = { ...process.env, DATABASE_URL: database.url, PURSEFLOW_DATA_DIR: dataDir };
  });
  afterAll(async () => {
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('enrols the demo customer, card, merchant and one sign-in per role, and prints the sign-ins', async () => {
    const first = seed(env);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    for (const role of ['customer', 'merchant', 'operator']) expect(first.stdout).toMatch(new RegExp(`${role}\\s+${role}@demo\\.purseflow\\.test\\s+\\S{12,}`));
    const users = await database.db('portal_users').count<{ count: string }[]>('* as count');
    expect(Number(users[0].count)).toBe(3);
    expect(fs.statSync(path.join(dataDir, 'demo-credentials.txt')).mode & 0o777).toBe(0o600);
  }, 180_000);

  it('a second run changes nothing and still prints the same sign-ins', async () => {
    const before = fs.readFileSync(path.join(dataDir, 'demo-credentials.txt'), 'utf8');
    const again = seed(env);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(before);
    const users = await database.db('portal_users').count<{ count: string }[]>('* as count');
    expect(Number(users[0].count)).toBe(3);
    // The opening deposit and voucher are made once: their ids are fixed.
    const fundings = await database.db('registry_fundings').count<{ count: string }[]>('* as count');
    expect(Number(fundings[0].count)).toBe(2);
  }, 180_000);
});
