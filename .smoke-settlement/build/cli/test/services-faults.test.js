"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const node_fs_1 = __importDefault(require("node:fs"));
const node_net_1 = __importDefault(require("node:net"));
const node_os_1 = __importDefault(require("node:os"));
const node_path_1 = __importDefault(require("node:path"));
const services_1 = require("../services");
function listenOnAnyPort() {
    return new Promise((resolve) => {
        const server = node_net_1.default.createServer().listen(0, '127.0.0.1', () => resolve(server));
    });
}
async function expectServiceError(promise) {
    try {
        await promise;
    }
    catch (err) {
        if (!(err instanceof services_1.ServiceError))
            throw err;
        return err;
    }
    throw new Error('expected a ServiceError');
}
describe('services: faults are named with what to do', () => {
    let dataDir;
    beforeEach(() => {
        dataDir = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'purseflow-faults-'));
        node_fs_1.default.chmodSync(dataDir, 0o755);
    });
    afterEach(() => node_fs_1.default.rmSync(dataDir, { recursive: true, force: true }));
    it('a port already taken names the variable to change', async () => {
        const squatter = await listenOnAnyPort();
        const { port } = squatter.address();
        try {
            const config = (0, services_1.readServicesConfig)({ ...process.env, DATABASE_URL: '', PURSEFLOW_DATA_DIR: dataDir, PURSEFLOW_PG_PORT: String(port) });
            const err = await expectServiceError((0, services_1.servicesUp)(config, ['postgresql']));
            expect(err.code).toBe('port_taken');
            expect(err.message).toContain(`port ${port}`);
            expect(err.message).toContain('PURSEFLOW_PG_PORT');
        }
        finally {
            squatter.close();
        }
    });
    it('a stale pid file from a crashed run is cleared and does not block a start or fake a running service', async () => {
        node_fs_1.default.mkdirSync(node_path_1.default.join(dataDir, 'run'), { recursive: true });
        // A pid that is certainly not a temporal dev server: this very test process.
        node_fs_1.default.writeFileSync(node_path_1.default.join(dataDir, 'run', 'temporal.pid'), `${process.pid}\n`);
        const config = (0, services_1.readServicesConfig)({ ...process.env, TEMPORAL_ADDRESS: '', PURSEFLOW_DATA_DIR: dataDir });
        expect((0, services_1.servicesStatus)(config, ['temporal'])[0].state).toBe('stopped');
        expect(node_fs_1.default.existsSync(node_path_1.default.join(dataDir, 'run', 'temporal.pid'))).toBe(false);
    });
    it('a PostgreSQL data folder from another major version is refused with the folder and the way out', async () => {
        const pgData = node_path_1.default.join(dataDir, 'postgres', 'data');
        node_fs_1.default.mkdirSync(pgData, { recursive: true });
        node_fs_1.default.writeFileSync(node_path_1.default.join(pgData, 'PG_VERSION'), '9\n');
        const config = (0, services_1.readServicesConfig)({ ...process.env, DATABASE_URL: '', PURSEFLOW_DATA_DIR: dataDir, PURSEFLOW_PG_PORT: '1' });
        const err = await expectServiceError((0, services_1.servicesUp)(config, ['postgresql']));
        expect(err.code).toBe('data_dir_incompatible');
        expect(err.message).toContain(pgData);
        expect(err.message).toContain('PURSEFLOW_DATA_DIR');
    });
    it('a service that is not ready within its time limit is named with the path of its log', async () => {
        // A "temporal" that starts and never listens.
        node_fs_1.default.mkdirSync(node_path_1.default.join(dataDir, 'fake-bin'));
        const fake = node_path_1.default.join(dataDir, 'fake-bin', 'temporal');
        node_fs_1.default.writeFileSync(fake, '#!/bin/sh\n# start-dev\nexec sleep 30\n', { mode: 0o755 });
        const ports = await listenOnAnyPort();
        const { port } = ports.address();
        ports.close();
        const config = (0, services_1.readServicesConfig)({
            ...process.env,
            TEMPORAL_ADDRESS: '',
            PURSEFLOW_DATA_DIR: dataDir,
            PURSEFLOW_TEMPORAL_BIN: fake,
            PURSEFLOW_TEMPORAL_PORT: String(port),
            PURSEFLOW_TEMPORAL_UI_PORT: String(port + 1),
            PURSEFLOW_READY_TIMEOUT_S: '1.5',
        });
        const err = await expectServiceError((0, services_1.servicesUp)(config, ['temporal'])).finally(() => (0, services_1.servicesDown)(config, ['temporal']));
        expect(err.code).toBe('not_ready');
        expect(err.message).toContain('temporal');
        expect(err.message).toContain(node_path_1.default.join(dataDir, 'logs', 'temporal.log'));
    });
    it('a failing Go build shows what Go said instead of swallowing it', () => {
        const config = (0, services_1.readServicesConfig)({
            ...process.env,
            PURSEFLOW_TOOLS_DIR: node_path_1.default.join(dataDir, 'tools'),
            PURSEFLOW_TEMPORAL_CLI_VERSION: 'v0.0.0-no-such-version',
            GOFLAGS: '-mod=mod',
            GOPROXY: 'off',
        });
        try {
            (0, services_1.buildTemporalCli)(config);
            throw new Error('expected the build to fail');
        }
        catch (err) {
            expect(err).toBeInstanceOf(services_1.ServiceError);
            expect(err.code).toBe('build_failed');
            expect(err.message).toContain('v0.0.0-no-such-version');
            expect(err.message).toMatch(/Go said:\n.*(module|proxy|GOPROXY|version)/s);
        }
    });
    it('a port variable that is not a port is refused before anything starts', () => {
        expect(() => (0, services_1.readServicesConfig)({ PURSEFLOW_PG_PORT: 'fivethousand' })).toThrow(/PURSEFLOW_PG_PORT=fivethousand is not a TCP port/);
    });
});
