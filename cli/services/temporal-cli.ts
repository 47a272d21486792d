import fs from 'node:fs';
import path from 'node:path';
import { ServicesConfig } from './config';
import { which } from './process-control';
import { goInstall } from './go-install';
import { ServiceError } from './service-error';

const MODULE = 'github.com/temporalio/cli/cmd/temporal';

/**
 * The temporal CLI: PURSEFLOW_TEMPORAL_BIN, else one on PATH, else the one built earlier into the tools
 * cache, else built now from Go modules (about five minutes, once per machine).
 */
export function resolveTemporalCli(config: ServicesConfig, log: (line: string) => void = () => {}): string {
  if (config.temporal.binary) {
    if (!fs.existsSync(config.temporal.binary)) {
      throw new ServiceError('missing_package', 'temporal', `PURSEFLOW_TEMPORAL_BIN=${config.temporal.binary} does not exist.`);
    }
    return config.temporal.binary;
  }
  const onPath = which('temporal');
  if (onPath) return onPath;
  const cached = path.join(config.toolsDir, 'temporal');
  if (fs.existsSync(cached)) return cached;
  return buildTemporalCli(config, log);
}

export function buildTemporalCli(config: ServicesConfig, log: (line: string) => void = () => {}): string {
  return goInstall({ service: 'temporal', module: MODULE, version: config.temporal.cliVersion, gobin: config.toolsDir, binaryName: 'temporal' }, log);
}
