import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { readProductionConfig, readServicesConfig, resolveTemporalBinaries, resolveTemporalCli, SEARCH_ATTRIBUTES } from '../../cli/services';
import { temporalSchemaDirs } from '../../cli/services/production';

// The compose file's two Temporal jobs run in temporalio/admin-tools; here the same scripts run with the
// same programs (temporal-sql-tool, the temporal CLI, built from Go modules) against this suite's real
// PostgreSQL and Temporal.
const DOCKER = path.resolve(__dirname, '..');

describe('the compose file\'s Temporal jobs', () => {
  let bin: string;
  const config = readProductionConfig({ ...process.env, DATABASE_URL: '' });

  beforeAll(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-admin-tools-'));
    // The names the admin-tools image gives them. A fresh machine builds them once (minutes).
    fs.symlinkSync(resolveTemporalBinaries(config).sql, path.join(bin, 'temporal-sql-tool'));
    fs.symlinkSync(resolveTemporalCli(readServicesConfig()), path.join(bin, 'temporal'));
  }, 15 * 60_000);
  afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

  function run(script: string, env: Record<string, string>) {
    return spawnSync('sh', [path.join(DOCKER, 'temporal', script)], {
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: os.tmpdir(), ...env },
      timeout: 60_000,
    });
  }

  describe('setup-schema.sh', () => {
    const suffix = `${process.pid}_${Date.now()}`;
    const names = [`t_job_temporal_${suffix}`, `t_job_visibility_${suffix}`];
    const server = new URL(process.env.DATABASE_URL as string);
    let passwordFile: string;

    beforeAll(() => {
      passwordFile = path.join(bin, 'temporal_db_password');
      fs.writeFileSync(passwordFile, decodeURIComponent(server.password));
    });
    afterAll(async () => {
      const client = new PgClient({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      try {
        for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await client.end();
      }
    });

    const env = () => ({
      TEMPORAL_SERVER_DB_HOST: server.hostname,
      TEMPORAL_SERVER_DB_PORT: server.port || '5432',
      TEMPORAL_SERVER_DB_USER: decodeURIComponent(server.username),
      TEMPORAL_SERVER_DB_PASSWORD_FILE: passwordFile,
      TEMPORAL_SERVER_DB_NAME: names[0],
      TEMPORAL_SERVER_VISIBILITY_DB_NAME: names[1],
      TEMPORAL_SCHEMA_DIR: path.dirname(path.dirname(temporalSchemaDirs(config).temporal)),
    });

    it('creates Temporal\'s two databases at the server\'s schema version, and a second run changes nothing', async () => {
      const first = run('setup-schema.sh', env());
      expect([first.status, first.stderr.split('\n').filter((l) => /error|fatal/i.test(l))]).toEqual([0, []]);
      const second = run('setup-schema.sh', env());
      expect(second.status).toBe(0);
      for (const name of names) {
        const url = new URL(process.env.DATABASE_URL as string);
        url.pathname = `/${name}`;
        const client = new PgClient({ connectionString: url.toString() });
        await client.connect();
        try {
          const { rows } = await client.query<{ curr_version: string }>('SELECT curr_version FROM schema_version');
          expect([name, rows.map((r) => r.curr_version)]).toEqual([name, [expect.stringMatching(/^1\.\d+$/)]]);
        } finally {
          await client.end();
        }
      }
    }, 60_000);
  });

  describe('create-namespace.sh', () => {
    const namespace = `compose-check-${process.pid}-${Date.now()}`;
    const address = process.env.TEMPORAL_ADDRESS as string;

    afterAll(() => {
      spawnSync(path.join(bin, 'temporal'), ['operator', 'namespace', 'delete', '--address', address, '-n', namespace, '--yes'], { encoding: 'utf8' });
    });

    it('registers the namespace and our search attributes, and a second run changes nothing', async () => {
      const env = { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace };
      const first = run('create-namespace.sh', env);
      expect([first.status, first.stderr]).toEqual([0, '']);
      const second = run('create-namespace.sh', env);
      expect(second.status).toBe(0);
      expect(second.stdout).toContain('search attribute AmountMinor exists');
      const connection = await Connection.connect({ address });
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(SEARCH_ATTRIBUTES.map(([name]) => name)));
      } finally {
        await connection.close();
      }
    }, 90_000);
  });
});
