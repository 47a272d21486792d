import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ServicesConfig } from './config';
import { which } from './process-control';
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
  const go = which('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new ServiceError('missing_package', 'temporal', 'no temporal CLI on PATH and no Go toolchain to build it: install Go 1.25+ or set PURSEFLOW_TEMPORAL_BIN.');
  }
  fs.mkdirSync(config.toolsDir, { recursive: true });
  log(`building the Temporal CLI ${config.temporal.cliVersion} from Go modules into ${config.toolsDir} (once; about 5 minutes)…`);
  const result = spawnSync(go, ['install', `${MODULE}@${config.temporal.cliVersion}`], {
    encoding: 'utf8',
    env: { ...process.env, GOBIN: config.toolsDir, CGO_ENABLED: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const built = path.join(config.toolsDir, 'temporal');
  if (result.status !== 0 || !fs.existsSync(built)) {
    const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new ServiceError(
      'build_failed',
      'temporal',
      `go install ${MODULE}@${config.temporal.cliVersion} failed (exit ${result.status ?? result.signal}). Go said:\n${output}`,
    );
  }
  return built;
}
