import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { which } from './process-control';
import { ServiceError } from './service-error';

/** A Go program built once from Go modules into a cache folder outside the repository. */
export interface GoProgram {
  /** The service named in errors. */
  readonly service: string;
  readonly module: string;
  readonly version: string;
  /** GOBIN: where the binary lands. */
  readonly gobin: string;
  readonly binaryName: string;
}

export function goToolchain(service: string): string {
  const go = which('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new ServiceError('missing_package', service, 'no Go toolchain to build it from Go modules: install Go 1.25+ (https://go.dev/dl) and run this again.');
  }
  return go;
}

/** `go install module@version` into `gobin`; a failure is reported with the end of Go's own output, never swallowed. */
export function goInstall(program: GoProgram, log: (line: string) => void): string {
  const go = goToolchain(program.service);
  fs.mkdirSync(program.gobin, { recursive: true });
  const target = `${program.module}@${program.version}`;
  log(`building ${target} from Go modules into ${program.gobin} (once per machine; up to 10 minutes)…`);
  const result = spawnSync(go, ['install', target], {
    encoding: 'utf8',
    env: { ...process.env, GOBIN: program.gobin, CGO_ENABLED: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const built = path.join(program.gobin, program.binaryName);
  if (result.status !== 0 || !fs.existsSync(built)) {
    const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new ServiceError('build_failed', program.service, `go install ${target} failed (exit ${result.status ?? result.signal}). Go said:\n${output}`);
  }
  return built;
}
