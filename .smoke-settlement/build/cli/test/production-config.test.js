"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const node_path_1 = __importDefault(require("node:path"));
const services_1 = require("../services");
const production_1 = require("../services/production");
const base = { PURSEFLOW_DATA_DIR: '/srv/purseflow' };
describe('the production profile configuration', () => {
    it('keeps its data in its own folder beside the embedded profile', () => {
        expect((0, services_1.readProductionConfig)(base).dataDir).toBe(node_path_1.default.resolve('/srv/purseflow/production'));
        expect((0, services_1.readProductionConfig)({ ...base, PURSEFLOW_PROD_DATA_DIR: '/srv/prod' }).dataDir).toBe('/srv/prod');
    });
    it('defaults to ports apart from the embedded profile (54329, 7233, 8233), so both run side by side', () => {
        const config = (0, services_1.readProductionConfig)(base);
        const all = [config.postgres.port, config.ui.port, ...production_1.TEMPORAL_SERVICES.flatMap((s) => Object.values(config.temporal.ports[s]))];
        expect(all).not.toEqual(expect.arrayContaining([54329]));
        expect(all.filter((p) => [7233, 8233, 35963].includes(p))).toEqual([]);
        expect(new Set(all).size).toBe(all.length);
    });
    it('lays the four services out on the 13 ports from PURSEFLOW_PROD_TEMPORAL_PORT, each port once', () => {
        const config = (0, services_1.readProductionConfig)({ ...base, PURSEFLOW_PROD_TEMPORAL_PORT: '20000' });
        const ports = production_1.TEMPORAL_SERVICES.flatMap((s) => Object.values(config.temporal.ports[s]));
        expect(ports.sort()).toEqual(Array.from({ length: 13 }, (_, i) => 20000 + i));
        expect(config.temporal.ports.frontend.grpc).toBe(20000);
    });
    it('gives every service process its own metrics port and the whole cluster\'s addresses', () => {
        const config = (0, services_1.readProductionConfig)(base);
        const db = { host: '127.0.0.1', port: 54339, user: 'temporal', password: '', checkUrl: 'postgres://x' };
        const envs = production_1.TEMPORAL_SERVICES.map((s) => (0, production_1.serverEnvironment)(config, s, db));
        expect(new Set(envs.map((e) => e.TEMPORAL_SERVER_METRICS_PORT)).size).toBe(4);
        for (const env of envs)
            expect(env.TEMPORAL_SERVER_FRONTEND_ADDRESS).toBe(`127.0.0.1:${config.temporal.frontendPort}`);
    });
    it('refuses a frontend port whose block of 13 would reach 32768, where Temporal cannot store a membership port', () => {
        expect(() => (0, services_1.readProductionConfig)({ ...base, PURSEFLOW_PROD_TEMPORAL_PORT: '32756' })).toThrow(/PURSEFLOW_PROD_TEMPORAL_PORT=32756 .*smallint/);
        expect((0, services_1.readProductionConfig)({ ...base, PURSEFLOW_PROD_TEMPORAL_PORT: '32755' }).temporal.ports.frontend.grpc).toBe(32755);
    });
    it('refuses a PostgreSQL port that is not a TCP port', () => {
        expect(() => (0, services_1.readProductionConfig)({ ...base, PURSEFLOW_PROD_PG_PORT: 'five' })).toThrow(/PURSEFLOW_PROD_PG_PORT=five is not a TCP port/);
    });
    it('refuses a history shard count of zero', () => {
        expect(() => (0, services_1.readProductionConfig)({ ...base, PURSEFLOW_PROD_HISTORY_SHARDS: '0' })).toThrow(/PURSEFLOW_PROD_HISTORY_SHARDS/);
    });
    it('refuses a server version that is not a Go module version', () => {
        expect(() => (0, services_1.readProductionConfig)({ ...base, PURSEFLOW_TEMPORAL_SERVER_VERSION: '1.29' })).toThrow(/v1\.2\.3/);
    });
    it('uses DATABASE_URL\'s server instead of a private cluster when it is set', () => {
        expect((0, services_1.readProductionConfig)({ ...base, DATABASE_URL: 'postgres://u:p@db:5432/ledger' }).postgres.externalUrl).toBe('postgres://u:p@db:5432/ledger');
        expect((0, services_1.readProductionConfig)(base).postgres.externalUrl).toBeUndefined();
    });
});
describe('choosing a profile and its services', () => {
    it('is the embedded profile unless production is asked for', () => {
        expect((0, services_1.parseProfile)(undefined)).toBe('embedded');
        expect((0, services_1.parseProfile)('production')).toBe('production');
    });
    it('refuses an unknown profile, naming the two there are', () => {
        expect(() => (0, services_1.parseProfile)('staging')).toThrow(services_1.ServiceError);
        expect(() => (0, services_1.parseProfile)('staging')).toThrow(/embedded or production/);
    });
    it('refuses a service the production profile does not run', () => {
        expect(() => (0, services_1.parseProductionServiceNames)('postgresql,pcscd')).toThrow(/pcscd: is not a service of the production profile/);
        expect((0, services_1.parseProductionServiceNames)('temporal,temporal-ui')).toEqual(['temporal', 'temporal-ui']);
    });
});
