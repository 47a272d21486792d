#!/usr/bin/env node
// npm run test:chaos [-- --seed N] [--rounds N] [--faults a,b] [--network-cut-s N] [--short] [--keep]
// Prints the figures on stdout (`chaos <name> <value>`), progress on stderr; exit 1 on any loss.
import { closeOpenChaosWorlds, formatChaosReport, parseChaosArgs, runChaos } from './index';

/**
 * Ctrl-C mid-run: the profile's Temporal services, PostgreSQL, workers, agents and namespaces go too.
 * `on`, not `once`: a library's signal-exit hook re-raises the signal when it finds itself the last
 * listener, which a `once` listener stops being the moment it is called.
 */
function closeOnSignal(): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`chaos: ${signal}: taking the run's processes down\n`);
    // The lanes still running meet closed connections now: their errors must not end the clean-up.
    const ignore = (err: unknown): void => void process.stderr.write(`chaos: while stopping: ${err instanceof Error ? err.message : String(err)}\n`);
    process.on('uncaughtException', ignore);
    process.on('unhandledRejection', ignore);
    void closeOpenChaosWorlds().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

async function main(): Promise<void> {
  const options = parseChaosArgs(process.argv.slice(2));
  closeOnSignal();
  const report = await runChaos(options);
  process.stdout.write(`${formatChaosReport(report)}\n`);
  if (!report.passed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
