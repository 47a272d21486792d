/**
 * Ledger benchmark (issue 3). Prints `bench <name> <value> <unit>` lines:
 *   ledger.mixed.ops_per_s, ledger.mixed.p50_ms, ledger.mixed.p99_ms (open loop at 80% of the
 *   measured rate), ledger.hot.ops_per_s, ledger.unbatched.ops_per_s, ledger.bytes_per_lifecycle.
 * Runs against DATABASE_URL (or .data/services.env) in a fresh database that it drops at the end,
 * and finishes with the invariant checker (exit 1 on any violation).
 *
 *   npm run bench:ledger            # 60 s per scenario after warm-up
 *   npm run bench:ledger -- --quick # the same scenarios, about a minute in all
 */
import { randomBytes, randomUUID } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { checkLedgerInvariants, createLedger, migrateLedger, type Ledger, type TransferInput, type CreateTransferOutcome } from '../ledger';
import { loadServicesEnv } from './services-env';

loadServicesEnv();

const quick = process.argv.includes('--quick');
/** `--only=mixed,hot,unbatched,storage` runs a subset (for profiling one scenario). */
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const runs = (scenario: string): boolean => !only || only.includes(scenario);
const SECONDS = quick ? { warmup: 2, mixed: 8, latency: 6, hot: 6, unbatched: 6 } : { warmup: 10, mixed: 60, latency: 60, hot: 60, unbatched: 60 };
const CUSTOMERS = 100_000;
const MERCHANTS = 5_000;
const CONCURRENCY = 512;
const LEDGER_ID = 1;

function print(name: string, value: number, unit: string): void {
  process.stdout.write(`bench ${name} ${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}\n`);
}

function log(message: string): void {
  process.stderr.write(`# ${message}\n`);
}

