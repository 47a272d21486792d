import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { buildPortal, migratePortal, TemporalParts } from '../index';
import { createTestDatabase, type TestDatabase } from '../../test-support/postgres';
import { temporalAddress } from '../../test-support/temporal';
import { estbFile } from './support/harness';
import { migrateLedger } from '../../ledger';
import { decodeLogRecord } from '../../card-driver';
import { migrateRegistry, migrateSettlement } from '../../workflows';

/**
 * The binding to the real Temporal (dev server of `purseflow services up`). No worker runs here:
 * what is checked is what needs none — reachability, starting a download once per request id,
 * and who owns it.
 */
let database: TestDatabase;
let connection: Connection;
let parts: TemporalParts;
let client: Client;
beforeAll(async () => {
  database = await createTestDatabase('portal_temporal');
  await migrateLedger(database.db);
  await migrateRegistry(database.db);
  await migrateSettlement(database.db);
  await migratePortal(database.db);
  connection = await Connection.connect({ address: temporalAddress() });
  client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  parts = new TemporalParts({ client, db: database.db, taskQueue: `portal-test-${randomUUID()}`, uploadDir: join(tmpdir(), `purseflow-portal-uploads-${randomUUID()}`), decodeLogRecord });
});
afterAll(async () => {
  await connection?.close();
  await database?.drop();
});

test('/readyz answers ready against the real PostgreSQL and Temporal', async () => {
  const app = await buildPortal({ db: database.db, workflows: parts, ledger: parts, sessionKey: randomBytes(32), logger: false });
  try {
    const res = await app.inject('/readyz');
    expect(res.json()).toEqual({ status: 'ready', checks: { postgres: { ok: true }, temporal: { ok: true } } });
  } finally {
    await app.close();
  }
});

test('a download started twice with one request id is one workflow, owned by its customer', async () => {
  const requestId = randomUUID();
  const request = { requestId, customerId: 'cust-7', csn: '6071000000000019', purse: 'ecash' as const, amountMinor: 2500n, mode: 'offline' as const, readerId: null };
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

test('a customer the registry does not know has no cards, no accounts and no readers', async () => {
  expect(await parts.cardsOf('cust-7')).toEqual([]);
  expect(await parts.balancesOf('cust-7')).toEqual([]);
  expect(await parts.onlineReadersOf('cust-7')).toEqual([]);
});

test("before the workflows' tables exist (no worker ran yet) the customer's data answers workflows_unavailable, not a crash", async () => {
  const bare = await createTestDatabase('portal_bare');
  try {
    const early = new TemporalParts({ client, db: bare.db, uploadDir: join(tmpdir(), `purseflow-portal-uploads-${randomUUID()}`), decodeLogRecord });
    await expect(early.cardsOf('cust-7')).rejects.toMatchObject({ code: 'workflows_unavailable', message: expect.stringContaining('start the server worker') });
    await expect(early.balancesOf('cust-7')).rejects.toMatchObject({ code: 'workflows_unavailable' });
    await expect(early.onlineReadersOf('cust-7')).rejects.toMatchObject({ code: 'workflows_unavailable' });
  } finally {
    await bare.drop();
  }
});

test('with no worker to answer, a download query gives up within its deadline and says so', async () => {
  const requestId = randomUUID();
  await parts.startDownload({ requestId, customerId: 'cust-8', csn: '6071000000000019', purse: 'ecash', amountMinor: 100n, mode: 'offline', readerId: null });
  const started = Date.now();
  await expect(parts.download(`download-${requestId}`)).rejects.toMatchObject({ code: 'workflows_unavailable' });
  expect(Date.now() - started).toBeLessThan(6000);
  await client.workflow.getHandle(`download-${requestId}`).terminate('portal test cleanup');
}, 15_000);

describe('settlement uploads through the upload store', () => {
  test('an uploaded stream starts one SettlementWorkflow per batch, owned by its merchant', async () => {
    const batchSeq = Math.floor(Math.random() * 1e9);
    const file = estbFile(2, batchSeq);
    const upload = () => parts.startSettlement({ merchantId: 'merch-5', fileName: 'b.estb', content: Readable.from([file]), maxBytes: 1 << 20, maxRecords: 10 });
    const first = await upload();
    const again = await upload();
    expect(again.settlementId).toBe(first.settlementId);
    expect(first).toMatchObject({ merchantId: 'merch-5', fileName: 'b.estb', state: 'running' });
    const other = parts.startSettlement({ merchantId: 'merch-6', fileName: 'b.estb', content: Readable.from([file]), maxBytes: 1 << 20, maxRecords: 10 });
    await expect(other).rejects.toMatchObject({ code: 'action_refused' });
    expect(await database.db('portal_settlements').where({ settlement_id: first.settlementId })).toHaveLength(1);
    await client.workflow.getHandle(first.settlementId).terminate('portal test cleanup');
  }, 20_000);

  test('a settlement the portal did not take has no records to list, accepted or refused', async () => {
    expect(await parts.settlementRecords('settlement-x', { verdict: 'accepted', offset: 0, limit: 10 })).toEqual([]);
    expect(await parts.settlementRecords('settlement-x', { offset: 0, limit: 10 })).toEqual([]);
  });
});
