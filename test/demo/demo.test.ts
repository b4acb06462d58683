import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { LocalCloud } from '../../local/cloud';
import { ROOT } from '../../tools/build-client';
import { newOpenId, newUserId } from '../support/local';
import { browserAvailable, launchBrowser, settled, startDemoCloud } from './support';

const SCREENSHOT = path.join(ROOT, '.local', 'screenshots', 'demo.png');

(browserAvailable ? describe : describe.skip)('todo demo in a browser', () => {
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

  /** Headers as sent on the wire for each InvokeFunction call: the browser decides what actually goes out. */
  const invokeHeaders: Record<string, string>[] = [];

  /** A fresh browser profile (own localStorage), logged in with a user id through the page's simulated Alipay login, as it opens. */
  async function logIn(userId: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 640, height: 720 } });
    const page = await context.newPage();
    page.on('request', (r) => {
      if (r.url().endsWith('/invocations')) void r.allHeaders().then((h) => invokeHeaders.push(h));
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base);
    await page.getByTestId('user').fill(userId);
    await page.getByTestId('login-button').click();
    await page.getByTestId('app').waitFor();
    expect(await page.getByTestId('who').textContent()).toBe(userId);
    await settled(page);
    expect(errors).toEqual([]);
    return { context, page };
  }

  /** Logs in on a page showing the login form, with the id mode the ids call for. */
  async function logInWith(page: Page, ids: { userId: string; openId?: string } | { openId: string; userId?: undefined }): Promise<void> {
    await page.getByTestId('id-mode').selectOption(ids.userId && ids.openId ? 'both' : ids.openId ? 'open_id' : 'user_id');
    expect(await page.getByTestId('user').isVisible()).toBe(ids.userId !== undefined);
    expect(await page.getByTestId('open-id').isVisible()).toBe(ids.openId !== undefined);
    if (ids.userId) await page.getByTestId('user').fill(ids.userId);
    if (ids.openId) await page.getByTestId('open-id').fill(ids.openId);
    await page.getByTestId('login-button').click();
    await page.getByTestId('app').waitFor();
    await settled(page);
  }

  const text = async (page: Page, testId: string) => (await page.getByTestId(testId).textContent())?.trim();

  async function add(page: Page, text: string): Promise<void> {
    await page.getByTestId('new-text').fill(text);
    await page.getByTestId('add').click();
    await settled(page);
  }

  const texts = (page: Page) => page.getByTestId('text').allTextContents();

  it('two users each see only their own todos; complete, edit, remove and paging work', async () => {
    const alice = await logIn(newUserId());
    const bob = await logIn(newUserId());

    for (const t of ['alice: milk', 'alice: bread', 'alice: eggs']) await add(alice.page, t);
    for (const t of ['bob: tyres', 'bob: oil']) await add(bob.page, t);
    expect(await texts(alice.page)).toEqual(['alice: milk', 'alice: bread', 'alice: eggs']);
    expect(await texts(bob.page)).toEqual(['bob: tyres', 'bob: oil']);

    // A reload reads from the server (the session survives in localStorage): still apart.
    await alice.page.reload();
    await bob.page.reload();
    await alice.page.getByTestId('todo').first().waitFor();
    await bob.page.getByTestId('todo').first().waitFor();
    expect(await texts(alice.page)).toEqual(['alice: milk', 'alice: bread', 'alice: eggs']);
    expect(await texts(bob.page)).toEqual(['bob: tyres', 'bob: oil']);

    // Complete (update with ifVersion) and edit.
    const milk = alice.page.getByTestId('todo').filter({ hasText: 'alice: milk' });
    await milk.getByTestId('toggle').check();
    await settled(alice.page);
    await alice.page.getByTestId('todo').filter({ hasText: 'alice: bread' }).getByTestId('edit').click();
    await alice.page.getByTestId('edit-text').fill('alice: rye bread');
    await alice.page.getByTestId('edit-text').press('Enter');
    await settled(alice.page);

    // Paging: 7 todos at 5 per page.
    for (const t of ['alice: 4', 'alice: 5', 'alice: 6', 'alice: 7']) await add(alice.page, t);
    expect(await alice.page.getByTestId('todo').count()).toBe(5);
    await alice.page.getByTestId('next').click();
    await settled(alice.page);
    expect(await alice.page.getByTestId('page').textContent()).toBe('page 2');
    expect(await texts(alice.page)).toEqual(['alice: 6', 'alice: 7']);
    expect(await alice.page.getByTestId('next').isDisabled()).toBe(true);

    // Remove.
    await alice.page.getByTestId('todo').filter({ hasText: 'alice: 7' }).getByTestId('remove').click();
    await settled(alice.page);
    expect(await texts(alice.page)).toEqual(['alice: 6']);
    await alice.page.getByTestId('prev').click();
    await settled(alice.page);
    expect(await alice.page.getByTestId('page').textContent()).toBe('page 1');
    expect(await texts(alice.page)).toEqual(['alice: milk', 'alice: rye bread', 'alice: eggs', 'alice: 4', 'alice: 5']);
    expect(await alice.page.locator('li.done [data-testid=text]').allTextContents()).toEqual(['alice: milk']);

    // Bob's view is untouched by all of it.
    await bob.page.reload();
    await bob.page.getByTestId('todo').first().waitFor();
    expect(await texts(bob.page)).toEqual(['bob: tyres', 'bob: oil']);
    expect(await bob.page.getByTestId('status').textContent()).toBe('');

    expect(await alice.page.getByTestId('status').textContent()).toBe('');
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await alice.page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Logout returns to the login form; the ended session no longer opens the app after a reload.
    await bob.page.getByTestId('logout').click();
    await bob.page.getByTestId('login').waitFor();
    await bob.page.reload();
    await bob.page.getByTestId('login').waitFor();
    expect(await bob.page.getByTestId('app').isHidden()).toBe(true);

    // Chromium withholds the forbidden Date header; the signed x-fc-date carried the request time.
    expect(invokeHeaders.length).toBeGreaterThan(10);
    for (const h of invokeHeaders) {
      expect(h).not.toHaveProperty('date');
      expect(h['x-fc-date']).toMatch(/ GMT$/);
    }

    await alice.context.close();
    await bob.context.close();
  }, 60000);

  it('shows who is logged in (account id, Alipay ids) in each id mode, and shares a phone number', async () => {
    const userId = newUserId();
    const { context, page } = await logIn(userId);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const accountId = await text(page, 'account-id');
    expect(accountId).toMatch(/^acc_/);
    expect(await text(page, 'alipay-ids')).toBe(`user id ${userId}`);
    expect(await text(page, 'mobile')).toBe('not shared');

    // Share phone number: the emulator's my.getPhoneNumber payload, then client.phoneNumber.
    await page.getByTestId('mobile-input').fill('13800000123');
    await page.getByTestId('share-phone').click();
    await settled(page);
    expect(await text(page, 'status')).toBe('');
    expect(await text(page, 'mobile')).toBe('13800000123');
    // The server kept it: a reload reads it back through client.me().
    await page.reload();
    await page.locator('[data-testid=mobile]', { hasText: '13800000123' }).waitFor();
    expect(await text(page, 'account-id')).toBe(accountId);

    // A mobile the emulator refuses: the error goes to the status line, the shared one stays.
    await page.getByTestId('mobile-input').fill('12345');
    await page.getByTestId('share-phone').click();
    await settled(page);
    expect(await text(page, 'status')).not.toBe('');
    expect(await text(page, 'mobile')).toBe('13800000123');

    // Open-id mode: another account, with an open id and no user id.
    await page.getByTestId('logout').click();
    await page.getByTestId('login').waitFor();
    const openId = newOpenId();
    await logInWith(page, { openId });
    expect(await text(page, 'who')).toBe(openId);
    expect(await text(page, 'alipay-ids')).toBe(`open id ${openId}`);
    const openAccount = await text(page, 'account-id');
    expect(openAccount).toMatch(/^acc_/);
    expect(openAccount).not.toBe(accountId);
    expect(await text(page, 'mobile')).toBe('not shared');

    // Both ids (an app migrating to open ids).
    await page.getByTestId('logout').click();
    await page.getByTestId('login').waitFor();
    const both = { userId: newUserId(), openId: newOpenId() };
    await logInWith(page, both);
    expect(await text(page, 'alipay-ids')).toBe(`user id ${both.userId}, open id ${both.openId}`);
    expect(await text(page, 'status')).toBe('');
    expect(errors).toEqual([]);
    await context.close();
  }, 60000);
});
