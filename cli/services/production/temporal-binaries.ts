import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { GoProgram, goInstall, goToolchain } from '../go-install';
import { ServiceError } from '../service-error';
import { ProductionConfig } from './production-config';

/** The three programs the production profile runs, each built once from Go modules into the tools cache. */
export interface TemporalBinaries {
  /** go.temporal.io/server/cmd/server */
  readonly server: string;
  /** go.temporal.io/server/cmd/tools/sql (temporal-sql-tool) */
  readonly sql: string;
  /** github.com/temporalio/ui-server/v2/cmd/server */
  readonly ui: string;
}

/** What is built, where it lands, and how a built binary proves its version. */
interface VersionedGoProgram extends GoProgram {
  /** The text `<binary> --version` prints for this version; undefined when the program has no version flag worth trusting. */
  readonly versionText?: string;
}

function programs(config: ProductionConfig): VersionedGoProgram[] {
  const server = config.temporal.serverVersion;
  const bare = server.slice(1);
  return [
    // `server` and `sql` sit beside the embedded profile's `temporal` CLI, as the team's build put them.
    { service: 'temporal', module: 'go.temporal.io/server/cmd/server', version: server, gobin: config.toolsDir, binaryName: 'server', versionText: `temporal version ${bare}` },
    { service: 'temporal', module: 'go.temporal.io/server/cmd/tools/sql', version: server, gobin: config.toolsDir, binaryName: 'sql', versionText: `temporal-sql-tool version ${bare}` },
    // The UI server's binary is also called `server`: it gets a folder of its own, named by version.
    { service: 'temporal-ui', module: 'github.com/temporalio/ui-server/v2/cmd/server', version: config.ui.version, gobin: path.join(config.toolsDir, `ui-server-${config.ui.version}`), binaryName: 'server' },
  ];
}

function hasVersion(binary: string, versionText: string | undefined): boolean {
  if (!fs.existsSync(binary)) return false;
  if (versionText === undefined) return true;
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return `${out.stdout ?? ''}`.includes(versionText);
}

/**
 * The server, the SQL tool and the Web UI server at the configured versions: the cached ones when they
 * report that version, else built now (the server takes about five minutes on two cores, the others seconds).
 */
export function resolveTemporalBinaries(config: ProductionConfig, log: (line: string) => void = () => {}): TemporalBinaries {
  const [server, sql, ui] = programs(config).map((program) => {
    const cached = path.join(program.gobin, program.binaryName);
    return hasVersion(cached, program.versionText) ? cached : goInstall(program, log);
  });
  return { server, sql, ui };
}

/** True when every binary is cached at the configured version: `up` will not build anything. */
export function temporalBinariesCached(config: ProductionConfig): boolean {
  return programs(config).every((program) => hasVersion(path.join(program.gobin, program.binaryName), program.versionText));
}

/**
 * The server module's own PostgreSQL schema folders (the binaries do not embed the versioned upgrades).
 * They are in Go's module cache after the build; a cleaned cache is filled again with `go mod download`.
 */
export function temporalSchemaDirs(config: ProductionConfig): { temporal: string; visibility: string } {
  const go = goToolchain('temporal');
  const modCache = spawnSync(go, ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim();
  const root = path.join(modCache, `go.temporal.io/server@${config.temporal.serverVersion}`, 'schema', 'postgresql', 'v12');
  const dirs = { temporal: path.join(root, 'temporal', 'versioned'), visibility: path.join(root, 'visibility', 'versioned') };
  if (!fs.existsSync(dirs.temporal) || !fs.existsSync(dirs.visibility)) {
    const download = spawnSync(go, ['mod', 'download', `go.temporal.io/server@${config.temporal.serverVersion}`], { encoding: 'utf8', cwd: '/' });
    if (download.status !== 0 || !fs.existsSync(dirs.temporal)) {
      throw new ServiceError('build_failed', 'temporal', `Temporal's schema folders are missing from ${root} and go mod download failed:\n${download.stderr}`);
    }
  }
  return dirs;
}
