import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlipaySdk } from 'alipay-sdk';
import type { Browser } from 'playwright-core';
import { AlipayGatewayEmulator, generateKeyPair } from '../../local/alipay';
import { browserAvailable, launchBrowser } from '../demo/support';

/**
 * The payments dev endpoints: `/dev/pay` (the buyer's choice in my.tradePay's cashier),
 * `/dev/refund`, and the `/dev/cashier` page that a browser demo frames or pops up.
 */

const APP_ID = '2021000000000001';
const USER = '2088000000000001';
const app = generateKeyPair();
const alipay = generateKeyPair();

const logs: Record<string, unknown>[] = [];
const emulator = new AlipayGatewayEmulator({
  appId: APP_ID,
  appPublicKeyPem: app.publicKeyPem,
  gatewayPrivateKeyPem: alipay.privateKeyPem,
  log: (line) => logs.push(line),
});
const sdk = () => new AlipaySdk({ appId: APP_ID, privateKey: app.privateKeyPem, alipayPublicKey: alipay.publicKeyPem, gateway: emulator.gatewayUrl });

beforeAll(() => emulator.listen());
afterAll(() => emulator.close());
beforeEach(() => {
  logs.length = 0;
});

let seq = 0;
async function newTrade(subject = 'Todo Pro', amount = '9.90'): Promise<string> {
  const result = await sdk().exec(
    'alipay.trade.create',
    { bizContent: { out_trade_no: `dev_${Date.now()}_${++seq}`, total_amount: amount, subject, buyer_id: USER, product_code: 'JSAPI_PAY' } },
    { validateSign: true },
  );
  expect(result.code).toBe('10000');
  return result.tradeNo as string;
}

const status = async (tradeNo: string) =>
  (await sdk().exec('alipay.trade.query', { bizContent: { trade_no: tradeNo } }, { validateSign: true })).tradeStatus as string;

const post = (url: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const pay = (tradeNo: string, outcome: string) => post(emulator.payUrl, JSON.stringify({ tradeNo, outcome }));

async function json(res: Response): Promise<unknown> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return res.json();
}

describe('POST /dev/pay {"tradeNo","outcome"}', () => {
  it('paid → 9000 (my.tradePay success) and the trade is TRADE_SUCCESS', async () => {
    const tradeNo = await newTrade();
    const res = await pay(tradeNo, 'paid');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ resultCode: '9000' });
    expect(await status(tradeNo)).toBe('TRADE_SUCCESS');
  });

  it('cancelled → 6001 and the trade still waits for payment (it can be paid later)', async () => {
    const tradeNo = await newTrade();
    expect(await json(await pay(tradeNo, 'cancelled'))).toEqual({ resultCode: '6001' });
    expect(await status(tradeNo)).toBe('WAIT_BUYER_PAY');
    expect(await json(await pay(tradeNo, 'paid'))).toEqual({ resultCode: '9000' });
  });

  it('4000 when the trade cannot be paid: already paid, or closed, whichever button', async () => {
    const paid = await newTrade();
    await pay(paid, 'paid');
    expect(await json(await pay(paid, 'paid'))).toEqual({ resultCode: '4000' });
    expect(await json(await pay(paid, 'cancelled'))).toEqual({ resultCode: '4000' });

    const closed = await newTrade();
    await sdk().exec('alipay.trade.close', { bizContent: { trade_no: closed } }, { validateSign: true });
    expect(await json(await pay(closed, 'paid'))).toEqual({ resultCode: '4000' });
    expect(await status(closed)).toBe('TRADE_CLOSED');
  });

  it('404 {"error"} for an unknown trade', async () => {
    const res = await pay('2026060122001999999999999999', 'paid');
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ error: expect.any(String) });
  });

  it.each([
    ['not JSON', '{"tradeNo":'],
    ['an array', '[]'],
    ['a bad outcome', JSON.stringify({ tradeNo: '2026060122001999999999999999', outcome: 'maybe' })],
    ['a malformed tradeNo', JSON.stringify({ tradeNo: 'abc', outcome: 'paid' })],
    ['a numeric tradeNo', JSON.stringify({ tradeNo: 2026060122001999, outcome: 'paid' })],
    ['an extra key', JSON.stringify({ tradeNo: '2026060122001999999999999999', outcome: 'paid', amount: '1' })],
  ])('400 {"error"} for %s', async (_what, body) => {
    const res = await post(emulator.payUrl, body);
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({ error: expect.any(String) });
  });

  it('answers any origin, as the other dev endpoints do (the demo calls it cross-origin)', async () => {
    const preflight = await fetch(emulator.payUrl, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:1', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    const res = await pay(await newTrade(), 'cancelled');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('logs the outcome only', async () => {
    const tradeNo = await newTrade();
    logs.length = 0;
    await pay(tradeNo, 'paid');
    expect(logs).toEqual([{ service: 'alipay', method: 'dev.pay', outcome: 'paid', ms: expect.any(Number) }]);
  });
});

