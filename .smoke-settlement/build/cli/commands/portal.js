"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.registerPortalCommand = registerPortalCommand;
const client_1 = require("@temporalio/client");
const knex_1 = __importDefault(require("knex"));
const pino_1 = __importDefault(require("pino"));
const portal_1 = require("../../portal");
function registerPortalCommand(program) {
    program
        .command('portal')
        .description('serve the portal for customers, merchants and operators (PURSEFLOW_PORTAL_PORT, PURSEFLOW_PORTAL_SESSION_KEY; see portal/README.md)')
        .option('--port <port>', 'port to listen on (default PURSEFLOW_PORTAL_PORT or 8080)')
        .option('--host <host>', 'address to listen on (default PURSEFLOW_PORTAL_HOST or 127.0.0.1)')
        .action(async (opts) => {
        const env = (0, portal_1.readPortalEnvironment)({ ...process.env, ...(opts.port ? { PURSEFLOW_PORTAL_PORT: opts.port } : {}), ...(opts.host ? { PURSEFLOW_PORTAL_HOST: opts.host } : {}) });
        const databaseUrl = process.env.DATABASE_URL;
        if (!databaseUrl)
            throw new portal_1.PortalError('config_invalid', 'DATABASE_URL is not set; start the services (`purseflow services up`) or set it.');
        const logger = (0, pino_1.default)({ redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]'] });
        const db = (0, knex_1.default)({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 10 } });
        await (0, portal_1.migratePortal)(db);
        const connection = await client_1.Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
        const client = new client_1.Client({ connection, namespace: env.temporalNamespace });
        const parts = new portal_1.TemporalParts({ client, db });
        const running = await (0, portal_1.startPortal)({
            db,
            workflows: parts,
            ledger: parts,
            sessionKey: env.sessionKey,
            secureCookies: env.secureCookies,
            trustProxy: env.trustProxy,
            temporalUiUrl: env.temporalUiUrl,
            temporalNamespace: env.temporalNamespace,
            logger,
            host: env.host,
            port: env.port,
        });
        process.stdout.write(`portal listening on ${running.url}\n`);
        await new Promise((resolve) => {
            const stop = () => resolve();
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
        });
        await running.close();
        await connection.close();
        await db.destroy();
    });
}
