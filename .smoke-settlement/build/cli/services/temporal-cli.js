"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.resolveTemporalCli = resolveTemporalCli;
exports.buildTemporalCli = buildTemporalCli;
const node_child_process_1 = require("node:child_process");
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const process_control_1 = require("./process-control");
const service_error_1 = require("./service-error");
const MODULE = 'github.com/temporalio/cli/cmd/temporal';
/**
 * The temporal CLI: PURSEFLOW_TEMPORAL_BIN, else one on PATH, else the one built earlier into the tools
 * cache, else built now from Go modules (about five minutes, once per machine).
 */
function resolveTemporalCli(config, log = () => { }) {
    if (config.temporal.binary) {
        if (!node_fs_1.default.existsSync(config.temporal.binary)) {
            throw new service_error_1.ServiceError('missing_package', 'temporal', `PURSEFLOW_TEMPORAL_BIN=${config.temporal.binary} does not exist.`);
        }
        return config.temporal.binary;
    }
    const onPath = (0, process_control_1.which)('temporal');
    if (onPath)
        return onPath;
    const cached = node_path_1.default.join(config.toolsDir, 'temporal');
    if (node_fs_1.default.existsSync(cached))
        return cached;
    return buildTemporalCli(config, log);
}
function buildTemporalCli(config, log = () => { }) {
    const go = (0, process_control_1.which)('go') ?? (node_fs_1.default.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
    if (!go) {
        throw new service_error_1.ServiceError('missing_package', 'temporal', 'no temporal CLI on PATH and no Go toolchain to build it: install Go 1.25+ or set PURSEFLOW_TEMPORAL_BIN.');
    }
    node_fs_1.default.mkdirSync(config.toolsDir, { recursive: true });
    log(`building the Temporal CLI ${config.temporal.cliVersion} from Go modules into ${config.toolsDir} (once; about 5 minutes)…`);
    const result = (0, node_child_process_1.spawnSync)(go, ['install', `${MODULE}@${config.temporal.cliVersion}`], {
        encoding: 'utf8',
        env: { ...process.env, GOBIN: config.toolsDir, CGO_ENABLED: '0' },
        maxBuffer: 64 * 1024 * 1024,
    });
    const built = node_path_1.default.join(config.toolsDir, 'temporal');
    if (result.status !== 0 || !node_fs_1.default.existsSync(built)) {
        const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-20).join('\n');
        throw new service_error_1.ServiceError('build_failed', 'temporal', `go install ${MODULE}@${config.temporal.cliVersion} failed (exit ${result.status ?? result.signal}). Go said:\n${output}`);
    }
    return built;
}
