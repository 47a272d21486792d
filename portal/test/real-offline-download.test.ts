import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser } from 'playwright-core';
import { EcomPocket, PURSE, SimulatedCard } from '../../card-driver';
import { getAccountBalance } from '../../ledger/queries';
import { customerWithCard, startHarness as startWorkflowsHarness, type Harness as WorkflowsHarness } from '../../workflows/test/harness';
import { addUser, migratePortal, startPortal, TemporalParts, type AccountBalance, type CardSummary, type RunningPortal } from '../index';

/**
 * The portal on the real parts: Temporal's dev server with the real server worker running
 * DownloadWorkflow, PostgreSQL with the ledger and the registry, and card-driver's simulated eCom
 * Pocket holding the card. The customer's cards and balances come from the registry and
 * ledger/queries directly here, because workflows/client does not offer them yet (README, "What
 * is not bound yet"); everything else goes through TemporalParts as in production.
 */
jest.setTimeout(90_000);

let wf: WorkflowsHarness;
let portal: RunningPortal;
let browser: Browser | undefined;
const PASSWORD = 'a long enough password';

beforeAll(async () => {
  wf = await startWorkflowsHarness('portal_real');
  await migratePortal(wf.db.db);
  const temporal = new TemporalParts({ client: wf.client, db: wf.db.db, taskQueue: wf.taskQueue, uploadDir: join(tmpdir(), `purseflow-portal-${randomBytes(4).toString('hex')}`) });
  const registry = wf.registry;
  const parts = Object.assign(Object.create(temporal) as TemporalParts, {
    async cardsOf(customerId: string): Promise<readonly CardSummary[]> {
      return (await registry.cardsOf(customerId)).map((card) => ({
        csn: card.csn,
        maxBalanceMinor: 0xffff_ffffn,
        blocked: card.status === 'blocked',
        purses: [
          { purse: 'ecash' as const, lastKnownMinor: card.purses.ecash.shadowMinor },
          { purse: 'food' as const, lastKnownMinor: card.purses.food.shadowMinor },
        ],
      }));
    },
    async balancesOf(customerId: string): Promise<readonly AccountBalance[]> {
      const customer = await registry.customer(customerId);
      const [cash, food] = await Promise.all([getAccountBalance(wf.db.db, customer.cashAccountId), getAccountBalance(wf.db.db, customer.foodAccountId)]);
      return [
        { purse: 'ecash', currency: 'EUR', availableMinor: cash.available, reservedMinor: cash.posted - cash.available },
        { purse: 'food', currency: 'EUR', availableMinor: food.available, reservedMinor: food.posted - food.available },
      ];
    },
  });
  portal = await startPortal({ db: wf.db.db, workflows: parts, ledger: parts, sessionKey: randomBytes(32), logger: false, watchIntervalMs: 200 });
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await wf?.close();
});

async function customer(): Promise<{ csn: string; pocket: EcomPocket; email: string; customerId: string }> {
  const { customerId, csn } = await customerWithCard(wf, { cash: '200.00' });
  const email = `${customerId}@example.com`;
  await addUser(wf.db.db, { email, role: 'customer', password: PASSWORD, linkedId: customerId });
  return { csn, customerId, email, pocket: new EcomPocket(SimulatedCard.issue(wf.keys, csn)) };
}

test('an offline download through the JSON API posts on the Pocket\u2019s confirmation code and moves the money', async () => {
  const { csn, pocket, email, customerId } = await customer();
  const call = async (method: string, path: string, body: unknown, cookie: string, csrf: string) => {
    const res = await portal.app.inject({ method: method as 'POST', url: path, headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, payload: body === undefined ? undefined : JSON.stringify(body) });
    return res;
  };
  const first = await portal.app.inject('/api/v1/session');
  let cookie = String(first.headers['set-cookie']).split(';')[0];
  const signIn = await call('POST', '/api/v1/session', { email, password: PASSWORD }, cookie, first.json().csrfToken);
  cookie = String(signIn.headers['set-cookie']).split(';')[0];
  const csrf = signIn.json().csrfToken;

  const started = await call('POST', '/api/v1/downloads', { csn, purse: 'ecash', amount: '80.00', mode: 'offline' }, cookie, csrf);
  expect(started.statusCode).toBe(201);
  const id = started.json().downloadId;

  const request = await call('POST', `/api/v1/downloads/${id}/request-code`, { code: pocket.requestCode(PURSE.ecash, 8000n) }, cookie, csrf);
  expect(request.json()).toMatchObject({ step: 'waiting_for_confirmation_code' });
  const authorization: string = request.json().authorizationCode;
  expect(authorization).toMatch(/^\d{3} \d{3} \d{3}$/);

  const overview = await portal.app.inject({ url: '/api/v1/customer/overview', headers: { cookie } });
  expect(overview.json().balances[0]).toMatchObject({ purse: 'ecash', available: '120.00', reserved: '80.00' });

  const done = await call('POST', `/api/v1/downloads/${id}/confirmation-code`, { code: pocket.enterAuthorizationCode(authorization.replace(/ /g, '')) }, cookie, csrf);
  expect(done.json()).toMatchObject({ step: 'posted', finished: true });
  expect(pocket.balances().ecash).toBe(8000n);
  const customerRecord = await wf.registry.customer(customerId);
  expect((await getAccountBalance(wf.db.db, customerRecord.cashAccountId)).posted).toBe(12000n);
});

