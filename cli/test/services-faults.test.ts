import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildTemporalCli, freePortRun, readServicesConfig, ServiceError, servicesDown, servicesUp, servicesStatus } from '../services';

function listenOnAnyPort(): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => resolve(server));
  });
}


async function expectServiceError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    return err as ServiceError;
  }
  throw new Error('expected a ServiceError');
}

describe('services: faults are named with what to do', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-faults-'));
    fs.chmodSync(dataDir, 0o755);
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('a port already taken names the variable to change', async () => {
    const squatter = await listenOnAnyPort();
    const { port } = squatter.address() as net.AddressInfo;
    try {
      const config = readServicesConfig({ ...process.env, DATABASE_URL: '', PURSEFLOW_DATA_DIR: dataDir, PURSEFLOW_PG_PORT: String(port) });
      const err = await expectServiceError(servicesUp(config, ['postgresql']));
      expect(err.code).toBe('port_taken');
      expect(err.message).toContain(`port ${port}`);
      expect(err.message).toContain('PURSEFLOW_PG_PORT');
    } finally {
      squatter.close();
    }
  });

  it('a stale pid file from a crashed run is cleared and does not block a start or fake a running service', async () => {
    fs.mkdirSync(path.join(dataDir, 'run'), { recursive: true });
    // A pid that is certainly not a temporal dev server: this very test process.
    fs.writeFileSync(path.join(dataDir, 'run', 'temporal.pid'), `${process.pid}\n`);
    const config = readServicesConfig({ ...process.env, TEMPORAL_ADDRESS: '', PURSEFLOW_DATA_DIR: dataDir });
    expect(servicesStatus(config, ['temporal'])[0].state).toBe('stopped');
    expect(fs.existsSync(path.join(dataDir, 'run', 'temporal.pid'))).toBe(false);
  });

  it('a PostgreSQL data folder from another major version is refused with the folder and the way out', async () => {
    const pgData = path.join(dataDir, 'postgres', 'data');
    fs.mkdirSync(pgData, { recursive: true });
    fs.writeFileSync(path.join(pgData, 'PG_VERSION'), '9\n');
    const config = readServicesConfig({ ...process.env, DATABASE_URL: '', PURSEFLOW_DATA_DIR: dataDir, PURSEFLOW_PG_PORT: '1' });
    const err = await expectServiceError(servicesUp(config, ['postgresql']));
    expect(err.code).toBe('data_dir_incompatible');
    expect(err.message).toContain(pgData);
    expect(err.message).toContain('PURSEFLOW_DATA_DIR');
  });

  it('a service that is not ready within its time limit is named with the path of its log', async () => {
    // A "temporal" that starts and never listens.
    fs.mkdirSync(path.join(dataDir, 'fake-bin'));
    const fake = path.join(dataDir, 'fake-bin', 'temporal');
    fs.writeFileSync(fake, '#!/bin/sh\n# start-dev\nexec sleep 30\n', { mode: 0o755 });
    const port = await freePortRun(2);
    const config = readServicesConfig({
      ...process.env,
      TEMPORAL_ADDRESS: '',
      PURSEFLOW_DATA_DIR: dataDir,
      PURSEFLOW_TEMPORAL_BIN: fake,
      PURSEFLOW_TEMPORAL_PORT: String(port),
      PURSEFLOW_TEMPORAL_UI_PORT: String(port + 1),
      PURSEFLOW_READY_TIMEOUT_S: '1.5',
    });
    const err = await expectServiceError(servicesUp(config, ['temporal'])).finally(() => servicesDown(config, ['temporal']));
    expect(err.code).toBe('not_ready');
    expect(err.message).toContain('temporal');
    expect(err.message).toContain(path.join(dataDir, 'logs', 'temporal.log'));
  });

  it('a failing Go build shows what Go said instead of swallowing it', () => {
    const config = readServicesConfig({
      ...process.env,
      PURSEFLOW_TOOLS_DIR: path.join(dataDir, 'tools'),
      PURSEFLOW_TEMPORAL_CLI_VERSION: 'v0.0.0-no-such-version',
      GOFLAGS: '-mod=mod',
      GOPROXY: 'off',
    });
    try {
      buildTemporalCli(config);
      throw new Error('expected the build to fail');
    } catch (err) {
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as ServiceError).code).toBe('build_failed');
      expect((err as ServiceError).message).toContain('v0.0.0-no-such-version');
      expect((err as ServiceError).message).toMatch(/Go said:\n.*(module|proxy|GOPROXY|version)/s);
    }
  });

  it('a port variable that is not a port is refused before anything starts', () => {
    expect(() => readServicesConfig({ PURSEFLOW_PG_PORT: 'fivethousand' })).toThrow(/PURSEFLOW_PG_PORT=fivethousand is not a TCP port/);
  });
});
