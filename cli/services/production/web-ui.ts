import fs from 'node:fs';
import path from 'node:path';
import { assertPortFree, canConnect, ManagedProcess, runningPid, startDetached, stopProcess, waitUntilReady } from '../process-control';
import { ServiceStatus } from '../service-status';
import { frontendAddress, ProductionConfig, webUiUrl } from './production-config';
import { temporalRoot } from './temporal-cluster';

const NAME = 'temporal-ui';
const CONFIG_ENV = 'purseflow';

function webUiProcess(config: ProductionConfig): ManagedProcess {
  return {
    name: NAME,
    pidFile: path.join(config.dataDir, 'run', 'temporal-ui.pid'),
    logFile: path.join(config.dataDir, 'logs', 'temporal-ui.log'),
    commandMarker: `${temporalRoot(config)} `,
  };
}

/** The Web UI server (github.com/temporalio/ui-server/v2) in front of the production cluster's frontend. */
export async function startWebUi(config: ProductionConfig, uiBinary: string): Promise<ServiceStatus> {
  const proc = webUiProcess(config);
  if (runningPid(proc) !== undefined) return { name: NAME, state: 'running', detail: webUiUrl(config) };
  await assertPortFree(NAME, config.ui.port, 'PURSEFLOW_PROD_TEMPORAL_UI_PORT');
  const configDir = path.join(temporalRoot(config), 'ui-config');
  fs.mkdirSync(configDir, { recursive: true });
  fs.copyFileSync(path.join(config.templatesDir, 'ui-config', `${CONFIG_ENV}.yaml`), path.join(configDir, `${CONFIG_ENV}.yaml`));
  const env = {
    ...process.env,
    TEMPORAL_UI_GRPC_ADDRESS: frontendAddress(config),
    TEMPORAL_UI_HOST: '127.0.0.1',
    TEMPORAL_UI_PORT: String(config.ui.port),
    TEMPORAL_UI_DEFAULT_NAMESPACE: config.temporal.namespace,
  };
  const pid = startDetached(proc, uiBinary, ['--root', temporalRoot(config), '--config', 'ui-config', '--env', CONFIG_ENV, 'start'], env);
  await waitUntilReady(proc, () => canConnect(config.ui.port), config.readyTimeoutMs, pid);
  return { name: NAME, state: 'started', detail: webUiUrl(config) };
}

export async function stopWebUi(config: ProductionConfig): Promise<ServiceStatus> {
  await stopProcess(webUiProcess(config));
  return { name: NAME, state: 'stopped' };
}

export function webUiStatus(config: ProductionConfig): ServiceStatus {
  return runningPid(webUiProcess(config)) !== undefined ? { name: NAME, state: 'running', detail: webUiUrl(config) } : { name: NAME, state: 'stopped' };
}
