import { Command } from 'commander';

export function registerCardCommands(program: Command): void {
  void program;
}
