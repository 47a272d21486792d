import path from 'node:path';
import { parseProductionServiceNames, parseProfile, readProductionConfig, ServiceError } from '../services';
import { serverEnvironment, TEMPORAL_SERVICES } from '../services/production';

const base = { PURSEFLOW_DATA_DIR: '/srv/purseflow' };

describe('the production profile configuration', () => {
  it('keeps its data in its own folder beside the embedded profile', () => {
    expect(readProductionConfig(base).dataDir).toBe(path.resolve('/srv/purseflow/production'));
    expect(readProductionConfig({ ...base, PURSEFLOW_PROD_DATA_DIR: '/srv/prod' }).dataDir).toBe('/srv/prod');
  });

  it('defaults to ports apart from the embedded profile (54329, 7233, 8233), so both run side by side', () => {
    const config = readProductionConfig(base);
    const all = [config.postgres.port, config.ui.port, ...TEMPORAL_SERVICES.flatMap((s) => Object.values(config.temporal.ports[s]))];
    expect(all).not.toEqual(expect.arrayContaining([54329]));
    expect(all.filter((p) => [7233, 8233, 35963].includes(p))).toEqual([]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('lays the four services out on the 13 ports from PURSEFLOW_PROD_TEMPORAL_PORT, each port once', () => {
    const config = readProductionConfig({ ...base, PURSEFLOW_PROD_TEMPORAL_PORT: '20000' });
    const ports = TEMPORAL_SERVICES.flatMap((s) => Object.values(config.temporal.ports[s]));
    expect(ports.sort()).toEqual(Array.from({ length: 13 }, (_, i) => 20000 + i));
    expect(config.temporal.ports.frontend.grpc).toBe(20000);
  });

  it('gives every service process its own metrics port and the whole cluster\'s addresses', () => {
    const config = readProductionConfig(base);
    const db = { host: '127.0.0.1', port: 54339, user: 'temporal', password: '', checkUrl: 'postgres://x' };
    const envs = TEMPORAL_SERVICES.map((s) => serverEnvironment(config, s, db));
    expect(new Set(envs.map((e) => e.TEMPORAL_SERVER_METRICS_PORT)).size).toBe(4);
    for (const env of envs) expect(env.TEMPORAL_SERVER_FRONTEND_ADDRESS).toBe(`127.0.0.1:${config.temporal.frontendPort}`);
  });

  it('refuses a frontend port whose block of 13 would reach 32768, where Temporal cannot store a membership port', () => {
    expect(() => readProductionConfig({ ...base, PURSEFLOW_PROD_TEMPORAL_PORT: '32756' })).toThrow(/PURSEFLOW_PROD_TEMPORAL_PORT=32756 .*smallint/);
    expect(readProductionConfig({ ...base, PURSEFLOW_PROD_TEMPORAL_PORT: '32755' }).temporal.ports.frontend.grpc).toBe(32755);
  });

  it('refuses a PostgreSQL port that is not a TCP port', () => {
    expect(() => readProductionConfig({ ...base, PURSEFLOW_PROD_PG_PORT: 'five' })).toThrow(/PURSEFLOW_PROD_PG_PORT=five is not a TCP port/);
  });

  it('refuses a history shard count of zero', () => {
    expect(() => readProductionConfig({ ...base, PURSEFLOW_PROD_HISTORY_SHARDS: '0' })).toThrow(/PURSEFLOW_PROD_HISTORY_SHARDS/);
  });

  it('refuses a server version that is not a Go module version', () => {
    expect(() => readProductionConfig({ ...base, PURSEFLOW_TEMPORAL_SERVER_VERSION: '1.29' })).toThrow(/v1\.2\.3/);
  });

  it('uses DATABASE_URL\'s server instead of a private cluster when it is set', () => {
    expect(readProductionConfig({ ...base, DATABASE_URL: 'postgres://u:p@db:5432/ledger' }).postgres.externalUrl).toBe('postgres://u:p@db:5432/ledger');
    expect(readProductionConfig(base).postgres.externalUrl).toBeUndefined();
  });
});

describe('choosing a profile and its services', () => {
  it('is the embedded profile unless production is asked for', () => {
    expect(parseProfile(undefined)).toBe('embedded');
    expect(parseProfile('production')).toBe('production');
  });

  it('refuses an unknown profile, naming the two there are', () => {
    expect(() => parseProfile('staging')).toThrow(ServiceError);
    expect(() => parseProfile('staging')).toThrow(/embedded or production/);
  });

  it('refuses a service the production profile does not run', () => {
    expect(() => parseProductionServiceNames('postgresql,pcscd')).toThrow(/pcscd: is not a service of the production profile/);
    expect(parseProductionServiceNames('temporal,temporal-ui')).toEqual(['temporal', 'temporal-ui']);
  });
});
