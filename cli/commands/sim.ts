import { Command } from 'commander';
import { registerSimOfflineCommands } from './sim-offline';
import { registerSimReaderCommands } from './sim-readers';

export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('simulators: the e-Smart card, the readers, the eCom Pocket and the merchant side');
  registerSimOfflineCommands(sim);
  registerSimReaderCommands(sim);
}
