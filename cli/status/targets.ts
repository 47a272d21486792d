/**
 * Where `purseflow status` looks, per profile: pure functions of the profile's configuration, so the
 * addresses are the ones the service manager starts things on (and a unit test can read them).
 */
import { acr30AgentMetricsPort, frontendAddress, portalPort, productionApp, productionEnvironment, readServicesConfig, servicesEnvironment, TEMPORAL_SERVICES, webUiUrl } from '../services';
import type { ProductionConfig, TemporalService } from '../services';

/** An HTTP endpoint and the name its report line carries. */
export interface Endpoint {
  readonly name: string;
  readonly url: string;
}

/** One Temporal server (the dev server) or one service process of Temporal's own server. */
export interface TemporalTarget {
  readonly name: string;
  /** Checked with gRPC's health protocol; '' asks about the server as a whole. Absent: the service has no gRPC API. */
  readonly grpc?: { readonly address: string; readonly healthService: string };
  /** Its Prometheus page; it must carry this service's `service_name` label. */
  readonly metricsUrl?: string;
  /** The production profile's service process, whose pid file must name a live process. */
  readonly service?: TemporalService;
}

export interface StatusTargets {
  /** The ledger's database: PostgreSQL's probe and the invariant checker use it. */
  readonly databaseUrl: string;
  readonly temporal: readonly TemporalTarget[];
  /** The Web UI page that proves the UI reaches the frontend and our search attributes; undefined when no UI is known. */
  readonly temporalUi?: Endpoint;
  readonly workers: readonly Endpoint[];
  readonly readerAgents: readonly Endpoint[];
  readonly portal: Endpoint;
}

/** The embedded profile's overrides: a deployment whose workers or portal run elsewhere. */
export interface EmbeddedOverrides {
  readonly workerMetrics?: string;
  readonly readerAgentMetrics?: string;
  readonly portal?: string;
}

/**
 * Each of Temporal 1.29's gRPC services registers its health under its own name (service/<name>/handler.go,
 * frontend/interface.go); the worker service serves no gRPC, only membership and metrics.
 */
const HEALTH_SERVICES: Readonly<Record<TemporalService, string | undefined>> = {
  frontend: 'temporal.api.workflowservice.v1.WorkflowService',
  history: 'temporal.api.workflowservice.v1.HistoryService',
  matching: 'temporal.api.workflowservice.v1.MatchingService',
  worker: undefined,
};

/** The UI's own API call behind its search-attribute filter: answered only when the UI reaches the frontend. */
function searchAttributesPage(uiUrl: string, namespace: string): Endpoint {
  return { name: 'temporal web ui', url: `${uiUrl}/api/v1/namespaces/${encodeURIComponent(namespace)}/search-attributes` };
}

const metricsUrl = (port: number): string => `http://127.0.0.1:${port}/metrics`;

/** The embedded profile: variables win over the addresses the service manager would use (an external deployment). */
export function embeddedTargets(environment: NodeJS.ProcessEnv, opts: EmbeddedOverrides = {}): StatusTargets {
  const defined = Object.fromEntries(Object.entries(environment).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  const env: Record<string, string> = { ...servicesEnvironment(readServicesConfig(environment)), ...defined };
  return {
    databaseUrl: env.DATABASE_URL,
    temporal: [{ name: 'temporal', grpc: { address: env.TEMPORAL_ADDRESS, healthService: '' } }],
    temporalUi: env.TEMPORAL_UI_URL ? searchAttributesPage(env.TEMPORAL_UI_URL, env.TEMPORAL_NAMESPACE ?? 'default') : undefined,
    workers: [{ name: 'worker', url: opts.workerMetrics ?? metricsUrl(Number(env.PURSEFLOW_WORKER_METRICS_PORT ?? 9464)) }],
    // `app up` runs two agents: the PC/SC demo reader's and the simulated ACR30S's. An agent named on
    // the command line is the only one probed (a deployment that runs its own).
    readerAgents: opts.readerAgentMetrics
      ? [{ name: 'reader-agent', url: opts.readerAgentMetrics }]
      : [
          { name: 'reader-agent', url: metricsUrl(Number(env.PURSEFLOW_READER_AGENT_METRICS_PORT ?? 9465)) },
          { name: 'reader-agent-acr30', url: metricsUrl(acr30AgentMetricsPort(env)) },
        ],
    portal: { name: 'portal', url: opts.portal ?? `http://127.0.0.1:${portalPort(env)}/readyz` },
  };
}

/**
 * The production profile: its ledger database, each of the four Temporal service processes (gRPC health
 * where there is gRPC, and its metrics port), its Web UI, and the /metrics ports `app up --profile
 * production` gives its server workers and reader agent (read off the app layout, the one place that
 * assigns them), and its portal's /readyz.
 */
export function productionTargets(config: ProductionConfig): StatusTargets {
  const app = productionApp(config).processes;
  const metricsOf = (role: 'worker' | 'reader-agent'): Endpoint[] =>
    app
      .filter((p) => p.args[0] === role)
      .map((p) => {
        const port = p.ports?.[0]?.port;
        if (port === undefined) throw new Error(`invariant broken: the production app process ${p.name} has no /metrics port`);
        return { name: p.name, url: metricsUrl(port) };
      });
  const ports = config.temporal.ports;
  return {
    databaseUrl: productionEnvironment(config).DATABASE_URL,
    temporal: TEMPORAL_SERVICES.map((service): TemporalTarget => {
      const healthService = HEALTH_SERVICES[service];
      const address = service === 'frontend' ? frontendAddress(config) : `127.0.0.1:${ports[service].grpc}`;
      return { name: `temporal ${service}`, service, metricsUrl: metricsUrl(ports[service].metrics), ...(healthService === undefined ? {} : { grpc: { address, healthService } }) };
    }),
    temporalUi: searchAttributesPage(webUiUrl(config), config.temporal.namespace),
    workers: metricsOf('worker'),
    readerAgents: metricsOf('reader-agent'),
    portal: { name: 'portal', url: `http://127.0.0.1:${config.app.portalPort}/readyz` },
  };
}
