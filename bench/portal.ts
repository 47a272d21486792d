/**
 * Portal benchmark (issue 7). Prints `bench <name> <value> <unit>` lines:
 *   portal.dashboard_rps, portal.dashboard_p99_ms — a signed-in customer's balances page, loaded
 *     from a second process over loopback with keep-alive connections;
 *   portal.sse_watchers, portal.sse_rss_mb, portal.sse_max_delay_ms, portal.sse_polls_per_s —
 *     1,000 SSE connections watching 100 downloads that move one step every 500 ms;
 *   portal.upload_mb_per_s — a 100,000-record .estb upload, request to records handed over.
 * The portal runs with its real server, sessions and PostgreSQL (users); balances, cards and
 * downloads come from an in-memory stand-in of workflows/client and ledger/queries, so the figures
 * are the portal's own cost, not Temporal's.
 *
 *   npm run build && node dist/bench/portal.js            # 20 s of dashboard load
 *   npm run build && node dist/bench/portal.js --quick    # 5 s
 */
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import knexFactory from 'knex';
import {
  addUser,
  migratePortal,
  startPortal,
  type AccountBalance,
  type CardSummary,
  type DownloadView,
  type LedgerPort,
  type SettlementView,
  type StartSettlement,
  type WorkflowsPort,
} from '../portal';
import { loadServicesEnv } from './services-env';


const quick = process.argv.includes('--quick');
const print = (name: string, value: number, unit: string) => process.stdout.write(`bench ${name} ${Number(value.toFixed(2))} ${unit}\n`);

/** In-memory stand-in: fixed balances and cards, downloads that move one step per tick. */
class StandIn implements WorkflowsPort, LedgerPort {
  readonly views = new Map<string, DownloadView>();
  polls = 0;
  async checkReachable(): Promise<void> {}
  async balancesOf(): Promise<readonly AccountBalance[]> {
    return [
      { purse: 'ecash', currency: 'EUR', availableMinor: 50_000n, reservedMinor: 2_500n },
      { purse: 'food', currency: 'EUR', availableMinor: 12_000n, reservedMinor: 0n },
    ];
  }
  async cardsOf(): Promise<readonly CardSummary[]> {
    return [{ csn: '6071000000000019', maxBalanceMinor: 100_000n, blocked: false, purses: [{ purse: 'ecash', lastKnownMinor: 1_000n }, { purse: 'food', lastKnownMinor: null }] }];
  }
  async onlineReadersOf() {
    return [];
  }
  async startDownload(): Promise<DownloadView> {
    throw new Error('not used by the benchmark');
  }
  async download(id: string): Promise<DownloadView | null> {
    this.polls++;
    return this.views.get(id) ?? null;
  }
  async downloadsOf(): Promise<readonly DownloadView[]> {
    return [];
  }
  async submitRequestCode(): Promise<DownloadView> {
    throw new Error('not used');
  }
  async submitConfirmationCode(): Promise<DownloadView> {
    throw new Error('not used');
  }
  async reportNotLoaded(): Promise<DownloadView> {
    throw new Error('not used');
  }
  handedOverBytes = 0;
  async startSettlement(req: StartSettlement): Promise<SettlementView> {
    for await (const chunk of req.content) this.handedOverBytes += (chunk as Buffer).length;
    return { settlementId: randomUUID(), merchantId: req.merchantId, fileName: req.fileName, state: 'running', totals: [], recordCount: 0, acceptedCount: 0, refusedCount: 0, reason: null, startedAt: new Date() };
  }
  async settlement() {
    return null;
  }
  async settlementRecords() {
    return [];
  }
  async settlementsOf() {
    return [];
  }
  async needsAttention() {
    return [];
  }
  async attentionDetail<T>(item: T): Promise<T> {
    return item;
  }
  async operatorAction(): Promise<string> {
    throw new Error('not used');
  }
}

interface LoadResult {
  requests: number;
  errors: number;
  latenciesMs: number[];
  /** Answers that were not 200, by status (0: no answer). */
  failedByStatus: Record<string, number>;
}

/** The load generator, in its own process: keep-alive GETs for `seconds` over `connections`. */
async function generateLoad(url: string, cookie: string, connections: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const deadline = Date.now() + seconds * 1000;
  const result: LoadResult = { requests: 0, errors: 0, latenciesMs: [], failedByStatus: {} };
  const one = () =>
    new Promise<void>((resolve) => {
      const started = process.hrtime.bigint();
      const req = request(url, { agent, headers: { cookie } }, (res) => {
        res.resume();
        res.on('end', () => {
          result.requests++;
          if (res.statusCode !== 200) {
            result.errors++;
            result.failedByStatus[String(res.statusCode)] = (result.failedByStatus[String(res.statusCode)] ?? 0) + 1;
          }
          result.latenciesMs.push(Number(process.hrtime.bigint() - started) / 1e6);
          resolve();
        });
      });
      req.on('error', () => {
        result.errors++;
        result.failedByStatus['0'] = (result.failedByStatus['0'] ?? 0) + 1;
        resolve();
      });
      req.end();
    });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < deadline) await one();
    }),
  );
  agent.destroy();
  return result;
}

