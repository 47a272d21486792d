import { Command } from 'commander';
import {
  parseProductionServiceNames,
  parseProfile,
  parseServiceNames,
  productionDown,
  productionStatus,
  productionUp,
  readProductionConfig,
  readServicesConfig,
  ServiceStatus,
  servicesDown,
  servicesStatus,
  servicesUp,
} from '../services';

function print(statuses: ServiceStatus[]): void {
  for (const s of statuses) process.stdout.write(`${s.name.padEnd(18)} ${s.state.padEnd(8)} ${s.detail ?? ''}\n`);
}

interface ServicesOptions {
  only?: string;
  profile?: string;
}

const PROFILE_FLAG = ['--profile <name>', 'embedded (dev server on SQLite, default) or production (Temporal server on PostgreSQL, four processes)'] as const;
const ONLY_FLAG = ['--only <names>', 'comma-separated subset: postgresql,temporal,pcscd (production: postgresql,temporal,temporal-ui)'] as const;

export function registerServicesCommands(program: Command): void {
  const services = program.command('services').description('start, stop and report PostgreSQL, Temporal and pcscd (data under PURSEFLOW_DATA_DIR)');
  services
    .command('up')
    .description('start the services that are not running (safe to run twice)')
    .option(...ONLY_FLAG)
    .option(...PROFILE_FLAG)
    .action(async (opts: ServicesOptions) => {
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const statuses =
        parseProfile(opts.profile) === 'production'
          ? await productionUp(readProductionConfig(), parseProductionServiceNames(opts.only), log)
          : await servicesUp(readServicesConfig(), parseServiceNames(opts.only), log);
      print(statuses);
    });
  services
    .command('down')
    .description('stop the services this data folder started')
    .option(...ONLY_FLAG)
    .option(...PROFILE_FLAG)
    .action(async (opts: ServicesOptions) =>
      print(
        parseProfile(opts.profile) === 'production'
          ? await productionDown(readProductionConfig(), parseProductionServiceNames(opts.only))
          : await servicesDown(readServicesConfig(), parseServiceNames(opts.only)),
      ),
    );
  services
    .command('status')
    .description('report each service; exit status 3 when one is not running')
    .option(...PROFILE_FLAG)
    .action((opts: ServicesOptions) => {
      const statuses = parseProfile(opts.profile) === 'production' ? productionStatus(readProductionConfig()) : servicesStatus(readServicesConfig());
      print(statuses);
      if (statuses.some((s) => s.state === 'stopped')) process.exitCode = 3;
    });
}
