// The worker's metrics and logs, against real parts: a real server worker on the Temporal dev
// server and PostgreSQL counts a real offline download (eCom Pocket simulated), the gauge of the
// oldest reservation reads the real pending transfer, /metrics is served over real HTTP.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { EcomPocket, PURSE, SimulatedCard, parseSamId, parseTransferCardId, runMerchant, testKeyStore } from '../../card-driver';
import { settlementOutcome, uploadSettlementFile } from '../settlement/settlement-client';
import { DownloadClient, readerTaskQueue } from '../client';
import {
  ObservabilityError,
  countLedgerResults,
  createLog,
  createReaderAgentMetrics,
  createWorkerMetrics,
  metricsPort,
  oldestPendingReservationAgeSeconds,
  outcomeInterceptors,
  serveMetrics,
  temporalLogger,
  watchLedgerInvariants,
  type MetricsServer,
  type WorkerMetrics,
} from '../observability';
import { bundleWorkflows, createServerWorker } from '../worker/server-worker';
import { customerWithCard, freshCsn, startHarness, uniqueId, type Harness } from './harness';

jest.setTimeout(60_000);

let h: Harness;
let metrics: WorkerMetrics;
let server: MetricsServer;
let worker: Worker;
let running: Promise<void>;
let downloads: DownloadClient;
let countedQueue: string;
const logLines: string[] = [];
const watchedReader = uniqueId('obs-reader');

/** A pino destination that keeps each JSON line. */
function lineSink(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
}

beforeAll(async () => {
  h = await startHarness('wf_obs');
  metrics = createWorkerMetrics({
    oldestPendingReservationAgeSeconds: () => oldestPendingReservationAgeSeconds(h.db.db),
    readersOnline: async () => new Map([[watchedReader, await h.downloads.readerOnline(watchedReader)]]),
  });
  server = await serveMetrics({ registry: metrics.registry, port: 0, host: '127.0.0.1' });
  // The worker as `purseflow worker` composes it: a counted ledger and the outcome interceptor.
  const taskQueue = uniqueId('wf-obs-counted');
  countedQueue = taskQueue;
  worker = await createServerWorker({
    connection: h.nativeConnection,
    taskQueue,
    knex: h.db.db,
    ledger: countLedgerResults(h.ledger, metrics),
    keys: h.keys,
    workflowBundle: await bundleWorkflows(),
    activityInterceptors: [outcomeInterceptors(metrics, createLog({ destination: lineSink(logLines) }))],
  });
  running = worker.run();
  downloads = new DownloadClient(h.client, taskQueue);
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await server?.close();
  await h?.close();
});

