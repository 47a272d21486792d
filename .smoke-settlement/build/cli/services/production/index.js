"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.PRODUCTION_SERVICE_NAMES = exports.temporalSchemaDirs = exports.temporalDatabaseServer = exports.ensureTemporalSchemas = exports.serverEnvironment = exports.temporalBinariesCached = exports.resolveTemporalBinaries = exports.webUiUrl = exports.frontendAddress = exports.PORT_BLOCK_SIZE = exports.TEMPORAL_SERVICES = exports.readProductionConfig = void 0;
exports.parseProductionServiceNames = parseProductionServiceNames;
exports.productionEnvironment = productionEnvironment;
exports.productionUp = productionUp;
exports.productionDown = productionDown;
exports.productionStatus = productionStatus;
/**
 * The production profile: PostgreSQL with separate databases for the ledger, Temporal's persistence and
 * Temporal's visibility; Temporal's own server as four processes (history, matching, frontend, worker)
 * from our config template; the namespace and our search attributes; the Temporal Web UI server.
 * Everything lives under its own data folder and ports, beside the embedded profile.
 */
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const postgres_1 = require("../postgres");
const process_control_1 = require("../process-control");
const service_error_1 = require("../service-error");
const production_config_1 = require("./production-config");
const temporal_binaries_1 = require("./temporal-binaries");
const temporal_cluster_1 = require("./temporal-cluster");
const temporal_databases_1 = require("./temporal-databases");
const temporal_namespace_1 = require("./temporal-namespace");
const web_ui_1 = require("./web-ui");
var production_config_2 = require("./production-config");
Object.defineProperty(exports, "readProductionConfig", { enumerable: true, get: function () { return production_config_2.readProductionConfig; } });
Object.defineProperty(exports, "TEMPORAL_SERVICES", { enumerable: true, get: function () { return production_config_2.TEMPORAL_SERVICES; } });
Object.defineProperty(exports, "PORT_BLOCK_SIZE", { enumerable: true, get: function () { return production_config_2.PORT_BLOCK_SIZE; } });
Object.defineProperty(exports, "frontendAddress", { enumerable: true, get: function () { return production_config_2.frontendAddress; } });
Object.defineProperty(exports, "webUiUrl", { enumerable: true, get: function () { return production_config_2.webUiUrl; } });
var temporal_binaries_2 = require("./temporal-binaries");
Object.defineProperty(exports, "resolveTemporalBinaries", { enumerable: true, get: function () { return temporal_binaries_2.resolveTemporalBinaries; } });
Object.defineProperty(exports, "temporalBinariesCached", { enumerable: true, get: function () { return temporal_binaries_2.temporalBinariesCached; } });
var temporal_cluster_2 = require("./temporal-cluster");
Object.defineProperty(exports, "serverEnvironment", { enumerable: true, get: function () { return temporal_cluster_2.serverEnvironment; } });
var temporal_databases_2 = require("./temporal-databases");
Object.defineProperty(exports, "ensureTemporalSchemas", { enumerable: true, get: function () { return temporal_databases_2.ensureTemporalSchemas; } });
Object.defineProperty(exports, "temporalDatabaseServer", { enumerable: true, get: function () { return temporal_databases_2.temporalDatabaseServer; } });
var temporal_binaries_3 = require("./temporal-binaries");
Object.defineProperty(exports, "temporalSchemaDirs", { enumerable: true, get: function () { return temporal_binaries_3.temporalSchemaDirs; } });
exports.PRODUCTION_SERVICE_NAMES = ['postgresql', 'temporal', 'temporal-ui'];
function parseProductionServiceNames(list) {
    if (!list)
        return [...exports.PRODUCTION_SERVICE_NAMES];
    const names = list.split(',').map((s) => s.trim()).filter(Boolean);
    for (const name of names) {
        if (!exports.PRODUCTION_SERVICE_NAMES.includes(name)) {
            throw new service_error_1.ServiceError('start_failed', name, `is not a service of the production profile; choose from ${exports.PRODUCTION_SERVICE_NAMES.join(', ')}.`);
        }
    }
    return names;
}
/** The addresses the app's processes need under this profile: the same variables as the embedded profile's. */
function productionEnvironment(config) {
    return {
        PURSEFLOW_DATA_DIR: config.dataDir,
        DATABASE_URL: config.postgres.externalUrl ?? (0, postgres_1.postgresUrl)((0, production_config_1.privateClusterConfig)(config)),
        TEMPORAL_ADDRESS: (0, production_config_1.frontendAddress)(config),
        TEMPORAL_NAMESPACE: config.temporal.namespace,
        TEMPORAL_UI_URL: (0, production_config_1.webUiUrl)(config),
    };
}
function writeProductionEnv(config) {
    node_fs_1.default.mkdirSync(config.dataDir, { recursive: true });
    const lines = Object.entries(productionEnvironment(config)).map(([k, v]) => `${k}=${v}`);
    node_fs_1.default.writeFileSync(node_path_1.default.join(config.dataDir, 'services.env'), `${lines.join('\n')}\n`);
}
async function upPostgres(config) {
    if (config.postgres.externalUrl)
        return { name: 'postgresql', state: 'external', detail: 'DATABASE_URL' };
    const cluster = (0, production_config_1.privateClusterConfig)(config);
    if ((0, postgres_1.postgresStatus)(cluster).state === 'running')
        return (0, postgres_1.postgresStatus)(cluster);
    // Checked here so that the message names this profile's variable, not the embedded profile's.
    await (0, process_control_1.assertPortFree)('postgresql', config.postgres.port, 'PURSEFLOW_PROD_PG_PORT');
    return (0, postgres_1.startPostgres)(cluster);
}
async function upTemporal(config, serverBinary, sqlBinary) {
    const db = (0, temporal_databases_1.temporalDatabaseServer)(config, (0, production_config_1.privateClusterConfig)(config).postgres.user);
    const allRunning = (0, temporal_cluster_1.temporalClusterStatus)(config).every((s) => s.state === 'running');
    // A running cluster runs on an up-to-date schema: the schema step is for clusters about to start.
    if (!allRunning)
        await (0, temporal_databases_1.ensureTemporalSchemas)(config, db, sqlBinary, (0, temporal_binaries_1.temporalSchemaDirs)(config));
    const cluster = await (0, temporal_cluster_1.startTemporalCluster)(config, serverBinary, db);
    const namespace = await (0, temporal_namespace_1.ensureNamespace)(config, (0, temporal_cluster_1.temporalServiceProcess)(config, 'frontend').logFile);
    return [...cluster, namespace];
}
/** Starts what is not running; a second call finds everything running and starts nothing. */
async function productionUp(config, names = exports.PRODUCTION_SERVICE_NAMES, log = () => { }) {
    const statuses = [];
    const binaries = names.includes('temporal') || names.includes('temporal-ui') ? (0, temporal_binaries_1.resolveTemporalBinaries)(config, log) : undefined;
    if (names.includes('postgresql'))
        statuses.push(await upPostgres(config));
    if (binaries && names.includes('temporal'))
        statuses.push(...(await upTemporal(config, binaries.server, binaries.sql)));
    if (binaries && names.includes('temporal-ui'))
        statuses.push(await (0, web_ui_1.startWebUi)(config, binaries.ui));
    writeProductionEnv(config);
    return statuses;
}
async function productionDown(config, names = exports.PRODUCTION_SERVICE_NAMES) {
    const statuses = [];
    // Reverse order of start: nothing is left talking to a database that is already gone.
    if (names.includes('temporal-ui'))
        statuses.push(await (0, web_ui_1.stopWebUi)(config));
    if (names.includes('temporal'))
        statuses.push(...(await (0, temporal_cluster_1.stopTemporalCluster)(config)));
    if (names.includes('postgresql')) {
        statuses.push(config.postgres.externalUrl ? { name: 'postgresql', state: 'external', detail: 'DATABASE_URL' } : await (0, postgres_1.stopPostgres)((0, production_config_1.privateClusterConfig)(config)));
    }
    return statuses;
}
function productionStatus(config, names = exports.PRODUCTION_SERVICE_NAMES) {
    const statuses = [];
    if (names.includes('postgresql')) {
        statuses.push(config.postgres.externalUrl ? { name: 'postgresql', state: 'external', detail: 'DATABASE_URL' } : (0, postgres_1.postgresStatus)((0, production_config_1.privateClusterConfig)(config)));
    }
    if (names.includes('temporal'))
        statuses.push(...(0, temporal_cluster_1.temporalClusterStatus)(config));
    if (names.includes('temporal-ui'))
        statuses.push((0, web_ui_1.webUiStatus)(config));
    return statuses;
}
