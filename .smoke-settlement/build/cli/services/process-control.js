"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.isAlive = isAlive;
exports.runningPid = runningPid;
exports.isPortFree = isPortFree;
exports.assertPortFree = assertPortFree;
exports.canConnect = canConnect;
exports.startDetached = startDetached;
exports.stopProcess = stopProcess;
exports.sleep = sleep;
exports.waitUntilReady = waitUntilReady;
exports.tail = tail;
exports.which = which;
const node_child_process_1 = require("node:child_process");
const node_fs_1 = __importDefault(require("node:fs"));
const node_net_1 = __importDefault(require("node:net"));
const node_path_1 = __importDefault(require("node:path"));
const service_error_1 = require("./service-error");
function isAlive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (err) {
        return err.code === 'EPERM';
    }
}
function commandLineOf(pid) {
    try {
        return node_fs_1.default.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    }
    catch {
        return '';
    }
}
/**
 * The pid of our running process, or undefined. A pid file whose process died, or whose pid now belongs
 * to another program, is stale: it is removed so that a fresh start is not blocked by it.
 */
function runningPid(proc) {
    if (!node_fs_1.default.existsSync(proc.pidFile))
        return undefined;
    const pid = Number(node_fs_1.default.readFileSync(proc.pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && commandLineOf(pid).includes(proc.commandMarker))
        return pid;
    node_fs_1.default.rmSync(proc.pidFile, { force: true });
    return undefined;
}
function isPortFree(port, host = '127.0.0.1') {
    return new Promise((resolve) => {
        const server = node_net_1.default.createServer();
        server.once('error', () => resolve(false));
        server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
    });
}
async function assertPortFree(service, port, variable) {
    if (!(await isPortFree(port))) {
        throw new service_error_1.ServiceError('port_taken', service, `port ${port} is already in use by another program. Stop that program or set ${variable} to a free port.`);
    }
}
function canConnect(port, host = '127.0.0.1', timeoutMs = 1000) {
    return new Promise((resolve) => {
        const socket = node_net_1.default.connect({ port, host });
        const done = (ok) => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(timeoutMs, () => done(false));
        socket.once('connect', () => done(true));
        socket.once('error', () => done(false));
    });
}
/** Starts a long-running program detached from this process, its output appended to its log, and records its pid. */
function startDetached(proc, command, args, env = process.env) {
    node_fs_1.default.mkdirSync(node_path_1.default.dirname(proc.pidFile), { recursive: true });
    node_fs_1.default.mkdirSync(node_path_1.default.dirname(proc.logFile), { recursive: true });
    const log = node_fs_1.default.openSync(proc.logFile, 'a');
    try {
        const child = (0, node_child_process_1.spawn)(command, args, { detached: true, stdio: ['ignore', log, log], env });
        if (child.pid === undefined) {
            throw new service_error_1.ServiceError('start_failed', proc.name, `could not start ${command}; see ${proc.logFile}.`);
        }
        child.unref();
        node_fs_1.default.writeFileSync(proc.pidFile, `${child.pid}\n`);
        return child.pid;
    }
    finally {
        node_fs_1.default.closeSync(log);
    }
}
async function stopProcess(proc, graceMs = 10_000) {
    const pid = runningPid(proc);
    if (pid === undefined)
        return false;
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline)
        await sleep(100);
    if (isAlive(pid))
        signalGroup(pid, 'SIGKILL');
    while (isAlive(pid))
        await sleep(50);
    node_fs_1.default.rmSync(proc.pidFile, { force: true });
    return true;
}
function signalGroup(pid, signal) {
    try {
        process.kill(-pid, signal);
    }
    catch {
        try {
            process.kill(pid, signal);
        }
        catch {
            /* already gone */
        }
    }
}
function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
/** Polls `probe` until it holds; a process that dies or a deadline that passes is reported with its log. */
async function waitUntilReady(proc, probe, timeoutMs, pid) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await probe())
            return;
        if (pid !== undefined && !isAlive(pid)) {
            throw new service_error_1.ServiceError('start_failed', proc.name, `exited during start-up; its log is ${proc.logFile}:\n${tail(proc.logFile)}`);
        }
        if (Date.now() > deadline) {
            throw new service_error_1.ServiceError('not_ready', proc.name, `not ready within ${Math.round(timeoutMs / 1000)} s (PURSEFLOW_READY_TIMEOUT_S); its log is ${proc.logFile}.`);
        }
        await sleep(200);
    }
}
function tail(file, lines = 15) {
    try {
        return node_fs_1.default.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    }
    catch {
        return '(no log)';
    }
}
function which(command) {
    const result = (0, node_child_process_1.spawnSync)('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
    const found = result.stdout.trim();
    return result.status === 0 && found ? found : undefined;
}
