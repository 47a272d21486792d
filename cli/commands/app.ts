import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import {
  appStatus,
  DEMO_ACR30_CARD_CSN,
  DEMO_ACR30_READER_ID,
  DEMO_CARD_CSN,
  DEMO_READER_ID,
  embeddedApp,
  parseProfile,
  portalPort,
  productionAppDown,
  productionAppStart,
  productionAppStatus,
  readProductionConfig,
  readServicesConfig,
  ServiceError,
  servicesEnvironment,
  ServiceStatus,
  startApp,
  stopApp,
} from '../services';

function print(statuses: ServiceStatus[]): void {
  for (const s of statuses) process.stdout.write(`${s.name.padEnd(18)} ${s.state.padEnd(8)} ${s.detail ?? ''}\n`);
}

const cliEntry = () => path.resolve(process.argv[1]);

/** One seed step: this same CLI, so the demo goes through the code paths a person uses. */
function purseflow(args: string[], env: NodeJS.ProcessEnv, okIf?: RegExp): string {
  const result = spawnSync(process.execPath, [cliEntry(), ...args], { encoding: 'utf8', env });
  if (result.status !== 0 && !(okIf && okIf.test(result.stderr))) {
    throw new ServiceError('start_failed', 'demo seed', `\`purseflow ${args.join(' ')}\` failed:\n${result.stderr.trim()}`);
  }
  return result.stdout;
}

const DEMO = {
  customer: 'demo-customer',
  merchant: 'demo-merchant',
  sam: '53414D0000000007',
  transferCard: '5452414E53000003',
  users: [
    { role: 'customer', email: 'customer@demo.purseflow.test', link: ['--customer', 'demo-customer'] },
    { role: 'merchant', email: 'merchant@demo.purseflow.test', link: ['--merchant', 'demo-merchant'] },
    { role: 'operator', email: 'operator@demo.purseflow.test', link: [] },
  ],
};

/**
 * Enrols the demo customer (with money), card, merchant and one portal user per role; every step is
 * idempotent. Generated passwords are shown once by `users add`, so they are kept (mode 600) in
 * <data dir>/demo-credentials.txt for `npm start` to print again; a demo only, never for real users.
 */
function seedDemo(): string {
  const config = readServicesConfig();
  const env = { ...process.env, ...servicesEnvironment(config) };
  purseflow(['customers', 'enrol', '--id', DEMO.customer, '--name', 'Demo Customer'], env);
  purseflow(['customers', 'deposit', '--customer', DEMO.customer, '--amount', '500.00', '--deposit-id', 'demo-opening-deposit'], env);
  purseflow(['customers', 'voucher', '--customer', DEMO.customer, '--amount', '200.00', '--voucher-id', 'demo-opening-voucher'], env);
  purseflow(['cards', 'issue', '--csn', DEMO_CARD_CSN, '--customer', DEMO.customer], env);
  purseflow(['readers', 'assign', '--reader-id', DEMO_READER_ID, '--customer', DEMO.customer], env);
  purseflow(['cards', 'issue', '--csn', DEMO_ACR30_CARD_CSN, '--customer', DEMO.customer], env);
  purseflow(['readers', 'assign', '--reader-id', DEMO_ACR30_READER_ID, '--customer', DEMO.customer], env);
  purseflow(['merchants', 'enrol', '--id', DEMO.merchant, '--name', 'Demo Grocer', '--food', '--sam', DEMO.sam, '--transfer-card', DEMO.transferCard], env);
  const credentials = path.join(config.dataDir, 'demo-credentials.txt');
  for (const user of DEMO.users) {
    const out = purseflow(['users', 'add', '--role', user.role, '--email', user.email, ...user.link, '--generate-password'], env, /exists already/);
    const password = /password: (\S+)/.exec(out)?.[1];
    if (password) fs.appendFileSync(credentials, `${user.role.padEnd(9)} ${user.email}  ${password}\n`, { mode: 0o600 });
  }
  return fs.existsSync(credentials) ? fs.readFileSync(credentials, 'utf8') : '';
}

interface AppOptions {
  profile?: string;
}

const PROFILE_FLAG = [
  '--profile <name>',
  'embedded (default: one worker, both demo readers, the portal) or production (two server workers, the simulated ACR30S and its reader agent, the portal)',
] as const;

export function registerAppCommands(program: Command): void {
  const app = program.command('app').description('the purseflow processes: server worker(s), simulated readers and their reader agents, portal');
  app
    .command('up')
    .description('start what is not running (needs `services up` first); safe to run twice')
    .option(...PROFILE_FLAG)
    .action(async (opts: AppOptions) => {
      if (parseProfile(opts.profile) === 'production') {
        print(await productionAppStart(readProductionConfig(), cliEntry()));
        return;
      }
      const config = readServicesConfig();
      print(await startApp(embeddedApp(config), cliEntry(), servicesEnvironment(config)));
    });
  app
    .command('down')
    .description('stop them')
    .option(...PROFILE_FLAG)
    .action(async (opts: AppOptions) =>
      print(parseProfile(opts.profile) === 'production' ? await productionAppDown(readProductionConfig()) : await stopApp(embeddedApp(readServicesConfig()))),
    );
  app
    .command('status')
    .description('one line per process; exit status 3 when one is not running')
    .option(...PROFILE_FLAG)
    .action((opts: AppOptions) => {
      const statuses = parseProfile(opts.profile) === 'production' ? productionAppStatus(readProductionConfig()) : appStatus(embeddedApp(readServicesConfig()));
      print(statuses);
      if (statuses.some((s) => s.state === 'stopped')) process.exitCode = 3;
    });

  program
    .command('demo')
    .description('demo data for the embedded system')
    .command('seed')
    .description('enrol a demo customer with 500.00 cash and 200.00 in food vouchers, the demo card and reader, a food merchant, and one portal user per role (idempotent)')
    .action(() => {
      const credentials = seedDemo();
      process.stdout.write(`Portal sign-ins (http://127.0.0.1:${portalPort()}):\n${credentials}`);
    });
}
