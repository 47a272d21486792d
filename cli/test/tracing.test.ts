import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { Acr30Simulator, EcomPocket, KEY_ENV, PURSE, SimulatedCard, keyStoreFromEnvironment } from '../../card-driver';
import { createLedger, migrateLedger } from '../../ledger';
import { addUser, migratePortal } from '../../portal';
import { Registry, migrateRegistry } from '../../workflows';
import { freshCsn, uniqueId } from '../../workflows/test/harness';
import { createTestDatabase, type TestDatabase } from '../../test-support/postgres';
import { openSocatPair, type SocatPair } from '../../test-support/socat-pair';

/**
 * Traces for real: the portal and the server worker run as `purseflow portal` and `purseflow
 * worker` processes with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/HTTP receiver in this
 * test, on the real Temporal dev server and PostgreSQL. A customer downloads offline through the
 * portal's JSON API, then connected through a `purseflow reader-agent` process holding an ACR30S
 * (card-driver's simulator on a socat pty pair); the spans that arrive must form one trace from
 * the HTTP request to the SQL, and to the card activities on the reader agent.
 */
jest.setTimeout(240_000);

const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(REPOSITORY_ROOT, 'dist', 'cli', 'main.js');

/** One span as the receiver decoded it from OTLP/JSON. */
interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly service: string;
  readonly attributes: Record<string, unknown>;
  /** Everything the span carries as text: name, attributes, events, resource. */
  readonly text: string;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpKeyValue[]; events?: { attributes?: OtlpKeyValue[] }[] }[] }[];
  }[];
}

function plain(value: OtlpValue): unknown {
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plain);
  return value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
}

function attributesOf(list: OtlpKeyValue[] = []): Record<string, unknown> {
  return Object.fromEntries(list.map((a) => [a.key, plain(a.value)]));
}

/** A tiny OTLP/HTTP receiver for the JSON protocol: POST /v1/traces. */
async function startReceiver(): Promise<{ server: Server; url: string; spans: ReceivedSpan[] }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces' || !String(request.headers['content-type']).startsWith('application/json')) {
        response.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest;
      for (const rs of body.resourceSpans ?? []) {
        const resource = attributesOf(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            const attributes = attributesOf(s.attributes);
            const events = (s.events ?? []).map((e) => attributesOf(e.attributes));
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              kind: s.kind,
              service: String(resource['service.name']),
              attributes,
              text: JSON.stringify([s.name, attributes, events, resource]),
            });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver has no port');
  return { server, url: `http://127.0.0.1:${address.port}`, spans };
}

/** A CLI process whose output is kept for the failure message. */
function startCli(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; line: (pattern: RegExp) => Promise<RegExpMatchArray> } {
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiters: (() => void)[] = [];
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    waiters.forEach((w) => w());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return {
    child,
    output: () => output,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = output.match(pattern);
          if (match) resolve(match);
          else if (child.exitCode !== null) reject(new Error(`purseflow ${args[0]} exited ${child.exitCode}:\n${output}`));
        };
        waiters.push(check);
        child.once('exit', check);
        check();
      }),
  };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let database: TestDatabase;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let worker: ReturnType<typeof startCli> | undefined;
let portal: ReturnType<typeof startCli> | undefined;
let agent: ReturnType<typeof startCli> | undefined;
let pair: SocatPair | undefined;
let sim: Acr30Simulator | undefined;

/** What the download left behind: ids, every secret it used, and the spans of its start request's trace. */
interface Download {
  readonly downloadId: string;
  readonly secrets: string[];
  readonly root: ReceivedSpan;
  /** The HTTP span that started the connected download. */
  readonly connectedRoot: ReceivedSpan;
}
let download: Download;

const isSql = (s: ReceivedSpan): boolean => s.attributes['db.system'] === 'postgresql' || s.attributes['db.system.name'] === 'postgresql';
const statementOf = (s: ReceivedSpan): string => String(s.attributes['db.statement'] ?? s.attributes['db.query.text'] ?? '');
const inTrace = (root = download.root): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === root.traceId);
const byId = (id: string): ReceivedSpan | undefined => receiver.spans.find((s) => s.spanId === id);
function ancestors(span: ReceivedSpan): ReceivedSpan[] {
  const chain: ReceivedSpan[] = [];
  for (let parent = byId(span.parentSpanId); parent; parent = byId(parent.parentSpanId)) chain.push(parent);
  return chain;
}
const isStartOfDownload = (s: ReceivedSpan): boolean => s.service === 'purseflow-portal' && s.kind === 2 && s.attributes['url.path'] === '/api/v1/downloads' && s.attributes['http.request.method'] === 'POST';

