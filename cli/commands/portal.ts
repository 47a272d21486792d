import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import knex from 'knex';
import pino from 'pino';
import { migratePortal, PortalError, readPortalEnvironment, startPortal, TemporalParts } from '../../portal';
import { decodeLogRecord } from '../../card-driver';
import { clientTracing, startTracing, traceLogFields } from '../../workflows';

/**
 * `purseflow portal`: serves the web app until SIGINT or SIGTERM, then closes gracefully (live
 * streams end, requests in flight finish, new ones get 503).
 */
interface PortalCommandOptions {
  port?: string;
  host?: string;
  taskQueue?: string;
}

export function registerPortalCommand(program: Command): void {
  program
    .command('portal')
    .description('serve the portal for customers, merchants and operators (PURSEFLOW_PORTAL_PORT, PURSEFLOW_PORTAL_SESSION_KEY; see portal/README.md)')
    .option('--port <port>', 'port to listen on (default PURSEFLOW_PORTAL_PORT or 8080)')
    .option('--host <host>', 'address to listen on (default PURSEFLOW_PORTAL_HOST or 127.0.0.1)')
    .option('--task-queue <name>', "the server worker's task queue (default: the server worker's default)")
    .action(async (opts: PortalCommandOptions) => {
      const env = readPortalEnvironment({ ...process.env, ...(opts.port ? { PURSEFLOW_PORTAL_PORT: opts.port } : {}), ...(opts.host ? { PURSEFLOW_PORTAL_HOST: opts.host } : {}) });
      const databaseUrl = process.env.DATABASE_URL;
      if (!databaseUrl) throw new PortalError('config_invalid', 'DATABASE_URL is not set; start the services (`purseflow services up`) or set it.');
      const logger = pino({ mixin: traceLogFields, redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]'] });
      // Before the database pool opens (pg is instrumented when knex first loads it); spans start at each HTTP request.
      const tracing = startTracing('portal');
      const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 10 } });
      await migratePortal(db);
      const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
      const client = new Client({ connection, namespace: env.temporalNamespace, ...(tracing ? { interceptors: { workflow: clientTracing() } } : {}) });
      const uploadDir = process.env.PURSEFLOW_UPLOAD_DIR || path.join(process.env.PURSEFLOW_DATA_DIR || path.join(process.cwd(), '.data'), 'uploads');
      const parts = new TemporalParts({ client, db, uploadDir, decodeLogRecord, ...(opts.taskQueue ? { taskQueue: opts.taskQueue } : {}) });
      const running = await startPortal({
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
        metrics: env.metrics,
      });
      process.stdout.write(`portal listening on ${running.url}${running.metricsUrl ? ` (metrics for Prometheus on ${running.metricsUrl})` : ''}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await running.close();
      await connection.close();
      await db.destroy();
      await tracing?.shutdown();
    });
}