async function dashboard(url: string, cookie: string): Promise<void> {
  const seconds = quick ? 5 : 20;
  const child = fork(__filename, ['--load-generator', url, cookie, '32', String(seconds)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = await new Promise<LoadResult>((resolve, reject) => {
    child.once('message', (m) => resolve(m as LoadResult));
    child.once('error', reject);
  });
  const sorted = result.latenciesMs.sort((a, b) => a - b);
  print('portal.dashboard_rps', result.requests / seconds, 'pages/s');
  print('portal.dashboard_p99_ms', sorted[Math.floor(sorted.length * 0.99)] ?? NaN, 'ms');
  // A page that failed is no page served: the figure would be void (it once measured 500s).
  if (result.errors > 0) throw new Error(`dashboard: ${result.errors} of ${result.requests} requests failed, by status ${JSON.stringify(result.failedByStatus)}`);
}

async function sse(base: string, cookie: string, parts: StandIn): Promise<void> {
  const downloads = 100;
  const watchers = 1000;
  const ids = Array.from({ length: downloads }, (_, i) => `download-bench-${i}`);
  for (const id of ids) {
    parts.views.set(id, { downloadId: id, customerId: 'bench-customer', csn: '6071000000000019', purse: 'ecash', amountMinor: 100n, mode: 'connected', step: 'started', version: 1, authorizationCode: null, wrongCodes: 0, outcome: null, finished: false, startedAt: new Date() });
  }
  const agent = new Agent({ keepAlive: true, maxSockets: watchers });
  const sentAt = new Map<number, number>();
  let maxDelay = 0;
  let delivered = 0;
  let opened = 0;
  const sockets: { destroy(): void }[] = [];
  await Promise.all(
    Array.from({ length: watchers }, (_, i) =>
      new Promise<void>((resolve) => {
        const req = request(`${base}/api/v1/downloads/${ids[i % downloads]}/events`, { agent, headers: { cookie } }, (res) => {
          opened++;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            for (const m of chunk.matchAll(/^id: (\d+)$/gm)) {
              const at = sentAt.get(Number(m[1]));
              if (at !== undefined) {
                delivered++;
                maxDelay = Math.max(maxDelay, Date.now() - at);
              }
            }
          });
          resolve();
        });
        req.on('error', () => resolve());
        sockets.push(req);
        req.end();
      }),
    ),
  );
  const pollsBefore = parts.polls;
  const started = Date.now();
  const steps = quick ? 6 : 20;
  for (let version = 2; version < 2 + steps; version++) {
    sentAt.set(version, Date.now());
    for (const id of ids) parts.views.set(id, { ...(parts.views.get(id) as DownloadView), version });
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const seconds = (Date.now() - started) / 1000;
  print('portal.sse_watchers', opened, 'connections');
  print('portal.sse_rss_mb', process.memoryUsage().rss / 1024 / 1024, 'MB');
  print('portal.sse_max_delay_ms', maxDelay, 'ms');
  print('portal.sse_delivered_ratio', delivered / (watchers * steps), 'ratio');
  print('portal.sse_polls_per_s', (parts.polls - pollsBefore) / seconds, 'polls/s');
  for (const s of sockets) s.destroy();
  agent.destroy();
}

async function upload(base: string, cookie: string, csrf: string, parts: StandIn): Promise<void> {
  const records = 100_000;
  const header = Buffer.alloc(32);
  header.write('ESTB', 0, 'latin1');
  header[4] = 1;
  header.writeUInt32BE(records, 17);
  const file = Buffer.concat([header, Buffer.alloc(records * 48, 7), Buffer.alloc(8)]);
  const boundary = `----bench${randomBytes(8).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.estb"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const rounds = quick ? 3 : 10;
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = request(`${base}/api/v1/settlements`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`upload answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (parts.handedOverBytes !== file.length * rounds) throw new Error(`handed over ${parts.handedOverBytes} bytes, expected ${file.length * rounds}`);
  print('portal.upload_mb_per_s', (file.length * rounds) / 1024 / 1024 / seconds, 'MB/s');
}

async function signIn(base: string, email: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const call = (method: string, path: string, cookie: string, payload?: unknown, csrf?: string) =>
    new Promise<{ cookie: string; body: { csrfToken: string } }>((resolve, reject) => {
      const data = payload === undefined ? undefined : JSON.stringify(payload);
      const req = request(`${base}${path}`, { method, headers: { cookie, ...(data ? { 'content-type': 'application/json' } : {}), ...(csrf ? { 'x-csrf-token': csrf } : {}) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).find((c) => c.startsWith('purseflow_session='));
          resolve({ cookie: set ?? cookie, body: JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.end(data);
    });
  const first = await call('GET', '/api/v1/session', '');
  const signedIn = await call('POST', '/api/v1/session', first.cookie, { email, password }, first.body.csrfToken);
  return { cookie: signedIn.cookie, csrf: signedIn.body.csrfToken };
}

async function main(): Promise<void> {
  loadServicesEnv();
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run `npx purseflow services up` first.');
  const name = `bench_portal_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const db = knexFactory({ client: 'pg', connection: dbUrl.toString(), pool: { min: 0, max: 10 } });
  await migratePortal(db);
  const parts = new StandIn();
  const running = await startPortal({ db, workflows: parts, ledger: parts, sessionKey: randomBytes(32), limits: { signInPerMinute: 100 } });
  try {
    const password = randomBytes(12).toString('hex');
    await addUser(db, { email: 'bench@example.com', role: 'customer', password, linkedId: 'bench-customer' });
    await addUser(db, { email: 'bench-shop@example.com', role: 'merchant', password, linkedId: 'bench-merchant' });
    const customer = await signIn(running.url, 'bench@example.com', password);
    await dashboard(`${running.url}/customer`, customer.cookie);
    await sse(running.url, customer.cookie, parts);
    const merchant = await signIn(running.url, 'bench-shop@example.com', password);
    await upload(running.url, merchant.cookie, merchant.csrf, parts);
  } finally {
    await running.close();
    await db.destroy();
    await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.destroy();
  }
}

if (process.argv[2] === '--load-generator') {
  const [url, cookie, connections, seconds] = process.argv.slice(3);
  void generateLoad(url, cookie, Number(connections), Number(seconds)).then((result) => {
    process.send?.(result, () => process.exit(0));
  });
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`bench portal failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
