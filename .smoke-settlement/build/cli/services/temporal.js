"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.temporalAddress = temporalAddress;
exports.temporalUiUrl = temporalUiUrl;
exports.startTemporal = startTemporal;
exports.stopTemporal = stopTemporal;
exports.temporalStatus = temporalStatus;
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const config_1 = require("./config");
const process_control_1 = require("./process-control");
const temporal_cli_1 = require("./temporal-cli");
const NAME = 'temporal';
function temporalProcess(config) {
    return {
        name: NAME,
        pidFile: node_path_1.default.join(config.dataDir, 'run', 'temporal.pid'),
        logFile: node_path_1.default.join(config.dataDir, 'logs', 'temporal.log'),
        commandMarker: 'start-dev',
    };
}
function temporalAddress(config) {
    return config.temporal.externalAddress ?? `127.0.0.1:${config.temporal.port}`;
}
function temporalUiUrl(config) {
    return config.temporal.externalAddress ? undefined : `http://127.0.0.1:${config.temporal.uiPort}`;
}
async function startTemporal(config, log = () => { }) {
    if (config.temporal.externalAddress)
        return { name: NAME, state: 'external', detail: config.temporal.externalAddress };
    const proc = temporalProcess(config);
    if ((0, process_control_1.runningPid)(proc) !== undefined)
        return { name: NAME, state: 'running', detail: temporalAddress(config) };
    await (0, process_control_1.assertPortFree)(NAME, config.temporal.port, 'PURSEFLOW_TEMPORAL_PORT');
    await (0, process_control_1.assertPortFree)('temporal web ui', config.temporal.uiPort, 'PURSEFLOW_TEMPORAL_UI_PORT');
    const cli = (0, temporal_cli_1.resolveTemporalCli)(config, log);
    const args = [
        'server', 'start-dev',
        '--ip', '127.0.0.1',
        '--port', String(config.temporal.port),
        '--ui-port', String(config.temporal.uiPort),
        '--namespace', config.temporal.namespace,
        '--db-filename', node_path_1.default.join(config.dataDir, 'temporal', 'temporal.sqlite'),
        // WAL with synchronous=normal survives a crash of the server process (not of the machine) and triples
        // the dev server's throughput on this hardware (shared/deployment-notes.md §3: 12.8 → 38.6 workflows/s).
        '--sqlite-pragma', 'journal_mode=wal',
        '--sqlite-pragma', 'synchronous=normal',
        '--log-format', 'json',
        '--log-level', 'warn',
        ...config_1.SEARCH_ATTRIBUTES.flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ];
    node_fs_1.default.mkdirSync(node_path_1.default.join(config.dataDir, 'temporal'), { recursive: true });
    const pid = (0, process_control_1.startDetached)(proc, cli, args);
    await (0, process_control_1.waitUntilReady)(proc, async () => (await (0, process_control_1.canConnect)(config.temporal.port)) && (await (0, process_control_1.canConnect)(config.temporal.uiPort)), config.readyTimeoutMs, pid);
    return { name: NAME, state: 'started', detail: `${temporalAddress(config)}, Web UI ${temporalUiUrl(config)}` };
}
async function stopTemporal(config) {
    if (config.temporal.externalAddress)
        return { name: NAME, state: 'external', detail: config.temporal.externalAddress };
    await (0, process_control_1.stopProcess)(temporalProcess(config));
    return { name: NAME, state: 'stopped' };
}
function temporalStatus(config) {
    if (config.temporal.externalAddress)
        return { name: NAME, state: 'external', detail: config.temporal.externalAddress };
    return (0, process_control_1.runningPid)(temporalProcess(config)) !== undefined
        ? { name: NAME, state: 'running', detail: `${temporalAddress(config)}, Web UI ${temporalUiUrl(config)}` }
        : { name: NAME, state: 'stopped' };
}
