"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.temporalDatabaseServer = temporalDatabaseServer;
exports.ensureTemporalSchemas = ensureTemporalSchemas;
const node_child_process_1 = require("node:child_process");
const pg_1 = require("pg");
const config_1 = require("../config");
const service_error_1 = require("../service-error");
const NAME = 'temporal-schema';
/** Temporal's own role on the private cluster: it owns its two databases and nothing of the ledger's. */
const TEMPORAL_ROLE = 'temporal';
/**
 * Where Temporal keeps its databases: the production profile's private cluster (as the role `temporal`,
 * trusted on 127.0.0.1), or DATABASE_URL's server with that URL's credentials.
 */
function temporalDatabaseServer(config, privateClusterSuperuser) {
    if (config.postgres.externalUrl) {
        let url;
        try {
            url = new URL(config.postgres.externalUrl);
        }
        catch {
            throw new config_1.ConfigError('DATABASE_URL is not a URL; write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE.');
        }
        return {
            host: url.hostname,
            port: Number(url.port || '5432'),
            user: decodeURIComponent(url.username),
            password: decodeURIComponent(url.password),
            checkUrl: config.postgres.externalUrl,
        };
    }
    const base = `postgres://${privateClusterSuperuser}@127.0.0.1:${config.postgres.port}/postgres`;
    return { host: '127.0.0.1', port: config.postgres.port, user: TEMPORAL_ROLE, password: '', adminUrl: base, checkUrl: base };
}
async function withClient(url, use) {
    const client = new pg_1.Client({ connectionString: url });
    try {
        await client.connect();
    }
    catch (err) {
        throw new service_error_1.ServiceError('external_unreachable', NAME, `cannot reach PostgreSQL (${err.message}); check DATABASE_URL or start the cluster.`);
    }
    try {
        return await use(client);
    }
    finally {
        await client.end();
    }
}
async function ensureTemporalRole(adminUrl) {
    await withClient(adminUrl, async (client) => {
        const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [TEMPORAL_ROLE]);
        if (found.rowCount === 0)
            await client.query(`CREATE ROLE ${TEMPORAL_ROLE} LOGIN CREATEDB`);
    });
}
async function existingDatabases(server, names) {
    return withClient(server.checkUrl, async (client) => {
        const rows = await client.query('SELECT datname FROM pg_database WHERE datname = ANY($1)', [names]);
        return new Set(rows.rows.map((r) => r.datname));
    });
}
/** Runs temporal-sql-tool; the password travels in its environment (SQL_PASSWORD), never on a command line. */
function sqlTool(sqlBinary, server, database, args) {
    const result = (0, node_child_process_1.spawnSync)(sqlBinary, ['--plugin', 'postgres12', '--ep', server.host, '-p', String(server.port), '-u', server.user, '--db', database, ...args], {
        encoding: 'utf8',
        env: { ...process.env, SQL_PASSWORD: server.password },
    });
    if (result.status !== 0) {
        const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-15).join('\n');
        throw new service_error_1.ServiceError('start_failed', NAME, `temporal-sql-tool ${args[0]} on database ${database} failed:\n${output}\nThe role ${server.user} needs CREATEDB, or create the database yourself.`);
    }
}
/**
 * Creates Temporal's persistence and visibility databases when missing, then brings their schemas to the
 * server's version with the server's own versioned folders. Safe to repeat: `setup-schema -v 0.0` only adds
 * the version tables when absent and `update-schema` on an up-to-date database changes nothing.
 */
async function ensureTemporalSchemas(config, server, sqlBinary, schemaDirs) {
    if (server.adminUrl)
        await ensureTemporalRole(server.adminUrl);
    const databases = [
        { name: config.temporal.databaseName, schemaDir: schemaDirs.temporal },
        { name: config.temporal.visibilityDatabaseName, schemaDir: schemaDirs.visibility },
    ];
    const existing = await existingDatabases(server, databases.map((d) => d.name));
    for (const { name, schemaDir } of databases) {
        if (!existing.has(name))
            sqlTool(sqlBinary, server, name, ['create-database']);
        sqlTool(sqlBinary, server, name, ['setup-schema', '-v', '0.0']);
        sqlTool(sqlBinary, server, name, ['update-schema', '-d', schemaDir]);
    }
}
