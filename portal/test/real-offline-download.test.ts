import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser } from 'playwright-core';
import { Worker } from '@temporalio/worker';
import { decodeLogRecord, EcomPocket, inMemoryChannel, parseSamId, parseTransferCardId, performOnlineLoad, PURSE, runMerchant, SimulatedCard } from '../../card-driver';
import { getAccountBalance } from '../../ledger/queries';
import { bundleWorkflows, createServerWorker, migrateSettlement } from '../../workflows';
import { readerTaskQueue, uploadSettlementFile } from '../../workflows/client';
import { customerWithCard, startHarness as startWorkflowsHarness, uniqueId, type Harness as WorkflowsHarness } from '../../workflows/test/harness';
import { addUser, migratePortal, startPortal, TemporalParts, type RunningPortal } from '../index';
import { Agent } from './support/harness';

/**
 * The portal on the real parts, bound through TemporalParts exactly as in production: Temporal's
 * dev server with the real server worker running DownloadWorkflow and SettlementWorkflow,
 * PostgreSQL with the ledger, the registry and settlement's tables, card-driver's simulated eCom
 * Pocket holding the card and its merchant simulator writing the `.estb` files.
 */
jest.setTimeout(90_000);

let wf: WorkflowsHarness;
let portal: RunningPortal;
let browser: Browser | undefined;
const PASSWORD = 'a long enough password';

beforeAll(async () => {
  wf = await startWorkflowsHarness('portal_real');
  await migrateSettlement(wf.db.db);
  await migratePortal(wf.db.db);
  // Every running settlement counts as stuck here, so that one left without a worker shows at once.
  const parts = new TemporalParts({ client: wf.client, db: wf.db.db, taskQueue: wf.taskQueue, uploadDir: join(tmpdir(), `purseflow-portal-${randomBytes(4).toString('hex')}`), settlementStuckAfterMs: 0, decodeLogRecord });
  portal = await startPortal({ db: wf.db.db, workflows: parts, ledger: parts, sessionKey: randomBytes(32), logger: false, watchIntervalMs: 200 });
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await wf?.close();
});

async function customer(): Promise<{ csn: string; card: SimulatedCard; pocket: EcomPocket; email: string; customerId: string }> {
  const { customerId, csn } = await customerWithCard(wf, { cash: '200.00' });
  const email = `${customerId}@example.com`;
  await addUser(wf.db.db, { email, role: 'customer', password: PASSWORD, linkedId: customerId });
  const card = SimulatedCard.issue(wf.keys, csn);
  return { csn, customerId, email, card, pocket: new EcomPocket(card) };
}

