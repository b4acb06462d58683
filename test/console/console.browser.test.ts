import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { LocalCloud } from '../../local/cloud';
import { browserAvailable, launchBrowser, settled } from '../demo/support';
import { createOrder, orderRows } from '../support/payments';
import { db, login, newUserId, postSession } from '../support/local';
import { plantObjects, startConsoleCloud } from './support';

/** Where the 1,000-row screenshot goes, to be looked at. */
const SCREENSHOT = path.resolve(__dirname, '..', '..', '.scratch', 'console-1000.png');

(browserAvailable ? describe : describe.skip)('local console in a browser', () => {
  let cloud: LocalCloud;
  let browser: Browser;
  let base = '';
  let context: BrowserContext;
  let page: Page;
  /** Script errors and console errors (a CSP violation shows there) of the page under test. */
  let errors: string[] = [];

  beforeAll(async () => {
    ({ cloud, base } = await startConsoleCloud());
    browser = await launchBrowser();
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
  });
  beforeEach(async () => {
    errors = [];
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${base}/`);
    await settled(page);
  });
  afterEach(async () => {
    expect(errors).toEqual([]);
    await context?.close();
  });

  const tab = async (name: string) => {
    await page.getByTestId(`tab-${name}`).click();
    await settled(page);
  };
  const text = async (testId: string) => (await page.getByTestId(testId).textContent())?.trim();

  it('shows the resources and the Outputs', async () => {
    await page.getByTestId('resource').first().waitFor();
    expect(await page.getByTestId('resource').count()).toBe(cloud.deployment.resources.length);
    const sessions = page.getByTestId('resource').filter({ hasText: 'SessionFunction' });
    expect(await sessions.textContent()).toContain('ALIYUN::FC::Function');
    expect(await sessions.textContent()).toContain(`acs:fc:cn-hangzhou:${cloud.config.AccountId}:services/miniapp/functions/session`);
    expect(await text('output-SessionUrl')).toBe(cloud.config.SessionUrl);
    expect(await text('output-ClientRoleArn')).toBe(cloud.config.ClientRoleArn);
    expect(await text('endpoint')).toBe(cloud.config.endpoint);
    await page.locator('[data-testid=live][data-state=live]').waitFor();
  });

  it('shows the tables with their rows, the sessions table masked', async () => {
    const me = await login(cloud);
    await db(cloud, me, { op: 'put', collection: 'notes', obj: { id: 'browser-1', text: 'seen in the console' } });
    await tab('tables');
    for (const name of ['sessions', 'objects', 'accounts', 'orders']) await page.getByTestId(`table-${name}`).waitFor();

    await page.getByTestId('table-objects').click();
    await settled(page);
    expect(await text('table-title')).toBe('objects');
    const note = page.getByTestId('row').filter({ hasText: 'browser-1' });
    expect(await note.textContent()).toContain('seen in the console');

    await page.getByTestId('table-sessions').click();
    await settled(page);
    expect(await page.getByTestId('row').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-testid=row] .masked').first().textContent()).toMatch(/^.{4}…$/);
    expect(await page.content()).not.toContain(me.sessionId);
  });

  it('streams a log line live, and filters by function and by request id', async () => {
    await tab('logs');
    const me = await login(cloud);
    const put = await db(cloud, me, { op: 'put', collection: 'notes', obj: { id: 'logged', text: 'x' } });
    expect(put.data).toBeDefined();
    const answer = await postSession(cloud, { action: 'me', sessionId: me.sessionId });
    const requestId = answer.headers.get('x-fc-request-id')!;
    // The line arrives over the stream after the page loaded.
    const line = page.locator(`[data-testid=log-line][data-request-id="${requestId}"]`);
    await line.waitFor();
    expect(await line.getAttribute('data-function')).toBe('session');
    expect(await line.textContent()).toContain('me');
    expect(await page.content()).not.toContain(me.sessionId);

    // By function: only db's lines.
    await page.getByTestId('filter-function').selectOption('db');
    const fns = await page.locator('[data-testid=log-line]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-function')));
    expect(fns.length).toBeGreaterThanOrEqual(1);
    expect(new Set(fns)).toEqual(new Set(['db']));

    // By request id: the one request, whichever function; by clicking it, too.
    await page.getByTestId('clear-filters').click();
    await page.getByTestId('filter-request').fill(requestId.slice(0, 13));
    expect(await page.locator('[data-testid=log-line]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-request-id')))).toEqual([requestId]);
    await page.getByTestId('clear-filters').click();
    expect(await page.locator('[data-testid=log-line]').count()).toBeGreaterThan(1);
    await line.locator('a.rid').click();
    expect(await page.getByTestId('filter-request').inputValue()).toBe(requestId);
    expect(await page.locator('[data-testid=log-line]').count()).toBe(1);
  });

  it('mints an authCode with the button, which logs in', async () => {
    await tab('dev');
    const userId = newUserId();
    await page.getByTestId('auth-user').fill(userId);
    await page.getByTestId('mint').click();
    await settled(page);
    const code = await text('auth-code');
    expect(code).toMatch(/^[0-9a-f]{32}$/);
    const session = await postSession(cloud, { authCode: code });
    expect(session.status).toBe(200);
    expect(session.body.accountId).toMatch(/^acc_/);

    // A refused id: the emulator's reason on the status line, no code shown.
    await page.getByTestId('auth-user').fill('12345');
    // Past the form's own pattern check, to the emulator's.
    await page.getByTestId('auth-user').evaluate((input: { removeAttribute(name: string): void }) => input.removeAttribute('pattern'));
    await page.getByTestId('mint').click();
    await settled(page);
    expect(await text('status')).toMatch(/userId/);
    expect(await text('auth-code')).toBe('');
    // The browser reports the refused call itself; that one is expected.
    errors = errors.filter((e) => !/status of 400/.test(e));
  });

  it('pays a waiting trade with its button', async () => {
    const me = await login(cloud);
    const order = await createOrder(cloud, me);
    await tab('dev');
    const row = page.locator(`[data-testid=trade][data-trade-no="${order.tradeNo}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(order.amount);
    await row.getByTestId('pay').click();
    await settled(page);
    expect(await text('pay-result')).toContain('resultCode 9000 (paid)');
    await row.waitFor({ state: 'detached' });
    expect((await orderRows(cloud)).find((r) => r.key.orderId === order.orderId)?.columns.status).toBe('PAID');
  });

  it('pages a table of 1,000 rows', async () => {
    // Sorts before every account id (acc_…): the bulk rows are the table's first 1,000.
    const uid = '0-bulk';
    await plantObjects(cloud, uid, 1000, { collection: 'bulk' });
    const stored = cloud.tablestore.describeTables().find((t) => t.spec.name === 'objects')!.storedRows;
    expect(stored).toBeGreaterThanOrEqual(1000);
    await tab('tables');
    await page.getByTestId('table-objects').click();
    await settled(page);
    const ids = () => page.locator('[data-testid=row]').evaluateAll((rows) => rows.map((r) => r.children[3]?.textContent));

    expect(await page.getByTestId('row').count()).toBe(100);
    expect(await text('page-info')).toBe(`page 1 · rows 1–100 of ${stored.toLocaleString('en')}`);
    expect(await page.getByTestId('prev-page').isDisabled()).toBe(true);
    const first = await ids();
    await page.getByTestId('next-page').click();
    await settled(page);
    expect(await text('page-info')).toBe(`page 2 · rows 101–200 of ${stored.toLocaleString('en')}`);
    expect(await page.getByTestId('row').count()).toBe(100);
    const second = await ids();
    // In key order across pages, none lost or repeated.
    expect([...first, ...second]).toEqual(Array.from({ length: 200 }, (_, i) => String(i).padStart(5, '0')));
    await page.getByTestId('next-page').click();
    await settled(page);
    expect(await text('page-info')).toBe(`page 3 · rows 201–300 of ${stored.toLocaleString('en')}`);
    await page.getByTestId('prev-page').click();
    await settled(page);
    expect(await ids()).toEqual(second);

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  });
});
