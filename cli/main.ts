#!/usr/bin/env node
// The `purseflow` command: the composition root. It may import every part's public face;
// no part imports it.
import { Command, CommanderError } from 'commander';
import { registerServicesCommands } from './commands/services';
import { registerLedgerCommands } from './commands/ledger';
import { registerCardCommands } from './commands/card';
import { registerSimCommands } from './commands/sim';
import { registerSettlementCommands } from './commands/settlement';
import { registerPortalCommand } from './commands/portal';
import { registerUserCommands } from './commands/users';
import { registerWorkflowCommands } from './commands/workflows';
import { registerAppCommands } from './commands/app';
import { registerStatusCommand } from './commands/status';
import { registerMigrateCommand } from './commands/migrate';
import { describeFailure } from './failure';

export function buildProgram(): Command {
  const program = new Command('purseflow')
    .description('purseflow: e-Smart card loads and merchant settlements on a two-phase ledger')
    .showHelpAfterError()
    .exitOverride();
  registerServicesCommands(program);
  registerLedgerCommands(program);
  registerCardCommands(program);
  registerSimCommands(program);
  registerWorkflowCommands(program);
  registerSettlementCommands(program);
  registerPortalCommand(program);
  registerUserCommands(program);
  registerAppCommands(program);
  registerStatusCommand(program);
  registerMigrateCommand(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`purseflow: ${describeFailure(err)}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main(process.argv);