beforeAll(async () => {
  database = await createTestDatabase('tracing');
  receiver = await startReceiver();
  const masterKeys = Object.fromEntries([KEY_ENV.load, KEY_ENV.purchase, KEY_ENV.sam, KEY_ENV.transfer].map((name) => [name, randomBytes(16).toString('hex').toUpperCase()]));
  const sessionKey = randomBytes(32).toString('hex');
  const password = `tracing ${randomBytes(6).toString('hex')} password`;
  const taskQueue = uniqueId('tracing');

  // The registry and a customer with money and a card, in the database the processes will use.
  await migrateLedger(database.db);
  await migrateRegistry(database.db);
  await migratePortal(database.db);
  const ledger = createLedger(database.db);
  const registry = new Registry({ knex: database.db, ledger });
  await registry.ensurePlatformAccounts();
  const customerId = uniqueId('cust');
  await registry.enrolCustomer({ id: customerId, name: 'Traced Customer' });
  await registry.deposit({ depositId: uniqueId('dep'), customerId, amount: '200.00' });
  const csn = freshCsn();
  await registry.issueCard({ csn, customerId });
  const email = `${customerId}@example.com`;
  await addUser(database.db, { email, role: 'customer', password, linkedId: customerId });
  const card = SimulatedCard.issue(keyStoreFromEnvironment(masterKeys), csn);
  const pocket = new EcomPocket(card);
  const readerId = uniqueId('desk');
  await registry.assignReader({ readerId, customerId });
  pair = await openSocatPair();
  sim = await Acr30Simulator.open({ path: pair.devicePath, card: null, paced: false, announceReset: false });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...masterKeys,
    DATABASE_URL: database.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    PURSEFLOW_METRICS_PORT: '0',
    PURSEFLOW_LOG_LEVEL: 'info',
    PURSEFLOW_PORTAL_SESSION_KEY: sessionKey,
  };
  worker = startCli(['worker', '--task-queue', taskQueue], env);
  portal = startCli(['portal', '--port', '0', '--task-queue', taskQueue], env);
  agent = startCli(['reader-agent', '--reader-id', readerId, '--tty', pair.hostPath], env);
  await worker.line(/server worker on task queue/);
  await agent.line(/reader agent \S+ on/);
  const portalUrl = (await portal.line(/portal listening on (\S+)/))[1];

  // The customer signs in and downloads 80.00 offline, typing the Pocket's codes.
  let cookie = '';
  let csrf = '';
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(`${portalUrl}${url}`, {
      method,
      headers: { ...(cookie ? { cookie } : {}), ...(csrf ? { 'x-csrf-token': csrf } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) cookie = setCookie.split(';')[0];
    const json = (await response.json()) as Record<string, unknown>;
    if (typeof json.csrfToken === 'string') csrf = json.csrfToken;
    return { status: response.status, json };
  };
  await call('GET', '/api/v1/session');
  expect((await call('POST', '/api/v1/session', { email, password })).status).toBe(200);
  const started = await call('POST', '/api/v1/downloads', { csn, purse: 'ecash', amount: '80.00', mode: 'offline' });
  expect(started.status).toBe(201);
  const downloadId = String(started.json.downloadId);
  const requestCode = pocket.requestCode(PURSE.ecash, 8000n);
  const authorization = await call('POST', `/api/v1/downloads/${downloadId}/request-code`, { code: requestCode });
  expect(authorization.json).toMatchObject({ step: 'waiting_for_confirmation_code' });
  const authorizationCode = String(authorization.json.authorizationCode).replace(/ /g, '');
  const confirmationCode = pocket.enterAuthorizationCode(authorizationCode);
  const done = await call('POST', `/api/v1/downloads/${downloadId}/confirmation-code`, { code: confirmationCode });
  expect(done.json).toMatchObject({ step: 'posted', finished: true });

  // The HTTP span of the start request is the root; the workflow's span arrives when it completes.
  const root = await eventually('the portal span of POST /api/v1/downloads', () => receiver.spans.find(isStartOfDownload));

  // Then 20.00 onto the card in the ACR30S, once the portal sees its reader agent online.
  sim.insert(card);
  for (let i = 0; i < 120 && ((await call('GET', '/api/v1/customer/overview')).json.readers as unknown[]).length === 0; i++) await new Promise((r) => setTimeout(r, 250));
  const connected = await call('POST', '/api/v1/downloads', { csn, purse: 'ecash', amount: '20.00', mode: 'connected', readerId });
  expect(connected.status).toBe(201);
  const connectedId = String(connected.json.downloadId);
  let view = connected.json;
  for (let i = 0; i < 240 && view.finished !== true; i++) {
    await new Promise((r) => setTimeout(r, 250));
    view = (await call('GET', `/api/v1/downloads/${connectedId}`)).json;
  }
  expect(view).toMatchObject({ step: 'posted', finished: true });
  const connectedRoot = await eventually('the portal span of the connected download', () => receiver.spans.find((s) => isStartOfDownload(s) && s.traceId !== root.traceId));
  const secrets = [...Object.values(masterKeys), sessionKey, password, csrf, cookie.split('=').slice(1).join('='), requestCode, authorizationCode, confirmationCode];
  const dbPassword = new URL(database.url).password;
  if (dbPassword) secrets.push(dbPassword);
  download = { downloadId, secrets, root, connectedRoot };
  await eventually('RunWorkflow:DownloadWorkflow, exported when the workflow completes', () => inTrace().find((s) => s.name === 'RunWorkflow:DownloadWorkflow'));
  await eventually('the connected download\'s workflow span', () => inTrace(connectedRoot).find((s) => s.name === 'RunWorkflow:DownloadWorkflow'));
  // Stopping flushes what each process still buffers.
  await stop(agent.child);
  await stop(portal.child);
  await stop(worker.child);
});

afterAll(async () => {
  await stop(agent?.child);
  await sim?.close();
  await pair?.close();
  await stop(portal?.child);
  await stop(worker?.child);
  await new Promise((resolve) => receiver?.server.close(resolve));
  await database?.drop();
});

test('one trace runs from the portal request through StartWorkflow and RunWorkflow to an activity and its SQL', () => {
  const sqlUnderActivity = inTrace().find((s) => s.service === 'purseflow-worker' && isSql(s) && ancestors(s).some((a) => a.name.startsWith('RunActivity:')));
  expect(sqlUnderActivity).toBeDefined();
  const chain = [sqlUnderActivity!, ...ancestors(sqlUnderActivity!)].map((s) => `${s.service} ${s.name}`);
  expect(chain.at(-1)).toBe(`purseflow-portal ${download.root.name}`);
  expect(chain).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^purseflow-worker RunActivity:/),
      expect.stringMatching(/^purseflow-worker StartActivity:/),
      'purseflow-worker RunWorkflow:DownloadWorkflow',
      'purseflow-portal StartWorkflow:DownloadWorkflow',
    ]),
  );
  const runWorkflow = inTrace().find((s) => s.name === 'RunWorkflow:DownloadWorkflow')!;
  expect(ancestors(runWorkflow).map((s) => s.name)).toEqual(['StartWorkflow:DownloadWorkflow', download.root.name]);
  expect(runWorkflow.attributes.temporalWorkflowId).toBe(download.downloadId);
});

