import { Agent, startHarness, type Harness } from './support/harness';

/**
 * Every route × every role and signed out, over HTTP: only the role a route belongs to gets in;
 * other roles get 404 (as if it did not exist), signed-out API calls get 401 and signed-out page
 * visits are sent to the sign-in page.
 */
let h: Harness;
const agents: Record<string, Agent> = {};
beforeAll(async () => {
  h = await startHarness('authz');
  agents.customer = await Agent.signedIn(h.app, 'ann@example.com');
  agents.merchant = await Agent.signedIn(h.app, 'shop@example.com');
  agents.operator = await Agent.signedIn(h.app, 'ops@example.com');
  agents.signedOut = new Agent(h.app);
  await agents.signedOut.refreshCsrf();
});
afterAll(async () => h.close());

type Owner = 'customer' | 'merchant' | 'operator';
const ROUTES: [method: 'GET' | 'POST', url: string, owner: Owner, page: boolean][] = [
  ['GET', '/customer', 'customer', true],
  ['GET', '/customer/history', 'customer', true],
  ['GET', '/customer/downloads/download-x', 'customer', true],
  ['POST', '/customer/downloads', 'customer', true],
  ['POST', '/customer/downloads/download-x/request-code', 'customer', true],
  ['GET', '/api/v1/customer/overview', 'customer', false],
  ['GET', '/api/v1/downloads', 'customer', false],
  ['POST', '/api/v1/downloads', 'customer', false],
  ['GET', '/api/v1/downloads/download-x', 'customer', false],
  ['GET', '/api/v1/downloads/download-x/events', 'customer', false],
  ['POST', '/api/v1/downloads/download-x/confirmation-code', 'customer', false],
  ['GET', '/merchant', 'merchant', true],
  ['GET', '/merchant/settlements/s-1', 'merchant', true],
  ['GET', '/api/v1/settlements', 'merchant', false],
  ['POST', '/api/v1/settlements', 'merchant', false],
  ['GET', '/api/v1/settlements/s-1', 'merchant', false],
  ['GET', '/api/v1/settlements/s-1/records', 'merchant', false],
  ['GET', '/operator', 'operator', true],
  ['GET', '/operator/items/w-1', 'operator', true],
  ['POST', '/operator/items/w-1/actions', 'operator', true],
  ['GET', '/api/v1/attention', 'operator', false],
  ['GET', '/api/v1/attention/w-1', 'operator', false],
  ['POST', '/api/v1/attention/w-1/actions', 'operator', false],
];

describe.each(ROUTES)('%s %s', (method, url, owner, page) => {
  test.each(['customer', 'merchant', 'operator', 'signedOut'])('as %s', async (who) => {
    const agent = agents[who];
    const res = method === 'GET' ? await agent.get(url) : await agent.post(url, {});
    if (who === owner) {
      expect([200, 303, 400, 404, 422]).toContain(res.statusCode);
      // The owner reaches the handler: a 404 here is about the id, with the handler's message.
      if (res.statusCode === 404) expect(res.body).toMatch(/nothing here|Choose one of your cards/);
    } else if (who === 'signedOut') {
      if (page && method === 'GET') {
        expect(res.statusCode).toBe(303);
        expect(res.headers.location).toMatch(/^\/sign-in\?next=/);
      } else {
        expect(res.statusCode).toBe(401);
      }
    } else {
      expect(res.statusCode).toBe(404);
    }
  });
});
