import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PortalError } from './errors';

/**
 * The portal's Prometheus metrics. They are served on a listener of their own (`serveMetrics`),
 * never on the public port: request counts by route tell an outsider what people do, and the
 * scrape costs CPU. Each portal has its own registry, so several portals in one process (tests,
 * the benchmark) do not share counters.
 *
 * Routes are labelled by their pattern (`/customer/downloads/:id`), never by the URL, and
 * anything no route matched by `unmatched`: label values stay few whatever people type.
 */
export class PortalMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
  private readonly uploads: Counter<'outcome'>;
  private readonly uploadBytes: Counter;
  private readonly sseStreams: Gauge;

  constructor(live: { readonly watchedDownloads: () => number; readonly watchPolls: () => number }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'purseflow_portal_' });
    this.requests = new Counter({ name: 'purseflow_portal_http_requests_total', help: 'HTTP requests answered, by route pattern, method and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
    this.duration = new Histogram({
      name: 'purseflow_portal_http_request_duration_seconds',
      help: 'Time from request to response, by route pattern, method and status (live streams are counted by purseflow_portal_sse_streams instead)',
      labelNames: ['method', 'route', 'status'],
      // The dashboard goal is p99 <= 50 ms; the buckets are dense around it.
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [this.registry],
    });
    this.uploads = new Counter({ name: 'purseflow_portal_settlement_uploads_total', help: 'Settlement file uploads, by outcome: started (handed to the workflow) or the refusal code', labelNames: ['outcome'], registers: [this.registry] });
    this.uploadBytes = new Counter({ name: 'purseflow_portal_settlement_upload_bytes_total', help: 'Bytes of settlement files handed to the settlement workflow', registers: [this.registry] });
    this.sseStreams = new Gauge({ name: 'purseflow_portal_sse_streams', help: 'Live-progress streams (Server-Sent Events) open now: browsers watching a download', registers: [this.registry] });
    new Gauge({
      name: 'purseflow_portal_watched_downloads',
      help: 'Downloads with a watcher now (one per download, however many browsers watch it)',
      registers: [this.registry],
      collect() {
        this.set(live.watchedDownloads());
      },
    });
    new Counter({
      name: 'purseflow_portal_download_state_reads_total',
      help: 'State queries the download watchers made to Temporal',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(live.watchPolls());
      },
    });
  }

  observeRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    const labels = { method, route: route ?? 'unmatched', status: String(status) };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  }

  streamOpened(): void {
    this.sseStreams.inc();
  }

  streamClosed(): void {
    this.sseStreams.dec();
  }

  observeUpload(outcome: string, bytes: number): void {
    this.uploads.inc({ outcome });
    if (outcome === 'started') this.uploadBytes.inc(bytes);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The portal's metrics, for the listener `startPortal` opens beside the public one. */
    portalMetrics: PortalMetrics;
  }
}

export interface MetricsListener {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves GET /metrics of `metrics` on its own address; port 0 picks a free one (tests). */
export async function serveMetrics(metrics: PortalMetrics, host: string, port: number): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortalError('config_invalid', `The metrics port ${port} is taken; set PURSEFLOW_PORTAL_METRICS_PORT to a free port (or off).`, { cause: err }) : err),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
