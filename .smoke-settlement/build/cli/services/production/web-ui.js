"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.startWebUi = startWebUi;
exports.stopWebUi = stopWebUi;
exports.webUiStatus = webUiStatus;
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const process_control_1 = require("../process-control");
const production_config_1 = require("./production-config");
const temporal_cluster_1 = require("./temporal-cluster");
const NAME = 'temporal-ui';
const CONFIG_ENV = 'purseflow';
function webUiProcess(config) {
    return {
        name: NAME,
        pidFile: node_path_1.default.join(config.dataDir, 'run', 'temporal-ui.pid'),
        logFile: node_path_1.default.join(config.dataDir, 'logs', 'temporal-ui.log'),
        commandMarker: `${(0, temporal_cluster_1.temporalRoot)(config)} `,
    };
}
/** The Web UI server (github.com/temporalio/ui-server/v2) in front of the production cluster's frontend. */
async function startWebUi(config, uiBinary) {
    const proc = webUiProcess(config);
    if ((0, process_control_1.runningPid)(proc) !== undefined)
        return { name: NAME, state: 'running', detail: (0, production_config_1.webUiUrl)(config) };
    await (0, process_control_1.assertPortFree)(NAME, config.ui.port, 'PURSEFLOW_PROD_TEMPORAL_UI_PORT');
    const configDir = node_path_1.default.join((0, temporal_cluster_1.temporalRoot)(config), 'ui-config');
    node_fs_1.default.mkdirSync(configDir, { recursive: true });
    node_fs_1.default.copyFileSync(node_path_1.default.join(config.templatesDir, 'ui-config', `${CONFIG_ENV}.yaml`), node_path_1.default.join(configDir, `${CONFIG_ENV}.yaml`));
    const env = {
        ...process.env,
        TEMPORAL_UI_GRPC_ADDRESS: (0, production_config_1.frontendAddress)(config),
        TEMPORAL_UI_HOST: '127.0.0.1',
        TEMPORAL_UI_PORT: String(config.ui.port),
        TEMPORAL_UI_DEFAULT_NAMESPACE: config.temporal.namespace,
    };
    const pid = (0, process_control_1.startDetached)(proc, uiBinary, ['--root', (0, temporal_cluster_1.temporalRoot)(config), '--config', 'ui-config', '--env', CONFIG_ENV, 'start'], env);
    await (0, process_control_1.waitUntilReady)(proc, () => (0, process_control_1.canConnect)(config.ui.port), config.readyTimeoutMs, pid);
    return { name: NAME, state: 'started', detail: (0, production_config_1.webUiUrl)(config) };
}
async function stopWebUi(config) {
    await (0, process_control_1.stopProcess)(webUiProcess(config));
    return { name: NAME, state: 'stopped' };
}
function webUiStatus(config) {
    return (0, process_control_1.runningPid)(webUiProcess(config)) !== undefined ? { name: NAME, state: 'running', detail: (0, production_config_1.webUiUrl)(config) } : { name: NAME, state: 'stopped' };
}