describe('POST /dev/refund {"tradeNo"}', () => {
  it('refunds a paid trade in full: TRADE_CLOSED with refund_fee = total', async () => {
    const tradeNo = await newTrade('Todo Pro', '12.30');
    await pay(tradeNo, 'paid');
    const res = await post(emulator.refundUrl, JSON.stringify({ tradeNo }));
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ tradeNo, tradeStatus: 'TRADE_CLOSED', refundFee: '12.30' });
    expect(await status(tradeNo)).toBe('TRADE_CLOSED');
  });

  it('409 for a trade that is not paid (waiting, or already refunded)', async () => {
    const tradeNo = await newTrade();
    expect((await post(emulator.refundUrl, JSON.stringify({ tradeNo }))).status).toBe(409);
    await pay(tradeNo, 'paid');
    expect((await post(emulator.refundUrl, JSON.stringify({ tradeNo }))).status).toBe(200);
    const again = await post(emulator.refundUrl, JSON.stringify({ tradeNo }));
    expect(again.status).toBe(409);
    expect(await json(again)).toEqual({ error: expect.stringContaining('TRADE_CLOSED') });
  });

  it('404 for an unknown trade, 400 for a bad body', async () => {
    expect((await post(emulator.refundUrl, JSON.stringify({ tradeNo: '2026060122001999999999999999' }))).status).toBe(404);
    expect((await post(emulator.refundUrl, 'nope')).status).toBe(400);
  });
});

describe('GET /dev/cashier?tradeNo=…', () => {
  const cashier = (tradeNo: string) => fetch(`${emulator.cashierUrl}?tradeNo=${encodeURIComponent(tradeNo)}`);

  it('serves a self-contained page with the subject, the amount and Pay / Cancel', async () => {
    const tradeNo = await newTrade('Todo Pro', '9.90');
    const res = await cashier(tradeNo);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html;charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/connect-src 'self'/);
    const html = await res.text();
    expect(html).toContain('<h1 id="subject">Todo Pro</h1>');
    expect(html).toContain('<span id="amount">9.90</span>');
    expect(html).toContain(`data-trade-no="${tradeNo}"`);
    expect(html).toMatch(/<button id="pay"[^>]*>Pay<\/button><button id="cancel"[^>]*>Cancel<\/button>/);
    // Self-contained: nothing is loaded from anywhere.
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
  });

  it('escapes everything from the trade', async () => {
    const subject = `<script>alert("x")</script>&'"`;
    const tradeNo = await newTrade(subject);
    const html = await (await cashier(tradeNo)).text();
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&quot;');
    expect(html).not.toContain(subject);
    expect(html.match(/<script/g)).toHaveLength(1); // the page's own
  });

  it('says when the trade cannot be paid', async () => {
    const tradeNo = await newTrade();
    await pay(tradeNo, 'paid');
    expect(await (await cashier(tradeNo)).text()).toContain('This trade is TRADE_SUCCESS');
  });

  it('404 for an unknown trade, 400 without a well-formed tradeNo', async () => {
    expect((await cashier('2026060122001999999999999999')).status).toBe(404);
    expect((await fetch(emulator.cashierUrl)).status).toBe(400);
    const bad = await cashier('<b>');
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain('<b>');
  });
});

