"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.PORT_BLOCK_SIZE = exports.PORT_OFFSETS = exports.TEMPORAL_SERVICES = void 0;
exports.readProductionConfig = readProductionConfig;
exports.privateClusterConfig = privateClusterConfig;
exports.frontendAddress = frontendAddress;
exports.webUiUrl = webUiUrl;
const node_path_1 = __importDefault(require("node:path"));
const config_1 = require("../config");
/** The four Temporal services, in the order they are started: history owns the shards the others route to. */
exports.TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'];
const FRONTEND_PORT = 7330;
/** Layout of the block of ports that starts at the frontend's gRPC port. */
exports.PORT_OFFSETS = {
    frontend: { grpc: 0, http: 4, membership: 5, metrics: 9 },
    history: { grpc: 1, membership: 6, metrics: 10 },
    matching: { grpc: 2, membership: 7, metrics: 11 },
    worker: { grpc: 3, membership: 8, metrics: 12 },
};
exports.PORT_BLOCK_SIZE = 13;
/**
 * Temporal 1.29 keeps each service's membership port in cluster_membership.rpc_port, a SMALLINT: a port
 * above 32767 makes the service die at start ("value out of range for type smallint").
 */
const MAX_MEMBERSHIP_PORT = 32767;
function integer(env, name, fallback, min, max, what) {
    const raw = env[name];
    if (raw === undefined || raw === '')
        return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new config_1.ConfigError(`${name}=${raw} is not ${what}; set it to a whole number from ${min} to ${max}.`);
    }
    return value;
}
function portsFrom(frontendPort) {
    const shift = (o) => ({
        grpc: frontendPort + o.grpc,
        membership: frontendPort + o.membership,
        metrics: frontendPort + o.metrics,
        ...(o.http === undefined ? {} : { http: frontendPort + o.http }),
    });
    return { frontend: shift(exports.PORT_OFFSETS.frontend), history: shift(exports.PORT_OFFSETS.history), matching: shift(exports.PORT_OFFSETS.matching), worker: shift(exports.PORT_OFFSETS.worker) };
}
function readProductionConfig(env = process.env) {
    // Data folder, tools cache and time-out are the embedded profile's own settings, read the same way.
    const shared = (0, config_1.readServicesConfig)({ ...env, DATABASE_URL: '', TEMPORAL_ADDRESS: '' });
    const frontendPort = integer(env, 'PURSEFLOW_PROD_TEMPORAL_PORT', FRONTEND_PORT, 1024, MAX_MEMBERSHIP_PORT + 1 - exports.PORT_BLOCK_SIZE, 'the first of 13 free TCP ports ending below 32768 (Temporal stores membership ports in a PostgreSQL smallint)');
    const serverVersion = env.PURSEFLOW_TEMPORAL_SERVER_VERSION || 'v1.29.1';
    const uiVersion = env.PURSEFLOW_TEMPORAL_UI_VERSION || 'v2.42.1';
    for (const [name, value] of [['PURSEFLOW_TEMPORAL_SERVER_VERSION', serverVersion], ['PURSEFLOW_TEMPORAL_UI_VERSION', uiVersion]]) {
        if (!/^v\d+\.\d+\.\d+$/.test(value))
            throw new config_1.ConfigError(`${name}=${value} is not a Go module version like v1.2.3.`);
    }
    return {
        dataDir: node_path_1.default.resolve(env.PURSEFLOW_PROD_DATA_DIR || node_path_1.default.join(shared.dataDir, 'production')),
        toolsDir: shared.toolsDir,
        readyTimeoutMs: shared.readyTimeoutMs,
        templatesDir: node_path_1.default.join(config_1.REPOSITORY_ROOT, 'docker', 'temporal'),
        postgres: {
            externalUrl: env.DATABASE_URL || undefined,
            port: integer(env, 'PURSEFLOW_PROD_PG_PORT', 54339, 1, 65535, 'a TCP port'),
            binDir: env.PURSEFLOW_PG_BIN || undefined,
        },
        temporal: {
            serverVersion,
            frontendPort,
            ports: portsFrom(frontendPort),
            historyShards: integer(env, 'PURSEFLOW_PROD_HISTORY_SHARDS', 4, 1, 16384, 'a number of history shards'),
            sqlMaxConns: integer(env, 'PURSEFLOW_PROD_SQL_MAX_CONNS', 20, 1, 1000, 'a number of connections'),
            namespace: env.TEMPORAL_NAMESPACE || 'default',
            databaseName: 'temporal',
            visibilityDatabaseName: 'temporal_visibility',
        },
        ui: {
            version: uiVersion,
            port: integer(env, 'PURSEFLOW_PROD_TEMPORAL_UI_PORT', 8330, 1, 65535, 'a TCP port'),
        },
    };
}
/** The private cluster of the production profile, described in the embedded profile's own terms so its code runs it. */
function privateClusterConfig(config) {
    return (0, config_1.readServicesConfig)({
        PURSEFLOW_DATA_DIR: config.dataDir,
        PURSEFLOW_TOOLS_DIR: config.toolsDir,
        PURSEFLOW_PG_PORT: String(config.postgres.port),
        PURSEFLOW_PG_BIN: config.postgres.binDir,
        PURSEFLOW_READY_TIMEOUT_S: String(config.readyTimeoutMs / 1000),
        PURSEFLOW_PCSCD: 'off',
    });
}
function frontendAddress(config) {
    return `127.0.0.1:${config.temporal.frontendPort}`;
}
function webUiUrl(config) {
    return `http://127.0.0.1:${config.ui.port}`;
}
