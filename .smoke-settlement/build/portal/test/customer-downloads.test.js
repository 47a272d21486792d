"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const fake_parts_1 = require("./support/fake-parts");
const harness_1 = require("./support/harness");
let h;
let ann;
beforeAll(async () => {
    h = await (0, harness_1.startHarness)('downloads', { limits: { codeEntryPerMinute: 1000 } });
    ann = await harness_1.Agent.signedIn(h.app, 'ann@example.com');
});
afterAll(async () => h.close());
async function startOffline(amount = '25.00', purse = 'ecash') {
    const res = await ann.post('/api/v1/downloads', { csn: harness_1.CUSTOMER_CSN, purse, amount, mode: 'offline' });
    expect(res.statusCode).toBe(201);
    return res.json().downloadId;
}
describe('customer overview', () => {
    test('shows available and reserved balances of both accounts as decimal strings', async () => {
        const res = await ann.get('/api/v1/customer/overview');
        expect(res.statusCode).toBe(200);
        expect(res.json().balances).toEqual([
            { purse: 'ecash', currency: 'EUR', available: '500.00', reserved: '0.00' },
            { purse: 'food', currency: 'EUR', available: '120.00', reserved: '0.00' },
        ]);
        expect(res.json().cards[0]).toMatchObject({ csn: harness_1.CUSTOMER_CSN, maxBalance: '1000.00', purses: [{ purse: 'ecash', lastKnown: '10.00' }, { purse: 'food', lastKnown: null }] });
    });
    test('the balances page lists accounts, cards and the download form with its labels', async () => {
        const res = await ann.get('/customer');
        expect(res.body).toContain('500.00 EUR');
        expect(res.body).toContain('6071 0000 0000 0018');
        for (const label of ['>Card<', '>Purse<', '>Amount<', 'Card in a reader', 'eCom Pocket (offline)', 'Start download'])
            expect(res.body).toContain(label);
    });
});
describe('an offline download', () => {
    test('request code in, authorization code out, confirmation code in: posted', async () => {
        const id = await startOffline();
        const afterRequest = await ann.post(`/api/v1/downloads/${id}/request-code`, { code: fake_parts_1.pocket.requestCode(7) });
        expect(afterRequest.statusCode).toBe(200);
        expect(afterRequest.json().step).toBe('waiting_for_confirmation_code');
        const authorization = afterRequest.json().authorizationCode;
        expect(authorization).toMatch(/^\d{3} \d{3} \d{3}$/);
        const done = await ann.post(`/api/v1/downloads/${id}/confirmation-code`, { code: fake_parts_1.pocket.confirmationCode(authorization) });
        expect(done.json()).toMatchObject({ step: 'posted', finished: true });
    });
    test('the download page asks for the request code, then shows the authorization code under its heading', async () => {
        const id = await startOffline();
        const first = await ann.get(`/customer/downloads/${id}`);
        expect(first.body).toContain('<label for="requestCode">Request code</label>');
        const sent = await ann.submit(`/customer/downloads/${id}/request-code`, { code: fake_parts_1.pocket.requestCode(8).replace(/(\d{5})/, '$1 ') });
        expect(sent.statusCode).toBe(303);
        const second = await ann.get(`/customer/downloads/${id}`);
        expect(second.body).toMatch(/<h2 id="authorization-heading">Authorization code<\/h2>[\s\S]*class="big-code">\d{3} \d{3} \d{3}</);
        expect(second.body).toContain('<label for="confirmationCode">Confirmation code</label>');
    });
    test('the same request id starts one download, however often the form is sent', async () => {
        const requestId = '0b6f2f9e-3a51-4d7c-9a3e-2b8c9d1e0f11';
        const body = { csn: harness_1.CUSTOMER_CSN, purse: 'ecash', amount: '5.00', mode: 'offline', requestId };
        const a = await ann.post('/api/v1/downloads', body);
        const b = await ann.post('/api/v1/downloads', body);
        expect(a.json().downloadId).toBe(b.json().downloadId);
    });
    test('a waiting download is listed in the history with a way to resume it', async () => {
        const id = await startOffline('3.00');
        const res = await ann.get('/customer/history');
        expect(res.body).toContain(`/customer/downloads/${id}`);
        expect(res.body).toContain('waiting for you: open it to resume');
    });
    test('"the Pocket says it was not loaded" with a fresh request code of the same ATC voids it', async () => {
        const id = await startOffline('4.00');
        await ann.post(`/api/v1/downloads/${id}/request-code`, { code: fake_parts_1.pocket.requestCode(11) });
        const res = await ann.post(`/api/v1/downloads/${id}/not-loaded`, { code: fake_parts_1.pocket.requestCode(11) });
        expect(res.json()).toMatchObject({ step: 'voided', finished: true });
    });
});
describe('bad amounts are refused before any workflow starts', () => {
    const cases = [
        ['zero', '0.00', 'amount_zero'],
        ['negative', '-5.00', 'amount_negative'],
        ['too many decimals', '1.005', 'amount_too_precise'],
        ['too large for a card', '50000000.00', 'amount_too_large'],
        ['not a number', '12,50', 'amount_malformed'],
        ['over the purse limit', '995.00', 'amount_over_purse_limit'],
        ['over the balance', '600.00', 'amount_over_balance'],
    ];
    test.each(cases)('%s (%s)', async (_name, amount, code) => {
        const before = h.parts.downloads.size;
        const res = await ann.post('/api/v1/downloads', { csn: harness_1.CUSTOMER_CSN, purse: 'ecash', amount, mode: 'offline' });
        expect(res.json().error).toMatchObject({ code, field: 'amount' });
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(h.parts.downloads.size).toBe(before);
    });
    test('the page shows the refusal beside the amount and keeps what was typed', async () => {
        const res = await ann.submit('/customer/downloads', { csn: harness_1.CUSTOMER_CSN, purse: 'ecash', amount: '1.005', mode: 'offline' });
        expect(res.statusCode).toBe(400);
        expect(res.body).toContain('more than 2 decimals');
        expect(res.body).toContain('value="1.005"');
        expect(res.body).toContain('aria-invalid="true"');
    });
    test('a connected download needs a reader that is online now', async () => {
        const res = await ann.post('/api/v1/downloads', { csn: harness_1.CUSTOMER_CSN, purse: 'ecash', amount: '5.00', mode: 'connected', readerId: 'acr30-1' });
        expect(res.json().error.code).toBe('reader_offline');
    });
});
describe('bad codes', () => {
    let id;
    beforeAll(async () => {
        id = await startOffline('6.00');
    });
    const cases = [
        ['too short', '1234567', 'code_malformed'],
        ['too long', '123456789012345', 'code_malformed'],
        ['letters', '0000712345678a', 'code_malformed'],
        ['a wrong check digit', fake_parts_1.pocket.requestCode(7).slice(0, 13) + String((Number(fake_parts_1.pocket.requestCode(7)[13]) + 1) % 10), 'code_check_digit'],
    ];
    test.each(cases)('a request code %s is refused without asking the workflow', async (_name, code, expected) => {
        const res = await ann.post(`/api/v1/downloads/${id}/request-code`, { code });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe(expected);
        const view = await ann.get(`/api/v1/downloads/${id}`);
        expect(view.json()).toMatchObject({ step: 'waiting_for_request_code', wrongCodes: 0 });
    });
    test('a well-formed but wrong code is counted as the workflow counts it', async () => {
        const wrong = fake_parts_1.pocket.requestCode(7, '87654321');
        const res = await ann.post(`/api/v1/downloads/${id}/request-code`, { code: wrong });
        expect(res.statusCode).toBe(422);
        expect(res.json().error.code).toBe('code_refused');
        expect(res.json().error.message).toContain('Wrong codes so far: 1 of 5');
        const page = await ann.get(`/customer/downloads/${id}`);
        expect(page.body).toContain('Wrong codes so far: 1');
    });
});
describe('another customer\u2019s things do not exist', () => {
    test('a download of another customer answers 404 on the API, the page and the live stream', async () => {
        const bob = await harness_1.Agent.signedIn(h.app, 'bob@example.com');
        const id = await startOffline('2.00');
        expect((await bob.get(`/api/v1/downloads/${id}`)).statusCode).toBe(404);
        expect((await bob.get(`/customer/downloads/${id}`)).statusCode).toBe(404);
        expect((await bob.get(`/api/v1/downloads/${id}/events`)).statusCode).toBe(404);
        expect((await bob.post(`/api/v1/downloads/${id}/request-code`, { code: fake_parts_1.pocket.requestCode(9) })).statusCode).toBe(404);
        expect((await bob.get('/api/v1/downloads')).json().map((d) => d.downloadId)).not.toContain(id);
    });
    test('a card of another customer in the body is refused as unknown', async () => {
        const res = await ann.post('/api/v1/downloads', { csn: harness_1.OTHER_CSN, purse: 'ecash', amount: '5.00', mode: 'offline' });
        expect(res.statusCode).toBe(404);
        expect(res.json().error.field).toBe('csn');
    });
});
describe('CSRF on the forms', () => {
    test('a form without its token is refused and starts nothing', async () => {
        const before = h.parts.downloads.size;
        const res = await ann.submit('/customer/downloads', { csn: harness_1.CUSTOMER_CSN, purse: 'ecash', amount: '5.00', mode: 'offline' }, { csrf: null });
        expect(res.statusCode).toBe(403);
        expect(res.body).toContain('reload the page');
        expect(h.parts.downloads.size).toBe(before);
    });
    test('a token of another session is refused', async () => {
        const bob = await harness_1.Agent.signedIn(h.app, 'bob@example.com');
        const res = await ann.submit('/customer/downloads', { csn: harness_1.CUSTOMER_CSN, purse: 'ecash', amount: '5.00', mode: 'offline' }, { csrf: bob.csrfToken });
        expect(res.statusCode).toBe(403);
    });
});
