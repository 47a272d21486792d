/**
 * The probes behind `purseflow status`: each asks one part whether it answers, gives up after its
 * time-out and returns a report line instead of throwing.
 */
import { Connection } from '@temporalio/client';
import knex from 'knex';
import { checkLedgerInvariants } from '../../ledger';
import { canConnect } from '../services';
import type { ServiceStatus } from '../services';

export const STATUS_PARTS = ['services', 'postgresql', 'temporal', 'temporal-ui', 'worker', 'reader-agent', 'portal', 'ledger'] as const;
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

/** Each probe gives up after this long by default (`purseflow status --timeout`): a hung part is a down part. */
export const PROBE_TIMEOUT_MS = 3_000;

/** knex would also print connection failures to the console; the report line already says them. */
const quietKnexLog = { warn: () => undefined, error: () => undefined, debug: () => undefined, deprecate: () => undefined };

function reason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function withTimeout<T>(work: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** One line from several checks of one thing: up only when every check is up, the details side by side. */
export function combined(part: StatusPart, name: string, checks: readonly PartHealth[]): PartHealth {
  if (checks.length === 0) throw new Error(`invariant broken: no check for ${name}`);
  const health = checks.every((c) => c.health === 'up') ? 'up' : 'down';
  return { part, name, health, detail: checks.map((c) => c.detail).join('; ') };
}

/**
 * The service manager's own processes (pid files): a stopped service is down; an app process it does not
 * run is idle, because its endpoint's probe decides (`appCommand` names what would start it).
 */
export function processParts(services: readonly ServiceStatus[], apps: readonly ServiceStatus[], appCommand: string): PartHealth[] {
  return [
    ...services.map((s): PartHealth => ({ part: 'services', name: s.name, health: s.state === 'stopped' ? 'down' : 'up', detail: `${s.state}${s.detail ? ` (${s.detail})` : ''}` })),
    ...apps.map((s): PartHealth => ({ part: 'services', name: `app ${s.name}`, health: s.state === 'stopped' ? 'idle' : 'up', detail: s.state === 'stopped' ? `not run by ${appCommand}` : s.state })),
  ];
}

export async function postgresPart(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<PartHealth> {
  const db = knex({ client: 'pg', connection: { connectionString: url, connectionTimeoutMillis: timeoutMs }, pool: { min: 0, max: 1 }, log: quietKnexLog });
  try {
    const { rows } = await withTimeout(db.raw<{ rows: { version: string }[] }>('select version()'), 'PostgreSQL', timeoutMs);
    return { part: 'postgresql', name: 'postgresql', health: 'up', detail: `reachable (${rows[0].version.split(' ').slice(0, 2).join(' ')})` };
  } catch (err) {
    return { part: 'postgresql', name: 'postgresql', health: 'down', detail: `unreachable: ${reason(err)}` };
  } finally {
    await db.destroy();
  }
}

/**
 * gRPC's health protocol at `address`; `healthService` '' asks about the server as a whole (the dev
 * server), else about one of Temporal's services (history answers only under its own name).
 */
export async function temporalPart(address: string, healthService = '', name = 'temporal', timeoutMs = PROBE_TIMEOUT_MS): Promise<PartHealth> {
  // gRPC would retry a refused connection until the time-out: a port where nothing listens is down at once.
  const [, host, port] = /^(.+):(\d+)$/.exec(address) ?? [];
  if (host !== undefined && !(await canConnect(Number(port), host.replace(/^\[(.*)\]$/, '$1'), timeoutMs))) {
    return { part: 'temporal', name, health: 'down', detail: `unreachable at ${address}: nothing accepts connections there` };
  }
  let connection: Connection | undefined;
  try {
    // Connection.connect also calls GetSystemInfo: history and matching answer UNIMPLEMENTED, which it ignores.
    connection = await withTimeout(Connection.connect({ address, connectTimeout: timeoutMs }), name, timeoutMs);
    const answer = await withTimeout(connection.healthService.check({ service: healthService }), name, timeoutMs);
    // 1 is SERVING in gRPC's health protocol.
    const serving = answer.status === 1;
    return { part: 'temporal', name, health: serving ? 'up' : 'down', detail: serving ? `reachable at ${address} (serving)` : `at ${address} not serving (status ${String(answer.status)})` };
  } catch (err) {
    return { part: 'temporal', name, health: 'down', detail: `unreachable at ${address}: ${reason(err)}` };
  } finally {
    await connection?.close();
  }
}

/** GETs a URL; `expect` judges the body (a /metrics page must carry our metrics, not just any page). */
export async function httpPart(part: StatusPart, url: string, expect: (body: string) => string | undefined, name: string = part, timeoutMs = PROBE_TIMEOUT_MS): Promise<PartHealth> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    if (!response.ok) return { part, name, health: 'down', detail: `${url} answered ${response.status}` };
    const problem = expect(body);
    return problem ? { part, name, health: 'down', detail: `${url}: ${problem}` } : { part, name, health: 'up', detail: `${url} ok` };
  } catch (err) {
    return { part, name, health: 'down', detail: `${url} unreachable: ${reason(err)}` };
  }
}

export const carries =
  (text: string, what = 'is this a purseflow process?') =>
  (body: string): string | undefined =>
    body.includes(text) ? undefined : `no ${text} in the page: ${what}`;

/** A process of the service manager, by its pid file. */
export function pidPart(part: StatusPart, processName: string, pid: number | undefined): PartHealth {
  return pid === undefined ? { part, name: processName, health: 'down', detail: `no ${processName} process (its pid file names none alive)` } : { part, name: processName, health: 'up', detail: `pid ${pid}` };
}

export async function ledgerPart(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<PartHealth> {
  const db = knex({ client: 'pg', connection: { connectionString: url, connectionTimeoutMillis: timeoutMs }, pool: { min: 0, max: 1 }, log: quietKnexLog });
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
