/**
 * `purseflow status`: the health of every part in one screen — the managed services and app
 * processes, whether PostgreSQL and Temporal answer, the worker's and the reader agent's /metrics,
 * the portal's /readyz and the ledger's invariants. It exits non-zero when a part is down, so it
 * can gate a deployment step or a cron alert.
 */
import { Connection } from '@temporalio/client';
import { Command, InvalidArgumentError } from 'commander';
import knex from 'knex';
import { checkLedgerInvariants } from '../../ledger';
import { appStatus, embeddedApp, portalPort, readServicesConfig, servicesEnvironment, servicesStatus } from '../services';

export const STATUS_PARTS = ['services', 'postgresql', 'temporal', 'worker', 'reader-agent', 'portal', 'ledger'] as const;
export type StatusPart = (typeof STATUS_PARTS)[number];

/**
 * One line of the report: a part (or one of its processes), whether it is up, and what was seen.
 * `idle` is a process `purseflow app` could run but does not: not a failure by itself, because a
 * deployment runs its workers elsewhere — the probes of their endpoints say whether they are up.
 */
export interface PartHealth {
  readonly part: StatusPart;
  readonly name: string;
  readonly health: 'up' | 'down' | 'idle';
  readonly detail: string;
}

export class StatusCommandError extends Error {
  override readonly name = 'StatusCommandError';
  constructor(
    readonly code: 'parts_down' | 'parts_invalid',
    message: string,
  ) {
    super(message);
  }
}

/** Each probe gives up after this long: a hung part is a down part. */
const PROBE_TIMEOUT_MS = 3_000;

interface Targets {
  readonly databaseUrl: string;
  readonly temporalAddress: string;
  readonly workerMetricsUrl: string;
  readonly readerAgentMetricsUrl: string;
  readonly portalReadyUrl: string;
}

function targets(opts: { workerMetrics?: string; readerAgentMetrics?: string; portal?: string }): Targets {
  // Variables win over the addresses the service manager would use (an external deployment).
  const defined = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  const env = { ...servicesEnvironment(readServicesConfig()), ...defined };
  return {
    databaseUrl: env.DATABASE_URL,
    temporalAddress: env.TEMPORAL_ADDRESS,
    workerMetricsUrl: opts.workerMetrics ?? `http://127.0.0.1:${env.PURSEFLOW_WORKER_METRICS_PORT ?? 9464}/metrics`,
    readerAgentMetricsUrl: opts.readerAgentMetrics ?? `http://127.0.0.1:${env.PURSEFLOW_READER_AGENT_METRICS_PORT ?? 9465}/metrics`,
    portalReadyUrl: opts.portal ?? `http://127.0.0.1:${portalPort(env)}/readyz`,
  };
}

/** knex would also print connection failures to the console; the report line already says them. */
const quietKnexLog = { warn: () => undefined, error: () => undefined, debug: () => undefined, deprecate: () => undefined };

function reason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function serviceParts(): PartHealth[] {
  const config = readServicesConfig();
  const services = servicesStatus(config).map((s): PartHealth => ({ part: 'services', name: s.name, health: s.state === 'stopped' ? 'down' : 'up', detail: `${s.state}${s.detail ? ` (${s.detail})` : ''}` }));
  const apps = appStatus(embeddedApp(config)).map(
    (s): PartHealth => ({ part: 'services', name: `app ${s.name}`, health: s.state === 'stopped' ? 'idle' : 'up', detail: s.state === 'stopped' ? 'not run by purseflow app' : s.state }),
  );
  return [...services, ...apps];
}

async function postgresPart(url: string): Promise<PartHealth> {
  const db = knex({ client: 'pg', connection: { connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS }, pool: { min: 0, max: 1 }, log: quietKnexLog });
  try {
    const { rows } = await withTimeout(db.raw<{ rows: { version: string }[] }>('select version()'), 'PostgreSQL');
    return { part: 'postgresql', name: 'postgresql', health: 'up', detail: `reachable (${rows[0].version.split(' ').slice(0, 2).join(' ')})` };
  } catch (err) {
    return { part: 'postgresql', name: 'postgresql', health: 'down', detail: `unreachable: ${reason(err)}` };
  } finally {
    await db.destroy();
  }
}

async function temporalPart(address: string): Promise<PartHealth> {
  let connection: Connection | undefined;
  try {
    connection = await withTimeout(Connection.connect({ address, connectTimeout: PROBE_TIMEOUT_MS }), 'Temporal');
    const answer = await withTimeout(connection.healthService.check({}), 'Temporal');
    // 1 is SERVING in gRPC's health protocol.
    const serving = answer.status === 1;
    return { part: 'temporal', name: 'temporal', health: serving ? 'up' : 'down', detail: serving ? `reachable at ${address} (serving)` : `at ${address} not serving (status ${String(answer.status)})` };
  } catch (err) {
    return { part: 'temporal', name: 'temporal', health: 'down', detail: `unreachable at ${address}: ${reason(err)}` };
  } finally {
    await connection?.close();
  }
}

