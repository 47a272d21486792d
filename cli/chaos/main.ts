#!/usr/bin/env node
// npm run test:chaos [-- --seed N] [--rounds N] [--faults a,b] [--network-cut-s N] [--short] [--keep]
// Prints the figures on stdout (`chaos <name> <value>`), progress on stderr; exit 1 on any loss.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { formatChaosReport, parseChaosArgs, runChaos } from './index';

async function main(): Promise<void> {
  const options = parseChaosArgs(process.argv.slice(2));
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const report = await runChaos(options);
  process.stdout.write(`${formatChaosReport(report)}\n`);
  if (!report.passed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
