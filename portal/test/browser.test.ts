import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startPortal, type RunningPortal } from '../index';
import { rolledOutCardLog } from './support/card-log';
import { pocket } from './support/fake-parts';
import { PASSWORD, startHarness, type Harness } from './support/harness';

/**
 * The portal in Debian's Chromium, driven by playwright-core: people's walks through the pages,
 * by the accessible names issue 7 fixes, with an axe scan of every page and screenshots (kept in
 * .data/artifacts/portal/) at a phone's 360 px width.
 */
const ARTIFACTS = join(__dirname, '..', '..', '.data', 'artifacts', 'portal');
jest.setTimeout(60_000);

let h: Harness;
let portal: RunningPortal;
let browser: Browser;
beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  h = await startHarness('browser', { limits: { codeEntryPerMinute: 1000, signInPerMinute: 100 } });
  // Every test signs in afresh: more than the default ten sign-ins a minute from one address.
  portal = await startPortal({ db: h.database.db, workflows: h.parts, ledger: h.parts, sessionKey: randomBytes(32), logger: false, watchIntervalMs: 100, limits: { codeEntryPerMinute: 1000, signInPerMinute: 100 } });
  browser = await chromium.launch({
    executablePath: process.env.PURSEFLOW_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--disable-gpu', '--disable-quic', '--disable-sync', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await h?.close();
});

