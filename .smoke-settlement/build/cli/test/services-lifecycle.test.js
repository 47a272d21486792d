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
const services_1 = require("../services");
/** A second, throw-away set of services beside the ones the suite runs on: own data folder, own ports. */
function isolatedConfig(dataDir, basePort) {
    return (0, services_1.readServicesConfig)({
        ...process.env,
        DATABASE_URL: '',
        TEMPORAL_ADDRESS: '',
        PURSEFLOW_DATA_DIR: dataDir,
        PURSEFLOW_PG_PORT: String(basePort),
        PURSEFLOW_TEMPORAL_PORT: String(basePort + 1),
        PURSEFLOW_TEMPORAL_UI_PORT: String(basePort + 2),
        PURSEFLOW_READY_TIMEOUT_S: '60',
    });
}
function processesMentioning(text) {
    const out = (0, node_child_process_1.execFileSync)('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
    return out.split('\n').filter((line) => line.includes(text) && !line.includes('ps -eo'));
}
function freePortBlock() {
    return new Promise((resolve) => {
        const server = node_net_1.default.createServer().listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolve(Math.min(port, 60000)));
        });
    });
}
describe('purseflow services up/down', () => {
    let dataDir;
    let config;
    beforeAll(async () => {
        dataDir = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'purseflow-services-'));
        node_fs_1.default.chmodSync(dataDir, 0o755);
        config = isolatedConfig(dataDir, await freePortBlock());
    });
    afterAll(async () => {
        await (0, services_1.servicesDown)(config, ['postgresql', 'temporal']);
        node_fs_1.default.rmSync(dataDir, { recursive: true, force: true });
    });
    it('starts PostgreSQL and Temporal, and a second `up` finds them running without starting more', async () => {
        const first = await (0, services_1.servicesUp)(config, ['postgresql', 'temporal']);
        expect(first.map((s) => s.state)).toEqual(['started', 'started']);
        const before = processesMentioning(dataDir).length;
        const second = await (0, services_1.servicesUp)(config, ['postgresql', 'temporal']);
        expect(second.map((s) => s.state)).toEqual(['running', 'running']);
        expect(processesMentioning(dataDir)).toHaveLength(before);
        expect(node_fs_1.default.readFileSync(node_path_1.default.join(dataDir, 'services.env'), 'utf8')).toContain(`DATABASE_URL=postgres://purseflow@127.0.0.1:${config.postgres.port}/purseflow`);
    }, 120_000);
    it('`down` stops them and leaves no process of that data folder behind', async () => {
        const statuses = await (0, services_1.servicesDown)(config, ['postgresql', 'temporal']);
        expect(statuses.map((s) => s.state)).toEqual(['stopped', 'stopped']);
        expect(processesMentioning(dataDir)).toEqual([]);
        expect((0, services_1.servicesStatus)(config, ['postgresql', 'temporal']).map((s) => s.state)).toEqual(['stopped', 'stopped']);
    }, 60_000);
    it('starts again on the data folder of the earlier run, keeping its databases', async () => {
        const again = await (0, services_1.servicesUp)(config, ['postgresql']);
        expect(again[0].state).toBe('started');
        await (0, services_1.servicesDown)(config, ['postgresql']);
    }, 60_000);
});
