"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.temporalRoot = temporalRoot;
exports.temporalServiceProcess = temporalServiceProcess;
exports.installServerConfig = installServerConfig;
exports.serverEnvironment = serverEnvironment;
exports.startTemporalCluster = startTemporalCluster;
exports.stopTemporalCluster = stopTemporalCluster;
exports.temporalClusterStatus = temporalClusterStatus;
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const process_control_1 = require("../process-control");
const production_config_1 = require("./production-config");
/** The config environment name: the server reads `<root>/config/purseflow.yaml`. */
const CONFIG_ENV = 'purseflow';
function temporalRoot(config) {
    return node_path_1.default.join(config.dataDir, 'temporal');
}
function temporalServiceProcess(config, service) {
    return {
        name: `temporal-${service}`,
        pidFile: node_path_1.default.join(config.dataDir, 'run', `temporal-${service}.pid`),
        logFile: node_path_1.default.join(config.dataDir, 'logs', `temporal-${service}.log`),
        // The root folder is in our data folder, so another profile's or another data folder's server never matches.
        commandMarker: `${temporalRoot(config)} `,
    };
}
/**
 * Copies our config templates (docker/temporal/config) into the data folder, so that a process's command
 * line names its data folder and an edited template applies at the next start.
 */
function installServerConfig(config) {
    const target = node_path_1.default.join(temporalRoot(config), 'config');
    node_fs_1.default.mkdirSync(node_path_1.default.join(target, 'dynamicconfig'), { recursive: true });
    for (const file of [`${CONFIG_ENV}.yaml`, node_path_1.default.join('dynamicconfig', `${CONFIG_ENV}.yaml`)]) {
        node_fs_1.default.copyFileSync(node_path_1.default.join(config.templatesDir, 'config', file), node_path_1.default.join(target, file));
    }
}
/**
 * The environment our template (docker/temporal/config/purseflow.yaml) is rendered with for one service:
 * every process gets all four services' ports (membership needs them) and its own metrics port.
 */
function serverEnvironment(config, service, db) {
    const p = config.temporal.ports;
    return {
        TEMPORAL_SERVER_LOG_LEVEL: 'warn',
        TEMPORAL_SERVER_HISTORY_SHARDS: String(config.temporal.historyShards),
        TEMPORAL_SERVER_DB_HOST: db.host,
        TEMPORAL_SERVER_DB_PORT: String(db.port),
        TEMPORAL_SERVER_DB_USER: db.user,
        TEMPORAL_SERVER_DB_PASSWORD: db.password,
        TEMPORAL_SERVER_DB_NAME: config.temporal.databaseName,
        TEMPORAL_SERVER_VISIBILITY_DB_NAME: config.temporal.visibilityDatabaseName,
        TEMPORAL_SERVER_SQL_MAX_CONNS: String(config.temporal.sqlMaxConns),
        TEMPORAL_SERVER_SQL_VIS_MAX_CONNS: String(Math.max(2, Math.ceil(config.temporal.sqlMaxConns / 2))),
        TEMPORAL_SERVER_BIND_IP: '127.0.0.1',
        TEMPORAL_SERVER_BROADCAST_ADDRESS: '127.0.0.1',
        TEMPORAL_SERVER_FRONTEND_ADDRESS: (0, production_config_1.frontendAddress)(config),
        TEMPORAL_SERVER_FRONTEND_PORT: String(p.frontend.grpc),
        TEMPORAL_SERVER_FRONTEND_HTTP_PORT: String(p.frontend.http),
        TEMPORAL_SERVER_FRONTEND_MEMBERSHIP_PORT: String(p.frontend.membership),
        TEMPORAL_SERVER_HISTORY_PORT: String(p.history.grpc),
        TEMPORAL_SERVER_HISTORY_MEMBERSHIP_PORT: String(p.history.membership),
        TEMPORAL_SERVER_MATCHING_PORT: String(p.matching.grpc),
        TEMPORAL_SERVER_MATCHING_MEMBERSHIP_PORT: String(p.matching.membership),
        TEMPORAL_SERVER_WORKER_PORT: String(p.worker.grpc),
        TEMPORAL_SERVER_WORKER_MEMBERSHIP_PORT: String(p.worker.membership),
        TEMPORAL_SERVER_METRICS_PORT: String(p[service].metrics),
        // The server resolves this path against its working directory, not against --root.
        TEMPORAL_SERVER_DYNAMIC_CONFIG: node_path_1.default.join(temporalRoot(config), 'config', 'dynamicconfig', `${CONFIG_ENV}.yaml`),
    };
}
async function assertServicePortsFree(config, service) {
    const ports = config.temporal.ports[service];
    for (const [kind, port] of Object.entries(ports)) {
        const offset = production_config_1.PORT_OFFSETS[service][kind];
        const variable = offset === 0 ? 'PURSEFLOW_PROD_TEMPORAL_PORT' : `PURSEFLOW_PROD_TEMPORAL_PORT (this is its +${offset}, the ${service} ${kind} port)`;
        await (0, process_control_1.assertPortFree)(`temporal-${service}`, port, variable);
    }
}
/**
 * Starts each of the four services that is not running, as a process of its own, and waits until every
 * started one answers on its gRPC port. Returns one status per service.
 */
