/**
 * The ledger's access to PostgreSQL on the hot path: a raw pg client borrowed from the caller's
 * knex pool (so the application configures one pool), one transaction per batch, retried when
 * PostgreSQL says a retry is safe. Query builders are avoided here because a batch is a handful
 * of set-based statements with array parameters.
 */
import type { Knex } from 'knex';
import { LedgerError } from './errors';

export interface QueryResult<R> {
  readonly rows: R[];
  readonly rowCount: number | null;
}

/** The part of node-postgres' client that the ledger uses. */
export interface SqlClient {
  query<R = Record<string, unknown>>(config: { name?: string; text: string; values?: unknown[] }): Promise<QueryResult<R>>;
}

interface KnexPgClient {
  acquireConnection(): Promise<SqlClient>;
  releaseConnection(connection: SqlClient): Promise<unknown>;
}

function pgClientOf(knex: Knex): KnexPgClient {
  // knex types its client's pool methods as `any`; this is the documented pair for raw access.
  return knex.client as unknown as KnexPgClient;
}

/** Why a transaction may simply be run again: PostgreSQL rolled it back and nothing was applied, or the connection died. */
function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === '40P01' || code === '40001') return true; // deadlock (never expected: locks are ordered), serialization
  if (code === '23505') return true; // another transaction inserted the same id first: re-deciding answers exists
  if (code === '57P01' || code === '57P02' || code === '57P03' || code === '08006' || code === '08003' || code === 'ECONNRESET' || code === 'EPIPE') return true;
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|connection is closed|Client has encountered a connection error/i.test(message);
}

export interface RetryPolicy {
  readonly attempts: number;
}

/**
 * Runs `work` in one transaction on one connection. A retry after a lost connection is safe
 * because every effect is keyed by a client id: if the first attempt did commit, the second
 * answers `exists` instead of applying anything twice.
 */
export async function inTransaction<T>(knex: Knex, work: (client: SqlClient, attempt: number) => Promise<T>, policy: RetryPolicy = { attempts: 8 }): Promise<T> {
  const pool = pgClientOf(knex);
  let lastError: unknown;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    let client: SqlClient | undefined;
    try {
      client = await pool.acquireConnection();
      await client.query({ text: 'BEGIN' });
      const result = await work(client, attempt);
      await client.query({ text: 'COMMIT' });
      return result;
    } catch (err) {
      lastError = err;
      if (client) await client.query({ text: 'ROLLBACK' }).catch(() => undefined);
      if (!isRetryable(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, attempt * attempt)));
    } finally {
      if (client) await pool.releaseConnection(client);
    }
  }
  throw new LedgerError('ledger_unavailable', `the ledger database did not accept the batch after ${policy.attempts} attempts; check that PostgreSQL is up, then resubmit with the same ids (retries are safe).`, { cause: lastError });
}

/** Runs one read-only statement outside an explicit transaction. */
export async function withClient<T>(knex: Knex, work: (client: SqlClient) => Promise<T>): Promise<T> {
  const pool = pgClientOf(knex);
  const client = await pool.acquireConnection();
  try {
    return await work(client);
  } finally {
    await pool.releaseConnection(client);
  }
}
