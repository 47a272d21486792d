import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase, TestDatabase } from '../../test-support/postgres';
import { REPOSITORY_ROOT } from '../services';

/** The deployment's migrate job runs the built CLI, so the test does too. */
function migrate(env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [path.join(REPOSITORY_ROOT, 'dist', 'cli', 'main.js'), 'migrate'], { encoding: 'utf8', env });
}

describe('purseflow migrate', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('migrate_command');
  });
  afterAll(() => database.drop());

  it("brings the ledger's, registry's, settlement's and portal's tables up on an empty database", async () => {
    const result = migrate({ ...process.env, DATABASE_URL: database.url });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(['ledger     up to date', 'registry   up to date', 'settlement up to date', 'portal     up to date']);
    const tables = await database.db('pg_tables').where({ schemaname: 'public' }).pluck('tablename');
    expect(tables).toEqual(expect.arrayContaining(['registry_customers', 'settlement_batches', 'portal_users']));
  }, 60_000);

  it('a second run changes nothing', async () => {
    const before = await database.db('pg_tables').where({ schemaname: 'public' }).count<{ count: string }[]>('* as count');
    const again = migrate({ ...process.env, DATABASE_URL: database.url });
    expect(again.status).toBe(0);
    const after = await database.db('pg_tables').where({ schemaname: 'public' }).count<{ count: string }[]>('* as count');
    expect(after[0].count).toBe(before[0].count);
  }, 60_000);

  it('without DATABASE_URL it says how to get one and exits non-zero', () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const result = migrate({ ...env, PURSEFLOW_DATA_DIR: '/nonexistent' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL is not set');
  });
});
