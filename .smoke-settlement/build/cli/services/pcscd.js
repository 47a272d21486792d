"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.PCSCD_SOCKET = void 0;
exports.startPcscd = startPcscd;
exports.stopPcscd = stopPcscd;
exports.pcscdStatus = pcscdStatus;
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const process_control_1 = require("./process-control");
const service_error_1 = require("./service-error");
const NAME = 'pcscd';
/** pcsc-lite as Debian builds it has one fixed socket and pid file: there can be one pcscd per machine. */
exports.PCSCD_SOCKET = '/run/pcscd/pcscd.comm';
const SYSTEM_PID_FILE = '/run/pcscd/pcscd.pid';
const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
function pcscdProcess(config) {
    return { name: NAME, pidFile: node_path_1.default.join(config.dataDir, 'run', 'pcscd.pid'), logFile: node_path_1.default.join(config.dataDir, 'logs', 'pcscd.log'), commandMarker: 'pcscd' };
}
/** vpcd takes its TCP port from the reader's CHANNELID; the file lives in our data folder, not in /etc. */
function writeReaderConf(config) {
    const dir = node_path_1.default.join(config.dataDir, 'pcscd', 'reader.conf.d');
    node_fs_1.default.mkdirSync(dir, { recursive: true });
    const channel = `0x${config.pcscd.vpcdPort.toString(16).toUpperCase()}`;
    node_fs_1.default.writeFileSync(node_path_1.default.join(dir, 'purseflow-vpcd'), `FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:${channel}\nLIBPATH      ${VPCD_DRIVER}\nCHANNELID    ${channel}\n`);
    return dir;
}
function foreignPcscdPid() {
    try {
        const pid = Number(node_fs_1.default.readFileSync(SYSTEM_PID_FILE, 'utf8').trim());
        return pid > 0 && (0, process_control_1.isAlive)(pid) ? pid : undefined;
    }
    catch {
        return undefined;
    }
}
async function startPcscd(config) {
    if (config.pcscd.mode === 'off')
        return { name: NAME, state: 'stopped', detail: 'PURSEFLOW_PCSCD=off' };
    if (config.pcscd.mode === 'external')
        return { name: NAME, state: 'external', detail: exports.PCSCD_SOCKET };
    const proc = pcscdProcess(config);
    if ((0, process_control_1.runningPid)(proc) !== undefined)
        return { name: NAME, state: 'running', detail: `vpcd on 127.0.0.1:${config.pcscd.vpcdPort}` };
    const binary = (0, process_control_1.which)('pcscd') ?? (node_fs_1.default.existsSync('/usr/sbin/pcscd') ? '/usr/sbin/pcscd' : undefined);
    if (!binary || !node_fs_1.default.existsSync(VPCD_DRIVER)) {
        throw new service_error_1.ServiceError('missing_package', NAME, 'pcscd or the vpcd driver is missing: install the Debian packages `pcscd` and `vsmartcard-vpcd`.');
    }
    if (process.getuid?.() !== 0) {
        throw new service_error_1.ServiceError('start_failed', NAME, 'pcscd needs root to own /run/pcscd: run as root, or start pcscd with vpcd yourself and set PURSEFLOW_PCSCD=external.');
    }
    const foreign = foreignPcscdPid();
    if (foreign !== undefined) {
        throw new service_error_1.ServiceError('port_taken', NAME, `a pcscd not started by purseflow is running (pid ${foreign}). Stop it (systemctl stop pcscd.socket pcscd), or set PURSEFLOW_PCSCD=external and configure vpcd on PURSEFLOW_VPCD_PORT.`);
    }
    // vpcd opens a second reader on the next port.
    await (0, process_control_1.assertPortFree)(NAME, config.pcscd.vpcdPort, 'PURSEFLOW_VPCD_PORT');
    await (0, process_control_1.assertPortFree)(NAME, config.pcscd.vpcdPort + 1, 'PURSEFLOW_VPCD_PORT');
    const confDir = writeReaderConf(config);
    const pid = (0, process_control_1.startDetached)(proc, binary, ['--foreground', '--config', confDir]);
    await (0, process_control_1.waitUntilReady)(proc, async () => node_fs_1.default.existsSync(exports.PCSCD_SOCKET) && (await (0, process_control_1.canConnect)(config.pcscd.vpcdPort)), config.readyTimeoutMs, pid);
    return { name: NAME, state: 'started', detail: `vpcd on 127.0.0.1:${config.pcscd.vpcdPort}` };
}
async function stopPcscd(config) {
    if (config.pcscd.mode !== 'managed')
        return { name: NAME, state: config.pcscd.mode === 'external' ? 'external' : 'stopped' };
    await (0, process_control_1.stopProcess)(pcscdProcess(config));
    return { name: NAME, state: 'stopped' };
}
function pcscdStatus(config) {
    if (config.pcscd.mode === 'external')
        return { name: NAME, state: 'external', detail: exports.PCSCD_SOCKET };
    return (0, process_control_1.runningPid)(pcscdProcess(config)) !== undefined
        ? { name: NAME, state: 'running', detail: `vpcd on 127.0.0.1:${config.pcscd.vpcdPort}` }
        : { name: NAME, state: 'stopped' };
}