/** Debian's chromium, as test/demo uses; skipped where there is none. */
(browserAvailable ? describe : describe.skip)('the cashier in a browser, framed by a page of another origin', () => {
  let browser: Browser;
  let host: Server;
  let hostUrl = '';

  beforeAll(async () => {
    browser = await launchBrowser();
    // The embedding page (the demo's stand-in) records what the cashier posts to it.
    host = createServer((req, res) => {
      const src = new URL(req.url ?? '/', 'http://x').searchParams.get('src') ?? '';
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><body><script>window.messages=[];addEventListener('message',(e)=>messages.push({origin:e.origin,data:e.data}));</script>
<iframe id="cashier" src="${src.replace(/"/g, '&quot;')}" width="400" height="400"></iframe></body>`);
    });
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    hostUrl = `http://localhost:${(host.address() as AddressInfo).port}/`;
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => host?.close(r));
  });

  async function clickInCashier(tradeNo: string, button: 'Pay' | 'Cancel'): Promise<{ messages: unknown[]; shown: string | null }> {
    const context = await browser.newContext({ viewport: { width: 640, height: 720 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.setDefaultTimeout(10_000);
    await page.goto(`${hostUrl}?src=${encodeURIComponent(`${emulator.cashierUrl}?tradeNo=${tradeNo}`)}`);
    const frame = page.frameLocator('#cashier');
    // The button's own click(): Playwright's synthesized mouse input into a cross-origin iframe
    // stalls under jest on this machine (the same locator.click() works from a plain node script).
    await frame.getByRole('button', { name: button }).evaluate((b) => (b as unknown as { click(): void }).click());
    await page.waitForFunction(() => (globalThis as unknown as { messages: unknown[] }).messages.length > 0, undefined, { polling: 50 });
    const messages = await page.evaluate(() => (globalThis as unknown as { messages: unknown[] }).messages);
    const shown = await frame.locator('#result').textContent();
    await context.close();
    expect(errors).toEqual([]);
    return { messages, shown };
  }

  it('Pay: posts /dev/pay, tells the parent {type, tradeNo, resultCode: "9000"}, and shows it', async () => {
    const tradeNo = await newTrade('<img src=x onerror=alert(1)>');
    const { messages, shown } = await clickInCashier(tradeNo, 'Pay');
    expect(messages).toEqual([{ origin: new URL(emulator.cashierUrl).origin, data: { type: 'alipay-cashier', tradeNo, resultCode: '9000' } }]);
    expect(shown).toBe('Paid (9000)');
    expect(await status(tradeNo)).toBe('TRADE_SUCCESS');
  });

  it('Cancel: resultCode 6001 and the trade still waits', async () => {
    const tradeNo = await newTrade();
    const { messages } = await clickInCashier(tradeNo, 'Cancel');
    expect(messages).toEqual([expect.objectContaining({ data: { type: 'alipay-cashier', tradeNo, resultCode: '6001' } })]);
    expect(await status(tradeNo)).toBe('WAIT_BUYER_PAY');
  });

  it('in a popup: tells window.opener', async () => {
    const tradeNo = await newTrade();
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${hostUrl}?src=about:blank`);
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.evaluate((url) => void (globalThis as unknown as { open(url: string): unknown }).open(url), `${emulator.cashierUrl}?tradeNo=${tradeNo}`),
    ]);
    await popup.getByRole('button', { name: 'Pay' }).click();
    await page.waitForFunction(() => (globalThis as unknown as { messages: unknown[] }).messages.length > 0, undefined, { polling: 50 });
    const messages = await page.evaluate(() => (globalThis as unknown as { messages: unknown[] }).messages);
    await context.close();
    expect(messages).toEqual([expect.objectContaining({ data: { type: 'alipay-cashier', tradeNo, resultCode: '9000' } })]);
  });

  it('Pay on a paid trade: resultCode 4000', async () => {
    const tradeNo = await newTrade();
    await pay(tradeNo, 'paid');
    const { messages, shown } = await clickInCashier(tradeNo, 'Pay');
    expect(messages).toEqual([expect.objectContaining({ data: { type: 'alipay-cashier', tradeNo, resultCode: '4000' } })]);
    expect(shown).toBe('Payment failed (4000)');
  });
});
