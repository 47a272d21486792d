"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const node_child_process_1 = require("node:child_process");
const node_fs_1 = __importDefault(require("node:fs"));
const node_os_1 = __importDefault(require("node:os"));
const node_path_1 = __importDefault(require("node:path"));
const client_1 = require("@temporalio/client");
const worker_1 = require("@temporalio/worker");
const serialport_1 = require("serialport");
const postgres_1 = require("../../test-support/postgres");
const echo_workflow_1 = require("./fixtures/echo-workflow");
const temporal_1 = require("../../test-support/temporal");
(0, temporal_1.quietTemporalRuntime)();
describe('the services the tests run against are real', () => {
    describe('PostgreSQL (the private cluster, or DATABASE_URL)', () => {
        let database;
        beforeAll(async () => {
            database = await (0, postgres_1.createTestDatabase)('foundation');
        });
        afterAll(() => database.drop());
        it('runs a knex migration and reads back what it wrote', async () => {
            const migration = {
                async up(db) {
                    await db.schema.createTable('probe', (t) => {
                        t.bigIncrements('id');
                        t.bigInteger('amount_minor').notNullable();
                    });
                },
                async down(db) {
                    await db.schema.dropTable('probe');
                },
            };
            await database.db.migrate.latest({
                migrationSource: {
                    getMigrations: async () => ['0001_probe'],
                    getMigrationName: (name) => name,
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
            const address = process.env.TEMPORAL_ADDRESS;
            const taskQueue = `foundation-${process.pid}-${Date.now()}`;
            const nativeConnection = await worker_1.NativeConnection.connect({ address });
            const connection = await client_1.Connection.connect({ address });
            try {
                const worker = await worker_1.Worker.create({
                    connection: nativeConnection,
                    taskQueue,
                    workflowsPath: require.resolve('./fixtures/echo-workflow'),
                });
                const client = new client_1.Client({ connection });
                const result = await worker.runUntil(client.workflow.execute(echo_workflow_1.echoWorkflow, { taskQueue, workflowId: taskQueue, args: ['250.00'] }));
                expect(result).toBe('echo 250.00');
            }
            finally {
                await connection.close();
                await nativeConnection.close();
            }
        }, 120_000);
    });
    describe('the Temporal Web UI of the dev server', () => {
        const uiUrl = process.env.TEMPORAL_UI_URL;
        (uiUrl ? it : it.skip)('serves its pages so operators can find stuck transfers', async () => {
            const response = await fetch(uiUrl);
            expect(response.status).toBe(200);
            expect(await response.text()).toContain('<!doctype html>');
        });
    });
    describe('serial pseudo-terminals (socat)', () => {
        let socat;
        let dir;
        beforeAll(async () => {
            dir = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'purseflow-pty-'));
            socat = (0, node_child_process_1.spawn)('socat', ['pty,raw,echo=0,link=' + node_path_1.default.join(dir, 'a'), 'pty,raw,echo=0,link=' + node_path_1.default.join(dir, 'b')], { stdio: 'ignore' });
            for (let i = 0; i < 50 && !(node_fs_1.default.existsSync(node_path_1.default.join(dir, 'a')) && node_fs_1.default.existsSync(node_path_1.default.join(dir, 'b'))); i++) {
                await new Promise((r) => setTimeout(r, 50));
            }
        });
        afterAll(() => {
            socat.kill();
            node_fs_1.default.rmSync(dir, { recursive: true, force: true });
        });
        function open(name) {
            return new Promise((resolve, reject) => {
                const port = new serialport_1.SerialPort({ path: node_path_1.default.join(dir, name), baudRate: 9600 }, (err) => (err ? reject(err) : resolve(port)));
            });
        }
        function receive(port, length) {
            return new Promise((resolve) => {
                const chunks = [];
                const onData = (chunk) => {
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
            }
            finally {
                await Promise.all([a, b].map((p) => new Promise((r) => p.close(r))));
            }
        });
    });
});
