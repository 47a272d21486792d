import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readPortalEnvironment, startPortal, type RunningPortal } from '../index';
import { Agent, CUSTOMER_CSN, estbFile, startHarness, type Harness } from './support/harness';

/**
 * Prometheus metrics on a listener of their own: requests by route pattern and status, open live
 * streams, uploads. The public port does not serve them to anyone, signed in or not.
 */
jest.setTimeout(60_000);

let h: Harness;
let portal: RunningPortal;
beforeAll(async () => {
  h = await startHarness('metrics', { limits: { uploadMaxBytes: 64 * 1024, uploadMaxRecords: 5000 } });
  portal = await startPortal({
    db: h.database.db,
    workflows: h.parts,
    ledger: h.parts,
    sessionKey: randomBytes(32),
    logger: false,
    watchIntervalMs: 50,
    limits: { uploadMaxBytes: 64 * 1024, uploadMaxRecords: 5000 },
    metrics: { host: '127.0.0.1', port: 0 },
  });
});
afterAll(async () => {
  await portal?.close();
  await h?.close();
});

async function scrape(): Promise<string> {
  const res = await fetch(portal.metricsUrl!);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** The value of one sample, by its name and exact labels as the text format writes them; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('/metrics is served on its own listener and not on the public port, to anyone', async () => {
  expect(portal.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  expect(new URL(portal.metricsUrl!).port).not.toBe(new URL(portal.url).port);
  expect((await fetch(`${portal.url}/metrics`)).status).toBe(404);
  const ops = await Agent.signedIn(portal.app, 'ops@example.com');
  expect((await ops.get('/metrics')).statusCode).toBe(404);
  expect((await fetch(portal.metricsUrl!.replace('/metrics', '/'))).status).toBe(404);
  expect(await scrape()).toContain('purseflow_portal_process_resident_memory_bytes');
});

test('requests are counted and timed by route pattern and status, never by the URL people typed', async () => {
  const ann = await Agent.signedIn(portal.app, 'ann@example.com');
  const before = await scrape();
  const overview = 'purseflow_portal_http_requests_total{method="GET",route="/customer",status="200"}';
  const foreign = 'purseflow_portal_http_requests_total{method="GET",route="/customer/downloads/:id",status="404"}';
  const unmatched = 'purseflow_portal_http_requests_total{method="GET",route="unmatched",status="404"}';
  await ann.get('/customer');
  await ann.get('/customer');
  await ann.get('/customer/downloads/download-of-somebody-else');
  await ann.get('/no/such/page/secret-looking-path');
  const after = await scrape();
  expect(sample(after, overview) - sample(before, overview)).toBe(2);
  expect(sample(after, foreign) - sample(before, foreign)).toBe(1);
  expect(sample(after, unmatched) - sample(before, unmatched)).toBe(1);
  expect(after).not.toContain('download-of-somebody-else');
  expect(after).not.toContain('secret-looking-path');
  const count = 'purseflow_portal_http_request_duration_seconds_count{method="GET",route="/customer",status="200"}';
  expect(sample(after, count) - sample(before, count)).toBe(2);
  expect(after).toMatch(/purseflow_portal_http_request_duration_seconds_bucket\{le="0\.05",method="GET",route="\/customer",status="200"\} \d+/);
});

test('open live streams and watched downloads are gauges that fall back when the pages leave', async () => {
  const ann = await Agent.signedIn(portal.app, 'ann@example.com');
  const id = (await ann.post('/api/v1/downloads', { csn: CUSTOMER_CSN, purse: 'ecash', amount: '2.00', mode: 'offline' })).json().downloadId;
  const streams = [1, 2, 3].map(() => {
    const req = httpRequest(`${portal.url}/api/v1/downloads/${id}/events`, { headers: { cookie: ann.sessionCookie, accept: 'text/event-stream' } });
    const opened = new Promise<number>((resolve) => req.on('response', (res) => resolve(res.statusCode ?? 0)));
    req.on('error', () => undefined);
    req.end();
    return { req, opened };
  });
  expect(await Promise.all(streams.map((s) => s.opened))).toEqual([200, 200, 200]);
  await until(async () => sample(await scrape(), 'purseflow_portal_sse_streams') === 3, 'three open streams');
  expect(sample(await scrape(), 'purseflow_portal_watched_downloads')).toBe(1);
  // One watcher asks Temporal for the three pages.
  await until(async () => sample(await scrape(), 'purseflow_portal_download_state_reads_total') > 0, 'the watcher to read the download');
  for (const s of streams) s.req.destroy();
  await until(async () => sample(await scrape(), 'purseflow_portal_sse_streams') === 0, 'the streams to close');
  await until(async () => sample(await scrape(), 'purseflow_portal_watched_downloads') === 0, 'the watcher to stop');
});

test('uploads are counted by outcome, and the bytes handed to the settlement workflow', async () => {
  const shop = await Agent.signedIn(portal.app, 'shop@example.com');
  const before = await scrape();
  const file = estbFile(6, 41);
  expect((await shop.upload('/api/v1/settlements', 'batch-41.estb', file)).statusCode).toBe(201);
  expect((await shop.upload('/api/v1/settlements', 'notes.txt', Buffer.from('hello'))).statusCode).toBe(415);
  expect((await shop.upload('/api/v1/settlements', 'cut.estb', file.subarray(0, 100))).statusCode).toBe(400);
  const after = await scrape();
  const delta = (series: string) => sample(after, series) - sample(before, series);
  expect(delta('purseflow_portal_settlement_uploads_total{outcome="started"}')).toBe(1);
  expect(delta('purseflow_portal_settlement_uploads_total{outcome="upload_not_estb"}')).toBe(1);
  expect(delta('purseflow_portal_settlement_uploads_total{outcome="upload_truncated"}')).toBe(1);
  expect(delta('purseflow_portal_settlement_upload_bytes_total')).toBe(file.length);
});

test('the metrics listener is on loopback port 9467 unless configured, and can be turned off', () => {
  const env = { PURSEFLOW_PORTAL_SESSION_KEY: 'ab'.repeat(32) };
  expect(readPortalEnvironment(env).metrics).toEqual({ host: '127.0.0.1', port: 9467 });
  expect(readPortalEnvironment({ ...env, PURSEFLOW_PORTAL_METRICS_PORT: '19467', PURSEFLOW_PORTAL_METRICS_HOST: '0.0.0.0' }).metrics).toEqual({ host: '0.0.0.0', port: 19467 });
  expect(readPortalEnvironment({ ...env, PURSEFLOW_PORTAL_METRICS_PORT: 'off' }).metrics).toBeNull();
  expect(() => readPortalEnvironment({ ...env, PURSEFLOW_PORTAL_METRICS_PORT: 'nine' })).toThrow(/PURSEFLOW_PORTAL_METRICS_PORT=nine is not a port number/);
});
