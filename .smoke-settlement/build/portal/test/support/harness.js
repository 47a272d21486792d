"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Agent = exports.OTHER_CSN = exports.CUSTOMER_CSN = exports.PASSWORD = void 0;
exports.startHarness = startHarness;
exports.estbFile = estbFile;
const node_crypto_1 = require("node:crypto");
const postgres_1 = require("../../../test-support/postgres");
const index_1 = require("../../index");
const fake_parts_1 = require("./fake-parts");
exports.PASSWORD = 'correct horse battery staple';
exports.CUSTOMER_CSN = '6071000000000018';
exports.OTHER_CSN = '6071000000000026';
/** A portal on its own database with one user of each role (and a second customer and merchant). */
async function startHarness(name, options = {}) {
    const database = await (0, postgres_1.createTestDatabase)(`portal_${name}`);
    await (0, index_1.migratePortal)(database.db);
    const parts = new fake_parts_1.FakeParts();
    parts.addCustomer('cust-1', exports.CUSTOMER_CSN);
    parts.addCustomer('cust-2', exports.OTHER_CSN);
    const [customer, otherCustomer, merchant, otherMerchant, operator] = await Promise.all([
        (0, index_1.addUser)(database.db, { email: 'ann@example.com', role: 'customer', password: exports.PASSWORD, linkedId: 'cust-1' }),
        (0, index_1.addUser)(database.db, { email: 'bob@example.com', role: 'customer', password: exports.PASSWORD, linkedId: 'cust-2' }),
        (0, index_1.addUser)(database.db, { email: 'shop@example.com', role: 'merchant', password: exports.PASSWORD, linkedId: 'merch-1' }),
        (0, index_1.addUser)(database.db, { email: 'other-shop@example.com', role: 'merchant', password: exports.PASSWORD, linkedId: 'merch-2' }),
        (0, index_1.addUser)(database.db, { email: 'ops@example.com', role: 'operator', password: exports.PASSWORD }),
    ]);
    const app = await (0, index_1.buildPortal)({
        db: database.db,
        workflows: parts,
        ledger: parts,
        sessionKey: (0, node_crypto_1.randomBytes)(32),
        logger: false,
        watchIntervalMs: 50,
        limits: options.limits,
        sessionTtlSeconds: options.sessionTtlSeconds,
    });
    await app.ready();
    return {
        app,
        parts,
        database,
        users: { customer, otherCustomer, merchant, otherMerchant, operator },
        async close() {
            await app.close();
            await database.drop();
        },
    };
}
/** A client that keeps its session cookie and CSRF token, like a browser tab. */
class Agent {
    app;
    cookie = '';
    csrfToken = '';
    static nextAddress = 1;
    /** Each agent comes from its own address, so rate limits of one test do not spill into another. */
    remoteAddress = `10.0.${Math.floor(Agent.nextAddress / 250)}.${(Agent.nextAddress++ % 250) + 1}`;
    constructor(app) {
        this.app = app;
    }
    static async signedIn(app, email, password = exports.PASSWORD) {
        const agent = new Agent(app);
        await agent.refreshCsrf();
        const res = await agent.post('/api/v1/session', { email, password });
        if (res.statusCode !== 200)
            throw new Error(`sign-in of ${email} failed: ${res.statusCode} ${res.body}`);
        agent.csrfToken = res.json().csrfToken;
        return agent;
    }
    async refreshCsrf() {
        const res = await this.get('/api/v1/session');
        this.csrfToken = res.json().csrfToken;
    }
    remember(res) {
        const setCookie = res.headers['set-cookie'];
        for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
            const [pair] = line.split(';');
            if (pair.startsWith('purseflow_session='))
                this.cookie = pair;
        }
        return res;
    }
    get sessionCookie() {
        return this.cookie;
    }
    set sessionCookie(value) {
        this.cookie = value;
    }
    async get(url, headers = {}) {
        return this.remember(await this.app.inject({ method: 'GET', url, remoteAddress: this.remoteAddress, headers: { cookie: this.cookie, ...headers } }));
    }
    /** JSON POST with the CSRF token in its header. */
    async post(url, body, options = {}) {
        const token = options.csrf === undefined ? this.csrfToken : options.csrf;
        const headers = { cookie: this.cookie, 'content-type': 'application/json' };
        if (token !== null)
            headers['x-csrf-token'] = token;
        return this.remember(await this.app.inject({ method: 'POST', url, remoteAddress: this.remoteAddress, headers, payload: JSON.stringify(body) }));
    }
    /** A form POST as the browser sends it, token in the `_csrf` field. */
    async submit(url, fields, options = {}) {
        const token = options.csrf === undefined ? this.csrfToken : options.csrf;
        const form = new URLSearchParams(fields);
        if (token !== null)
            form.set('_csrf', token);
        return this.remember(await this.app.inject({ method: 'POST', url, remoteAddress: this.remoteAddress, headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() }));
    }
    async upload(url, fileName, content, options = {}) {
        const token = options.csrf === undefined ? this.csrfToken : options.csrf;
        const boundary = `----purseflow${(0, node_crypto_1.randomBytes)(8).toString('hex')}`;
        const payload = Buffer.concat([
            Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${options.field ?? 'file'}"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
            content,
            Buffer.from(`\r\n--${boundary}--\r\n`),
        ]);
        const headers = { cookie: this.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` };
        if (token !== null)
            headers['x-csrf-token'] = token;
        return this.remember(await this.app.inject({ method: 'POST', url, remoteAddress: this.remoteAddress, headers, payload }));
    }
}
exports.Agent = Agent;
/** A structurally valid `.estb` file (header, records, trailer) for upload tests; MACs are zeros. */
function estbFile(records, batchSeq = 1) {
    const header = Buffer.alloc(32);
    header.write('ESTB', 0, 'latin1');
    header[4] = 1;
    Buffer.from('00112233445566aa', 'hex').copy(header, 5);
    header.writeUInt32BE(batchSeq, 13);
    header.writeUInt32BE(records, 17);
    header.writeUInt32BE(1_764_000_000, 21);
    return Buffer.concat([header, Buffer.alloc(records * 48, 1), Buffer.alloc(8, 2)]);
}
