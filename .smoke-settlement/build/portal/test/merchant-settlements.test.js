"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const harness_1 = require("./support/harness");
let h;
let shop;
beforeAll(async () => {
    h = await (0, harness_1.startHarness)('settlements', { limits: { uploadMaxBytes: 64 * 1024, uploadMaxRecords: 5000 } });
    shop = await harness_1.Agent.signedIn(h.app, 'shop@example.com');
});
afterAll(async () => h.close());
describe('uploading a settlement file', () => {
    test('a clean file is settled and its totals per purse are shown', async () => {
        const res = await shop.upload('/api/v1/settlements', 'batch-1.estb', (0, harness_1.estbFile)(8, 1));
        expect(res.statusCode).toBe(201);
        expect(res.json()).toMatchObject({ fileName: 'batch-1.estb', state: 'settled', recordCount: 8, totals: [{ purse: 'ecash', accepted: '15.00', acceptedCount: 6, refusedCount: 2 }] });
    });
    test('uploading the same file again shows the first result', async () => {
        const first = await shop.upload('/api/v1/settlements', 'batch-2.estb', (0, harness_1.estbFile)(4, 2));
        const again = await shop.upload('/api/v1/settlements', 'batch-2.estb', (0, harness_1.estbFile)(4, 2));
        expect(again.json().settlementId).toBe(first.json().settlementId);
        expect((await shop.get('/api/v1/settlements')).json().filter((s) => s.settlementId === first.json().settlementId)).toHaveLength(1);
    });
    test('records are paged and filterable by verdict, each refused one with its reason', async () => {
        const { settlementId } = (await shop.upload('/api/v1/settlements', 'batch-3.estb', (0, harness_1.estbFile)(12, 3))).json();
        const refused = await shop.get(`/api/v1/settlements/${settlementId}/records?verdict=refused`);
        expect(refused.json().records).toHaveLength(3);
        expect(refused.json().records.every((r) => r.verdict === 'refused' && r.reason.length > 0)).toBe(true);
        const page = await shop.get(`/api/v1/settlements/${settlementId}/records?offset=0&limit=5`);
        expect(page.json()).toMatchObject({ offset: 0, limit: 5, hasMore: true });
        expect(page.json().records).toHaveLength(5);
    });
    test('the CSV export has a header and one line per record', async () => {
        const { settlementId } = (await shop.upload('/api/v1/settlements', 'batch-4.estb', (0, harness_1.estbFile)(5, 4))).json();
        const csv = await shop.get(`/api/v1/settlements/${settlementId}/records.csv`);
        expect(csv.headers['content-type']).toContain('text/csv');
        const lines = csv.body.trim().split('\n');
        expect(lines[0]).toBe('record,card,purse,amount,verdict,reason');
        expect(lines).toHaveLength(6);
    });
    test('the upload page states the limits and the settlement page shows the records', async () => {
        const home = await shop.get('/merchant');
        expect(home.body).toContain('<label for="file">Settlement file</label>');
        expect(home.body).toContain('at most 0.1 MB and 5000 records');
        const page = await shop.upload(`/merchant/settlements?_csrf=${encodeURIComponent(shop.csrfToken)}`, 'batch-5.estb', (0, harness_1.estbFile)(3, 5), { csrf: null });
        expect(page.statusCode).toBe(303);
        const result = await shop.get(String(page.headers.location));
        expect(result.body).toContain('Totals per purse');
        expect(result.body).toContain('6071 0000 0000 0018');
    });
});
describe('bad uploads', () => {
    const cases = [
        ['an empty file', 'empty.estb', Buffer.alloc(0), 400, 'upload_empty'],
        ['a truncated file', 'cut.estb', (0, harness_1.estbFile)(10).subarray(0, 32 + 48 * 4), 400, 'upload_truncated'],
        ['a file cut inside its header', 'cut.estb', (0, harness_1.estbFile)(1).subarray(0, 10), 400, 'upload_truncated'],
        ['a file that is not .estb inside', 'fake.estb', Buffer.from('%PDF-1.7 this is not a settlement file, not at all, really'), 415, 'upload_not_estb'],
        ['a file of another type', 'photo.jpg', (0, harness_1.estbFile)(1), 415, 'upload_not_estb'],
        ['a file with more records than allowed', 'many.estb', (0, harness_1.estbFile)(5001), 413, 'upload_too_many_records'],
        ['a file over the size limit', 'huge.estb', (0, harness_1.estbFile)(2000), 413, 'upload_too_large'],
    ];
    test.each(cases)('%s is refused with what to do', async (_name, fileName, content, status, code) => {
        const before = h.parts.settlements.size;
        const res = await shop.upload('/api/v1/settlements', fileName, content);
        expect(res.statusCode).toBe(status);
        expect(res.json().error.code).toBe(code);
        expect(h.parts.settlements.size).toBe(before);
    });
    test('an upload without a file is refused', async () => {
        const res = await h.app.inject({
            method: 'POST',
            url: '/api/v1/settlements',
            headers: { cookie: shop.sessionCookie, 'x-csrf-token': shop.csrfToken, 'content-type': 'application/json' },
            payload: '{}',
        });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('upload_missing');
    });
    test('an upload without its CSRF token is refused', async () => {
        const res = await shop.upload('/api/v1/settlements', 'batch-9.estb', (0, harness_1.estbFile)(1, 9), { csrf: null });
        expect(res.statusCode).toBe(403);
    });
    test('the upload page shows the refusal beside the file field', async () => {
        const res = await shop.upload(`/merchant/settlements?_csrf=${encodeURIComponent(shop.csrfToken)}`, 'empty.estb', Buffer.alloc(0), { csrf: null });
        expect(res.statusCode).toBe(400);
        expect(res.body).toContain('The file is empty');
    });
});
describe('another merchant\u2019s settlements do not exist', () => {
    test('their results, records and CSV answer 404', async () => {
        const { settlementId } = (await shop.upload('/api/v1/settlements', 'batch-7.estb', (0, harness_1.estbFile)(2, 7))).json();
        const other = await harness_1.Agent.signedIn(h.app, 'other-shop@example.com');
        for (const url of [`/api/v1/settlements/${settlementId}`, `/api/v1/settlements/${settlementId}/records`, `/api/v1/settlements/${settlementId}/records.csv`, `/merchant/settlements/${settlementId}`]) {
            expect((await other.get(url)).statusCode).toBe(404);
        }
        expect((await other.get('/api/v1/settlements')).json()).toEqual([]);
    });
});