async function startTemporalCluster(config, serverBinary, db) {
    const statuses = new Map();
    const toStart = production_config_1.TEMPORAL_SERVICES.filter((service) => (0, process_control_1.runningPid)(temporalServiceProcess(config, service)) === undefined);
    for (const service of toStart)
        await assertServicePortsFree(config, service);
    if (toStart.length > 0)
        installServerConfig(config);
    for (const service of production_config_1.TEMPORAL_SERVICES.filter((s) => !toStart.includes(s))) {
        statuses.set(service, { name: `temporal-${service}`, state: 'running', detail: serviceDetail(config, service, (0, process_control_1.runningPid)(temporalServiceProcess(config, service))) });
    }
    const start = async (service) => {
        const proc = temporalServiceProcess(config, service);
        const args = ['--root', temporalRoot(config), '--config', 'config', '--env', CONFIG_ENV, '--allow-no-auth', 'start', '--service', service];
        const pid = (0, process_control_1.startDetached)(proc, serverBinary, args, { ...process.env, ...serverEnvironment(config, service, db) });
        await (0, process_control_1.waitUntilReady)(proc, () => (0, process_control_1.canConnect)(readinessPort(config, service)), config.readyTimeoutMs, pid);
        statuses.set(service, { name: proc.name, state: 'started', detail: serviceDetail(config, service, pid) });
    };
    // On a fresh database every process tries to write the cluster's metadata record and all but one fail
    // on its key: the first one starts alone, the others join once it serves.
    const [first, ...rest] = toStart;
    if (first !== undefined)
        await start(first);
    await Promise.all(rest.map(start));
    return production_config_1.TEMPORAL_SERVICES.map((service) => statuses.get(service));
}
/** The worker service (Temporal's system workflows) serves no gRPC in 1.29: it is up once it joins the membership ring. */
function readinessPort(config, service) {
    return service === 'worker' ? config.temporal.ports.worker.membership : config.temporal.ports[service].grpc;
}
function serviceDetail(config, service, pid) {
    const port = readinessPort(config, service);
    return `pid ${pid ?? '?'}, ${service === 'worker' ? 'membership' : 'gRPC'} 127.0.0.1:${port}`;
}
async function stopTemporalCluster(config) {
    // Frontend and worker first, so nothing new reaches history and matching while they drain.
    const order = [['frontend', 'worker'], ['matching', 'history']];
    for (const group of order)
        await Promise.all(group.map((service) => (0, process_control_1.stopProcess)(temporalServiceProcess(config, service))));
    return production_config_1.TEMPORAL_SERVICES.map((service) => ({ name: `temporal-${service}`, state: 'stopped' }));
}
function temporalClusterStatus(config) {
    return production_config_1.TEMPORAL_SERVICES.map((service) => {
        const proc = temporalServiceProcess(config, service);
        const pid = (0, process_control_1.runningPid)(proc);
        return pid === undefined
            ? { name: proc.name, state: 'stopped' }
            : { name: proc.name, state: 'running', detail: serviceDetail(config, service, pid) };
    });
}
