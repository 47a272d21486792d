/**
 * The ledger's access to PostgreSQL on the hot path: a raw pg client borrowed from the caller's
 * knex pool (so the application configures one pool), one transaction per batch, retried when
 * PostgreSQL says a retry is safe. Query builders are avoided here because a batch is a handful
 * of set-based statements with array parameters.
 */
import type { Knex } from 'knex';
import { assertLedger, LedgerError } from './errors';

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
  if (code === '26000') return true; // a prepared statement vanished from the connection: prepared again
  if (code === '57P01' || code === '57P02' || code === '57P03' || code === '08006' || code === '08003' || code === 'ECONNRESET' || code === 'EPIPE') return true;
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|connection is closed|Client has encountered a connection error/i.test(message);
}

export interface TransactionOptions {
  readonly attempts?: number;
  /**
   * When true, `work` opens and closes the transaction itself by folding BEGIN into its first
   * statement and COMMIT into its last (see `foldedQuery`): two round trips fewer per
   * transaction, and one fewer while account rows are locked.
   */
  readonly folded?: boolean;
}

/**
 * Runs `work` in one transaction on one connection. A retry after a lost connection is safe
 * because every effect is keyed by a client id: if the first attempt did commit, the second
 * answers `exists` instead of applying anything twice.
 */
export async function inTransaction<T>(knex: Knex, work: (client: SqlClient, attempt: number) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const pool = pgClientOf(knex);
  const attempts = options.attempts ?? 8;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let client: SqlClient | undefined;
    try {
      client = await pool.acquireConnection();
      if (!options.folded) await client.query({ text: 'BEGIN' });
      const result = await work(client, attempt);
      if (!options.folded) await client.query({ text: 'COMMIT' });
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
  throw new LedgerError('ledger_unavailable', `the ledger database did not accept the batch after ${attempts} attempts; check that PostgreSQL is up, then resubmit with the same ids (retries are safe).`, { cause: lastError });
}

// Characters an unquoted array element may hold without meaning anything to the array parser.
const BARE_ELEMENT = /^[0-9A-Za-z_.:/-]+$/;

/**
 * PostgreSQL's array input syntax (`{a,"b c",NULL}`) for an array bound as one text value: one
 * join instead of node-postgres quoting (and knex walking) every element, which for arrays of
 * thousands of elements costs more than the query. Ids and numbers go bare; anything else is
 * double-quoted with `\\` and `"` escaped, so no value can change the array's shape.
 */
export function postgresArrayLiteral(values: readonly unknown[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v === null || v === undefined) {
      out += 'NULL';
      continue;
    }
    const text = typeof v === 'string' ? v : scalarText(v);
    out += BARE_ELEMENT.test(text) && !/^null$/i.test(text) ? text : `"${text.replace(/[\\"]/g, '\\$&')}"`;
  }
  return `${out}}`;
}

function scalarText(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    // Every number the ledger sends is a count, a code or microseconds: never a fraction.
    assertLedger(Number.isSafeInteger(value), `a number that is not a safe integer (${value}) reached SQL`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return value;
  throw new LedgerError('invariant_broken', `a ${typeof value} value reached SQL; this is a bug in ledger/.`);
}

/**
 * An argument of EXECUTE as a quoted literal of unknown type, so that PostgreSQL coerces it to
 * the prepared parameter's type; the driver's escapeLiteral does the quoting, nothing is
 * trusted to be safe (user data included).
 */
function argument(value: unknown, escape: (text: string) => string): string {
  if (value === null || value === undefined) return 'NULL';
  return escape(Array.isArray(value) ? postgresArrayLiteral(value) : scalarText(value));
}

interface SimpleQueryClient {
  escapeLiteral(text: string): string;
  query(text: string): Promise<QueryResult<Record<string, unknown>> | QueryResult<Record<string, unknown>>[]>;
}

/**
 * Opens a folded transaction. The ledger's statements are a few large CTEs over array
 * parameters: planning one costs more than running it for a small batch (measured: 1,050 →
 * 1,600 single-operation transfers/s once planning stopped), and their best plan does not depend
 * on the values. PostgreSQL would plan each of the first five executions afresh and keep doing so
 * whenever the generic plan's estimate looks worse, so the transaction forces the generic plan;
 * SET LOCAL ends with it, leaving the pooled connection as it was for everyone else.
 */
const FOLDED_BEGIN = 'BEGIN; SET LOCAL plan_cache_mode = force_generic_plan';

/** Statements prepared (SQL PREPARE) on each pooled connection. */
const preparedOn = new WeakMap<object, Set<string>>();

/**
 * Runs a prepared statement with BEGIN before it and/or COMMIT after it, in one round trip.
 * node-postgres cannot pipeline and the extended protocol carries one statement, so this uses
 * the simple protocol: `BEGIN; EXECUTE name('…', …); COMMIT`. The statement is prepared once per
 * connection with SQL PREPARE, so its plan is reused as with the extended protocol.
 */
export async function foldedQuery<R>(client: SqlClient, name: string, text: string, values: readonly unknown[], fold: { begin?: boolean; commit?: boolean }): Promise<QueryResult<R>> {
  // The raw pg client behind the pool has both methods; SqlClient names only what the hot path needs.
  const simple = client as unknown as SimpleQueryClient;
  let prepared = preparedOn.get(client);
  if (!prepared) preparedOn.set(client, (prepared = new Set()));
  if (!prepared.has(name)) {
    await simple.query(`PREPARE ${name} AS ${text}`);
    prepared.add(name);
  }
  // EXECUTE takes no parentheses when there is nothing to pass.
  const args = values.length === 0 ? '' : `(${values.map((v) => argument(v, (t) => simple.escapeLiteral(t))).join(', ')})`;
  let results: Awaited<ReturnType<SimpleQueryClient['query']>>;
  try {
    results = await simple.query(`${fold.begin ? `${FOLDED_BEGIN}; ` : ''}EXECUTE ${name}${args}${fold.commit ? '; COMMIT' : ''}`);
  } catch (err) {
    // Someone (DISCARD ALL, a pooler) dropped the prepared statement: prepare again on retry.
    if ((err as { code?: unknown }).code === '26000') prepared.delete(name);
    throw err;
  }
  const list = Array.isArray(results) ? results : [results];
  const executed = list[list.length - (fold.commit ? 2 : 1)];
  assertLedger(executed !== undefined, 'a folded statement returned no result for its EXECUTE');
  return executed as unknown as QueryResult<R>;
}
