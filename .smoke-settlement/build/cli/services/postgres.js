"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.postgresUrl = postgresUrl;
exports.startPostgres = startPostgres;
exports.stopPostgres = stopPostgres;
exports.postgresStatus = postgresStatus;
const node_child_process_1 = require("node:child_process");
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const process_control_1 = require("./process-control");
const service_error_1 = require("./service-error");
const NAME = 'postgresql';
function paths(config) {
    const root = node_path_1.default.join(config.dataDir, 'postgres');
    return { root, data: node_path_1.default.join(root, 'data'), socketDir: node_path_1.default.join(root, 'socket'), logFile: node_path_1.default.join(config.dataDir, 'logs', 'postgres.log') };
}
function postgresUrl(config) {
    return config.postgres.externalUrl ?? `postgres://${config.postgres.user}@127.0.0.1:${config.postgres.port}/${config.postgres.database}`;
}
function postgresBinDir(config) {
    if (config.postgres.binDir)
        return config.postgres.binDir;
    const base = '/usr/lib/postgresql';
    const versions = node_fs_1.default.existsSync(base) ? node_fs_1.default.readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
    const found = versions.map((v) => node_path_1.default.join(base, v, 'bin')).find((dir) => node_fs_1.default.existsSync(node_path_1.default.join(dir, 'initdb')));
    if (!found) {
        throw new service_error_1.ServiceError('missing_package', NAME, 'no initdb found under /usr/lib/postgresql: install the Debian package `postgresql` or set PURSEFLOW_PG_BIN.');
    }
    return found;
}
/** initdb and postgres refuse to run as root; as root we run them as the `postgres` system user. */
function runAsOwner(command, args) {
    const asRoot = process.getuid?.() === 0;
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    return (0, node_child_process_1.spawnSync)(cmd, argv, { encoding: 'utf8', cwd: '/' });
}
function handOver(dir) {
    if (process.getuid?.() !== 0)
        return;
    const owner = (0, node_child_process_1.spawnSync)('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const group = (0, node_child_process_1.spawnSync)('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (owner.status !== 0)
        throw new service_error_1.ServiceError('missing_package', NAME, 'no `postgres` system user: install the Debian package `postgresql`.');
    node_fs_1.default.chownSync(dir, Number(owner.stdout.trim()), Number(group.stdout.trim()));
}
function pgProcess(config) {
    const p = paths(config);
    return { name: NAME, pidFile: node_path_1.default.join(p.data, 'postmaster.pid'), logFile: p.logFile, commandMarker: 'postgres' };
}
function postmasterPid(config) {
    const proc = pgProcess(config);
    if (!node_fs_1.default.existsSync(proc.pidFile))
        return undefined;
    // postmaster.pid's first line is the pid; PostgreSQL removes a stale file itself on start, so we only read it.
    const pid = Number(node_fs_1.default.readFileSync(proc.pidFile, 'utf8').split('\n')[0]);
    try {
        process.kill(pid, 0);
        return node_fs_1.default.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres') ? pid : undefined;
    }
    catch {
        return undefined;
    }
}
async function startPostgres(config) {
    if (config.postgres.externalUrl)
        return { name: NAME, state: 'external', detail: 'DATABASE_URL' };
    const p = paths(config);
    const bin = postgresBinDir(config);
    const major = node_path_1.default.basename(node_path_1.default.dirname(bin));
    if (postmasterPid(config) !== undefined)
        return { name: NAME, state: 'running', detail: postgresUrl(config) };
    const versionFile = node_path_1.default.join(p.data, 'PG_VERSION');
    if (node_fs_1.default.existsSync(versionFile)) {
        const dataVersion = node_fs_1.default.readFileSync(versionFile, 'utf8').trim();
        if (/^\d+$/.test(major) && dataVersion !== major) {
            throw new service_error_1.ServiceError('data_dir_incompatible', NAME, `${p.data} was created by PostgreSQL ${dataVersion}, but this machine runs ${major}. Move that folder away (or delete it to start empty), or set PURSEFLOW_DATA_DIR to another folder.`);
        }
    }
    await (0, process_control_1.assertPortFree)(NAME, config.postgres.port, 'PURSEFLOW_PG_PORT');
    for (const dir of [p.root, p.socketDir, node_path_1.default.dirname(p.logFile)])
        node_fs_1.default.mkdirSync(dir, { recursive: true });
    handOver(p.root);
    handOver(p.socketDir);
    if (!node_fs_1.default.existsSync(versionFile)) {
        node_fs_1.default.mkdirSync(p.data, { recursive: true, mode: 0o700 });
        handOver(p.data);
        const init = runAsOwner(node_path_1.default.join(bin, 'initdb'), ['-D', p.data, '-U', config.postgres.user, '--auth=trust', '--encoding=UTF8', '--locale=C']);
        if (init.status !== 0)
            throw new service_error_1.ServiceError('start_failed', NAME, `initdb failed:\n${init.stderr || init.stdout}`);
    }
    if (!node_fs_1.default.existsSync(p.logFile))
        node_fs_1.default.writeFileSync(p.logFile, '');
    handOver(p.logFile);
    const options = [
        `-p ${config.postgres.port}`,
        `-k ${p.socketDir}`,
        '-c listen_addresses=127.0.0.1',
        '-c max_connections=200',
        '-c shared_buffers=256MB',
    ].join(' ');
    const timeoutS = String(Math.ceil(config.readyTimeoutMs / 1000));
    const start = runAsOwner(node_path_1.default.join(bin, 'pg_ctl'), ['-D', p.data, '-l', p.logFile, '-o', options, '-t', timeoutS, '-w', 'start']);
    if (start.status !== 0) {
        throw new service_error_1.ServiceError('not_ready', NAME, `pg_ctl start failed; its log is ${p.logFile}:\n${(0, process_control_1.tail)(p.logFile)}`);
    }
    await (0, process_control_1.waitUntilReady)(pgProcess(config), () => (0, process_control_1.canConnect)(config.postgres.port), config.readyTimeoutMs);
    ensureDatabase(config, bin);
    return { name: NAME, state: 'started', detail: postgresUrl(config) };
}
function ensureDatabase(config, bin) {
    const psql = (sql) => (0, node_child_process_1.spawnSync)(node_path_1.default.join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(config.postgres.port), '-U', config.postgres.user, '-d', 'postgres', '-tAc', sql], {
        encoding: 'utf8',
    });
    const exists = psql(`SELECT 1 FROM pg_database WHERE datname = '${config.postgres.database}'`);
    if (exists.stdout.trim() !== '1') {
        const created = psql(`CREATE DATABASE ${config.postgres.database}`);
        if (created.status !== 0)
            throw new service_error_1.ServiceError('start_failed', NAME, `could not create database ${config.postgres.database}: ${created.stderr}`);
    }
}
async function stopPostgres(config) {
    if (config.postgres.externalUrl)
        return { name: NAME, state: 'external', detail: 'DATABASE_URL' };
    if (postmasterPid(config) === undefined)
        return { name: NAME, state: 'stopped' };
    const p = paths(config);
    const stop = runAsOwner(node_path_1.default.join(postgresBinDir(config), 'pg_ctl'), ['-D', p.data, '-m', 'fast', '-w', 'stop']);
    if (stop.status !== 0)
        throw new service_error_1.ServiceError('start_failed', NAME, `pg_ctl stop failed: ${stop.stderr}`);
    return { name: NAME, state: 'stopped' };
}
function postgresStatus(config) {
    if (config.postgres.externalUrl)
        return { name: NAME, state: 'external', detail: 'DATABASE_URL' };
    return postmasterPid(config) !== undefined ? { name: NAME, state: 'running', detail: postgresUrl(config) } : { name: NAME, state: 'stopped' };
}