/** An offline download run to its end through workflows/client, as a customer at home would. */
async function loadByPocket(csn: string, pocket: EcomPocket, amount: string, amountMinor: bigint): Promise<void> {
  const requestId = uniqueId('load');
  await wf.downloads.start({ requestId, csn, purse: 'ecash', amount, mode: 'offline' });
  for (let i = 0; i < 50 && (await wf.downloads.state(requestId)).phase !== 'awaiting_request_code'; i++) await new Promise((r) => setTimeout(r, 100));
  const authorization = await wf.downloads.submitRequestCode(requestId, pocket.requestCode(PURSE.ecash, amountMinor));
  await wf.downloads.submitConfirmationCode(requestId, pocket.enterAuthorizationCode(authorization.authorizationCode!));
  expect(await wf.downloads.result(requestId)).toMatchObject({ outcome: 'posted' });
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

test("the customer page shows the registry's cards and balances, and only the customer's own readers that are online", async () => {
  const { csn, pocket, email, customerId } = await customer();
  const other = await customer();
  await loadByPocket(csn, pocket, '45.00', 4500n);
  const tag = randomBytes(4).toString('hex');
  const [mine, mineOffline, theirs] = [`desk-${tag}`, `drawer-${tag}`, `their-${tag}`];
  await wf.registry.assignReader({ readerId: mine, customerId });
  await wf.registry.assignReader({ readerId: mineOffline, customerId });
  await wf.registry.assignReader({ readerId: theirs, customerId: other.customerId });
  // Reader agents as far as Temporal can tell: something polls their task queues.
  const agents = await Promise.all(
    [mine, theirs].map((readerId) => Worker.create({ connection: wf.nativeConnection, taskQueue: readerTaskQueue(readerId), activities: { readerIdle: async () => undefined } })),
  );
  const running = agents.map((agent) => agent.run());
  try {
    const ann = await Agent.signedIn(portal.app, email, PASSWORD);
    let overview = (await ann.get('/api/v1/customer/overview')).json();
    for (let i = 0; i < 50 && overview.readers.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      overview = (await ann.get('/api/v1/customer/overview')).json();
    }
    expect(overview.readers).toEqual([{ readerId: mine, label: `Reader ${mine}` }]);
    expect(overview.cards).toEqual([
      { csn, blocked: false, maxBalance: '42949672.95', purses: [{ purse: 'ecash', lastKnown: '45.00' }, { purse: 'food', lastKnown: '0.00' }] },
    ]);
    expect(overview.balances).toEqual([
      { purse: 'ecash', currency: 'INR', available: '155.00', reserved: '0.00' },
      { purse: 'food', currency: 'INR', available: '0.00', reserved: '0.00' },
    ]);
    const page = (await ann.get('/customer')).body;
    expect(page).toContain(csn);
    expect(page).toContain(`Reader ${mine}`);
    expect(page).not.toContain(theirs);
    expect(page).not.toContain(other.csn);
  } finally {
    agents.forEach((agent) => agent.shutdown());
    await Promise.all(running);
  }
});

test('a merchant pages through the accepted and refused records of a real settlement, and the operator sees the card it flagged and a settlement left running', async () => {
  const tag = randomBytes(5).toString('hex').toUpperCase();
  const shop = { id: `shop-${tag}`, sam: parseSamId(`5341${tag}01`), transferCard: parseTransferCardId(`5443${tag}01`) };
  await wf.registry.enrolMerchant({ id: shop.id, name: 'Corner shop', foodEligible: true });
  await wf.registry.addSam({ samId: shop.sam, merchantId: shop.id });
  await wf.registry.addTransferCard({ transferCardId: shop.transferCard, merchantId: shop.id });
  const shopEmail = `${shop.id.toLowerCase()}@example.com`;
  await addUser(wf.db.db, { email: shopEmail, role: 'merchant', password: PASSWORD, linkedId: shop.id });
  const operatorEmail = `ops-${tag.toLowerCase()}@example.com`;
  await addUser(wf.db.db, { email: operatorEmail, role: 'operator', password: PASSWORD });

  // A card loaded through a download pays for 3 purchases, one with a tampered card MAC.
  const ann = await customer();
  await loadByPocket(ann.csn, ann.pocket, '50.00', 5000n);
  const clean = runMerchant(wf.keys, [ann.card], { samId: shop.sam, transferCardId: shop.transferCard, amount: 5_00n, purchases: 3, firstSamSeq: 1, batchSeq: 1, faults: { tamperPurchaseMacs: 1 } });
  // A card that holds money the server never loaded (a clone?): its purchase is held back and the card flagged.
  const clone = await customer();
  await performOnlineLoad(inMemoryChannel(clone.card), wf.keys, { purse: PURSE.ecash, amount: 30_00n, csn: clone.card.csn });
  const flagged = runMerchant(wf.keys, [clone.card], { samId: shop.sam, transferCardId: shop.transferCard, amount: 10_00n, purchases: 1, firstSamSeq: 10, batchSeq: 2 });

  const merchant = await Agent.signedIn(portal.app, shopEmail, PASSWORD);
  const settleAndWait = async (name: string, file: Buffer): Promise<string> => {
    const { settlementId } = (await merchant.upload('/api/v1/settlements', name, file)).json();
    for (let i = 0; i < 100; i++) {
      const view = (await merchant.get(`/api/v1/settlements/${settlementId}`)).json();
      if (view.state === 'settled') return settlementId;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`settlement ${settlementId} did not finish`);
  };
  const settlementId = await settleAndWait('clean.estb', clean.file);
  await settleAndWait('clone.estb', flagged.file);

  const records = (query: string) => merchant.get(`/api/v1/settlements/${settlementId}/records?${query}`).then((r) => r.json());
  const firstAccepted = await records('verdict=accepted&offset=0&limit=1');
  const nextAccepted = await records('verdict=accepted&offset=1&limit=1');
  expect([firstAccepted.records.length, firstAccepted.hasMore, nextAccepted.records.length, nextAccepted.hasMore]).toEqual([1, true, 1, false]);
  expect(firstAccepted.records[0]).toMatchObject({ csn: ann.csn, purse: 'ecash', amount: '5.00', verdict: 'accepted', reason: null });
  const refused = await records('verdict=refused');
  expect(refused.records).toEqual([expect.objectContaining({ verdict: 'refused', reason: expect.any(String) })]);
  const all = await records('');
  expect(all.records.map((r: { index: number }) => r.index)).toEqual([0, 1, 2]);
  const page = (await merchant.get(`/merchant/settlements/${settlementId}?verdict=accepted`)).body;
  expect(page).toContain(ann.csn.replace(/(\d{4})(?=\d)/g, '$1 '));
  expect(page).toContain('<td>accepted</td>');

  // A settlement that no worker picks up stays running.
  const orphanFile = runMerchant(wf.keys, [ann.card], { samId: shop.sam, transferCardId: shop.transferCard, amount: 1_00n, purchases: 1, firstSamSeq: 20, batchSeq: 3 }).file;
  const orphanPath = join(tmpdir(), `orphan-${tag}.estb`);
  await import('node:fs/promises').then((fs) => fs.writeFile(orphanPath, orphanFile));
  const orphan = await uploadSettlementFile(wf.client, { merchantId: shop.id, file: orphanPath, uploadDir: join(tmpdir(), `purseflow-orphans-${tag}`), taskQueue: `no-worker-${tag}` });
  try {
    const ops = await Agent.signedIn(portal.app, operatorEmail, PASSWORD);
    type Item = { workflowId: string; kind: string; summary: string; evidence: string[]; actions: string[] };
    let items: Item[] = [];
    for (let i = 0; i < 50; i++) {
      items = (await ops.get('/api/v1/attention')).json().items;
      if (items.some((item) => item.workflowId === orphan.workflowId)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(items).toContainEqual(expect.objectContaining({ kind: 'card_flagged', summary: expect.stringContaining(clone.csn), evidence: expect.arrayContaining(['1 purchase held back, 10.00 in all']), actions: [] }));
    expect(items).toContainEqual(expect.objectContaining({ workflowId: orphan.workflowId, kind: 'settlement_stuck', evidence: [`merchant ${shop.id}`, 'open it for the steps it waits on'], actions: ['retry'] }));
    // Opened on its own, the item says what the settlement waits on.
    expect((await ops.get(`/api/v1/attention/${orphan.workflowId}`)).json().item).toMatchObject({
      evidence: [`merchant ${shop.id}`, `no server worker polls no-worker-${tag}: start one (purseflow worker)`, 'no step is scheduled: the workflow itself waits for a worker to take its next task'],
      actions: ['retry'],
    });
    // Retrying cannot help without a worker: the refusal says so and is audited.
    const retry = await ops.post(`/api/v1/attention/${orphan.workflowId}/actions`, { action: 'retry' });
    expect(retry.statusCode).toBe(422);
    expect(retry.json().error.message).toContain(`No server worker polls no-worker-${tag}`);
    const [audit] = await wf.db.db('portal_audit').where({ workflow_id: orphan.workflowId });
    expect(audit).toMatchObject({ action: 'retry', outcome: expect.stringMatching(/^refused: No server worker polls/) });
    const operatorPage = (await ops.get('/operator')).body;
    expect(operatorPage).toContain('Card flagged by settlement');
    expect(operatorPage).toContain(clone.csn);
    expect(operatorPage).toContain('Settlement waiting too long');
  } finally {
    await orphan.handle.terminate('test done: nobody was meant to settle it');
  }
});

test('an operator retries a settlement whose step keeps failing: the step runs again at once, from attempt 1, and the settlement settles', async () => {
  const tag = randomBytes(5).toString('hex').toUpperCase();
  const shop = { id: `shop-${tag}`, sam: parseSamId(`5341${tag}01`), transferCard: parseTransferCardId(`5443${tag}01`) };
  await wf.registry.enrolMerchant({ id: shop.id, name: 'Corner shop', foodEligible: true });
  await wf.registry.addSam({ samId: shop.sam, merchantId: shop.id });
  await wf.registry.addTransferCard({ transferCardId: shop.transferCard, merchantId: shop.id });
  const operatorEmail = `ops-${tag.toLowerCase()}@example.com`;
  await addUser(wf.db.db, { email: operatorEmail, role: 'operator', password: PASSWORD });
  const ann = await customer();
  await loadByPocket(ann.csn, ann.pocket, '20.00', 2000n);
  const file = runMerchant(wf.keys, [ann.card], { samId: shop.sam, transferCardId: shop.transferCard, amount: 2_00n, purchases: 2, firstSamSeq: 1, batchSeq: 1 }).file;
  const source = join(tmpdir(), `retry-${tag}.estb`);
  await writeFile(source, file);

  // The database refuses this batch for a while (a trigger stands in for a full disk or a lock
  // timeout): verifySettlementFile fails and Temporal retries it with a growing backoff.
  const batchKey = `${shop.transferCard}-1`;
  const refusing = `refuse_batch_${tag.toLowerCase()}`;
  await wf.db.db.raw(`
    CREATE FUNCTION ${refusing}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.batch_key = '${batchKey}' THEN RAISE EXCEPTION 'disk full (test)'; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER ${refusing} BEFORE INSERT ON settlement_batches FOR EACH ROW EXECUTE FUNCTION ${refusing}();`);
  const taskQueue = `settle-retry-${tag}`;
  const worker = await createServerWorker({ connection: wf.nativeConnection, taskQueue, knex: wf.db.db, ledger: wf.ledger, keys: wf.keys, workflowBundle: await bundleWorkflows() });
  const running = worker.run();
  const stored = join(tmpdir(), `purseflow-retry-${tag}`);
  const started = await uploadSettlementFile(wf.client, { merchantId: shop.id, file: source, uploadDir: stored, taskQueue });
  expect(started.workflowId).toBe(`settlement-${batchKey}`);
  try {
    const ops = await Agent.signedIn(portal.app, operatorEmail, PASSWORD);
    type Item = { workflowId: string; evidence: string[]; actions: string[] };
    const item = async (): Promise<Item | undefined> => {
      const res = await ops.get(`/api/v1/attention/${started.workflowId}`);
      return res.statusCode === 200 ? ((res.json().item as Item | null) ?? undefined) : undefined;
    };
    // Attempt 3 comes about 3 s after the first; the next one by itself would be 4 s later, then 8 s, 16 s…
    let shown: Item | undefined;
    for (let i = 0; i < 300; i++) {
      shown = await item();
      if (shown?.evidence.some((e) => /^step verifySettlementFile: \w+, attempt ([3-9]|\d\d)/.test(e))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(shown).toMatchObject({ actions: ['retry'], evidence: expect.arrayContaining([`a server worker polls ${taskQueue}`]) });
    expect(shown!.evidence).toContainEqual(expect.stringMatching(/^step verifySettlementFile: \w+, attempt ([3-9]|\d\d), last failure: .*disk full \(test\).*, next attempt by itself at /));

    const page = (await ops.get(`/operator/items/${started.workflowId}`)).body;
    expect(page).toContain('Settlement waiting too long');
    expect(page).toMatch(/step verifySettlementFile: \w+, attempt \d+, last failure: [^<]*disk full \(test\)/);
    expect(page).toContain('value="retry" checked> Retry now');

    // The database takes it again; the operator does not wait for the backoff.
    await wf.db.db.raw(`DROP TRIGGER ${refusing} ON settlement_batches; DROP FUNCTION ${refusing}();`);
    const res = await ops.post(`/api/v1/attention/${started.workflowId}/actions`, { action: 'retry' });
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 200, body: { outcome: `${started.workflowId}: verifySettlementFile tried again now` } });
    expect(await started.handle.result()).toMatchObject({ outcome: 'settled', accepted: 2 });
    const [audit] = await wf.db.db('portal_audit as a').join('portal_users as u', 'u.id', 'a.user_id').where('a.workflow_id', started.workflowId).select('u.email', 'a.action', 'a.outcome');
    expect(audit).toEqual({ email: operatorEmail, action: 'retry', outcome: `done: ${started.workflowId}: verifySettlementFile tried again now` });
    // The step that succeeded was counted from 1 again: the operator's reset, not the backoff, ran it.
    expect((await ops.get(`/operator/items/${started.workflowId}`)).body).toContain(`<dd>done: ${started.workflowId}: verifySettlementFile tried again now</dd>`);
    const history = await started.handle.fetchHistory();
    const verifyStarts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes && e.eventId !== undefined);
    expect(verifyStarts[0]?.activityTaskStartedEventAttributes?.attempt).toBe(1);
  } finally {
    await wf.db.db.raw(`DROP TRIGGER IF EXISTS ${refusing} ON settlement_batches; DROP FUNCTION IF EXISTS ${refusing}();`);
    worker.shutdown();
    await running;
    await rm(source, { force: true });
    await rm(stored, { recursive: true, force: true });
  }
}, 150_000);
