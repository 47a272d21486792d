"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.REPOSITORY_ROOT = exports.ConfigError = exports.SEARCH_ATTRIBUTES = void 0;
exports.readServicesConfig = readServicesConfig;
const node_fs_1 = __importDefault(require("node:fs"));
const node_os_1 = require("node:os");
const node_path_1 = __importDefault(require("node:path"));
/** The search attributes that workflows set and operators filter on in the Web UI. */
exports.SEARCH_ATTRIBUTES = [
    ['PurseflowState', 'Keyword'],
    ['PurseflowKind', 'Keyword'],
    ['CardSerial', 'Keyword'],
    ['CustomerId', 'Keyword'],
    ['MerchantId', 'Keyword'],
    ['ReaderId', 'Keyword'],
    ['AmountMinor', 'Int'],
];
class ConfigError extends Error {
    code = 'invalid_config';
}
exports.ConfigError = ConfigError;
function port(env, name, fallback) {
    const raw = env[name];
    if (raw === undefined || raw === '')
        return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
        throw new ConfigError(`${name}=${raw} is not a TCP port; set it to a whole number from 1 to 65535.`);
    }
    return value;
}
/** The checkout's root, found the same way from the sources (cli/services) and from the build (dist/cli/services). */
function findRepositoryRoot(start) {
    for (let dir = start;; dir = node_path_1.default.dirname(dir)) {
        if (node_fs_1.default.existsSync(node_path_1.default.join(dir, 'package.json')))
            return dir;
        if (node_path_1.default.dirname(dir) === dir)
            throw new ConfigError(`no package.json above ${start}: run purseflow from its checkout.`);
    }
}
exports.REPOSITORY_ROOT = findRepositoryRoot(__dirname);
function readServicesConfig(env = process.env) {
    const dataDir = node_path_1.default.resolve(env.PURSEFLOW_DATA_DIR || node_path_1.default.join(exports.REPOSITORY_ROOT, '.data'));
    const pcscdMode = env.PURSEFLOW_PCSCD || 'managed';
    if (pcscdMode !== 'managed' && pcscdMode !== 'external' && pcscdMode !== 'off') {
        throw new ConfigError(`PURSEFLOW_PCSCD=${pcscdMode} is not one of managed, external, off.`);
    }
    const timeoutS = Number(env.PURSEFLOW_READY_TIMEOUT_S || '90');
    if (!(timeoutS > 0))
        throw new ConfigError(`PURSEFLOW_READY_TIMEOUT_S=${env.PURSEFLOW_READY_TIMEOUT_S} must be a positive number of seconds.`);
    return {
        dataDir,
        toolsDir: node_path_1.default.resolve(env.PURSEFLOW_TOOLS_DIR || node_path_1.default.join(env.XDG_CACHE_HOME || node_path_1.default.join((0, node_os_1.homedir)(), '.cache'), 'purseflow', 'bin')),
        readyTimeoutMs: timeoutS * 1000,
        postgres: {
            externalUrl: env.DATABASE_URL || undefined,
            port: port(env, 'PURSEFLOW_PG_PORT', 54329),
            binDir: env.PURSEFLOW_PG_BIN || undefined,
            database: 'purseflow',
            user: 'purseflow',
        },
        temporal: {
            externalAddress: env.TEMPORAL_ADDRESS || undefined,
            port: port(env, 'PURSEFLOW_TEMPORAL_PORT', 7233),
            uiPort: port(env, 'PURSEFLOW_TEMPORAL_UI_PORT', 8233),
            binary: env.PURSEFLOW_TEMPORAL_BIN || undefined,
            cliVersion: env.PURSEFLOW_TEMPORAL_CLI_VERSION || 'v1.5.1',
            namespace: env.TEMPORAL_NAMESPACE || 'default',
        },
        pcscd: { mode: pcscdMode, vpcdPort: port(env, 'PURSEFLOW_VPCD_PORT', 35963) },
    };
}
