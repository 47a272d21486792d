"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const node_child_process_1 = require("node:child_process");
const node_fs_1 = __importDefault(require("node:fs"));
const node_net_1 = __importDefault(require("node:net"));
const node_os_1 = __importDefault(require("node:os"));
const node_path_1 = __importDefault(require("node:path"));
const client_1 = require("@temporalio/client");
const common_1 = require("@temporalio/common");
const worker_1 = require("@temporalio/worker");
const pg_1 = require("pg");
const services_1 = require("../services");
const production_1 = require("../services/production");
const echo_workflow_1 = require("./fixtures/echo-workflow");
const temporal_1 = require("../../test-support/temporal");
(0, temporal_1.quietTemporalRuntime)();
/** The processes whose command line names this data folder: ours, and nobody else's. */
function processesOf(dataDir) {
    const out = (0, node_child_process_1.execFileSync)('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
    const found = new Map();
    for (const line of out.split('\n')) {
        const m = /^\s*(\d+)\s+(.*)$/.exec(line);
        if (m && m[2].includes(dataDir) && !m[2].startsWith('ps '))
            found.set(Number(m[1]), m[2]);
    }
    return found;
}
async function isFree(port) {
    return new Promise((resolve) => {
        const server = node_net_1.default.createServer();
        server.once('error', () => resolve(false));
        server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
    });
}
/**
 * PostgreSQL, the cluster's block of ports and the Web UI in one run of free ports, away from the shared
 * services and below 32768 (Temporal stores membership ports as a smallint) and the kernel's ephemeral range.
 */
async function freePortRun(length) {
    for (let attempt = 0; attempt < 50; attempt++) {
        const base = 20000 + Math.floor(Math.random() * (32767 - 20000 - length));
        const ports = Array.from({ length }, (_, i) => base + i);
        if ((await Promise.all(ports.map(isFree))).every(Boolean))
            return base;
    }
    throw new Error('no run of free ports found');
}
function isolatedProductionConfig(dataDir, base) {
    return (0, services_1.readProductionConfig)({
        ...process.env,
        DATABASE_URL: '',
        PURSEFLOW_DATA_DIR: dataDir,
        PURSEFLOW_PROD_PG_PORT: String(base),
        PURSEFLOW_PROD_TEMPORAL_PORT: String(base + 1),
        PURSEFLOW_PROD_TEMPORAL_UI_PORT: String(base + 1 + services_1.PORT_BLOCK_SIZE),
        PURSEFLOW_READY_TIMEOUT_S: '60',
    });
}
describe('purseflow services up --profile production', () => {
    let dataDir;
    let config;
    beforeAll(async () => {
        dataDir = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'purseflow-production-'));
        // The private cluster runs as the `postgres` user when we are root: it must reach its folder.
        node_fs_1.default.chmodSync(dataDir, 0o755);
        config = isolatedProductionConfig(dataDir, await freePortRun(services_1.PORT_BLOCK_SIZE + 2));
        // CI keeps ~/.cache between runs; a fresh machine builds the server once here (about five minutes).
        if (!(0, services_1.temporalBinariesCached)(config))
            (0, services_1.resolveTemporalBinaries)(config, (line) => console.log(line));
    }, 15 * 60_000);
    afterAll(async () => {
        await (0, services_1.productionDown)(config);
        node_fs_1.default.rmSync(dataDir, { recursive: true, force: true });
    }, 60_000);
    it('starts PostgreSQL, the four Temporal services as four processes, the namespace and the Web UI', async () => {
        const statuses = await (0, services_1.productionUp)(config);
        expect(statuses.map((s) => [s.name, s.state])).toEqual([
            ['postgresql', 'started'],
            ['temporal-history', 'started'],
            ['temporal-matching', 'started'],
            ['temporal-frontend', 'started'],
            ['temporal-worker', 'started'],
            ['temporal-namespace', 'started'],
            ['temporal-ui', 'started'],
        ]);
        const servers = [...processesOf(dataDir).values()].filter((args) => args.includes(' start --service '));
        expect(servers.map((args) => /--service (\w+)/.exec(args)?.[1]).sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
        expect(servers.every((args) => args.match(/--service/g)?.length === 1)).toBe(true);
    }, 120_000);
    it('runs a workflow with our search attributes on a real worker against its frontend', async () => {
        const address = `127.0.0.1:${config.temporal.frontendPort}`;
        const taskQueue = `production-profile-${process.pid}`;
        const nativeConnection = await worker_1.NativeConnection.connect({ address });
        const connection = await client_1.Connection.connect({ address });
        try {
            const worker = await worker_1.Worker.create({ connection: nativeConnection, taskQueue, workflowsPath: require.resolve('./fixtures/echo-workflow') });
            const client = new client_1.Client({ connection, namespace: config.temporal.namespace });
            const kind = (0, common_1.defineSearchAttributeKey)('PurseflowKind', common_1.SearchAttributeType.KEYWORD);
            const result = await worker.runUntil(client.workflow.execute(echo_workflow_1.echoWorkflow, { taskQueue, workflowId: taskQueue, args: ['250.00'], typedSearchAttributes: [{ key: kind, value: 'probe' }] }));
            expect(result).toBe('echo 250.00');
            const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: config.temporal.namespace });
            expect(Object.keys(customAttributes ?? {}).sort()).toEqual(services_1.SEARCH_ATTRIBUTES.map(([name]) => name).sort());
        }
        finally {
            await connection.close();
            await nativeConnection.close();
        }
    }, 120_000);
    it('serves the Temporal Web UI against the cluster, with our search attributes', async () => {
        const response = await fetch(`http://127.0.0.1:${config.ui.port}/api/v1/namespaces/${config.temporal.namespace}/search-attributes`);
        expect(response.status).toBe(200);
        expect(await response.text()).toContain('PurseflowState');
        expect((await fetch(`http://127.0.0.1:${config.ui.port}/`)).status).toBe(200);
    });
    it('a second `up` finds everything running and starts no process', async () => {
        const before = [...processesOf(dataDir).keys()].sort();
        const statuses = await (0, services_1.productionUp)(config);
        expect(statuses.every((s) => s.state === 'running')).toBe(true);
        expect([...processesOf(dataDir).keys()].sort()).toEqual(before);
    }, 60_000);
    it('`up` refuses a port already taken by another program and names the variable to change', async () => {
        await (0, services_1.productionDown)(config, ['temporal-ui']);
        const squatter = node_net_1.default.createServer().listen(config.ui.port, '127.0.0.1');
        await new Promise((resolve) => squatter.once('listening', resolve));
        try {
            const failure = await (0, services_1.productionUp)(config, ['temporal-ui']).catch((err) => err);
            expect(failure).toBeInstanceOf(services_1.ServiceError);
            expect(failure.code).toBe('port_taken');
            expect(failure.message).toContain('PURSEFLOW_PROD_TEMPORAL_UI_PORT');
        }
        finally {
            await new Promise((resolve) => squatter.close(resolve));
        }
    }, 30_000);
    it('`down` stops every process of its data folder and leaves none behind', async () => {
        const statuses = await (0, services_1.productionDown)(config);
        expect(statuses.every((s) => s.state === 'stopped')).toBe(true);
        expect([...processesOf(dataDir).values()]).toEqual([]);
        expect((0, services_1.productionStatus)(config).every((s) => s.state === 'stopped')).toBe(true);
    }, 60_000);
});
describe('Temporal\'s schemas on DATABASE_URL\'s server', () => {
    // The suite's own PostgreSQL plays an existing server; the databases get names of their own and are dropped.
    const suffix = `${process.pid}_${Date.now()}`;
    const base = (0, services_1.readProductionConfig)({ ...process.env, DATABASE_URL: process.env.DATABASE_URL });
    const config = {
        ...base,
        temporal: { ...base.temporal, databaseName: `t_temporal_${suffix}`, visibilityDatabaseName: `t_temporal_vis_${suffix}` },
    };
    const admin = () => new pg_1.Client({ connectionString: process.env.DATABASE_URL });
    afterAll(async () => {
        const client = admin();
        await client.connect();
        try {
            for (const name of [config.temporal.databaseName, config.temporal.visibilityDatabaseName])
                await client.query(`DROP DATABASE IF EXISTS ${name}`);
        }
        finally {
            await client.end();
        }
    });
    it('creates both databases and brings their schemas to the server\'s version, twice without harm', async () => {
        const binaries = (0, services_1.resolveTemporalBinaries)(config);
        const server = (0, production_1.temporalDatabaseServer)(config, 'unused');
        await (0, production_1.ensureTemporalSchemas)(config, server, binaries.sql, (0, production_1.temporalSchemaDirs)(config));
        await (0, production_1.ensureTemporalSchemas)(config, server, binaries.sql, (0, production_1.temporalSchemaDirs)(config));
        const url = new URL(process.env.DATABASE_URL);
        for (const name of [config.temporal.databaseName, config.temporal.visibilityDatabaseName]) {
            url.pathname = `/${name}`;
            const client = new pg_1.Client({ connectionString: url.toString() });
            await client.connect();
            try {
                const { rows } = await client.query('SELECT curr_version FROM schema_version');
                expect([name, rows.length, rows[0].curr_version]).toEqual([name, 1, expect.stringMatching(/^1\.\d+$/)]);
            }
            finally {
                await client.end();
            }
        }
    }, 60_000);
});
