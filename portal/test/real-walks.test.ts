import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Acr30Reader, Acr30Simulator, decodeLogRecord, EcomPocket, parseSamId, parseTransferCardId, PURSE, runMerchant, SimulatedCard } from '../../card-driver';
import { migrateSettlement, ReaderAgent } from '../../workflows';
import { getAccountBalance } from '../../ledger/queries';
import { customerWithCard, startHarness as startWorkflowsHarness, uniqueId, type Harness as WorkflowsHarness } from '../../workflows/test/harness';
import { openSocatPair, type SocatPair } from '../../test-support/socat-pair';
import { addUser, migratePortal, startPortal, TemporalParts, type RunningPortal } from '../index';

/**
 * Issue 7's walks in Debian's Chromium on the real parts: Temporal's dev server with the real
 * server worker, PostgreSQL with the ledger, registry and settlement tables, card-driver's merchant
 * simulator writing `.estb` files, and a reader agent talking over a socat pty to the ACR30 simulator.
 */
const ARTIFACTS = join(__dirname, '..', '..', '.data', 'artifacts', 'portal');
const PASSWORD = 'a long enough password';
jest.setTimeout(60_000);

let wf: WorkflowsHarness;
let portal: RunningPortal;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  wf = await startWorkflowsHarness('portal_walks');
  await migrateSettlement(wf.db.db);
  await migratePortal(wf.db.db);
  const parts = new TemporalParts({
    client: wf.client,
    db: wf.db.db,
    taskQueue: wf.taskQueue,
    uploadDir: join(tmpdir(), `purseflow-walks-${randomBytes(4).toString('hex')}`),
    // An offline download without its confirmation code is flagged for an operator after 10 s
    // instead of 3 days (and reminded after 2 s instead of a day). The flag time is also how long
    // the workflow waits for the request code, so it stays long enough for a loaded machine.
    downloadTiming: { remindAfterMs: 2_000, operatorAfterMs: 10_000 },
    decodeLogRecord,
  });
  portal = await startPortal({ db: wf.db.db, workflows: parts, ledger: parts, sessionKey: randomBytes(32), logger: false, watchIntervalMs: 200 });
  browser = await chromium.launch({
    executablePath: process.env.PURSEFLOW_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--disable-gpu', '--disable-quic', '--disable-sync', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await wf?.close();
});

