import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { temporal } from '@temporalio/proto';
import {
  freePortRun,
  APP_METRICS_PORTS,
  appPids,
  productionApp,
  productionAppStart,
  REPOSITORY_ROOT,
  productionDown,
  productionStatus,
  productionUp,
  readProductionConfig,
  ProductionConfig,
  resolveTemporalBinaries,
  SEARCH_ATTRIBUTES,
  ServiceError,
  temporalBinariesCached,
  PORT_BLOCK_SIZE,
  restartTemporalServices,
  TEMPORAL_SERVICES,
  temporalServicePid,
} from '../services';
import { ensureTemporalSchemas, temporalDatabaseServer, temporalSchemaDirs } from '../services/production';
import { SERVER_TASK_QUEUE } from '../../workflows';
import { echoWorkflow } from './fixtures/echo-workflow';
import { quietTemporalRuntime } from '../../test-support/temporal';

quietTemporalRuntime();

/** The processes whose command line names this data folder: ours, and nobody else's. */
function processesOf(dataDir: string): Map<number, string> {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  const found = new Map<number, string>();
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (m && m[2].includes(dataDir) && !m[2].startsWith('ps ')) found.set(Number(m[1]), m[2]);
  }
  return found;
}



/** The variables of an isolated production profile: what a person would export before `purseflow … --profile production`. */
function isolatedEnvironment(dataDir: string, base: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    PURSEFLOW_DATA_DIR: dataDir,
    PURSEFLOW_PROD_PG_PORT: String(base),
    PURSEFLOW_PROD_TEMPORAL_PORT: String(base + 1),
    PURSEFLOW_PROD_TEMPORAL_UI_PORT: String(base + 1 + PORT_BLOCK_SIZE),
    PURSEFLOW_PROD_PORTAL_PORT: String(base + 2 + PORT_BLOCK_SIZE),
    PURSEFLOW_PROD_METRICS_PORT: String(base + 3 + PORT_BLOCK_SIZE),
    PURSEFLOW_READY_TIMEOUT_S: '60',
  };
}

/** The pollers of a task queue of the profile's namespace: who serves it right now. */
async function pollerIdentities(connection: Connection, namespace: string, name: string, type: temporal.api.enums.v1.TaskQueueType): Promise<string[]> {
  const { pollers } = await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name }, taskQueueType: type });
  return (pollers ?? []).map((p) => p.identity ?? '');
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const cliEntry = path.join(REPOSITORY_ROOT, 'dist', 'cli', 'main.js');

