import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startPortal, type RunningPortal } from '../index';
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
  portal = await startPortal({ db: h.database.db, workflows: h.parts, ledger: h.parts, sessionKey: randomBytes(32), logger: false, watchIntervalMs: 100 });
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
  await operator.getByLabel('Retry now').check();
  await operator.getByRole('button', { name: 'Apply' }).click();
  await operator.getByText('Done: Retry now on download-stuck-1.').waitFor();
  await operator.context().close();
});
