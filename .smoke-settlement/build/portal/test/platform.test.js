"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const node_crypto_1 = require("node:crypto");
const node_http_1 = require("node:http");
const knex_1 = __importDefault(require("knex"));
const index_1 = require("../index");
const fake_parts_1 = require("./support/fake-parts");
const harness_1 = require("./support/harness");
// knex reports pool errors on the console; the test checks the answer instead.
const QUIET_KNEX = { warn: () => undefined, error: () => undefined, debug: () => undefined, deprecate: () => undefined };
let h;
beforeAll(async () => {
    h = await (0, harness_1.startHarness)('platform');
});
afterAll(async () => h.close());
describe('health', () => {
    test('/livez answers while the process runs', async () => {
        const res = await h.app.inject('/livez');
        expect(res.json()).toEqual({ status: 'ok' });
    });
    test('/readyz is ready when PostgreSQL and Temporal answer', async () => {
        const res = await h.app.inject('/readyz');
        expect(res.statusCode).toBe(200);
        expect(res.json().checks).toEqual({ postgres: { ok: true }, temporal: { ok: true } });
    });
    test('/readyz fails while Temporal is unreachable', async () => {
        h.parts.reachable = false;
        try {
            const res = await h.app.inject('/readyz');
            expect(res.statusCode).toBe(503);
            expect(res.json().checks.temporal.ok).toBe(false);
        }
        finally {
            h.parts.reachable = true;
        }
    });
    test('with PostgreSQL unreachable /readyz fails and sign-in shows a clear page without a connection string', async () => {
        // Port 9 (discard) has nothing listening here.
        const deadDb = (0, knex_1.default)({ client: 'pg', connection: 'postgres://purseflow:secret-password@127.0.0.1:9/none', pool: { min: 0, max: 1 }, acquireConnectionTimeout: 1000, log: QUIET_KNEX });
        const parts = new fake_parts_1.FakeParts();
        const app = await (0, index_1.buildPortal)({ db: deadDb, workflows: parts, ledger: parts, sessionKey: (0, node_crypto_1.randomBytes)(32), logger: false });
        try {
            const ready = await app.inject('/readyz');
            expect(ready.statusCode).toBe(503);
            expect(ready.json().checks.postgres.ok).toBe(false);
            expect(ready.body).not.toContain('secret-password');
            const agent = new harness_1.Agent(app);
            await agent.refreshCsrf();
            const res = await agent.submit('/sign-in', { email: 'ann@example.com', password: 'whatever it is' });
            expect(res.statusCode).toBe(503);
            expect(res.body).toContain('cannot reach its database');
            expect(res.body).not.toContain('secret-password');
        }
        finally {
            await app.close();
            await deadDb.destroy();
        }
    });
    test('with Temporal unreachable a download page says so and changes nothing', async () => {
        const ann = await harness_1.Agent.signedIn(h.app, 'ann@example.com');
        const id = (await ann.post('/api/v1/downloads', { csn: harness_1.CUSTOMER_CSN, purse: 'ecash', amount: '1.00', mode: 'offline' })).json().downloadId;
        h.parts.reachable = false;
        try {
            const res = await ann.get(`/customer/downloads/${id}`);
            expect(res.statusCode).toBe(503);
            expect(res.body).toContain('cannot reach the workflow service');
        }
        finally {
            h.parts.reachable = true;
        }
    });
});
describe('HTTP hygiene', () => {
    test('pages carry a CSP without inline script, frame-ancestors none and nosniff', async () => {
        const res = await h.app.inject('/sign-in');
        const csp = String(res.headers['content-security-policy']);
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain('unsafe-inline');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.body).not.toMatch(/<script>(?!<\/script>)/);
    });
    test('text typed by people is escaped in pages', async () => {
        const agent = new harness_1.Agent(h.app);
        await agent.refreshCsrf();
        const res = await agent.submit('/sign-in', { email: '"><script>alert(1)</script>', password: 'x' });
        expect(res.body).not.toContain('<script>alert(1)</script>');
        expect(res.body).toContain('&lt;script&gt;');
    });
    test('a body over the limit is refused', async () => {
        const ann = await harness_1.Agent.signedIn(h.app, 'ann@example.com');
        const res = await ann.post('/api/v1/downloads', { csn: harness_1.CUSTOMER_CSN, purse: 'ecash', amount: '1.00', mode: 'offline', padding: 'x'.repeat(20_000) });
        expect(res.statusCode).toBe(413);
    });
    test('unknown fields in a JSON body are refused', async () => {
        const ann = await harness_1.Agent.signedIn(h.app, 'ann@example.com');
        const res = await ann.post('/api/v1/downloads', { csn: harness_1.CUSTOMER_CSN, purse: 'ecash', amount: '1.00', mode: 'offline', extra: 1 });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('input_invalid');
    });
    test('the OpenAPI description lists the API routes and none of the pages', async () => {
        const res = await h.app.inject('/api/v1/openapi.json');
        const doc = res.json();
        expect(doc.openapi).toBe('3.0.3');
        expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/session', '/api/v1/downloads', '/api/v1/downloads/{id}/request-code', '/api/v1/settlements', '/api/v1/attention']));
        expect(Object.keys(doc.paths).every((p) => p.startsWith('/api/v1/'))).toBe(true);
    });
    test('the script and the stylesheet are served from the same origin with an ETag', async () => {
        const js = await h.app.inject('/static/portal.js');
        expect(js.headers['content-type']).toContain('text/javascript');
        const again = await h.app.inject({ url: '/static/portal.js', headers: { 'if-none-match': String(js.headers.etag) } });
        expect(again.statusCode).toBe(304);
        expect((await h.app.inject('/static/portal.css')).statusCode).toBe(200);
    });
});
describe('rate limits', () => {
    test('code entry is limited per customer (20 a minute by default)', async () => {
        const ann = await harness_1.Agent.signedIn(h.app, 'ann@example.com');
        const id = (await ann.post('/api/v1/downloads', { csn: harness_1.CUSTOMER_CSN, purse: 'ecash', amount: '1.00', mode: 'offline' })).json().downloadId;
        const codes = [];
        for (let i = 0; i < 22; i++)
            codes.push((await ann.post(`/api/v1/downloads/${id}/request-code`, { code: '1' })).statusCode);
        expect(codes.slice(0, 20).every((c) => c === 400)).toBe(true);
        expect(codes.slice(20)).toEqual([429, 429]);
    });
});
describe('sessions', () => {
    test('an expired session sends pages to sign-in with a notice and the API answers session_expired', async () => {
        const short = await (0, harness_1.startHarness)('expiry', { sessionTtlSeconds: 1 });
        try {
            const ann = await harness_1.Agent.signedIn(short.app, 'ann@example.com');
            expect((await ann.get('/api/v1/downloads')).statusCode).toBe(200);
            await new Promise((r) => setTimeout(r, 2100));
            const api = await ann.get('/api/v1/downloads');
            expect(api.statusCode).toBe(401);
            expect(api.json().error.code).toBe('session_expired');
            const page = await ann.get('/customer');
            expect(page.statusCode).toBe(303);
            expect(page.headers.location).toContain('expired=1');
            const signIn = await ann.get(String(page.headers.location));
            expect(signIn.body).toContain('Your session has expired');
        }
        finally {
            await short.close();
        }
    });
    test('a tampered session cookie is worth nothing', async () => {
        const ann = await harness_1.Agent.signedIn(h.app, 'ann@example.com');
        ann.sessionCookie = ann.sessionCookie.slice(0, -6) + 'AAAAAA';
        expect((await ann.get('/api/v1/downloads')).statusCode).toBe(401);
    });
});
describe('live progress over SSE', () => {
    function openStream(url, cookie, lastEventId) {
        const events = [];
        let ended = false;
        const req = (0, node_http_1.request)(url, { headers: { cookie, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) } });
        const response = new Promise((resolve) => {
            req.on('response', (res) => {
                let buffer = '';
                res.setEncoding('utf8');
                res.on('data', (chunk) => {
                    buffer += chunk;
                    let end;
                    while ((end = buffer.indexOf('\n\n')) >= 0) {
                        const block = buffer.slice(0, end);
                        buffer = buffer.slice(end + 2);
                        const id = /^id: (.*)$/m.exec(block)?.[1];
                        const data = /^data: (.*)$/m.exec(block)?.[1];
                        if (id && data)
                            events.push({ id, data: JSON.parse(data) });
                    }
                });
                res.on('end', () => {
                    ended = true;
                });
                resolve(res.statusCode ?? 0);
            });
        });
        req.end();
        return { events, response, isEnded: () => ended, close: () => req.destroy() };
    }
    async function until(check, what) {
        for (let i = 0; i < 100 && !check(); i++)
            await new Promise((r) => setTimeout(r, 20));
        if (!check())
            throw new Error(`timed out waiting for ${what}`);
    }
    test('every watcher gets each step, one poll serves them all, and the stream ends with the download', async () => {
        const running = await (0, index_1.startPortal)({ db: h.database.db, workflows: h.parts, ledger: h.parts, sessionKey: (0, node_crypto_1.randomBytes)(32), logger: false, watchIntervalMs: 30 });
        try {
            // Sessions are per key: sign in on this server.
            const ann = await harness_1.Agent.signedIn(running.app, 'ann@example.com');
            const id = (await ann.post('/api/v1/downloads', { csn: harness_1.CUSTOMER_CSN, purse: 'ecash', amount: '2.00', mode: 'offline' })).json().downloadId;
            const watchers = Array.from({ length: 5 }, () => openStream(`${running.url}/api/v1/downloads/${id}/events`, ann.sessionCookie));
            expect(await Promise.all(watchers.map((w) => w.response))).toEqual([200, 200, 200, 200, 200]);
            await until(() => watchers.every((w) => w.events.length === 1), 'the first event');
            const readsBefore = h.parts.downloadReads;
            await new Promise((r) => setTimeout(r, 300));
            // About 10 polls in 300 ms for five pages: one watcher, not five.
            expect(h.parts.downloadReads - readsBefore).toBeLessThan(20);
            const answer = (await ann.post(`/api/v1/downloads/${id}/request-code`, { code: fake_parts_1.pocket.requestCode(3) })).json();
            await until(() => watchers.every((w) => w.events.some((e) => e.data.step === 'waiting_for_confirmation_code')), 'the confirmation step');
            await ann.post(`/api/v1/downloads/${id}/confirmation-code`, { code: fake_parts_1.pocket.confirmationCode(answer.authorizationCode) });
            await until(() => watchers.every((w) => w.isEnded()), 'the streams to end');
            for (const w of watchers)
                expect(w.events.at(-1)?.data.step).toBe('posted');
            // A page that reconnects after the end gets the final state once, then the stream ends.
            const late = openStream(`${running.url}/api/v1/downloads/${id}/events`, ann.sessionCookie, '1');
            await until(() => late.isEnded(), 'the late stream to end');
            expect(late.events.map((e) => e.data.step)).toEqual(['posted']);
        }
        finally {
            await running.close();
        }
    });
    test('graceful shutdown ends open streams instead of waiting on them', async () => {
        const running = await (0, index_1.startPortal)({ db: h.database.db, workflows: h.parts, ledger: h.parts, sessionKey: (0, node_crypto_1.randomBytes)(32), logger: false });
        const ann = await harness_1.Agent.signedIn(running.app, 'ann@example.com');
        const id = (await ann.post('/api/v1/downloads', { csn: harness_1.CUSTOMER_CSN, purse: 'ecash', amount: '2.00', mode: 'offline' })).json().downloadId;
        const watcher = openStream(`${running.url}/api/v1/downloads/${id}/events`, ann.sessionCookie);
        await watcher.response;
        const started = Date.now();
        await running.close();
        expect(Date.now() - started).toBeLessThan(2000);
        await until(() => watcher.isEnded(), 'the stream to end');
    });
});
