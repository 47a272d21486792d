import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createTestDatabase, type TestDatabase } from '../../../test-support/postgres';
import { addUser, buildPortal, migratePortal, type PortalLimits, type PortalUser } from '../../index';
import { FakeParts } from './fake-parts';

export const PASSWORD = 'correct horse battery staple';
export const CUSTOMER_CSN = '6071000000000018';
export const OTHER_CSN = '6071000000000026';

export interface Harness {
  readonly app: FastifyInstance;
  readonly parts: FakeParts;
  readonly database: TestDatabase;
  readonly users: { customer: PortalUser; otherCustomer: PortalUser; merchant: PortalUser; otherMerchant: PortalUser; operator: PortalUser };
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly limits?: Partial<PortalLimits>;
  readonly sessionTtlSeconds?: number;
}

/** A portal on its own database with one user of each role (and a second customer and merchant). */
export async function startHarness(name: string, options: HarnessOptions = {}): Promise<Harness> {
  const database = await createTestDatabase(`portal_${name}`);
  await migratePortal(database.db);
  const parts = new FakeParts();
  parts.addCustomer('cust-1', CUSTOMER_CSN);
  parts.addCustomer('cust-2', OTHER_CSN);
  const [customer, otherCustomer, merchant, otherMerchant, operator] = await Promise.all([
    addUser(database.db, { email: 'ann@example.com', role: 'customer', password: PASSWORD, linkedId: 'cust-1' }),
    addUser(database.db, { email: 'bob@example.com', role: 'customer', password: PASSWORD, linkedId: 'cust-2' }),
    addUser(database.db, { email: 'shop@example.com', role: 'merchant', password: PASSWORD, linkedId: 'merch-1' }),
    addUser(database.db, { email: 'other-shop@example.com', role: 'merchant', password: PASSWORD, linkedId: 'merch-2' }),
    addUser(database.db, { email: 'ops@example.com', role: 'operator', password: PASSWORD }),
  ]);
  const app = await buildPortal({
    db: database.db,
    workflows: parts,
    ledger: parts,
    sessionKey: randomBytes(32),
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
export class Agent {
  private cookie = '';
  csrfToken = '';
  private static nextAddress = 1;
  /** Each agent comes from its own address, so rate limits of one test do not spill into another. */
  readonly remoteAddress = `10.0.${Math.floor(Agent.nextAddress / 250)}.${(Agent.nextAddress++ % 250) + 1}`;

  constructor(private readonly app: FastifyInstance) {}

  static async signedIn(app: FastifyInstance, email: string, password = PASSWORD): Promise<Agent> {
    const agent = new Agent(app);
    await agent.refreshCsrf();
    const res = await agent.post('/api/v1/session', { email, password });
    if (res.statusCode !== 200) throw new Error(`sign-in of ${email} failed: ${res.statusCode} ${res.body}`);
    agent.csrfToken = res.json().csrfToken;
    return agent;
  }

  async refreshCsrf(): Promise<void> {
    const res = await this.get('/api/v1/session');
    this.csrfToken = res.json().csrfToken;
  }

  private remember(res: LightMyRequestResponse): LightMyRequestResponse {
    const setCookie = res.headers['set-cookie'];
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair] = line.split(';');
      if (pair.startsWith('purseflow_session=')) this.cookie = pair;
    }
    return res;
  }

  get sessionCookie(): string {
    return this.cookie;
  }
  set sessionCookie(value: string) {
    this.cookie = value;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.remember(await this.app.inject({ method: 'GET', url, remoteAddress: this.remoteAddress, headers: { cookie: this.cookie, ...headers } }));
  }

  /** JSON POST with the CSRF token in its header. */
  async post(url: string, body: unknown, options: { csrf?: string | null } = {}): Promise<LightMyRequestResponse> {
    const token = options.csrf === undefined ? this.csrfToken : options.csrf;
    const headers: Record<string, string> = { cookie: this.cookie, 'content-type': 'application/json' };
    if (token !== null) headers['x-csrf-token'] = token;
    return this.remember(await this.app.inject({ method: 'POST', url, remoteAddress: this.remoteAddress, headers, payload: JSON.stringify(body) }));
  }

  /** A form POST as the browser sends it, token in the `_csrf` field. */
  async submit(url: string, fields: Record<string, string>, options: { csrf?: string | null } = {}): Promise<LightMyRequestResponse> {
    const token = options.csrf === undefined ? this.csrfToken : options.csrf;
    const form = new URLSearchParams(fields);
    if (token !== null) form.set('_csrf', token);
    return this.remember(
      await this.app.inject({ method: 'POST', url, remoteAddress: this.remoteAddress, headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() }),
    );
  }

  async upload(url: string, fileName: string, content: Buffer, options: { csrf?: string | null; field?: string } = {}): Promise<LightMyRequestResponse> {
    const token = options.csrf === undefined ? this.csrfToken : options.csrf;
    const boundary = `----purseflow${randomBytes(8).toString('hex')}`;
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${options.field ?? 'file'}"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      content,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const headers: Record<string, string> = { cookie: this.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` };
    if (token !== null) headers['x-csrf-token'] = token;
    return this.remember(await this.app.inject({ method: 'POST', url, remoteAddress: this.remoteAddress, headers, payload }));
  }
}

/** A structurally valid `.estb` file (header, records, trailer) for upload tests; MACs are zeros. */
export function estbFile(records: number, batchSeq = 1): Buffer {
  const header = Buffer.alloc(32);
  header.write('ESTB', 0, 'latin1');
  header[4] = 1;
  Buffer.from('00112233445566aa', 'hex').copy(header, 5);
  header.writeUInt32BE(batchSeq, 13);
  header.writeUInt32BE(records, 17);
  header.writeUInt32BE(1_764_000_000, 21);
  return Buffer.concat([header, Buffer.alloc(records * 48, 1), Buffer.alloc(8, 2)]);
}
