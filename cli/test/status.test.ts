// `purseflow status` against the running services: real PostgreSQL, the real Temporal dev server,
// a real /metrics endpoint served by workflows/observability, and ports where nothing listens.
import { createServer } from 'node:net';
import { Command, CommanderError } from 'commander';
import { migrateLedger } from '../../ledger';
import { createTestDatabase, type TestDatabase } from '../../test-support/postgres';
import { createReaderAgentMetrics, createWorkerMetrics, serveMetrics, type MetricsServer } from '../../workflows';
import { STATUS_PARTS, StatusCommandError, registerStatusCommand } from '../commands/status';

jest.setTimeout(30_000);

let database: TestDatabase;
let metrics: MetricsServer;
let closedPort: number;
let output: string[];
let write: jest.SpyInstance;
const saved = { ...process.env };

beforeAll(async () => {
  database = await createTestDatabase('cli_status');
  await migrateLedger(database.db);
  metrics = await serveMetrics({ registry: createWorkerMetrics().registry, port: 0, host: '127.0.0.1' });
  // A port that was free a moment ago: nothing answers there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
afterAll(async () => {
  await metrics?.close();
  await database?.drop();
});
beforeEach(() => {
  output = [];
  write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  });
  process.env.DATABASE_URL = database.url;
});
afterEach(() => {
  write.mockRestore();
  process.env = { ...saved };
});

async function status(...args: string[]): Promise<unknown> {
  const program = new Command('purseflow').exitOverride().configureOutput({ writeErr: () => undefined });
  registerStatusCommand(program);
  return program.parseAsync(['node', 'purseflow', 'status', ...args]).then(
    () => undefined,
    (err: unknown) => err,
  );
}

const line = (name: string): string | undefined => output.join('').split('\n').find((l) => new RegExp(`^(up  |DOWN|-   )  ${name}\\b`).test(l));

test('PostgreSQL, Temporal and the ledger are reported up and the command succeeds when they are all it checks', async () => {
  expect(await status('--parts', 'postgresql,temporal,ledger')).toBeUndefined();
  expect(line('postgresql')).toMatch(/^up {4}postgresql +reachable \(PostgreSQL \d+/);
  expect(line('temporal')).toMatch(/^up {4}temporal +reachable at .* \(serving\)/);
  expect(line('ledger invariants')).toMatch(/all hold/);
  expect(output.join('')).toContain('all parts up');
});

test("the worker's /metrics is up when it serves purseflow metrics; a reader agent nobody runs is down and the command fails", async () => {
  const error = await status('--parts', 'worker,reader-agent', '--worker-metrics', `http://127.0.0.1:${metrics.port}/metrics`, '--reader-agent-metrics', `http://127.0.0.1:${closedPort}/metrics`);
  expect(line('worker')).toMatch(/^up /);
  expect(line('reader-agent')).toMatch(/^DOWN {2}reader-agent .*unreachable/);
  expect(error).toBeInstanceOf(StatusCommandError);
  expect((error as StatusCommandError).code).toBe('parts_down');
  expect((error as StatusCommandError).message).toContain('reader-agent');
});

test('a URL that is not a /metrics page does not pass for a worker', async () => {
  const error = await status('--parts', 'worker', '--worker-metrics', `http://127.0.0.1:${metrics.port}/not-metrics`);
  expect(line('worker')).toMatch(/^DOWN .*answered 404/);
  expect(error).toBeInstanceOf(StatusCommandError);
});

test("another process's metrics page does not pass for the server worker", async () => {
  // A reader agent's page is a valid /metrics, but it has no download counters.
  const agent = await serveMetrics({ registry: createReaderAgentMetrics('r1').registry, port: 0, host: '127.0.0.1' });
  try {
    const error = await status('--parts', 'worker', '--worker-metrics', `http://127.0.0.1:${agent.port}/metrics`);
    expect(line('worker')).toMatch(/^DOWN .*no purseflow_downloads_total/);
    expect(error).toBeInstanceOf(StatusCommandError);
  } finally {
    await agent.close();
  }
});

test('an unreachable PostgreSQL is reported down with the reason', async () => {
  process.env.DATABASE_URL = `postgres://nobody:x@127.0.0.1:${closedPort}/none`;
  const error = await status('--parts', 'postgresql');
  expect(line('postgresql')).toMatch(/^DOWN {2}postgresql +unreachable: .*ECONNREFUSED/);
  expect(output.join('')).not.toContain('nobody:x');
  expect((error as StatusCommandError).code).toBe('parts_down');
});

test('an unreachable Temporal is reported down', async () => {
  process.env.TEMPORAL_ADDRESS = `127.0.0.1:${closedPort}`;
  const error = await status('--parts', 'temporal');
  expect(line('temporal')).toMatch(/^DOWN {2}temporal +unreachable at 127\.0\.0\.1:/);
  expect(error).toBeInstanceOf(StatusCommandError);
});

test("the dev server's Web UI is up when it answers with our search attributes, down when nothing answers at TEMPORAL_UI_URL", async () => {
  expect(await status('--parts', 'temporal-ui')).toBeUndefined();
  expect(line('temporal web ui')).toMatch(/^up {4}temporal web ui +http:.*\/api\/v1\/namespaces\/default\/search-attributes ok/);
  process.env.TEMPORAL_UI_URL = `http://127.0.0.1:${closedPort}`;
  output.length = 0;
  const error = await status('--parts', 'temporal-ui');
  expect(line('temporal web ui')).toMatch(/^DOWN {2}temporal web ui +.*unreachable/);
  expect((error as StatusCommandError).message).toContain('purseflow services up');
});

test('a portal that does not answer /readyz is down', async () => {
  const error = await status('--parts', 'portal', '--portal', `http://127.0.0.1:${closedPort}/readyz`);
  expect(line('portal')).toMatch(/^DOWN {2}portal /);
  expect(error).toBeInstanceOf(StatusCommandError);
});

test('the full report has a line for every part and fails exactly when one of them is down', async () => {
  const error = await status('--worker-metrics', `http://127.0.0.1:${metrics.port}/metrics`, '--reader-agent-metrics', `http://127.0.0.1:${closedPort}/metrics`, '--portal', `http://127.0.0.1:${closedPort}/readyz`);
  const lines = output.join('').split('\n').filter((l) => /^(up {2}|DOWN|- {3})/.test(l));
  for (const name of ['postgresql', 'temporal', 'temporal web ui', 'worker', 'reader-agent', 'portal', 'ledger invariants', 'app worker', 'app portal']) expect(line(name)).toBeDefined();
  expect(lines.length).toBeGreaterThanOrEqual(STATUS_PARTS.length);
  expect(lines.some((l) => l.startsWith('DOWN'))).toBe(true);
  expect((error as StatusCommandError).code).toBe('parts_down');
});

test('an app process that `purseflow app` does not run is shown idle, never as a failure', async () => {
  const error = await status('--parts', 'services');
  const apps = ['worker', 'sim-card', 'reader-agent', 'portal'].map((name) => line(`app ${name}`));
  for (const l of apps) expect(l).toMatch(/^(up {2}|- {3}) /);
  const servicesDown = ['postgresql', 'temporal', 'pcscd'].some((name) => line(name)?.startsWith('DOWN'));
  expect(error === undefined).toBe(!servicesDown);
});

test('an unknown part is refused before anything is probed', async () => {
  const error = await status('--parts', 'postgresql,kettle');
  expect(error).toBeInstanceOf(CommanderError);
  expect((error as CommanderError).message).toContain('kettle');
  expect(output.join('')).not.toContain('postgresql');
});