async function phonePage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 1 });
  return context.newPage();
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(`${portal.url}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function expectAccessible(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
  expect({ page: name, serious }).toEqual({ page: name, serious: [] });
}

async function fitsThePhone(page: Page): Promise<void> {
  // A string runs in the page; this file is type-checked without the DOM library.
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  expect(overflow).toBeLessThanOrEqual(0);
}

test('a customer loads a card offline with the Pocket\u2019s codes, at 360 px, keyboard and screen-reader friendly', async () => {
  const page = await phonePage();
  await page.goto(`${portal.url}/sign-in`);
  await expectAccessible(page, 'sign-in');
  await page.screenshot({ path: join(ARTIFACTS, '01-sign-in.png'), fullPage: true });
  await signIn(page, 'ann@example.com');
  await page.waitForURL('**/customer');
  await expectAccessible(page, 'customer');
  await fitsThePhone(page);
  await page.screenshot({ path: join(ARTIFACTS, '02-customer.png'), fullPage: true });

  await page.getByLabel('Card', { exact: true }).selectOption({ index: 0 });
  await page.getByLabel('e-Cash').check();
  await page.getByLabel('Amount').fill('25.00');
  await page.getByLabel('eCom Pocket (offline)').check();
  await page.getByRole('button', { name: 'Start download' }).click();
  await page.waitForURL('**/customer/downloads/**');
  await expectAccessible(page, 'download: request code');

  // A mistyped code is refused in the page, before anything is sent.
  await page.getByLabel('Request code').fill('1234');
  await page.getByRole('button', { name: 'Send request code' }).click();
  await expect(page.getByText('The code has 14 digits, you typed 4.')).toBeTruthy();
  expect(await page.getByText('The code has 14 digits, you typed 4.').isVisible()).toBe(true);

  await page.getByLabel('Request code').fill(pocket.requestCode(42).replace(/^(\d{5})/, '$1 '));
  await page.getByRole('button', { name: 'Send request code' }).click();
  const authorization = page.locator('h2:has-text("Authorization code") ~ .big-code');
  await authorization.waitFor();
  const code = (await authorization.textContent())?.trim() ?? '';
  expect(code).toMatch(/^\d{3} \d{3} \d{3}$/);
  await expectAccessible(page, 'download: authorization code');
  await fitsThePhone(page);
  await page.screenshot({ path: join(ARTIFACTS, '03-authorization-code.png'), fullPage: true });

  // The Pocket takes the authorization code and shows the confirmation code.
  await page.getByLabel('Confirmation code').fill(pocket.confirmationCode(code));
  await page.getByLabel('Confirmation code').press('Enter');
  await page.getByText('Done: the money is on your card.').waitFor();
  await page.screenshot({ path: join(ARTIFACTS, '04-posted.png'), fullPage: true });

  await page.goto(`${portal.url}/customer/history`);
  await expectAccessible(page, 'history');
  await page.context().close();
});

test('a connected download\u2019s steps arrive live, and a page closed mid-download shows the truth when reopened', async () => {
  h.parts.readers.set('cust-1', [{ readerId: 'acr30-1', label: 'ACR30 on the desk' }]);
  const page = await phonePage();
  await signIn(page, 'ann@example.com');
  await page.waitForURL('**/customer');
  await page.getByLabel('Amount').fill('10.00');
  await page.getByLabel('Card in a reader').check();
  await page.getByRole('button', { name: 'Start download' }).click();
  await page.waitForURL('**/customer/downloads/**');
  const url = page.url();
  const id = decodeURIComponent(url.split('/').pop() ?? '');
  await page.getByText('Starting the download').waitFor();
  h.parts.advance(id, { step: 'card_read' });
  await page.getByText('Your card was read.').waitFor();
  await page.context().close();

  // The browser is gone; the workflow goes on.
  h.parts.advance(id, { step: 'money_reserved' });
  h.parts.advance(id, { step: 'posted', finished: true, outcome: 'The card was credited and the money posted.' });
  const again = await phonePage();
  await signIn(again, 'ann@example.com');
  await again.goto(url);
  await again.getByText('Done: the money is on your card.').waitFor();
  await again.context().close();
  h.parts.readers.delete('cust-1');
});

test('the whole sign-in and download form work with the keyboard alone', async () => {
  const page = await phonePage();
  await page.goto(`${portal.url}/sign-in`);
  await page.keyboard.press('Tab'); // skip link
  await page.keyboard.press('Tab');
  await page.keyboard.type('ann@example.com');
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL('**/customer');
  await page.getByLabel('Amount').focus();
  await page.keyboard.type('1.50');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/customer/downloads/**');
  expect(await page.getByLabel('Request code').isVisible()).toBe(true);
  await page.context().close();
});

test('merchant and operator pages pass the accessibility scan and fit the phone', async () => {
  h.parts.attention.push({
    workflowId: 'download-stuck-1',
    kind: 'download_stuck',
    summary: '25.00 e-Cash to card 6071 0000 0000 0018',
    since: new Date(),
    evidence: ['request code 00042 12345678 x'],
    actions: ['retry', 'resolve', 'void'],
  });
  // Its card log as the workflow read it: the item page's widest table.
  h.parts.cardLogs.set('download-stuck-1', rolledOutCardLog('reader-1'));
  const merchant = await phonePage();
  await signIn(merchant, 'shop@example.com');
  await merchant.waitForURL('**/merchant');
  await expectAccessible(merchant, 'merchant');
  await fitsThePhone(merchant);
  await merchant.screenshot({ path: join(ARTIFACTS, '05-merchant.png'), fullPage: true });
  await merchant.context().close();

  const operator = await phonePage();
  await signIn(operator, 'ops@example.com');
  await operator.waitForURL('**/operator');
  await operator.getByRole('heading', { name: 'Needs attention' }).waitFor();
  await expectAccessible(operator, 'operator');
  await fitsThePhone(operator);
  await operator.screenshot({ path: join(ARTIFACTS, '06-operator.png'), fullPage: true });
  await operator.getByRole('link', { name: /25\.00 e-Cash to card/ }).click();
  await operator.waitForURL('**/operator/items/download-stuck-1');
  await expectAccessible(operator, 'operator item');
  await fitsThePhone(operator);
  // The card log reads by its caption and, when it scrolls on the phone, is reachable by keyboard.
  await operator.getByRole('table', { name: 'Card log records, newest first (10)' }).waitFor();
  await operator.getByRole('link', { name: /in the Temporal Web UI/ }).focus();
  await operator.keyboard.press('Tab');
  expect(await operator.evaluate<string | null>("document.activeElement.getAttribute('aria-labelledby')")).toBe('card-log-heading');
  await operator.screenshot({ path: join(ARTIFACTS, '07a-operator-item-card-log.png'), fullPage: true });
  await operator.getByLabel('Retry now').check();
  await operator.getByRole('button', { name: 'Apply' }).click();
  await operator.getByText('Retry now: done: retry accepted for download-stuck-1.').waitFor();
  await expectAccessible(operator, 'operator item with its audit trail');
  await fitsThePhone(operator);
  await operator.screenshot({ path: join(ARTIFACTS, '07-operator-item.png'), fullPage: true });
  await operator.context().close();
});

test('a settlement\u2019s detail page passes the accessibility scan and fits the phone', async () => {
  const rows = Array.from({ length: 30 }, (_, i) => ({
    index: i + 1,
    csn: '6071000000000018',
    purse: 'ecash' as const,
    amountMinor: 250n,
    verdict: i % 4 === 3 ? ('refused' as const) : ('accepted' as const),
    reason: i % 4 === 3 ? 'the purchase proof (MACP) does not hold: the record was altered after the purchase' : null,
  }));
  h.parts.settlements.set('settlement-5443000000000001-7', {
    view: {
      settlementId: 'settlement-5443000000000001-7',
      merchantId: 'merch-1',
      fileName: 'shop-batch-7.estb',
      state: 'settled',
      recordCount: 30,
      acceptedCount: 23,
      refusedCount: 7,
      reason: null,
      startedAt: new Date(),
      totals: [{ purse: 'ecash', acceptedMinor: 23n * 250n }, { purse: 'food', acceptedMinor: 0n }],
    },
    records: rows,
  });
  const page = await phonePage();
  await signIn(page, 'shop@example.com');
  await page.waitForURL('**/merchant');
  await page.goto(`${portal.url}/merchant/settlements/settlement-5443000000000001-7`);
  await page.getByText('30 records: 23 accepted, 7 refused.').waitFor();
  await expectAccessible(page, 'settlement');
  await page.getByLabel('Show').selectOption('refused');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL('**verdict=refused**');
  await expectAccessible(page, 'settlement, refused records');
  await page.screenshot({ path: join(ARTIFACTS, '08-settlement.png'), fullPage: true });
  await page.context().close();
});

describe('error pages pass the accessibility scan', () => {
  test('404: an address that does not exist, signed out and signed in', async () => {
    const page = await phonePage();
    expect((await page.goto(`${portal.url}/no/such/page`))?.status()).toBe(404);
    await expectAccessible(page, '404 signed out');
    await signIn(page, 'ann@example.com');
    await page.waitForURL('**/customer');
    expect((await page.goto(`${portal.url}/customer/downloads/download-nowhere`))?.status()).toBe(404);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await expectAccessible(page, '404 signed in');
    await page.screenshot({ path: join(ARTIFACTS, '09-not-found.png'), fullPage: true });
    await page.context().close();
  });

  test('403 answered as 404: another role\u2019s page and another customer\u2019s download', async () => {
    const bob = await h.parts.startDownload({ requestId: `bob-${randomBytes(3).toString('hex')}`, customerId: 'cust-2', csn: '6071000000000026', purse: 'ecash', amountMinor: 100n, mode: 'offline', readerId: null });
    const page = await phonePage();
    await signIn(page, 'ann@example.com');
    await page.waitForURL('**/customer');
    expect((await page.goto(`${portal.url}/operator`))?.status()).toBe(404);
    await expectAccessible(page, "another role's page");
    expect((await page.goto(`${portal.url}/customer/downloads/${bob.downloadId}`))?.status()).toBe(404);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    expect(await page.locator('main').innerText()).not.toContain('6071000000000026');
    await expectAccessible(page, "another customer's download");
    await page.context().close();
  });

  test('503 and 500: the workflow service unreachable, and a fault behind the page', async () => {
    const page = await phonePage();
    await signIn(page, 'ops@example.com');
    await page.waitForURL('**/operator');
    const ann = await phonePage();
    await signIn(ann, 'ann@example.com');
    await ann.waitForURL('**/customer');
    const own = (await h.parts.startDownload({ requestId: `ann-${randomBytes(3).toString('hex')}`, customerId: 'cust-1', csn: '6071000000000018', purse: 'ecash', amountMinor: 100n, mode: 'offline', readerId: null })).downloadId;
    h.parts.reachable = false;
    try {
      expect((await ann.goto(`${portal.url}/customer/downloads/${own}`))?.status()).toBe(503);
      await ann.getByText('cannot reach the workflow service').waitFor();
      await expectAccessible(ann, '503 unreachable');
      await ann.screenshot({ path: join(ARTIFACTS, '10-unreachable.png'), fullPage: true });
      await ann.context().close();
    } finally {
      h.parts.reachable = true;
    }
    h.parts.broken = true;
    try {
      expect((await page.goto(`${portal.url}/operator`))?.status()).toBe(500);
      await page.getByRole('heading', { name: 'Something went wrong' }).waitFor();
      expect(await page.locator('main').innerText()).not.toContain('reading');
      await expectAccessible(page, '500');
    } finally {
      h.parts.broken = false;
    }
    await page.context().close();
  });

  test('429: too many sign-in tries', async () => {
    // A second portal on the same parts with a limit of one sign-in a minute.
    const strict = await startPortal({ db: h.database.db, workflows: h.parts, ledger: h.parts, sessionKey: randomBytes(32), logger: false, limits: { signInPerMinute: 1 } });
    try {
      const page = await phonePage();
      for (let i = 0; i < 2; i++) {
        await page.goto(`${strict.url}/sign-in`);
        await page.getByLabel('Email').fill('ann@example.com');
        await page.getByLabel('Password').fill('not the password at all');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForLoadState();
      }
      await page.getByText(/Too many tries; wait \d+ seconds and try again\./).waitFor();
      await expectAccessible(page, '429');
      await page.screenshot({ path: join(ARTIFACTS, '11-too-many-tries.png'), fullPage: true });
      await page.context().close();
    } finally {
      await strict.close();
    }
  });
});
