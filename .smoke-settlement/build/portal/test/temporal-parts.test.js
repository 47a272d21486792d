"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const node_crypto_1 = require("node:crypto");
const client_1 = require("@temporalio/client");
const index_1 = require("../index");
const postgres_1 = require("../../test-support/postgres");
const temporal_1 = require("../../test-support/temporal");
/**
 * The binding to the real Temporal (dev server of `purseflow services up`). No worker runs here:
 * what is checked is what needs none — reachability, starting a download once per request id,
 * and who owns it.
 */
let database;
let connection;
let parts;
let client;
beforeAll(async () => {
    database = await (0, postgres_1.createTestDatabase)('portal_temporal');
    await (0, index_1.migratePortal)(database.db);
    connection = await client_1.Connection.connect({ address: (0, temporal_1.temporalAddress)() });
    client = new client_1.Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
    parts = new index_1.TemporalParts({ client, db: database.db, taskQueue: `portal-test-${(0, node_crypto_1.randomUUID)()}` });
});
afterAll(async () => {
    await connection?.close();
    await database?.drop();
});
test('/readyz answers ready against the real PostgreSQL and Temporal', async () => {
    const app = await (0, index_1.buildPortal)({ db: database.db, workflows: parts, ledger: parts, sessionKey: (0, node_crypto_1.randomBytes)(32), logger: false });
    try {
        const res = await app.inject('/readyz');
        expect(res.json()).toEqual({ status: 'ready', checks: { postgres: { ok: true }, temporal: { ok: true } } });
    }
    finally {
        await app.close();
    }
});
test('a download started twice with one request id is one workflow, owned by its customer', async () => {
    const requestId = (0, node_crypto_1.randomUUID)();
    const request = { requestId, customerId: 'cust-7', csn: '6071000000000019', purse: 'ecash', amountMinor: 2500n, mode: 'offline', readerId: null };
    const first = await parts.startDownload(request);
    const second = await parts.startDownload(request);
    expect(second.downloadId).toBe(first.downloadId);
    expect(first).toMatchObject({ downloadId: `download-${requestId}`, customerId: 'cust-7', step: 'waiting_for_request_code', finished: false });
    const rows = await database.db('portal_downloads').where({ request_id: requestId });
    expect(rows).toHaveLength(1);
    const description = await client.workflow.getHandle(first.downloadId).describe();
    expect(description.status.name).toBe('RUNNING');
    await client.workflow.getHandle(first.downloadId).terminate('portal test cleanup');
});
test('a download the portal did not start is unknown to it', async () => {
    expect(await parts.download('download-not-started-here')).toBeNull();
});
test('what workflows/client does not offer yet answers with a clear error, not with data', async () => {
    await expect(parts.cardsOf('cust-7')).rejects.toMatchObject({ code: 'workflows_unavailable' });
    await expect(parts.balancesOf('cust-7')).rejects.toMatchObject({ code: 'workflows_unavailable' });
});
