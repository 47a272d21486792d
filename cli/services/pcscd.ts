import fs from 'node:fs';
import path from 'node:path';
import { ServicesConfig } from './config';
import { assertPortFree, canConnect, isAlive, ManagedProcess, runningPid, startDetached, stopProcess, waitUntilReady, which } from './process-control';
import { ServiceError } from './service-error';
import { ServiceStatus } from './service-status';

const NAME = 'pcscd';
/** pcsc-lite as Debian builds it has one fixed socket and pid file: there can be one pcscd per machine. */
export const PCSCD_SOCKET = '/run/pcscd/pcscd.comm';
const SYSTEM_PID_FILE = '/run/pcscd/pcscd.pid';
const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';

function pcscdProcess(config: ServicesConfig): ManagedProcess {
  return { name: NAME, pidFile: path.join(config.dataDir, 'run', 'pcscd.pid'), logFile: path.join(config.dataDir, 'logs', 'pcscd.log'), commandMarker: 'pcscd' };
}

/** vpcd takes its TCP port from the reader's CHANNELID; the file lives in our data folder, not in /etc. */
function writeReaderConf(config: ServicesConfig): string {
  const dir = path.join(config.dataDir, 'pcscd', 'reader.conf.d');
  fs.mkdirSync(dir, { recursive: true });
  const channel = `0x${config.pcscd.vpcdPort.toString(16).toUpperCase()}`;
  fs.writeFileSync(
    path.join(dir, 'purseflow-vpcd'),
    `FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:${channel}\nLIBPATH      ${VPCD_DRIVER}\nCHANNELID    ${channel}\n`,
  );
  return dir;
}

function foreignPcscdPid(): number | undefined {
  try {
    const pid = Number(fs.readFileSync(SYSTEM_PID_FILE, 'utf8').trim());
    return pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function startPcscd(config: ServicesConfig): Promise<ServiceStatus> {
  if (config.pcscd.mode === 'off') return { name: NAME, state: 'stopped', detail: 'PURSEFLOW_PCSCD=off' };
  if (config.pcscd.mode === 'external') return { name: NAME, state: 'external', detail: PCSCD_SOCKET };
  const proc = pcscdProcess(config);
  if (runningPid(proc) !== undefined) return { name: NAME, state: 'running', detail: `vpcd on 127.0.0.1:${config.pcscd.vpcdPort}` };
  const binary = which('pcscd') ?? (fs.existsSync('/usr/sbin/pcscd') ? '/usr/sbin/pcscd' : undefined);
  if (!binary || !fs.existsSync(VPCD_DRIVER)) {
    throw new ServiceError('missing_package', NAME, 'pcscd or the vpcd driver is missing: install the Debian packages `pcscd` and `vsmartcard-vpcd`.');
  }
  if (process.getuid?.() !== 0) {
    throw new ServiceError('start_failed', NAME, 'pcscd needs root to own /run/pcscd: run as root, or start pcscd with vpcd yourself and set PURSEFLOW_PCSCD=external.');
  }
  const foreign = foreignPcscdPid();
  if (foreign !== undefined) {
    throw new ServiceError(
      'port_taken',
      NAME,
      `a pcscd not started by purseflow is running (pid ${foreign}). Stop it (systemctl stop pcscd.socket pcscd), or set PURSEFLOW_PCSCD=external and configure vpcd on PURSEFLOW_VPCD_PORT.`,
    );
  }
  // vpcd opens a second reader on the next port.
  await assertPortFree(NAME, config.pcscd.vpcdPort, 'PURSEFLOW_VPCD_PORT');
  await assertPortFree(NAME, config.pcscd.vpcdPort + 1, 'PURSEFLOW_VPCD_PORT');
  const confDir = writeReaderConf(config);
  const pid = startDetached(proc, binary, ['--foreground', '--config', confDir]);
  await waitUntilReady(proc, async () => fs.existsSync(PCSCD_SOCKET) && (await canConnect(config.pcscd.vpcdPort)), config.readyTimeoutMs, pid);
  return { name: NAME, state: 'started', detail: `vpcd on 127.0.0.1:${config.pcscd.vpcdPort}` };
}

export async function stopPcscd(config: ServicesConfig): Promise<ServiceStatus> {
  if (config.pcscd.mode !== 'managed') return { name: NAME, state: config.pcscd.mode === 'external' ? 'external' : 'stopped' };
  await stopProcess(pcscdProcess(config));
  return { name: NAME, state: 'stopped' };
}

export function pcscdStatus(config: ServicesConfig): ServiceStatus {
  if (config.pcscd.mode === 'external') return { name: NAME, state: 'external', detail: PCSCD_SOCKET };
  return runningPid(pcscdProcess(config)) !== undefined
    ? { name: NAME, state: 'running', detail: `vpcd on 127.0.0.1:${config.pcscd.vpcdPort}` }
    : { name: NAME, state: 'stopped' };
}
