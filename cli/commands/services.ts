import { Command } from 'commander';
import { parseServiceNames, readServicesConfig, ServiceStatus, servicesDown, servicesStatus, servicesUp } from '../services';

function print(statuses: ServiceStatus[]): void {
  for (const s of statuses) process.stdout.write(`${s.name.padEnd(11)} ${s.state.padEnd(8)} ${s.detail ?? ''}\n`);
}

export function registerServicesCommands(program: Command): void {
  const services = program.command('services').description('start, stop and report PostgreSQL, Temporal and pcscd (data under PURSEFLOW_DATA_DIR)');
  services
    .command('up')
    .description('start the services that are not running (safe to run twice)')
    .option('--only <names>', 'comma-separated subset: postgresql,temporal,pcscd')
    .action(async (opts: { only?: string }) => {
      const statuses = await servicesUp(readServicesConfig(), parseServiceNames(opts.only), (line) => process.stderr.write(`${line}\n`));
      print(statuses);
    });
  services
    .command('down')
    .description('stop the services this data folder started')
    .option('--only <names>', 'comma-separated subset: postgresql,temporal,pcscd')
    .action(async (opts: { only?: string }) => print(await servicesDown(readServicesConfig(), parseServiceNames(opts.only))));
  services
    .command('status')
    .description('report each service; exit status 3 when one is not running')
    .action(() => {
      const statuses = servicesStatus(readServicesConfig());
      print(statuses);
      if (statuses.some((s) => s.state === 'stopped')) process.exitCode = 3;
    });
}