describe('purseflow services up --profile production', () => {
  let dataDir: string;
  let config: ProductionConfig;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-production-'));
    // The private cluster runs as the `postgres` user when we are root: it must reach its folder.
    fs.chmodSync(dataDir, 0o755);
    // `app up` starts this checkout's built CLI, as `npm run start:production` does.
    if (!fs.existsSync(cliEntry)) throw new Error(`${cliEntry} is missing: build first (npx tsc -p tsconfig.build.json); npm test does it.`);
    env = isolatedEnvironment(dataDir, await freePortRun(PORT_BLOCK_SIZE + 3 + APP_METRICS_PORTS));
    config = readProductionConfig(env);
    // CI keeps ~/.cache between runs; a fresh machine builds the server once here (about five minutes).
    if (!temporalBinariesCached(config)) resolveTemporalBinaries(config, (line) => console.log(line));
  }, 15 * 60_000);

  afterAll(async () => {
    await productionDown(config);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('starts PostgreSQL, the four Temporal services as four processes, the namespace and the Web UI', async () => {
    const statuses = await productionUp(config);
    expect(statuses.map((s) => [s.name, s.state])).toEqual([
      ['postgresql', 'started'],
      ['temporal-history', 'started'],
      ['temporal-matching', 'started'],
      ['temporal-frontend', 'started'],
      ['temporal-worker', 'started'],
      ['temporal-namespace', 'started'],
      ['temporal-ui', 'started'],
    ]);
    const servers = [...processesOf(dataDir).values()].filter((args) => args.includes(' start --service '));
    expect(servers.map((args) => /--service (\w+)/.exec(args)?.[1]).sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
    expect(servers.every((args) => args.match(/--service/g)?.length === 1)).toBe(true);
  }, 120_000);

  it('runs a workflow with our search attributes on a real worker against its frontend', async () => {
    const address = `127.0.0.1:${config.temporal.frontendPort}`;
    const taskQueue = `production-profile-${process.pid}`;
    const nativeConnection = await NativeConnection.connect({ address });
    const connection = await Connection.connect({ address });
    try {
      const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowsPath: require.resolve('./fixtures/echo-workflow') });
      const client = new Client({ connection, namespace: config.temporal.namespace });
      const kind = defineSearchAttributeKey('PurseflowKind', SearchAttributeType.KEYWORD);
      const result = await worker.runUntil(
        client.workflow.execute(echoWorkflow, { taskQueue, workflowId: taskQueue, args: ['250.00'], typedSearchAttributes: [{ key: kind, value: 'probe' }] }),
      );
      expect(result).toBe('echo 250.00');
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: config.temporal.namespace });
      expect(Object.keys(customAttributes ?? {}).sort()).toEqual(SEARCH_ATTRIBUTES.map(([name]) => name).sort());
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  }, 120_000);

  it('serves the Temporal Web UI against the cluster, with our search attributes', async () => {
    const response = await fetch(`http://127.0.0.1:${config.ui.port}/api/v1/namespaces/${config.temporal.namespace}/search-attributes`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('PurseflowState');
    expect((await fetch(`http://127.0.0.1:${config.ui.port}/`)).status).toBe(200);
  });

  it('a second `up` finds everything running and starts no process', async () => {
    const before = [...processesOf(dataDir).keys()].sort();
    const statuses = await productionUp(config);
    expect(statuses.every((s) => s.state === 'running')).toBe(true);
    expect([...processesOf(dataDir).keys()].sort()).toEqual(before);
  }, 60_000);

  it('`app up --profile production` starts two server workers, the simulated ACR30S with its reader agent, and the portal on the cluster', async () => {
    const statuses = await productionAppStart(config, cliEntry);
    expect(statuses.map((s) => [s.name, s.state])).toEqual([
      ['worker-1', 'started'],
      ['worker-2', 'started'],
      ['serial-line', 'started'],
      ['sim-acr30', 'started'],
      ['reader-agent-acr30', 'started'],
      ['portal', 'started'],
    ]);
    for (const port of [config.app.metricsPort, config.app.metricsPort + 1]) expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${config.app.portalPort}/readyz`)).status).toBe(200);
    // Both workers poll the server task queue of this cluster's namespace, the agent its reader's queue.
    const pids = appPids(productionApp(config));
    const connection = await Connection.connect({ address: `127.0.0.1:${config.temporal.frontendPort}` });
    try {
      const { WORKFLOW, ACTIVITY } = { WORKFLOW: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, ACTIVITY: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY };
      const workers = [pids.get('worker-1'), pids.get('worker-2')].map((pid) => `${pid}@`);
      const serving = await eventually(
        () => pollerIdentities(connection, config.temporal.namespace, SERVER_TASK_QUEUE, WORKFLOW),
        (ids) => workers.every((w) => ids.some((id) => id.startsWith(w))),
      );
      expect(workers.filter((w) => !serving.some((id) => id.startsWith(w)))).toEqual([]);
      const agent = await eventually(
        () => pollerIdentities(connection, config.temporal.namespace, 'reader-demo-acr30', ACTIVITY),
        (ids) => ids.length > 0,
      );
      expect(agent.length).toBeGreaterThan(0);
    } finally {
      await connection.close();
    }
  }, 240_000);

  it('a second `purseflow app up --profile production` finds every app process running and starts none', () => {
    const before = appPids(productionApp(config));
    const up = spawnSync(process.execPath, [cliEntry, 'app', 'up', '--profile', 'production'], { encoding: 'utf8', env });
    // Its error output is shown only when it failed: a Node warning on stderr is no failure.
    expect({ status: up.status, stderr: up.status === 0 ? '' : up.stderr }).toEqual({ status: 0, stderr: '' });
    expect(up.stdout.trim().split('\n').map((line) => line.split(/\s+/).slice(0, 2))).toEqual([...before.keys()].map((name) => [name, 'running']));
    expect(appPids(productionApp(config))).toEqual(before);
    const status = spawnSync(process.execPath, [cliEntry, 'app', 'status', '--profile', 'production'], { encoding: 'utf8', env });
    expect(status.status).toBe(0);
  }, 60_000);

  /** `purseflow status --profile production` as a person runs it, with the profile's variables; generous probe time-outs for a loaded machine. */
  const status = (...args: string[]) => spawnSync(process.execPath, [cliEntry, 'status', '--profile', 'production', '--timeout', '20', ...args], { encoding: 'utf8', env });
  const reportLine = (stdout: string, name: string): string | undefined => stdout.split('\n').find((l) => l.startsWith(`up    ${name} `) || l.startsWith(`DOWN  ${name} `) || l.startsWith(`-     ${name} `));

  it('`status --profile production` reports every part of the profile up: PostgreSQL, each Temporal process, the Web UI, both workers, the reader agent, the portal, the ledger', () => {
    const report = status();
    expect({ status: report.status, output: report.status === 0 ? '' : `${report.stdout}${report.stderr}` }).toEqual({ status: 0, output: '' });
    const processes = ['postgresql', ...TEMPORAL_SERVICES.map((s) => `temporal-${s}`), 'temporal-ui', ...[...appPids(productionApp(config)).keys()].map((name) => `app ${name}`)];
    const answering = [...TEMPORAL_SERVICES.map((s) => `temporal ${s}`), 'temporal web ui', 'worker-1', 'worker-2', 'reader-agent-acr30', 'portal', 'ledger invariants'];
    for (const name of [...processes, ...answering]) expect([name, reportLine(report.stdout, name)?.slice(0, 4)]).toEqual([name, 'up  ']);
    // Each server process answers gRPC health under its own service name, and its metrics port is its own.
    const { ports } = config.temporal;
    expect(reportLine(report.stdout, 'temporal history')).toContain(`reachable at 127.0.0.1:${ports.history.grpc} (serving)`);
    expect(reportLine(report.stdout, 'temporal worker')).toContain(`http://127.0.0.1:${ports.worker.metrics}/metrics ok`);
    expect(reportLine(report.stdout, 'worker-2')).toContain(`http://127.0.0.1:${config.app.metricsPort + 1}/metrics ok`);
    expect(reportLine(report.stdout, 'portal')).toContain(`http://127.0.0.1:${config.app.portalPort}/readyz ok`);
    expect(report.stdout).toContain('all parts up');
  }, 60_000);

  it('`status --profile production` names a killed Temporal matching process DOWN, exits 1 and says how to bring it back; restarted, it is up again', async () => {
    const pid = temporalServicePid(config, 'matching');
    expect(pid).toBeDefined();
    process.kill(pid as number, 'SIGKILL');
    await eventually(async () => isRunning(pid as number), (alive) => !alive);
    const report = status('--parts', 'services,temporal');
    expect(report.status).toBe(1);
    expect(reportLine(report.stdout, 'temporal-matching')).toMatch(/^DOWN +temporal-matching +stopped/);
    expect(reportLine(report.stdout, 'temporal matching')).toMatch(/^DOWN +temporal matching +no temporal matching process.*unreachable at 127\.0\.0\.1:/);
    expect(reportLine(report.stdout, 'temporal frontend')).toMatch(/^up /);
    // --parts keeps the report to the parts asked for.
    expect(reportLine(report.stdout, 'worker-1')).toBeUndefined();
    expect(report.stderr).toContain('[parts_down] 2 part(s) down: temporal-matching, temporal matching.');
    expect(report.stderr).toContain('purseflow services up --profile production');
    await restartTemporalServices(config, resolveTemporalBinaries(config).server);
    const back = await eventually(async () => status('--parts', 'services,temporal'), (r) => r.status === 0);
    expect({ status: back.status, output: back.status === 0 ? '' : back.stdout }).toEqual({ status: 0, output: '' });
  }, 180_000);

  it('`up` refuses a port already taken by another program and names the variable to change', async () => {
    await productionDown(config, ['temporal-ui']);
    const squatter = net.createServer().listen(config.ui.port, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    try {
      const failure = await productionUp(config, ['temporal-ui']).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(ServiceError);
      expect((failure as ServiceError).code).toBe('port_taken');
      expect((failure as ServiceError).message).toContain('PURSEFLOW_PROD_TEMPORAL_UI_PORT');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  }, 30_000);

  it('`down` stops every process of its data folder, the app processes first, and leaves none behind', async () => {
    const app = [...appPids(productionApp(config)).values()];
    expect(app).toHaveLength(6);
    const statuses = await productionDown(config);
    expect(app.filter(isRunning)).toEqual([]);
    expect(statuses.every((s) => s.state === 'stopped')).toBe(true);
    expect([...processesOf(dataDir).values()]).toEqual([]);
    expect(productionStatus(config).every((s) => s.state === 'stopped')).toBe(true);
  }, 60_000);
});

describe('Temporal\'s schemas on DATABASE_URL\'s server', () => {
  // The suite's own PostgreSQL plays an existing server; the databases get names of their own and are dropped.
  const suffix = `${process.pid}_${Date.now()}`;
  const base = readProductionConfig({ ...process.env, DATABASE_URL: process.env.DATABASE_URL });
  const config: ProductionConfig = {
    ...base,
    temporal: { ...base.temporal, databaseName: `t_temporal_${suffix}`, visibilityDatabaseName: `t_temporal_vis_${suffix}` },
  };
  const admin = () => new PgClient({ connectionString: process.env.DATABASE_URL });

  afterAll(async () => {
    const client = admin();
    await client.connect();
    try {
      for (const name of [config.temporal.databaseName, config.temporal.visibilityDatabaseName]) await client.query(`DROP DATABASE IF EXISTS ${name}`);
    } finally {
      await client.end();
    }
  });

  it('creates both databases and brings their schemas to the server\'s version, twice without harm', async () => {
    const binaries = resolveTemporalBinaries(config);
    const server = temporalDatabaseServer(config, 'unused');
    await ensureTemporalSchemas(config, server, binaries.sql, temporalSchemaDirs(config));
    await ensureTemporalSchemas(config, server, binaries.sql, temporalSchemaDirs(config));
    const url = new URL(process.env.DATABASE_URL as string);
    for (const name of [config.temporal.databaseName, config.temporal.visibilityDatabaseName]) {
      url.pathname = `/${name}`;
      const client = new PgClient({ connectionString: url.toString() });
      await client.connect();
      try {
        const { rows } = await client.query<{ curr_version: string }>('SELECT curr_version FROM schema_version');
        expect([name, rows.length, rows[0].curr_version]).toEqual([name, 1, expect.stringMatching(/^1\.\d+$/)]);
      } finally {
        await client.end();
      }
    }
  }, 60_000);
});
