"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.goToolchain = goToolchain;
exports.resolveTemporalBinaries = resolveTemporalBinaries;
exports.temporalBinariesCached = temporalBinariesCached;
exports.temporalSchemaDirs = temporalSchemaDirs;
const node_child_process_1 = require("node:child_process");
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const process_control_1 = require("../process-control");
const service_error_1 = require("../service-error");
function programs(config) {
    const server = config.temporal.serverVersion;
    const bare = server.slice(1);
    return [
        // `server` and `sql` sit beside the embedded profile's `temporal` CLI, as the team's build put them.
        { service: 'temporal', module: 'go.temporal.io/server/cmd/server', version: server, gobin: config.toolsDir, binaryName: 'server', versionText: `temporal version ${bare}` },
        { service: 'temporal', module: 'go.temporal.io/server/cmd/tools/sql', version: server, gobin: config.toolsDir, binaryName: 'sql', versionText: `temporal-sql-tool version ${bare}` },
        // The UI server's binary is also called `server`: it gets a folder of its own, named by version.
        { service: 'temporal-ui', module: 'github.com/temporalio/ui-server/v2/cmd/server', version: config.ui.version, gobin: node_path_1.default.join(config.toolsDir, `ui-server-${config.ui.version}`), binaryName: 'server' },
    ];
}
function goToolchain(service) {
    const go = (0, process_control_1.which)('go') ?? (node_fs_1.default.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
    if (!go) {
        throw new service_error_1.ServiceError('missing_package', service, 'no Go toolchain to build Temporal\'s server from Go modules: install Go 1.24+ (https://go.dev/dl) and run this again.');
    }
    return go;
}
function hasVersion(binary, versionText) {
    if (!node_fs_1.default.existsSync(binary))
        return false;
    if (versionText === undefined)
        return true;
    const out = (0, node_child_process_1.spawnSync)(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return `${out.stdout ?? ''}`.includes(versionText);
}
/** `go install module@version` into `gobin`; a failure is reported with the end of Go's own output. */
function goInstall(program, log) {
    const go = goToolchain(program.service);
    node_fs_1.default.mkdirSync(program.gobin, { recursive: true });
    const target = `${program.module}@${program.version}`;
    log(`building ${target} from Go modules into ${program.gobin} (once per machine; up to 10 minutes)…`);
    const result = (0, node_child_process_1.spawnSync)(go, ['install', target], {
        encoding: 'utf8',
        env: { ...process.env, GOBIN: program.gobin, CGO_ENABLED: '0' },
        maxBuffer: 64 * 1024 * 1024,
    });
    const built = node_path_1.default.join(program.gobin, program.binaryName);
    if (result.status !== 0 || !node_fs_1.default.existsSync(built)) {
        const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-20).join('\n');
        throw new service_error_1.ServiceError('build_failed', program.service, `go install ${target} failed (exit ${result.status ?? result.signal}). Go said:\n${output}`);
    }
    return built;
}
/**
 * The server, the SQL tool and the Web UI server at the configured versions: the cached ones when they
 * report that version, else built now (the server takes about five minutes on two cores, the others seconds).
 */
function resolveTemporalBinaries(config, log = () => { }) {
    const [server, sql, ui] = programs(config).map((program) => {
        const cached = node_path_1.default.join(program.gobin, program.binaryName);
        return hasVersion(cached, program.versionText) ? cached : goInstall(program, log);
    });
    return { server, sql, ui };
}
/** True when every binary is cached at the configured version: `up` will not build anything. */
function temporalBinariesCached(config) {
    return programs(config).every((program) => hasVersion(node_path_1.default.join(program.gobin, program.binaryName), program.versionText));
}
/**
 * The server module's own PostgreSQL schema folders (the binaries do not embed the versioned upgrades).
 * They are in Go's module cache after the build; a cleaned cache is filled again with `go mod download`.
 */
function temporalSchemaDirs(config) {
    const go = goToolchain('temporal');
    const modCache = (0, node_child_process_1.spawnSync)(go, ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim();
    const root = node_path_1.default.join(modCache, `go.temporal.io/server@${config.temporal.serverVersion}`, 'schema', 'postgresql', 'v12');
    const dirs = { temporal: node_path_1.default.join(root, 'temporal', 'versioned'), visibility: node_path_1.default.join(root, 'visibility', 'versioned') };
    if (!node_fs_1.default.existsSync(dirs.temporal) || !node_fs_1.default.existsSync(dirs.visibility)) {
        const download = (0, node_child_process_1.spawnSync)(go, ['mod', 'download', `go.temporal.io/server@${config.temporal.serverVersion}`], { encoding: 'utf8', cwd: '/' });
        if (download.status !== 0 || !node_fs_1.default.existsSync(dirs.temporal)) {
            throw new service_error_1.ServiceError('build_failed', 'temporal', `Temporal's schema folders are missing from ${root} and go mod download failed:\n${download.stderr}`);
        }
    }
    return dirs;
}