/** GETs a URL; `expect` judges the body (a /metrics page must carry our metrics, not just any page). */
async function httpPart(part: StatusPart, url: string, expect: (body: string) => string | undefined): Promise<PartHealth> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const body = await response.text();
    if (!response.ok) return { part, name: part, health: 'down', detail: `${url} answered ${response.status}` };
    const problem = expect(body);
    return problem ? { part, name: part, health: 'down', detail: `${url}: ${problem}` } : { part, name: part, health: 'up', detail: `${url} ok` };
  } catch (err) {
    return { part, name: part, health: 'down', detail: `${url} unreachable: ${reason(err)}` };
  }
}

const carries = (metric: string) => (body: string) => (body.includes(metric) ? undefined : `no ${metric} in the page: is this a purseflow process?`);

async function ledgerPart(url: string): Promise<PartHealth> {
  const db = knex({ client: 'pg', connection: { connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS }, pool: { min: 0, max: 1 }, log: quietKnexLog });
  try {
    const violations = await checkLedgerInvariants(db);
    if (violations.length === 0) return { part: 'ledger', name: 'ledger invariants', health: 'up', detail: 'all hold' };
    const codes = [...new Set(violations.map((v) => v.code))].join(', ');
    return { part: 'ledger', name: 'ledger invariants', health: 'down', detail: `${violations.length} violation(s) (${codes}); run purseflow ledger check for the rows` };
  } catch (err) {
    return { part: 'ledger', name: 'ledger invariants', health: 'down', detail: `not checked: ${reason(err)} (run purseflow ledger migrate if the ledger is new)` };
  } finally {
    await db.destroy();
  }
}

/** Probes the parts asked for, concurrently, each bounded by PROBE_TIMEOUT_MS. */
export async function probeParts(parts: readonly StatusPart[], t: Targets): Promise<PartHealth[]> {
  const probes: Record<StatusPart, () => Promise<PartHealth[]>> = {
    services: async () => serviceParts(),
    postgresql: async () => [await postgresPart(t.databaseUrl)],
    temporal: async () => [await temporalPart(t.temporalAddress)],
    worker: async () => [await httpPart('worker', t.workerMetricsUrl, carries('purseflow_downloads_total'))],
    'reader-agent': async () => [await httpPart('reader-agent', t.readerAgentMetricsUrl, carries('purseflow_reader_agent_up'))],
    portal: async () => [await httpPart('portal', t.portalReadyUrl, () => undefined)],
    ledger: async () => [await ledgerPart(t.databaseUrl)],
  };
  return (await Promise.all(parts.map((p) => probes[p]()))).flat();
}

function partsArg(value: string): StatusPart[] {
  const parts = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const unknown = parts.filter((p) => !(STATUS_PARTS as readonly string[]).includes(p));
  if (parts.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`unknown part(s) ${unknown.join(', ') || '(none given)'}; choose from ${STATUS_PARTS.join(', ')}`);
  return parts as StatusPart[];
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('the health of every part: services, PostgreSQL, Temporal, worker and reader agent metrics, portal, ledger invariants; exits 1 when one is down')
    .option('--parts <list>', `only these parts, comma-separated (${STATUS_PARTS.join(', ')})`, partsArg)
    .option('--worker-metrics <url>', "the server worker's /metrics (default http://127.0.0.1:$PURSEFLOW_WORKER_METRICS_PORT|9464/metrics)")
    .option('--reader-agent-metrics <url>', "the reader agent's /metrics (default port $PURSEFLOW_READER_AGENT_METRICS_PORT|9465)")
    .option('--portal <url>', "the portal's readiness URL (default http://127.0.0.1:$PURSEFLOW_PORTAL_PORT|8080/readyz)")
    .action(async (opts: { parts?: StatusPart[]; workerMetrics?: string; readerAgentMetrics?: string; portal?: string }) => {
      const health = await probeParts(opts.parts ?? STATUS_PARTS, targets(opts));
      const width = Math.max(...health.map((h) => h.name.length));
      const mark = { up: 'up  ', down: 'DOWN', idle: '-   ' } as const;
      for (const h of health) process.stdout.write(`${mark[h.health]}  ${h.name.padEnd(width)}  ${h.detail}\n`);
      const down = health.filter((h) => h.health === 'down');
      if (down.length > 0) throw new StatusCommandError('parts_down', `${down.length} part(s) down: ${down.map((h) => h.name).join(', ')}. Start them (purseflow services up, purseflow app up) or see their logs under .data/logs.`);
      process.stdout.write('all parts up\n');
    });
}