/** Zipf(s = 1) over 0..n-1 by inverse CDF, as tb-perf draws accounts. */
function zipf(n: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) cdf[k - 1] = sum += 1 / k;
  return () => {
    const u = Math.random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

interface World {
  readonly ledger: Ledger;
  readonly customers: string[];
  readonly merchants: string[];
  readonly hot: string;
}

/**
 * The bulk load leaves work behind (autovacuum of 200,000 new rows, a checkpoint requested by its
 * WAL); measured right after it, a scenario pays for the load instead of its own operations (the
 * unbatched figure run alone was ~40 % lower than after the other scenarios). Done up front here,
 * so each scenario measures the same steady state whichever runs first. CHECKPOINT needs a
 * superuser or pg_checkpoint: without it the bench goes on and says so.
 */
async function settleAfterLoad(db: Knex): Promise<void> {
  await db.raw('VACUUM ANALYZE ledger_accounts, ledger_transfers, ledger_account_history');
  await db.raw('CHECKPOINT').catch((err: unknown) => log(`no CHECKPOINT before measuring (${err instanceof Error ? err.message : String(err)})`));
}

async function setup(db: Knex): Promise<World> {
  await migrateLedger(db);
  const ledger = createLedger(db, { batching: { maxEvents: 2048, maxInFlight: 2 } });
  await ledger.defineLedgers([{ id: LEDGER_ID, currency: 'EUR', exponent: 2, name: 'eur-cash' }]);
  const bank = randomUUID();
  const hot = randomUUID();
  const customers = Array.from({ length: CUSTOMERS }, () => randomUUID());
  const merchants = Array.from({ length: MERCHANTS }, () => randomUUID());
  await ledger.createAccounts([
    { id: bank, ledger: LEDGER_ID, code: 'bank' },
    { id: hot, ledger: LEDGER_ID, code: 'float_ecash' },
  ]);
  const chunk = 8000;
  for (let i = 0; i < customers.length; i += chunk) {
    const ids = customers.slice(i, i + chunk);
    await ledger.createAccounts(ids.map((id) => ({ id, ledger: LEDGER_ID, code: 'customer_cash' as const, flags: { debitsMustNotExceedCredits: true } })));
    const funded = await ledger.createTransfers(ids.map((id) => ({ id: randomUUID(), debitAccountId: bank, creditAccountId: id, amount: 1_000_000_000_000n, code: 1 })));
    if (funded.some((r) => r.result !== 'ok')) throw new Error('funding failed');
  }
  for (let i = 0; i < merchants.length; i += chunk) {
    await ledger.createAccounts(merchants.slice(i, i + chunk).map((id) => ({ id, ledger: LEDGER_ID, code: 'float_ecash' as const })));
  }
  return { ledger, customers, merchants, hot };
}

/** Per-operation latencies and counts of one run. */
class Recorder {
  latencies: number[] = [];
  ops = 0;
  unexpected = new Map<string, number>();
  recording = false;
  record(startedAt: number, results: CreateTransferOutcome[], accepted: (r: CreateTransferOutcome) => boolean): void {
    if (!this.recording) return;
    const ms = performance.now() - startedAt;
    for (const r of results) {
      this.ops++;
      this.latencies.push(ms);
      if (!accepted(r)) this.unexpected.set(r.result, (this.unexpected.get(r.result) ?? 0) + 1);
    }
  }
  sorted(): Float64Array {
    return Float64Array.from(this.latencies).sort();
  }
}

type Submit = (events: TransferInput[]) => Promise<CreateTransferOutcome[]>;

const okOrExists = (r: CreateTransferOutcome): boolean => r.result === 'ok' || r.result === 'exists';

/**
 * One two-phase lifecycle of the mixed workload: pending, then 70% post (30% of them partial),
 * 20% void, 10% left to expire; 10% of operations are also resent (a duplicate submission).
 */
async function mixedLifecycle(w: World, submit: Submit, rec: Recorder, pickCustomer: () => number, pickMerchant: () => number, hotCredit: boolean): Promise<void> {
  const send = async (event: TransferInput): Promise<void> => {
    const t0 = performance.now();
    const results = await submit([event]);
    rec.record(t0, results, okOrExists);
    if (Math.random() < 0.1) {
      const t1 = performance.now();
      rec.record(t1, await submit([event]), okOrExists);
    }
  };
  const pendingId = randomUUID();
  const amount = BigInt(100 + Math.floor(Math.random() * 10_000));
  const roll = Math.random();
  const expire = !hotCredit && roll >= 0.9;
  await send({
    id: pendingId,
    debitAccountId: w.customers[pickCustomer()],
    creditAccountId: hotCredit ? w.hot : w.merchants[pickMerchant()],
    amount,
    code: 2,
    flags: { pending: true },
    timeout: expire ? 1 : 3600,
  });
  if (expire) return;
  if (hotCredit || roll < 0.7) {
    const partial = Math.random() < 0.3;
    await send({ id: randomUUID(), pendingId, amount: partial ? amount / 2n : undefined, flags: { postPendingTransfer: true } });
  } else {
    await send({ id: randomUUID(), pendingId, flags: { voidPendingTransfer: true } });
  }
}

/** Closed loop: `concurrency` lifecycles always in flight for `seconds` after a warm-up. */
async function closedLoop(seconds: number, concurrency: number, lifecycle: (rec: Recorder) => Promise<void>): Promise<Recorder> {
  const rec = new Recorder();
  let stop = false;
  const warmupEnd = performance.now() + SECONDS.warmup * 1000;
  const end = warmupEnd + seconds * 1000;
  let measuredStart = 0;
  const worker = async (): Promise<void> => {
    while (!stop) {
      const now = performance.now();
      if (!rec.recording && now >= warmupEnd) {
        rec.recording = true;
        measuredStart = now;
      }
      if (now >= end) {
        stop = true;
        break;
      }
      await lifecycle(rec);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - measuredStart) / 1000;
  rec.ops = Math.round(rec.ops / elapsed); // ops now holds ops per second
  return rec;
}

/**
 * Open loop at a fixed rate: lifecycles start on schedule whether or not earlier ones finished,
 * and latency counts from the scheduled start (coordinated omission corrected).
 */
async function openLoop(seconds: number, opsPerSecond: number, w: World, submit: Submit, pickCustomer: () => number, pickMerchant: () => number): Promise<Float64Array> {
  const latencies: number[] = [];
  // A lifecycle is 2 operations plus 10% duplicates: ~2.2 ops.
  const lifecyclesPerMs = opsPerSecond / 2.2 / 1000;
  const start = performance.now();
  const end = start + seconds * 1000;
  const inFlight: Promise<void>[] = [];
  let started = 0;
  while (performance.now() < end) {
    const due = Math.floor((performance.now() - start) * lifecyclesPerMs);
    while (started < due) {
      const scheduledAt = start + started / lifecyclesPerMs;
      started++;
      const rec = new Recorder();
      rec.recording = true;
      inFlight.push(
        mixedLifecycle(w, submit, rec, pickCustomer, pickMerchant, false).then(() => {
          // Shift each op's latency by how late its lifecycle started.
          const lateness = Math.max(0, performance.now() - scheduledAt) - rec.latencies.reduce((a, b) => a + b, 0);
          for (const l of rec.latencies) latencies.push(l + Math.max(0, lateness / rec.latencies.length));
        }),
      );
    }
    // A 1 ms timer, not setImmediate: the generator must not spin the event loop it measures.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  return Float64Array.from(latencies).sort();
}

async function relationBytes(db: Knex): Promise<number> {
  await db.raw('VACUUM ledger_transfers, ledger_accounts, ledger_pending_resolutions, ledger_pending_timeouts, ledger_failed_transfers, ledger_account_history');
  const r = await db.raw<{ rows: { bytes: string }[] }>(`
    SELECT sum(pg_total_relation_size(c.oid))::text AS bytes FROM pg_class c
    WHERE c.relkind = 'r' AND c.relname IN ('ledger_transfers', 'ledger_accounts', 'ledger_pending_resolutions', 'ledger_pending_timeouts', 'ledger_failed_transfers', 'ledger_account_history')`);
  return Number(r.rows[0].bytes);
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: start the services (`npx purseflow services up`) or export it.');
  const name = `bench_ledger_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const db = knexFactory({ client: 'pg', connection: dbUrl.toString(), pool: { min: 0, max: 24 } });
  let failed = false;
  try {
    const settings = await db.raw<{ rows: { name: string; setting: string }[] }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'server_version')",
    );
    log(`postgres ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(' ')}; ${quick ? 'quick' : 'full'} mode`);
    const t0 = performance.now();
    const w = await setup(db);
    log(`setup: ${CUSTOMERS} customers, ${MERCHANTS} merchants in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await settleAfterLoad(db);
    const sweeper = setInterval(() => void w.ledger.expirePendingTransfers().catch((err: unknown) => log(`sweeper: ${String(err)}`)), 500);
    const pickCustomer = zipf(CUSTOMERS);
    const pickMerchant = zipf(MERCHANTS);
    const batched: Submit = (events) => w.ledger.createTransfers(events);

    if (runs('mixed')) {
      const mixed = await closedLoop(SECONDS.mixed, CONCURRENCY, (rec) => mixedLifecycle(w, batched, rec, pickCustomer, pickMerchant, false));
      const mixedSorted = mixed.sorted();
      print('ledger.mixed.ops_per_s', mixed.ops, 'ops/s');
      print('ledger.mixed.closed_loop_p50_ms', percentile(mixedSorted, 0.5), 'ms');
      print('ledger.mixed.closed_loop_p99_ms', percentile(mixedSorted, 0.99), 'ms');
      if (mixed.unexpected.size > 0) log(`mixed: unexpected results ${JSON.stringify([...mixed.unexpected])}`);

      // The issue's latency goal is at 80% of the 5,000 ops/s target; `--rate=N` picks another rate.
      const target = Number(process.argv.find((a) => a.startsWith('--rate='))?.slice('--rate='.length) ?? 4000);
      const open = await openLoop(SECONDS.latency, target, w, batched, pickCustomer, pickMerchant);
      print('ledger.mixed.rate_ops_per_s', target, 'ops/s');
      print('ledger.mixed.p50_ms', percentile(open, 0.5), 'ms');
      print('ledger.mixed.p99_ms', percentile(open, 0.99), 'ms');
    }

    if (runs('hot')) {
      const hot = await closedLoop(SECONDS.hot, CONCURRENCY, (rec) => mixedLifecycle(w, batched, rec, pickCustomer, pickMerchant, true));
      print('ledger.hot.ops_per_s', hot.ops, 'ops/s');
      if (hot.unexpected.size > 0) log(`hot: unexpected results ${JSON.stringify([...hot.unexpected])}`);
    }

    if (runs('unbatched')) {
      const unbatchedLedger = createLedger(db, { batching: false });
      const unbatched: Submit = (events) => unbatchedLedger.createTransfers(events);
      const single = await closedLoop(SECONDS.unbatched, 16, (rec) => mixedLifecycle(w, unbatched, rec, pickCustomer, pickMerchant, false));
      print('ledger.unbatched.ops_per_s', single.ops, 'ops/s');
      print('ledger.unbatched.p99_ms', percentile(single.sorted(), 0.99), 'ms');
      if (single.unexpected.size > 0) log(`unbatched: unexpected results ${JSON.stringify([...single.unexpected])}`);
      // The same path with accounts drawn uniformly: what one call costs when no two callers wait on
      // the same hot row. The gap to the Zipf figure above is lock contention, not per-call work.
      const uniform = (n: number) => (): number => Math.floor(Math.random() * n);
      const spread = await closedLoop(SECONDS.unbatched, 16, (rec) => mixedLifecycle(w, unbatched, rec, uniform(CUSTOMERS), uniform(MERCHANTS), false));
      print('ledger.unbatched_uniform.ops_per_s', spread.ops, 'ops/s');
      print('ledger.unbatched_uniform.p99_ms', percentile(spread.sorted(), 0.99), 'ms');
    }

    clearInterval(sweeper);
    if (runs('storage')) {
      // Storage: complete two-phase lifecycles (pending + post), relation sizes after VACUUM.
      await w.ledger.expirePendingTransfers(new Date(Date.now() + 2000));
      const lifecycles = quick ? 20_000 : 100_000;
      const before = await relationBytes(db);
      let started = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (started < lifecycles) {
            started++;
            const pendingId = randomUUID();
            await batched([{ id: pendingId, debitAccountId: w.customers[pickCustomer()], creditAccountId: w.merchants[pickMerchant()], amount: 100n, code: 2, flags: { pending: true }, timeout: 3600 }]);
            await batched([{ id: randomUUID(), pendingId, flags: { postPendingTransfer: true } }]);
          }
        }),
      );
      const after = await relationBytes(db);
      print('ledger.bytes_per_lifecycle', Math.round((after - before) / started), 'B');
    }

    await w.ledger.close();
    const violations = await checkLedgerInvariants(db);
    print('ledger.invariant_violations', violations.length, 'violations');
    for (const v of violations) log(`VIOLATION [${v.code}] ${v.message}`);
    failed = violations.length > 0;
  } finally {
    await db.destroy();
    if (!process.argv.includes('--keep')) await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.destroy();
  }
  if (failed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench ledger failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
