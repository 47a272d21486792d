"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.SERVICE_NAMES = exports.PROFILES = exports.PORT_BLOCK_SIZE = exports.PRODUCTION_SERVICE_NAMES = exports.resolveTemporalBinaries = exports.temporalBinariesCached = exports.productionEnvironment = exports.productionStatus = exports.productionDown = exports.productionUp = exports.parseProductionServiceNames = exports.readProductionConfig = exports.resolveTemporalCli = exports.buildTemporalCli = exports.ServiceError = exports.REPOSITORY_ROOT = exports.SEARCH_ATTRIBUTES = exports.readServicesConfig = void 0;
exports.parseProfile = parseProfile;
exports.parseServiceNames = parseServiceNames;
exports.servicesEnvironment = servicesEnvironment;
exports.servicesUp = servicesUp;
exports.servicesDown = servicesDown;
exports.servicesStatus = servicesStatus;
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const pcscd_1 = require("./pcscd");
const postgres_1 = require("./postgres");
const process_control_1 = require("./process-control");
const service_error_1 = require("./service-error");
const temporal_1 = require("./temporal");
var config_1 = require("./config");
Object.defineProperty(exports, "readServicesConfig", { enumerable: true, get: function () { return config_1.readServicesConfig; } });
Object.defineProperty(exports, "SEARCH_ATTRIBUTES", { enumerable: true, get: function () { return config_1.SEARCH_ATTRIBUTES; } });
Object.defineProperty(exports, "REPOSITORY_ROOT", { enumerable: true, get: function () { return config_1.REPOSITORY_ROOT; } });
var service_error_2 = require("./service-error");
Object.defineProperty(exports, "ServiceError", { enumerable: true, get: function () { return service_error_2.ServiceError; } });
var temporal_cli_1 = require("./temporal-cli");
Object.defineProperty(exports, "buildTemporalCli", { enumerable: true, get: function () { return temporal_cli_1.buildTemporalCli; } });
Object.defineProperty(exports, "resolveTemporalCli", { enumerable: true, get: function () { return temporal_cli_1.resolveTemporalCli; } });
var production_1 = require("./production");
Object.defineProperty(exports, "readProductionConfig", { enumerable: true, get: function () { return production_1.readProductionConfig; } });
Object.defineProperty(exports, "parseProductionServiceNames", { enumerable: true, get: function () { return production_1.parseProductionServiceNames; } });
Object.defineProperty(exports, "productionUp", { enumerable: true, get: function () { return production_1.productionUp; } });
Object.defineProperty(exports, "productionDown", { enumerable: true, get: function () { return production_1.productionDown; } });
Object.defineProperty(exports, "productionStatus", { enumerable: true, get: function () { return production_1.productionStatus; } });
Object.defineProperty(exports, "productionEnvironment", { enumerable: true, get: function () { return production_1.productionEnvironment; } });
Object.defineProperty(exports, "temporalBinariesCached", { enumerable: true, get: function () { return production_1.temporalBinariesCached; } });
Object.defineProperty(exports, "resolveTemporalBinaries", { enumerable: true, get: function () { return production_1.resolveTemporalBinaries; } });
Object.defineProperty(exports, "PRODUCTION_SERVICE_NAMES", { enumerable: true, get: function () { return production_1.PRODUCTION_SERVICE_NAMES; } });
Object.defineProperty(exports, "PORT_BLOCK_SIZE", { enumerable: true, get: function () { return production_1.PORT_BLOCK_SIZE; } });
/** `embedded`: the dev server on SQLite (default); `production`: Temporal's own server on PostgreSQL (./production). */
exports.PROFILES = ['embedded', 'production'];
function parseProfile(name) {
    const profile = name ?? 'embedded';
    if (!exports.PROFILES.includes(profile)) {
        throw new service_error_1.ServiceError('start_failed', 'services', `--profile ${profile} is not a profile; choose embedded or production.`);
    }
    return profile;
}
exports.SERVICE_NAMES = ['postgresql', 'temporal', 'pcscd'];
function parseServiceNames(list) {
    if (!list)
        return [...exports.SERVICE_NAMES];
    const names = list.split(',').map((s) => s.trim()).filter(Boolean);
    for (const name of names) {
        if (!exports.SERVICE_NAMES.includes(name)) {
            throw new service_error_1.ServiceError('start_failed', name, `is not a service; choose from ${exports.SERVICE_NAMES.join(', ')}.`);
        }
    }
    return names;
}
/** The addresses every other process needs, written where tests and `npm start`'s children read them. */
function servicesEnvironment(config) {
    return {
        PURSEFLOW_DATA_DIR: config.dataDir,
        DATABASE_URL: (0, postgres_1.postgresUrl)(config),
        TEMPORAL_ADDRESS: (0, temporal_1.temporalAddress)(config),
        TEMPORAL_NAMESPACE: config.temporal.namespace,
        ...((0, temporal_1.temporalUiUrl)(config) ? { TEMPORAL_UI_URL: (0, temporal_1.temporalUiUrl)(config) } : {}),
        PCSCLITE_CSOCK_NAME: pcscd_1.PCSCD_SOCKET,
        PURSEFLOW_VPCD_PORT: String(config.pcscd.vpcdPort),
    };
}
function writeServicesEnv(config) {
    node_fs_1.default.mkdirSync(config.dataDir, { recursive: true });
    const lines = Object.entries(servicesEnvironment(config)).map(([k, v]) => `${k}=${v}`);
    node_fs_1.default.writeFileSync(node_path_1.default.join(config.dataDir, 'services.env'), `${lines.join('\n')}\n`);
}
function assertSerialTooling() {
    if (!(0, process_control_1.which)('socat'))
        throw new service_error_1.ServiceError('missing_package', 'socat', 'socat is missing: install the Debian package `socat` (serial pseudo-terminal pairs).');
}
async function servicesUp(config, names = exports.SERVICE_NAMES, log = () => { }) {
    const statuses = [];
    if (names.includes('pcscd'))
        assertSerialTooling();
    if (names.includes('postgresql'))
        statuses.push(await (0, postgres_1.startPostgres)(config));
    if (names.includes('temporal'))
        statuses.push(await (0, temporal_1.startTemporal)(config, log));
    if (names.includes('pcscd'))
        statuses.push(await (0, pcscd_1.startPcscd)(config));
    writeServicesEnv(config);
    return statuses;
}
async function servicesDown(config, names = exports.SERVICE_NAMES) {
    const statuses = [];
    // Reverse order of start: nothing is left talking to a database that is already gone.
    if (names.includes('pcscd'))
        statuses.push(await (0, pcscd_1.stopPcscd)(config));
    if (names.includes('temporal'))
        statuses.push(await (0, temporal_1.stopTemporal)(config));
    if (names.includes('postgresql'))
        statuses.push(await (0, postgres_1.stopPostgres)(config));
    return statuses;
}
function servicesStatus(config, names = exports.SERVICE_NAMES) {
    const all = {
        postgresql: () => (0, postgres_1.postgresStatus)(config),
        temporal: () => (0, temporal_1.temporalStatus)(config),
        pcscd: () => (0, pcscd_1.pcscdStatus)(config),
    };
    return names.map((n) => all[n]());
}
