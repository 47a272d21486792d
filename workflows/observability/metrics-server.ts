// The /metrics endpoint of a worker process: our registry, followed by the Temporal SDK's own
// runtime metrics when the process installed them on a local address (one scrape target per
// process, as docker/observability/prometheus.yml expects).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ObservabilityError } from './observability-error';

export interface MetricsServerOptions {
  readonly registry: Registry;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly host?: string;
  /** Where the SDK's Prometheus exporter listens (Runtime telemetryOptions), e.g. http://127.0.0.1:19464/metrics. */
  readonly sdkMetricsUrl?: string;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Reads the port from a variable such as PURSEFLOW_METRICS_PORT, or the default. */
export function metricsPort(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ObservabilityError('metrics_port_invalid', `PURSEFLOW_METRICS_PORT=${JSON.stringify(value)} is not a port; give a number from 1 to 65535 (0 picks a free one).`);
  }
  return port;
}

async function sdkMetrics(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? await response.text() : '';
  } catch {
    // The SDK's exporter starts with the first worker; until then our own metrics stand alone.
    return '';
  }
}

export async function serveMetrics(options: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    void (async () => {
      try {
        const ours = await options.registry.metrics();
        const sdk = options.sdkMetricsUrl ? await sdkMetrics(options.sdkMetricsUrl) : '';
        response.writeHead(200, { 'content-type': options.registry.contentType }).end(sdk ? `${ours}\n${sdk}` : ours);
      } catch (err) {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new ObservabilityError('metrics_port_in_use', `port ${options.port} is taken; set PURSEFLOW_METRICS_PORT to a free port.`, { cause: err }) : err),
    );
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