async function scrape(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of one series in a Prometheus text page, or undefined when the series is absent. */
function sample(page: string, series: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('an offline download through a real worker counts started, completed and its ledger postings, and the gauge reads its reservation while it is pending', async () => {
  const { csn } = await customerWithCard(h, { cash: '100.00' });
  const pocket = new EcomPocket(SimulatedCard.issue(h.keys, csn));
  const requestId = uniqueId('obs');
  await downloads.start({ requestId, csn, purse: 'ecash', amount: '20.00', mode: 'offline', timing: { remindAfterMs: 60_000, operatorAfterMs: 120_000 } });
  const authorization = await downloads.submitRequestCode(requestId, pocket.requestCode(PURSE.ecash, 2000n));
  expect(authorization.accepted).toBe(true);

  await new Promise((r) => setTimeout(r, 1_100));
  const pending = await scrape();
  expect(sample(pending, 'purseflow_oldest_pending_reservation_age_seconds')).toBeGreaterThanOrEqual(1);
  expect(sample(pending, 'purseflow_downloads_total{outcome="started",reason="none"}')).toBe(1);

  await downloads.submitConfirmationCode(requestId, pocket.enterAuthorizationCode(authorization.authorizationCode!));
  await downloads.result(requestId);
  const done = await scrape();
  expect(sample(done, 'purseflow_downloads_total{outcome="completed",reason="none"}')).toBe(1);
  // The reservation and its post; the customer's deposit went through the harness's own ledger.
  expect(sample(done, 'purseflow_ledger_postings_total{result="ok"}')).toBe(2);
  expect(sample(done, 'purseflow_oldest_pending_reservation_age_seconds')).toBe(0);
});

test('an outcome is logged as JSON with its workflow id, card serial and transfer id', () => {
  const completed = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.outcome === 'completed');
  expect(completed).toMatchObject({ flow: 'download', activity: 'postLoad', workflowId: expect.any(String), csn: expect.stringMatching(/^\d{16}$/), transferId: expect.any(String) });
});

test('a refused download counts as failed with its refusal code as the reason', async () => {
  const before = sample(await scrape(), 'purseflow_downloads_total{outcome="failed",reason="card_unknown"}') ?? 0;
  const requestId = uniqueId('obs-unknown');
  await downloads.start({ requestId, csn: freshCsn(), purse: 'ecash', amount: '1.00', mode: 'offline' });
  await expect(downloads.result(requestId)).rejects.toBeInstanceOf(WorkflowFailedError);
  expect(sample(await scrape(), 'purseflow_downloads_total{outcome="failed",reason="card_unknown"}')).toBe(before + 1);
});

test('a settlement file from an unknown merchant counts as a settlement started and failed with the rejection reason', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'obs-settlement-'));
  try {
    const { csn } = await customerWithCard(h, {});
    const { file } = runMerchant(h.keys, [SimulatedCard.issue(h.keys, csn)], {
      samId: parseSamId('53414D00000000A1'),
      foreignSamId: parseSamId('53414D00000000A2'),
      transferCardId: parseTransferCardId(`54${uniqueId('x').slice(2, 12).toUpperCase().padEnd(14, '0')}`),
      amount: 100n,
      purchases: 0,
      batchSeq: 1,
    });
    const path = join(scratch, 'batch.estb');
    writeFileSync(path, file);
    const started = await uploadSettlementFile(h.client, { merchantId: 'nobody', file: path, uploadDir: join(scratch, 'uploads'), taskQueue: countedQueue });
    await settlementOutcome(started.handle).catch(() => undefined);
    const page = await scrape();
    expect(sample(page, 'purseflow_settlements_total{outcome="started",reason="none"}')).toBe(1);
    expect(sample(page, 'purseflow_settlements_total{outcome="failed",reason="unknown_merchant"}')).toBe(1);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('a reader agent is 0 while nothing polls its queue and 1 once a worker does', async () => {
  expect(sample(await scrape(), `purseflow_reader_agent_up{reader_id="${watchedReader}"}`)).toBe(0);
  const agent = await Worker.create({ connection: h.nativeConnection, taskQueue: readerTaskQueue(watchedReader), activities: { readCard: async () => undefined } });
  const agentRun = agent.run();
  try {
    const deadline = Date.now() + 10_000;
    let up = 0;
    while (up !== 1 && Date.now() < deadline) {
      up = sample(await scrape(), `purseflow_reader_agent_up{reader_id="${watchedReader}"}`) ?? 0;
      if (up !== 1) await new Promise((r) => setTimeout(r, 200));
    }
    expect(up).toBe(1);
  } finally {
    agent.shutdown();
    await agentRun;
  }
});

test('the invariant watch exports the violations of its last check and when it ran', async () => {
  const stop = watchLedgerInvariants(h.db.db, metrics, { intervalMs: 60_000 });
  await stop();
  const page = await scrape();
  expect(sample(page, 'purseflow_ledger_invariant_violations')).toBe(0);
  expect(sample(page, 'purseflow_ledger_invariant_last_check_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
});

test('a reader agent exports itself as up and counts what its reader saw', async () => {
  const agent = createReaderAgentMetrics('counter-1');
  agent.count('card_seen');
  const page = await agent.registry.metrics();
  expect(sample(page, 'purseflow_reader_agent_up{reader_id="counter-1"}')).toBe(1);
  expect(sample(page, 'purseflow_reader_card_events_total{reader_id="counter-1",event="card_seen"}')).toBe(1);
});

test('anything but GET /metrics is 404', async () => {
  expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
});

test('a log line never carries a key store, a code or a password, wherever they sit in the object', () => {
  const lines: string[] = [];
  const log = createLog({ destination: lineSink(lines), bindings: { process: 'test' } });
  const secrets = { authorizationCode: '918273645', password: 'hunter2-secret', confirmationCode: '564738291', requestCode: '12345678901234' };
  log.info(
    {
      keys: testKeyStore(),
      authorizationCode: secrets.authorizationCode,
      db: { password: secrets.password, databaseUrl: `postgres://u:${secrets.password}@h/db` },
      download: { evidence: { code: secrets.confirmationCode }, requestCode: secrets.requestCode },
      workflowId: 'download-1',
    },
    'something happened',
  );
  const line = lines.join('\n');
  for (const secret of Object.values(secrets)) expect(line).not.toContain(secret);
  const parsed = JSON.parse(lines[0]) as Record<string, unknown>;
  expect(parsed).toMatchObject({ keys: '[redacted]', authorizationCode: '[redacted]', workflowId: 'download-1', process: 'test' });
});

test.each([['abc'], ['70000'], ['-1'], ['9464.5']])('PURSEFLOW_METRICS_PORT=%s is refused with metrics_port_invalid', (value) => {
  expect(() => metricsPort(value, 9464)).toThrow(expect.objectContaining({ code: 'metrics_port_invalid' }) as Error);
});

test('an unset PURSEFLOW_METRICS_PORT gives the default port', () => {
  expect(metricsPort(undefined, 9464)).toBe(9464);
  expect(metricsPort('', 9465)).toBe(9465);
});

test('a metrics port already taken is refused with metrics_port_in_use', async () => {
  const error = await serveMetrics({ registry: metrics.registry, port: server.port, host: '127.0.0.1' }).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(ObservabilityError);
  expect((error as ObservabilityError).code).toBe('metrics_port_in_use');
});

test("the SDK's log lines join the process's JSON log without repeating a field the process binds", () => {
  const lines: string[] = [];
  const sdk = temporalLogger(createLog({ destination: lineSink(lines), bindings: { process: 'worker', taskQueue: 'q1' } }));
  sdk.warn('Worker state changed', { taskQueue: 'q1', state: 'RUNNING', sdkComponent: 'worker' });
  expect(lines[0].match(/"taskQueue"/g)).toHaveLength(1);
  expect(JSON.parse(lines[0])).toMatchObject({ level: 40, msg: 'Worker state changed', taskQueue: 'q1', state: 'RUNNING', process: 'worker' });
});
