import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readServicesConfig, ServicesConfig, servicesDown, servicesStatus, servicesUp } from '../services';

/** A second, throw-away set of services beside the ones the suite runs on: own data folder, own ports. */
function isolatedConfig(dataDir: string, basePort: number): ServicesConfig {
  return readServicesConfig({
    ...process.env,
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    PURSEFLOW_DATA_DIR: dataDir,
    PURSEFLOW_PG_PORT: String(basePort),
    PURSEFLOW_TEMPORAL_PORT: String(basePort + 1),
    PURSEFLOW_TEMPORAL_UI_PORT: String(basePort + 2),
    PURSEFLOW_READY_TIMEOUT_S: '60',
  });
}

function processesMentioning(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(text) && !line.includes('ps -eo'));
}

function freePortBlock(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(Math.min(port, 60000)));
    });
  });
}

describe('purseflow services up/down', () => {
  let dataDir: string;
  let config: ServicesConfig;

  beforeAll(async () => {
    // mkdtemp makes a private (0700) folder, as CI's clone may be: PostgreSQL must still reach its data.
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-services-'));
    config = isolatedConfig(dataDir, await freePortBlock());
  });
  afterAll(async () => {
    await servicesDown(config, ['postgresql', 'temporal']);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts PostgreSQL and Temporal, and a second `up` finds them running without starting more', async () => {
    const first = await servicesUp(config, ['postgresql', 'temporal']);
    expect(first.map((s) => s.state)).toEqual(['started', 'started']);
    const before = processesMentioning(dataDir).length;

    const second = await servicesUp(config, ['postgresql', 'temporal']);
    expect(second.map((s) => s.state)).toEqual(['running', 'running']);
    expect(processesMentioning(dataDir)).toHaveLength(before);
    expect(fs.readFileSync(path.join(dataDir, 'services.env'), 'utf8')).toContain(`DATABASE_URL=postgres://purseflow@127.0.0.1:${config.postgres.port}/purseflow`);
  }, 120_000);

  it('`down` stops them and leaves no process of that data folder behind', async () => {
    const statuses = await servicesDown(config, ['postgresql', 'temporal']);
    expect(statuses.map((s) => s.state)).toEqual(['stopped', 'stopped']);
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(servicesStatus(config, ['postgresql', 'temporal']).map((s) => s.state)).toEqual(['stopped', 'stopped']);
  }, 60_000);

  it('starts again on the data folder of the earlier run, keeping its databases', async () => {
    const again = await servicesUp(config, ['postgresql']);
    expect(again[0].state).toBe('started');
    await servicesDown(config, ['postgresql']);
  }, 60_000);
});
