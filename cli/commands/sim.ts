import { Command } from 'commander';

export function registerSimCommands(program: Command): void {
  void program;
}
