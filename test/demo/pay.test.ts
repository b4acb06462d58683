import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { LocalCloud } from '../../local/cloud';
import { ROOT } from '../../tools/build-client';
import { newUserId } from '../support/local';
import { browserAvailable, launchBrowser, settled, startDemoCloud } from './support';

const SCREENSHOT = path.join(ROOT, '.local', 'screenshots', 'demo-cashier.png');

/**
 * Buying Todo Pro in the demo: client.pay through the Alipay emulator's cashier page, which the
 * demo opens in an iframe overlay in place of my.tradePay. Drives the whole local stack: the pay
 * function, the gateway emulator, its notification to the notify function.
 */
(browserAvailable ? describe : describe.skip)('buying Todo Pro in the demo', () => {
  let cloud: LocalCloud;
  let browser: Browser;
  let base = '';

  beforeAll(async () => {
    ({ cloud, base } = await startDemoCloud());
    browser = await launchBrowser();
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
  });

  const text = async (page: Page, testId: string) => (await page.getByTestId(testId).textContent())?.trim();
  const orderStatuses = (page: Page) => page.getByTestId('order-status').allTextContents();

  async function logIn(userId: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 640, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base);
    await page.getByTestId('user').fill(userId);
    await page.getByTestId('login-button').click();
    await page.getByTestId('app').waitFor();
    await settled(page);
    return { context, page, errors };
  }

  /** Clicks Buy and waits for the cashier page in the overlay; answers the trade number it was opened for. */
  async function openCashier(page: Page): Promise<string> {
    await page.getByTestId('buy').click();
    const frame = page.getByTestId('cashier-frame');
    // The cashier, or the page settling without one (the error is on the status line): whichever comes first.
    await page.locator('[data-testid=cashier-frame], body:not([data-busy])').first().waitFor({ state: 'attached' });
    if ((await frame.count()) === 0) throw new Error(`no cashier opened; the page says: ${await text(page, 'status')}`);
    await page.frameLocator('[data-testid=cashier-frame]').getByRole('button', { name: 'Pay', exact: true }).waitFor();
    return new URL((await frame.getAttribute('src'))!).searchParams.get('tradeNo')!;
  }

  it('the local cloud has payments (pay function outputs and the cashier page)', () => {
    const config = cloud.config as unknown as Record<string, unknown>;
    expect(config).toMatchObject({ PayServiceName: expect.any(String), PayFunctionName: expect.any(String), cashierUrl: expect.any(String) });
  });

  it('Pay shows PAID, Cancel leaves WAIT_BUYER_PAY; the orders list shows both, newest first, and only to their owner', async () => {
    const { context, page, errors } = await logIn(newUserId());

    // The product as the catalog has it.
    await page.getByTestId('pro').waitFor();
    expect(await text(page, 'buy')).toBe('Buy Todo Pro');
    expect(await text(page, 'price')).toBe('¥9.90');
    expect(await page.getByTestId('order').count()).toBe(0);

    // Buy → Pay.
    const paidTrade = await openCashier(page);
    expect(paidTrade).toMatch(/^\w+$/);
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    await page.frameLocator('[data-testid=cashier-frame]').getByRole('button', { name: 'Pay', exact: true }).click();
    await settled(page);
    expect(await text(page, 'status')).toBe('');
    expect(await page.getByTestId('cashier').count()).toBe(0);
    expect(await text(page, 'pay-result')).toBe('Todo Pro: paid');
    expect(await page.getByTestId('pay-result').getAttribute('data-status')).toBe('PAID');
    expect(await orderStatuses(page)).toEqual(['PAID']);
    expect(await page.getByTestId('order-amount').allTextContents()).toEqual(['¥9.90']);

    // Buy → a message from elsewhere claiming success is ignored → Cancel.
    const cancelledTrade = await openCashier(page);
    expect(cancelledTrade).not.toBe(paidTrade);
    // (No DOM lib in this tsconfig: the page's window, typed by hand.)
    const forge = (tradeNo: string) =>
      (globalThis as unknown as { postMessage(m: unknown, to: string): void }).postMessage({ type: 'alipay-cashier', tradeNo, resultCode: '9000' }, '*');
    await page.evaluate(forge, cancelledTrade);
    await page.waitForTimeout(200);
    expect(await page.getByTestId('cashier').count()).toBe(1);
    await page.frameLocator('[data-testid=cashier-frame]').getByRole('button', { name: 'Cancel', exact: true }).click();
    await settled(page);
    expect(await text(page, 'status')).toBe('');
    expect(await page.getByTestId('cashier').count()).toBe(0);
    expect(await text(page, 'pay-result')).toBe('payment cancelled');
    expect(await page.getByTestId('pay-result').getAttribute('data-status')).toBe('WAIT_BUYER_PAY');
    expect(await orderStatuses(page)).toEqual(['WAIT_BUYER_PAY', 'PAID']);
    expect(await page.getByTestId('order-amount').allTextContents()).toEqual(['¥9.90', '¥9.90']);
    expect((await page.getByTestId('order-time').allTextContents()).every((t) => t.trim() !== '' && t !== 'Invalid Date')).toBe(true);

    // A reload reads the orders back from the server.
    await page.reload();
    await page.getByTestId('order').nth(1).waitFor();
    expect(await orderStatuses(page)).toEqual(['WAIT_BUYER_PAY', 'PAID']);
    expect(await text(page, 'pay-result')).toBe('');

    // Another account has none of them.
    const other = await logIn(newUserId());
    await other.page.getByTestId('pro').waitFor();
    expect(await other.page.getByTestId('order').count()).toBe(0);

    expect(errors).toEqual([]);
    expect(other.errors).toEqual([]);
    await other.context.close();
    await context.close();
  }, 60000);
});
