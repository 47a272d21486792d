// Where `purseflow status` looks on each profile: derived from the profile's variables alone (no service
// needs to run), and the advice a failed report gives. The probes themselves run against real parts in
// status.test.ts (embedded) and production-profile.test.ts (an isolated production profile).
import { Command } from 'commander';
import { readProductionConfig } from '../services';
import { embeddedTargets, productionTargets, remedyFor, type PartHealth } from '../status';
import { partsDownError, registerStatusCommand, StatusCommandError } from '../commands/status';

const production = {
  PURSEFLOW_DATA_DIR: '/srv/purseflow',
  PURSEFLOW_PROD_PG_PORT: '20100',
  PURSEFLOW_PROD_TEMPORAL_PORT: '20000',
  PURSEFLOW_PROD_TEMPORAL_UI_PORT: '20200',
  PURSEFLOW_PROD_PORTAL_PORT: '20300',
  PURSEFLOW_PROD_METRICS_PORT: '20400',
};

describe('the production profile\'s status targets', () => {
  const targets = productionTargets(readProductionConfig(production));

  it('probe the ledger database of the profile\'s private PostgreSQL, or DATABASE_URL\'s', () => {
    expect(targets.databaseUrl).toBe('postgres://purseflow@127.0.0.1:20100/purseflow');
    const external = 'postgres://ops@db.internal:5432/purseflow';
    expect(productionTargets(readProductionConfig({ ...production, DATABASE_URL: external })).databaseUrl).toBe(external);
  });

  it('check each of the four Temporal processes: gRPC health under its own service name where it serves gRPC, and its own metrics port', () => {
    expect(targets.temporal).toEqual([
      { name: 'temporal history', service: 'history', grpc: { address: '127.0.0.1:20001', healthService: 'temporal.api.workflowservice.v1.HistoryService' }, metricsUrl: 'http://127.0.0.1:20010/metrics' },
      { name: 'temporal matching', service: 'matching', grpc: { address: '127.0.0.1:20002', healthService: 'temporal.api.workflowservice.v1.MatchingService' }, metricsUrl: 'http://127.0.0.1:20011/metrics' },
      { name: 'temporal frontend', service: 'frontend', grpc: { address: '127.0.0.1:20000', healthService: 'temporal.api.workflowservice.v1.WorkflowService' }, metricsUrl: 'http://127.0.0.1:20009/metrics' },
      // Temporal's worker service has no gRPC API: its metrics page (and its pid) are what answer for it.
      { name: 'temporal worker', service: 'worker', metricsUrl: 'http://127.0.0.1:20012/metrics' },
    ]);
  });

  it('ask the Web UI for the namespace\'s search attributes, which it can answer only through the frontend', () => {
    expect(targets.temporalUi?.url).toBe('http://127.0.0.1:20200/api/v1/namespaces/default/search-attributes');
    expect(productionTargets(readProductionConfig({ ...production, TEMPORAL_NAMESPACE: 'payments' })).temporalUi?.url).toContain('/namespaces/payments/');
  });

  it('find both server workers, the reader agent and the portal on the ports `app up --profile production` gives them', () => {
    expect(targets.workers).toEqual([
      { name: 'worker-1', url: 'http://127.0.0.1:20400/metrics' },
      { name: 'worker-2', url: 'http://127.0.0.1:20401/metrics' },
    ]);
    expect(targets.readerAgents).toEqual([{ name: 'reader-agent-acr30', url: 'http://127.0.0.1:20402/metrics' }]);
    expect(targets.portal).toEqual({ name: 'portal', url: 'http://127.0.0.1:20300/readyz' });
  });
});

describe('the embedded profile\'s status targets', () => {
  it('take the addresses from the variables when set, else from the service manager\'s defaults', () => {
    const set = embeddedTargets({ DATABASE_URL: 'postgres://x@h:1/d', TEMPORAL_ADDRESS: 'h:7', TEMPORAL_UI_URL: 'http://h:8', PURSEFLOW_PORTAL_PORT: '9000' });
    expect(set.databaseUrl).toBe('postgres://x@h:1/d');
    expect(set.temporal).toEqual([{ name: 'temporal', grpc: { address: 'h:7', healthService: '' } }]);
    expect(set.temporalUi?.url).toBe('http://h:8/api/v1/namespaces/default/search-attributes');
    expect(set.portal.url).toBe('http://127.0.0.1:9000/readyz');
    const defaults = embeddedTargets({ PURSEFLOW_DATA_DIR: '/srv/purseflow' });
    expect(defaults.temporal[0].grpc?.address).toBe('127.0.0.1:7233');
    expect(defaults.workers).toEqual([{ name: 'worker', url: 'http://127.0.0.1:9464/metrics' }]);
  });

  it("probe both reader agents `app up` runs, or only the one named with --reader-agent-metrics", () => {
    expect(embeddedTargets({}).readerAgents).toEqual([
      { name: 'reader-agent', url: 'http://127.0.0.1:9465/metrics' },
      { name: 'reader-agent-acr30', url: 'http://127.0.0.1:9466/metrics' },
    ]);
    expect(embeddedTargets({}, { readerAgentMetrics: 'http://agent:1/metrics' }).readerAgents).toEqual([{ name: 'reader-agent', url: 'http://agent:1/metrics' }]);
  });

  it('leave the Web UI out when Temporal is external and no TEMPORAL_UI_URL names its UI', () => {
    expect(embeddedTargets({ TEMPORAL_ADDRESS: 'temporal.internal:7233' }).temporalUi).toBeUndefined();
  });
});

describe('a failed report', () => {
  const down = (part: PartHealth['part'], name: string): PartHealth => ({ part, name, health: 'down', detail: '' });

  it('names the parts and, once each, the command that brings them back on their profile', () => {
    const error = partsDownError([down('services', 'temporal-matching'), down('temporal', 'temporal matching'), down('worker', 'worker-2')], { profile: 'production', dataDir: '/srv/p' });
    expect(error.code).toBe('parts_down');
    expect(error.message).toBe(
      '3 part(s) down: temporal-matching, temporal matching, worker-2. Bring them back with: purseflow services up --profile production; purseflow app up --profile production. Their logs are under /srv/p/logs.',
    );
  });

  it('sends a broken production ledger to the invariant checker with that profile\'s database address', () => {
    expect(remedyFor('ledger', { profile: 'production', dataDir: '/srv/p' })).toBe('set -a; . /srv/p/services.env; set +a; purseflow ledger check');
    expect(remedyFor('portal', { profile: 'embedded', dataDir: '/srv' })).toBe('purseflow app up');
  });

  it('refuses the embedded profile\'s address options on the production profile before probing anything', async () => {
    const program = new Command('purseflow').exitOverride().configureOutput({ writeErr: () => undefined });
    registerStatusCommand(program);
    const error = await program.parseAsync(['node', 'purseflow', 'status', '--profile', 'production', '--worker-metrics', 'http://127.0.0.1:1/metrics']).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StatusCommandError);
    expect((error as StatusCommandError).code).toBe('options_invalid');
    expect((error as StatusCommandError).message).toContain('--worker-metrics');
    expect((error as StatusCommandError).message).toContain('PURSEFLOW_PROD_METRICS_PORT');
  });
});