test("the card activities on the reader agent continue the workflow's trace", () => {
  const cardSpans = inTrace(download.connectedRoot).filter((s) => s.service === 'purseflow-reader-agent' && s.name.startsWith('RunActivity:'));
  expect(cardSpans.length).toBeGreaterThan(0);
  for (const span of cardSpans) {
    const chain = ancestors(span).map((s) => `${s.service} ${s.name}`);
    expect(chain).toEqual([span.name.replace('RunActivity:', 'purseflow-worker StartActivity:'), 'purseflow-worker RunWorkflow:DownloadWorkflow', 'purseflow-portal StartWorkflow:DownloadWorkflow', `purseflow-portal ${download.connectedRoot.name}`]);
  }
});

test('SQL spans carry the statement with its placeholders, never the values it binds or inlines', () => {
  const statements = receiver.spans.filter(isSql).map(statementOf);
  expect(statements.length).toBeGreaterThan(0);
  expect(statements.some((sql) => /\$1\b/.test(sql))).toBe(true);
  // The ledger's batched statements inline their values; only their shape is exported.
  expect(statements.filter((sql) => sql.includes("'"))).toEqual([]);
});

test('a worker log line written inside an activity carries that trace id', () => {
  const completedLine = worker!
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.workflowId === download.downloadId && l.outcome === 'completed');
  expect(completedLine).toMatchObject({ trace_id: download.root.traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
});

test('no span of the portal, the worker or the reader agent carries a master key, session key, password, CSRF token, cookie or offline code', () => {
  expect(receiver.spans.length).toBeGreaterThan(10);
  const leaks = receiver.spans.flatMap((s) => download.secrets.filter((secret) => secret.length >= 8 && s.text.toLowerCase().includes(secret.toLowerCase())).map(() => `${s.service} ${s.name}`));
  expect(leaks).toEqual([]);
});
