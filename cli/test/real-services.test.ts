import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { SerialPort } from 'serialport';
import { createTestDatabase, TestDatabase } from '../../test-support/postgres';
import { echoWorkflow } from './fixtures/echo-workflow';
import { quietTemporalRuntime } from '../../test-support/temporal';

quietTemporalRuntime();

describe('the services the tests run against are real', () => {
  describe('PostgreSQL (the private cluster, or DATABASE_URL)', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase('foundation');
    });
    afterAll(() => database.drop());

    it('runs a knex migration and reads back what it wrote', async () => {
      const migration = {
        async up(db: typeof database.db) {
          await db.schema.createTable('probe', (t) => {
            t.bigIncrements('id');
            t.bigInteger('amount_minor').notNullable();
          });
        },
        async down(db: typeof database.db) {
          await db.schema.dropTable('probe');
        },
      };
      await database.db.migrate.latest({
        migrationSource: {
          getMigrations: async () => ['0001_probe'],
          getMigrationName: (name: string) => name,
          getMigration: async () => migration,
        },
      });
      await database.db('probe').insert({ amount_minor: '900719925474099300' });
      const [row] = await database.db('probe').select('amount_minor');
      // bigint comes back as a string: money never passes through a float.
      expect(row.amount_minor).toBe('900719925474099300');
      const [version] = await database.db('knex_migrations').select('name');
      expect(version.name).toBe('0001_probe');
    });
  });

  describe('Temporal (the dev server, or TEMPORAL_ADDRESS)', () => {
    it('runs a workflow on a real worker and returns its result', async () => {
      const address = process.env.TEMPORAL_ADDRESS as string;
      const taskQueue = `foundation-${process.pid}-${Date.now()}`;
      const nativeConnection = await NativeConnection.connect({ address });
      const connection = await Connection.connect({ address });
      try {
        const worker = await Worker.create({
          connection: nativeConnection,
          taskQueue,
          workflowsPath: require.resolve('./fixtures/echo-workflow'),
        });
        const client = new Client({ connection });
        const result = await worker.runUntil(
          client.workflow.execute(echoWorkflow, { taskQueue, workflowId: taskQueue, args: ['250.00'] }),
        );
        expect(result).toBe('echo 250.00');
      } finally {
        await connection.close();
        await nativeConnection.close();
      }
    }, 120_000);
  });

  describe('the Temporal Web UI of the dev server', () => {
    const uiUrl = process.env.TEMPORAL_UI_URL;
    (uiUrl ? it : it.skip)('serves its pages so operators can find stuck transfers', async () => {
      const response = await fetch(uiUrl as string);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('<!doctype html>');
    });
  });

  describe('serial pseudo-terminals (socat)', () => {
    let socat: ChildProcess;
    let dir: string;
    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-pty-'));
      socat = spawn('socat', ['pty,raw,echo=0,link=' + path.join(dir, 'a'), 'pty,raw,echo=0,link=' + path.join(dir, 'b')], { stdio: 'ignore' });
      for (let i = 0; i < 50 && !(fs.existsSync(path.join(dir, 'a')) && fs.existsSync(path.join(dir, 'b'))); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    afterAll(() => {
      socat.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    function open(name: string): Promise<SerialPort> {
      return new Promise((resolve, reject) => {
        const port = new SerialPort({ path: path.join(dir, name), baudRate: 9600 }, (err) => (err ? reject(err) : resolve(port)));
      });
    }
    function receive(port: SerialPort, length: number): Promise<Buffer> {
      return new Promise((resolve) => {
        const chunks: Buffer[] = [];
        const onData = (chunk: Buffer) => {
          chunks.push(chunk);
          const all = Buffer.concat(chunks);
          if (all.length >= length) {
            port.off('data', onData);
            resolve(all);
          }
        };
        port.on('data', onData);
      });
    }

    it('carries bytes both ways between the two ends of a pair', async () => {
      const [a, b] = await Promise.all([open('a'), open('b')]);
      try {
        const atB = receive(b, 4);
        a.write(Buffer.from([0x02, 0x30, 0x31, 0x03]));
        expect(await atB).toEqual(Buffer.from([0x02, 0x30, 0x31, 0x03]));
        const atA = receive(a, 2);
        b.write(Buffer.from([0x05, 0x05]));
        expect(await atA).toEqual(Buffer.from([0x05, 0x05]));
      } finally {
        await Promise.all([a, b].map((p) => new Promise((r) => p.close(r))));
      }
    });
  });
});