test('an operator resolves a download left waiting, with the Pocket\u2019s confirmation code as evidence, and the action is audited', async () => {
  const { csn, pocket, email } = await customer();
  const operatorEmail = `ops-${randomBytes(3).toString('hex')}@example.com`;
  await addUser(wf.db.db, { email: operatorEmail, role: 'operator', password: PASSWORD });
  const signIn = async (who: string) => {
    const first = await portal.app.inject('/api/v1/session');
    const res = await portal.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { cookie: String(first.headers['set-cookie']).split(';')[0], 'x-csrf-token': first.json().csrfToken, 'content-type': 'application/json' },
      payload: JSON.stringify({ email: who, password: PASSWORD }),
    });
    return { cookie: String(res.headers['set-cookie']).split(';')[0], csrf: res.json().csrfToken as string };
  };
  const post = (who: { cookie: string; csrf: string }, url: string, body: unknown) =>
    portal.app.inject({ method: 'POST', url, headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': 'application/json' }, payload: JSON.stringify(body) });

  // The customer gets the authorization code, the Pocket credits the card, and the customer leaves.
  const ann = await signIn(email);
  const id = (await post(ann, '/api/v1/downloads', { csn, purse: 'ecash', amount: '30.00', mode: 'offline' })).json().downloadId;
  const authorization: string = (await post(ann, `/api/v1/downloads/${id}/request-code`, { code: pocket.requestCode(PURSE.ecash, 3000n) })).json().authorizationCode;
  const confirmation = pocket.enterAuthorizationCode(authorization.replace(/ /g, ''));

  const ops = await signIn(operatorEmail);
  let listed = false;
  for (let i = 0; i < 50 && !listed; i++) {
    const items = (await portal.app.inject({ url: '/api/v1/attention', headers: { cookie: ops.cookie } })).json().items as { workflowId: string }[];
    listed = items.some((item) => item.workflowId === id);
    if (!listed) await new Promise((r) => setTimeout(r, 200));
  }
  expect(listed).toBe(true);
  const res = await post(ops, `/api/v1/attention/${id}/actions`, { action: 'resolve', evidence: confirmation });
  expect(res.statusCode).toBe(200);
  const state = await wf.downloads.state(id.replace(/^download-/, ''));
  expect(state.phase).toBe('posted');
  const [audit] = await wf.db.db('portal_audit').where({ workflow_id: id });
  expect(audit).toMatchObject({ action: 'resolve', evidence: confirmation, outcome: expect.stringMatching(/^done: /) });
});

test('in Chromium: sign in, start an offline download, type the Pocket\u2019s codes, see it posted', async () => {
  const { pocket, email } = await customer();
  browser = await chromium.launch({
    executablePath: process.env.PURSEFLOW_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--disable-gpu', '--disable-quic', '--disable-sync', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
  await page.goto(`${portal.url}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/customer');
  await page.getByLabel('Amount').fill('25.00');
  await page.getByLabel('eCom Pocket (offline)').check();
  await page.getByRole('button', { name: 'Start download' }).click();
  await page.waitForURL('**/customer/downloads/**');
  await page.getByLabel('Request code').fill(pocket.requestCode(PURSE.ecash, 2500n));
  await page.getByRole('button', { name: 'Send request code' }).click();
  const shown = page.locator('h2:has-text("Authorization code") ~ .big-code');
  await shown.waitFor().catch(async (err: unknown) => {
    console.log(await page.locator('main').innerText());
    throw err;
  });
  const authorization = ((await shown.textContent()) ?? '').replace(/\s/g, '');
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  await page.getByLabel('Confirmation code').fill(pocket.enterAuthorizationCode(authorization));
  await page.getByRole('button', { name: 'Send confirmation code' }).click();
  await page.getByText('Done: the money is on your card.').waitFor();
  expect(pocket.balances().ecash).toBe(2500n);
});