async function signedInPage(email: string, landing: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 1 })).newPage();
  await page.goto(`${portal.url}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`**${landing}`);
  return page;
}

/** Why a wait failed, with what the page said. */
async function pageSays(page: Page, err: unknown): Promise<never> {
  throw new Error(`${String(err)}\nthe page says: ${await page.locator('main').innerText()}`);
}

/** Reloads until `text` shows: the settlement page refreshes itself only every few seconds. */
async function reloadUntil(page: Page, text: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = await page.getByText(text).first().waitFor({ timeout: 500 }).then(() => true, () => false);
    if (shown) return;
    if (Date.now() > deadline) throw new Error(`"${text}" did not show within ${timeoutMs} ms; the page says: ${await page.locator('main').innerText()}`);
    await page.reload();
  }
}

test('a merchant uploads a clean .estb file and then one with a tampered MAC, and sees each record\u2019s verdict', async () => {
  const tag = randomBytes(5).toString('hex').toUpperCase();
  const shop = { id: `shop-${tag}`, sam: parseSamId(`5341${tag}01`), transferCard: parseTransferCardId(`5443${tag}01`) };
  await wf.registry.enrolMerchant({ id: shop.id, name: 'Corner shop', foodEligible: true });
  await wf.registry.addSam({ samId: shop.sam, merchantId: shop.id });
  await wf.registry.addTransferCard({ transferCardId: shop.transferCard, merchantId: shop.id });
  const shopEmail = `${shop.id.toLowerCase()}@example.com`;
  await addUser(wf.db.db, { email: shopEmail, role: 'merchant', password: PASSWORD, linkedId: shop.id });

  // The card's money must come through the server, or settlement holds the purchases back as a clone's.
  const { csn } = await customerWithCard(wf, { cash: '100.00' });
  const card = SimulatedCard.issue(wf.keys, csn);
  const pocket = new EcomPocket(card);
  const requestId = uniqueId('load');
  await wf.downloads.start({ requestId, csn, purse: 'ecash', amount: '50.00', mode: 'offline' });
  for (let i = 0; i < 50 && (await wf.downloads.state(requestId)).phase !== 'awaiting_request_code'; i++) await new Promise((r) => setTimeout(r, 100));
  const authorization = await wf.downloads.submitRequestCode(requestId, pocket.requestCode(PURSE.ecash, 5000n));
  await wf.downloads.submitConfirmationCode(requestId, pocket.enterAuthorizationCode(authorization.authorizationCode!));
  expect(await wf.downloads.result(requestId)).toMatchObject({ outcome: 'posted' });

  const clean = runMerchant(wf.keys, [card], { samId: shop.sam, transferCardId: shop.transferCard, amount: 4_00n, purchases: 2, firstSamSeq: 1, batchSeq: 1 });
  const tampered = runMerchant(wf.keys, [card], { samId: shop.sam, transferCardId: shop.transferCard, amount: 3_00n, purchases: 2, firstSamSeq: 3, batchSeq: 2, faults: { tamperPurchaseMacs: 1 } });

  const page = await signedInPage(shopEmail, '/merchant');
  const upload = async (name: string, buffer: Buffer): Promise<void> => {
    await page.goto(`${portal.url}/merchant`);
    await page.getByLabel('Settlement file').setInputFiles({ name, mimeType: 'application/octet-stream', buffer });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.waitForURL('**/merchant/settlements/**');
    await reloadUntil(page, 'State: settled');
  };

  await upload(`clean-${tag}.estb`, clean.file);
  await page.getByText('2 records: 2 accepted, 0 refused.').waitFor({ timeout: 5000 });
  const cleanVerdicts = await page.locator('table:has(caption:text("Records of the file")) tbody tr td:nth-child(5)').allInnerTexts();
  expect(cleanVerdicts).toEqual(['accepted', 'accepted']);
  await page.screenshot({ path: join(ARTIFACTS, 'real-merchant-clean-settlement.png'), fullPage: true });

  await upload(`tampered-${tag}.estb`, tampered.file);
  await page.getByText('2 records: 1 accepted, 1 refused.').waitFor({ timeout: 5000 });
  const rows = page.locator('table:has(caption:text("Records of the file")) tbody tr');
  expect(await rows.locator('td:nth-child(5)').allInnerTexts()).toEqual(expect.arrayContaining(['accepted', 'refused']));
  const refusedReason = await rows.filter({ has: page.locator('td:nth-child(5):text-is("refused")') }).locator('td:nth-child(6)').innerText();
  expect(refusedReason).toContain('purchase proof (MACP) does not hold');
  await page.screenshot({ path: join(ARTIFACTS, 'real-merchant-tampered-settlement.png'), fullPage: true });

  await page.getByLabel('Show').selectOption('refused');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL('**verdict=refused**');
  expect(await rows.locator('td:nth-child(5)').allInnerTexts()).toEqual(['refused']);
});

describe('a card in the ACR30 behind a reader agent', () => {
  let pair: SocatPair | undefined;
  let sim: Acr30Simulator | undefined;
  let agent: ReaderAgent | undefined;
  let running: Promise<void> | undefined;
  const readerId = uniqueId('walk-acr30');

  beforeAll(async () => {
    pair = await openSocatPair();
    sim = await Acr30Simulator.open({ path: pair.devicePath, card: null, announceReset: false });
    const reader = await Acr30Reader.open({ path: pair.hostPath, timeouts: { controlMs: 1500, resetMs: 1500, exchangeMs: 1500 } });
    agent = await ReaderAgent.create({ connection: wf.nativeConnection, client: wf.client, readerId, reader });
    running = agent.run();
  });

  afterAll(async () => {
    agent?.shutdown();
    await running;
    await sim?.close();
    await pair?.close();
  });

  test('a customer picks the reader, starts a connected download and sees the money reach the card', async () => {
    const { customerId, csn } = await customerWithCard(wf, { cash: '100.00' });
    await wf.registry.assignReader({ readerId, customerId });
    const email = `${customerId}@example.com`;
    await addUser(wf.db.db, { email, role: 'customer', password: PASSWORD, linkedId: customerId });
    const card = SimulatedCard.issue(wf.keys, csn);
    sim!.insert(card);
    try {
      const page = await signedInPage(email, '/customer');
      // The reader shows once Temporal sees the agent polling its task queue.
      const connected = page.getByLabel('Card in a reader');
      const deadline = Date.now() + 10_000;
      while (await connected.isDisabled()) {
        if (Date.now() > deadline) throw new Error('the reader agent never showed as online');
        await page.reload();
      }
      await page.getByLabel('Card', { exact: true }).selectOption(csn);
      await page.getByRole('group', { name: 'Purse' }).getByLabel('e-Cash').check();
      await page.getByLabel('Amount').fill('12.50');
      await connected.check();
      await page.getByLabel('Reader', { exact: true }).selectOption(readerId);
      await page.getByRole('button', { name: 'Start download' }).click();
      await page.waitForURL('**/customer/downloads/**');
      await page.getByText('Done: the money is on your card.').waitFor({ timeout: 15_000 }).catch(async (err: unknown) => {
        throw new Error(`${String(err)}\nthe page says: ${await page.locator('main').innerText()}`);
      });
      await page.screenshot({ path: join(ARTIFACTS, 'real-connected-download-posted.png'), fullPage: true });
      expect(card.balance(PURSE.ecash)).toBe(12_50n);
    } finally {
      sim!.remove();
    }
  });
});

// Waits 10 s for the operator flag, and the list asks every stuck download of the shared dev server for its state.
test('an operator finds a download left without its confirmation code, resolves it with the Pocket\u2019s code, and the ledger posts it', async () => {
  // The customer starts an offline download, the Pocket is credited, and the customer walks away
  // without typing the confirmation code: the money stays reserved.
  const { customerId, csn } = await customerWithCard(wf, { cash: '100.00' });
  const email = `${customerId}@example.com`;
  await addUser(wf.db.db, { email, role: 'customer', password: PASSWORD, linkedId: customerId });
  const pocket = new EcomPocket(SimulatedCard.issue(wf.keys, csn));
  const ann = await signedInPage(email, '/customer');
  await ann.getByLabel('Amount').fill('40.00');
  await ann.getByLabel('eCom Pocket (offline)').check();
  await ann.getByRole('button', { name: 'Start download' }).click();
  await ann.waitForURL('**/customer/downloads/**');
  const downloadId = decodeURIComponent(new URL(ann.url()).pathname.split('/').pop()!);
  await ann.getByLabel('Request code').fill(pocket.requestCode(PURSE.ecash, 40_00n));
  await ann.getByRole('button', { name: 'Send request code' }).click();
  const shown = ann.locator('h2:has-text("Authorization code") ~ .big-code');
  await shown.waitFor({ timeout: 20_000 }).catch((err: unknown) => pageSays(ann, err));
  const confirmation = pocket.enterAuthorizationCode(((await shown.textContent()) ?? '').replace(/\s/g, ''));
  expect(pocket.balances().ecash).toBe(40_00n);
  await ann.context().close();

  const state = await wf.downloads.state(downloadId.replace(/^download-/, ''));
  const reservationId = state.reservationId!;
  expect(reservationId).toBeDefined();
  const account = (await wf.registry.customer(customerId)).cashAccountId;
  expect(await getAccountBalance(wf.db.db, account)).toMatchObject({ posted: 100_00n, available: 60_00n });

  // Past its operator time the workflow flags it; the operator sees it under Needs attention.
  const operatorEmail = `ops-${randomBytes(3).toString('hex')}@example.com`;
  await addUser(wf.db.db, { email: operatorEmail, role: 'operator', password: PASSWORD });
  const ops = await signedInPage(operatorEmail, '/operator');
  await ops.getByRole('heading', { name: 'Needs attention', level: 1 }).waitFor();
  const flagged = `40.00 to card ${csn} (needs operator)`;
  await reloadUntil(ops, flagged, 60_000);
  await ops.getByRole('listitem').filter({ has: ops.getByRole('link', { name: flagged }) }).getByText(`customer ${customerId}`).waitFor();
  await ops.screenshot({ path: join(ARTIFACTS, 'real-operator-needs-attention.png'), fullPage: true });

  // Opens it: the workflow says why it waits; the evidence names the pending transfer holding the money and the card's ATC.
  await ops.getByRole('link', { name: flagged }).click();
  await ops.waitForURL(`**/operator/items/${downloadId}`);
  await ops.getByText('why it waits: no confirmation code from the customer').waitFor();
  await ops.getByText(`pending transfer ${reservationId} holds 40.00`).waitFor();
  await ops.getByText(`card ATC of this load: ${state.atc}`).waitFor();
  await ops.getByText('No one has acted on this yet.').waitFor();
  // An offline download has no card log to show, and the page shows none of its codes.
  expect(await ops.getByRole('heading', { name: 'Card log as read' }).count()).toBe(0);
  expect(await ops.content()).not.toContain(state.authorizationCode!);
  await ops.screenshot({ path: join(ARTIFACTS, 'real-operator-item-evidence.png'), fullPage: true });

  // Resolves it with the confirmation code the customer reads off the Pocket.
  await ops.getByLabel('Resolve with evidence').check();
  await ops.getByLabel('Evidence (required to resolve or void)').fill(`${confirmation.slice(0, 3)} ${confirmation.slice(3, 6)} ${confirmation.slice(6)}`);
  await ops.getByRole('button', { name: 'Apply' }).click();
  await ops.waitForURL('**?done=resolve');
  await ops.getByText('This no longer needs attention.').waitFor().catch((err: unknown) => pageSays(ops, err));
  await ops.getByRole('status').getByText(`Resolve with evidence: done: ${downloadId} is now posted.`).waitFor();
  const entry = ops.getByRole('list', { name: `Actions on ${downloadId}, oldest first` }).getByRole('listitem');
  expect(await entry.locator('dd').allInnerTexts()).toEqual([
    expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/),
    operatorEmail,
    'resolve',
    `${confirmation.slice(0, 3)} ${confirmation.slice(3, 6)} ${confirmation.slice(6)}`,
    `done: ${downloadId} is now posted`,
  ]);
  await ops.screenshot({ path: join(ARTIFACTS, 'real-operator-resolved.png'), fullPage: true });

  // The audit trail in PostgreSQL: who, when, what, evidence.
  const audit = await wf.db.db('portal_audit as a').join('portal_users as u', 'u.id', 'a.user_id').where('a.workflow_id', downloadId).select('u.email', 'a.at', 'a.action', 'a.evidence', 'a.outcome');
  expect(audit).toEqual([{ email: operatorEmail, at: expect.any(Date), action: 'resolve', evidence: expect.stringContaining(confirmation.slice(6)), outcome: `done: ${downloadId} is now posted` }]);
  // The ledger: the pending transfer was posted, the customer's money left for the card.
  const [resolution] = await wf.db.db('ledger_pending_resolutions').where({ pending_id: reservationId });
  expect(resolution).toMatchObject({ resolution: 'posted' });
  expect(await getAccountBalance(wf.db.db, account)).toMatchObject({ posted: 60_00n, available: 60_00n });
  expect(await wf.downloads.result(downloadId.replace(/^download-/, ''))).toMatchObject({ outcome: 'posted', proof: `confirmation code given by operator ${operatorEmail}` });
}, 150_000);
