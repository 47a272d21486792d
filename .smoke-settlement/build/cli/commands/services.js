"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.registerServicesCommands = registerServicesCommands;
const services_1 = require("../services");
function print(statuses) {
    for (const s of statuses)
        process.stdout.write(`${s.name.padEnd(18)} ${s.state.padEnd(8)} ${s.detail ?? ''}\n`);
}
const PROFILE_FLAG = ['--profile <name>', 'embedded (dev server on SQLite, default) or production (Temporal server on PostgreSQL, four processes)'];
const ONLY_FLAG = ['--only <names>', 'comma-separated subset: postgresql,temporal,pcscd (production: postgresql,temporal,temporal-ui)'];
function registerServicesCommands(program) {
    const services = program.command('services').description('start, stop and report PostgreSQL, Temporal and pcscd (data under PURSEFLOW_DATA_DIR)');
    services
        .command('up')
        .description('start the services that are not running (safe to run twice)')
        .option(...ONLY_FLAG)
        .option(...PROFILE_FLAG)
        .action(async (opts) => {
        const log = (line) => process.stderr.write(`${line}\n`);
        const statuses = (0, services_1.parseProfile)(opts.profile) === 'production'
            ? await (0, services_1.productionUp)((0, services_1.readProductionConfig)(), (0, services_1.parseProductionServiceNames)(opts.only), log)
            : await (0, services_1.servicesUp)((0, services_1.readServicesConfig)(), (0, services_1.parseServiceNames)(opts.only), log);
        print(statuses);
    });
    services
        .command('down')
        .description('stop the services this data folder started')
        .option(...ONLY_FLAG)
        .option(...PROFILE_FLAG)
        .action(async (opts) => print((0, services_1.parseProfile)(opts.profile) === 'production'
        ? await (0, services_1.productionDown)((0, services_1.readProductionConfig)(), (0, services_1.parseProductionServiceNames)(opts.only))
        : await (0, services_1.servicesDown)((0, services_1.readServicesConfig)(), (0, services_1.parseServiceNames)(opts.only))));
    services
        .command('status')
        .description('report each service; exit status 3 when one is not running')
        .option(...PROFILE_FLAG)
        .action((opts) => {
        const statuses = (0, services_1.parseProfile)(opts.profile) === 'production' ? (0, services_1.productionStatus)((0, services_1.readProductionConfig)()) : (0, services_1.servicesStatus)((0, services_1.readServicesConfig)());
        print(statuses);
        if (statuses.some((s) => s.state === 'stopped'))
            process.exitCode = 3;
    });
}
