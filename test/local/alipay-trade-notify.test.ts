import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlipaySdk } from 'alipay-sdk';
import {
  AlipayGatewayEmulator,
  generateKeyPair,
  MAX_NOTIFY_ANSWER_BYTES,
  NOTIFY_ATTEMPTS,
  NOTIFY_RETRY_DELAYS_MS,
  signedNotification,
  tradeNotificationParams,
  type AlipayGatewayOptions,
  type NotifyFault,
  type Trade,
} from '../../local/alipay';

/**
 * The asynchronous notification (trade_status_sync): delivered to the trade's notify_url as a
 * signed form POST that alipay-sdk's checkNotifySignV2 accepts, retried on Alipay's schedule
 * (scaled) until the answer is exactly `success`, with drop / duplicate / delay / reorder faults.
 */

const APP_ID = '2021000000000001';
const USER = '2088000000000001';
const OPEN_ID = 'open_id_of_the_buyer_0001';
const app = generateKeyPair();
const alipay = generateKeyPair();
const stranger = generateKeyPair();

/** The merchant's notify endpoint: records every request and answers as `respond` says. */
interface Received {
  at: number;
  headers: IncomingMessage['headers'];
  body: string;
  fields: Record<string, string>;
}
type Answer = { status?: number; body?: string } | 'destroy' | 'hang';
class Receiver {
  readonly received: Received[] = [];
  /** Answers per request, by the request's out_trade_no and how many it has had (1-based). */
  respond: (fields: Record<string, string>, nth: number) => Answer = () => ({ body: 'success' });
  readonly hung: ServerResponse[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const fields = Object.fromEntries(new URLSearchParams(body));
        this.received.push({ at: Date.now(), headers: req.headers, body, fields });
        const nth = this.received.filter((r) => r.fields.out_trade_no === fields.out_trade_no).length;
        const answer = this.respond(fields, nth);
        if (answer === 'destroy') req.socket.destroy();
        else if (answer === 'hang') this.hung.push(res);
        else res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain' }).end(answer.body ?? '');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/notify`;
  }

  for(outTradeNo: string): Received[] {
    return this.received.filter((r) => r.fields.out_trade_no === outTradeNo);
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

const receiver = new Receiver();
let notifyFault: (n: { outTradeNo: string; tradeStatus: string; attempt: number }) => NotifyFault = () => undefined;
const logs: Record<string, unknown>[] = [];
const clock = { now: Date.parse('2026-06-01T04:00:00Z') }; // 12:00 in Beijing
/** 1/10000: 4m → 24 ms, 10m → 60 ms, … 15h → 5.4 s. */
const SCALE = 1 / 10_000;

function gateway(over: Partial<AlipayGatewayOptions> = {}): AlipayGatewayEmulator {
  return new AlipayGatewayEmulator({
    appId: APP_ID,
    appPublicKeyPem: app.publicKeyPem,
    gatewayPrivateKeyPem: alipay.privateKeyPem,
    now: () => clock.now,
    notifyDelayScale: SCALE,
    notifyTimeoutMs: 500,
    notifyFault: (n) => notifyFault(n),
    log: (line) => logs.push(line),
    ...over,
  });
}
const emulator = gateway();

beforeAll(() => Promise.all([receiver.start(), emulator.listen()]));
afterAll(async () => {
  await emulator.close();
  await receiver.stop();
});
beforeEach(() => {
  notifyFault = () => undefined;
  receiver.respond = () => ({ body: 'success' });
  logs.length = 0;
});

/** The receiving server's own SDK: what lambda/notify verifies with (AlipayPublicKey). */
const receiverSdk = (alipayPublicKey = alipay.publicKeyPem) => new AlipaySdk({ appId: APP_ID, privateKey: app.privateKeyPem, alipayPublicKey });
const clientSdk = (em: AlipayGatewayEmulator) =>
  new AlipaySdk({ appId: APP_ID, privateKey: app.privateKeyPem, alipayPublicKey: alipay.publicKeyPem, gateway: em.gatewayUrl });

let seq = 0;
async function newTrade(
  opts: { em?: AlipayGatewayEmulator; notifyUrl?: string | null; buyer?: Record<string, string>; subject?: string; amount?: string } = {},
): Promise<{ tradeNo: string; outTradeNo: string }> {
  const em = opts.em ?? emulator;
  const outTradeNo = `n_${Date.now()}_${++seq}`;
  const notifyUrl = opts.notifyUrl === undefined ? receiver.url : opts.notifyUrl;
  const result = await clientSdk(em).exec(
    'alipay.trade.create',
    {
      bizContent: { out_trade_no: outTradeNo, total_amount: opts.amount ?? '9.90', subject: opts.subject ?? 'Todo Pro', ...(opts.buyer ?? { buyer_id: USER }) },
      ...(notifyUrl !== null && { notify_url: notifyUrl }),
    },
    { validateSign: true },
  );
  expect(result.code).toBe('10000');
  return { tradeNo: result.tradeNo as string, outTradeNo };
}

async function pay(tradeNo: string, em = emulator): Promise<void> {
  const res = await fetch(em.payUrl, { method: 'POST', body: JSON.stringify({ tradeNo, outcome: 'paid' }) });
  expect(await res.json()).toEqual({ resultCode: '9000' });
}

const attemptsOf = (outTradeNo: string, em = emulator) =>
  em.notifications.filter((n) => n.outTradeNo === outTradeNo).map(({ attempt, outcome, tradeStatus }) => ({ attempt, outcome, tradeStatus }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const beijing = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

describe('a payment is notified to the trade’s notify_url', () => {
  it('as a form POST with Alipay’s fields, in Beijing time', async () => {
    const { tradeNo, outTradeNo } = await newTrade();
    clock.now += 90_000;
    await pay(tradeNo);
    await emulator.whenNotificationsIdle();

    const [got] = receiver.for(outTradeNo) as [Received];
    expect(receiver.for(outTradeNo)).toHaveLength(1);
    expect(got.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(Object.keys(got.fields).sort()).toEqual(
      [
        'app_id',
        'buyer_id',
        'buyer_pay_amount',
        'charset',
        'gmt_create',
        'gmt_payment',
        'notify_id',
        'notify_time',
        'notify_type',
        'out_trade_no',
        'receipt_amount',
        'seller_id',
        'sign',
        'sign_type',
        'subject',
        'total_amount',
        'trade_no',
        'trade_status',
        'version',
      ].sort(),
    );
    expect(got.fields).toMatchObject({
      notify_type: 'trade_status_sync',
      notify_id: expect.stringMatching(/^20260601\d{26}$/),
      notify_time: beijing(clock.now),
      app_id: APP_ID,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      trade_no: tradeNo,
      out_trade_no: outTradeNo,
      buyer_id: USER,
      seller_id: expect.stringMatching(/^2088\d{12}$/),
      trade_status: 'TRADE_SUCCESS',
      total_amount: '9.90',
      receipt_amount: '9.90',
      buyer_pay_amount: '9.90',
      subject: 'Todo Pro',
      gmt_create: beijing(clock.now - 90_000),
      gmt_payment: beijing(clock.now),
    });
    expect(attemptsOf(outTradeNo)).toEqual([{ attempt: 1, outcome: 'success', tradeStatus: 'TRADE_SUCCESS' }]);
  });

  it('signed so that alipay-sdk checkNotifySignV2 accepts it, and rejects it once total_amount is changed', async () => {
    const { tradeNo, outTradeNo } = await newTrade({ subject: 'Todo Pro 专业版 & a=b+c %41' });
    await pay(tradeNo);
    await emulator.whenNotificationsIdle();
    const { fields } = receiver.for(outTradeNo)[0]!;
    expect(fields.subject).toBe('Todo Pro 专业版 & a=b+c %41');
    expect(receiverSdk().checkNotifySignV2(fields)).toBe(true);
    expect(receiverSdk().checkNotifySignV2({ ...fields, total_amount: '0.01' })).toBe(false);
    expect(receiverSdk().checkNotifySignV2({ ...fields, trade_status: 'TRADE_CLOSED' })).toBe(false);
    // Verified with another key (not the stack's AlipayPublicKey), it fails.
    expect(receiverSdk(stranger.publicKeyPem).checkNotifySignV2(fields)).toBe(false);
  });

  it('names an open_id buyer buyer_open_id', async () => {
    const { tradeNo, outTradeNo } = await newTrade({ buyer: { buyer_open_id: OPEN_ID } });
    await pay(tradeNo);
    await emulator.whenNotificationsIdle();
    const { fields } = receiver.for(outTradeNo)[0]!;
    expect(fields.buyer_open_id).toBe(OPEN_ID);
    expect(fields).not.toHaveProperty('buyer_id');
    expect(receiverSdk().checkNotifySignV2(fields)).toBe(true);
  });

  it('is not sent for a trade created without notify_url', async () => {
    const { tradeNo, outTradeNo } = await newTrade({ notifyUrl: null });
    await pay(tradeNo);
    await emulator.whenNotificationsIdle();
    expect(receiver.for(outTradeNo)).toEqual([]);
  });
});

describe('refund and close notifications', () => {
  it('a full refund is notified as TRADE_CLOSED with refund_fee, gmt_refund and gmt_close', async () => {
    const { tradeNo, outTradeNo } = await newTrade({ amount: '12.30' });
    await pay(tradeNo);
    await emulator.whenNotificationsIdle();
    clock.now += 3_600_000;
    expect((await fetch(emulator.refundUrl, { method: 'POST', body: JSON.stringify({ tradeNo }) })).status).toBe(200);
    await emulator.whenNotificationsIdle();

    const [paid, refunded] = receiver.for(outTradeNo).map((r) => r.fields) as [Record<string, string>, Record<string, string>];
    expect(paid.trade_status).toBe('TRADE_SUCCESS');
    expect(refunded).toMatchObject({
      trade_status: 'TRADE_CLOSED',
      total_amount: '12.30',
      refund_fee: '12.30',
      gmt_refund: beijing(clock.now),
      gmt_close: beijing(clock.now),
      gmt_payment: paid.gmt_payment,
    });
    expect(refunded.notify_id).not.toBe(paid.notify_id);
    expect(receiverSdk().checkNotifySignV2(refunded)).toBe(true);
  });

  it('a trade left unpaid past timeout_express is closed by Alipay itself and notified, without anyone calling', async () => {
    const outTradeNo = `n_${Date.now()}_${++seq}`;
    await clientSdk(emulator).exec(
      'alipay.trade.create',
      { bizContent: { out_trade_no: outTradeNo, total_amount: '9.90', subject: 'Todo Pro', buyer_id: USER, timeout_express: '15m' }, notify_url: receiver.url },
      { validateSign: true },
    );
    const deadline = clock.now + 15 * 60_000;
    clock.now = deadline + 5 * 60_000;
    while (receiver.for(outTradeNo).length === 0) await sleep(50); // the once-a-second sweep
    await emulator.whenNotificationsIdle();
    const [closed] = receiver.for(outTradeNo).map((r) => r.fields) as [Record<string, string>];
    expect(closed).toMatchObject({ trade_status: 'TRADE_CLOSED', gmt_close: beijing(deadline) });
    expect(closed).not.toHaveProperty('gmt_payment');
    expect(receiverSdk().checkNotifySignV2(closed)).toBe(true);
  });

  it('alipay.trade.close notifies only when the close request carries notify_url', async () => {
    const quiet = await newTrade();
    await clientSdk(emulator).exec('alipay.trade.close', { bizContent: { trade_no: quiet.tradeNo } }, { validateSign: true });
    const told = await newTrade();
    const result = await clientSdk(emulator).exec(
      'alipay.trade.close',
      { bizContent: { trade_no: told.tradeNo }, notify_url: receiver.url },
      { validateSign: true },
    );
    expect(result.code).toBe('10000');
    await emulator.whenNotificationsIdle();

    expect(receiver.for(quiet.outTradeNo)).toEqual([]);
    const [closed] = receiver.for(told.outTradeNo).map((r) => r.fields) as [Record<string, string>];
    expect(closed).toMatchObject({ trade_status: 'TRADE_CLOSED', gmt_close: beijing(clock.now) });
    for (const paidOnly of ['gmt_payment', 'receipt_amount', 'buyer_pay_amount', 'refund_fee', 'gmt_refund']) expect(closed).not.toHaveProperty(paidOnly);
    expect(receiverSdk().checkNotifySignV2(closed)).toBe(true);
  });
});

describe('retries until the answer is exactly `success`', () => {
  it('follows the schedule (4m, 10m, … scaled), with the same notify_id on every attempt', async () => {
    receiver.respond = (_f, nth) => ({ body: nth < 3 ? 'fail' : 'success' });
    const { tradeNo, outTradeNo } = await newTrade();
    await pay(tradeNo);
    await emulator.whenNotificationsIdle();

    const got = receiver.for(outTradeNo);
    expect(attemptsOf(outTradeNo)).toEqual([
      { attempt: 1, outcome: 'fail', tradeStatus: 'TRADE_SUCCESS' },
      { attempt: 2, outcome: 'fail', tradeStatus: 'TRADE_SUCCESS' },
      { attempt: 3, outcome: 'success', tradeStatus: 'TRADE_SUCCESS' },
    ]);
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(NOTIFY_RETRY_DELAYS_MS[0]! * SCALE - 2);
    expect(got[2]!.at - got[1]!.at).toBeGreaterThanOrEqual(NOTIFY_RETRY_DELAYS_MS[1]! * SCALE - 2);
    expect(new Set(got.map((r) => r.fields.notify_id)).size).toBe(1);
    for (const r of got) expect(receiverSdk().checkNotifySignV2(r.fields)).toBe(true);
  });

  it.each<[string, Answer, string]>([
    ['success with a newline', { body: 'success\n' }, 'fail'],
    ['SUCCESS', { body: 'SUCCESS' }, 'fail'],
    ['an empty body', { body: '' }, 'fail'],
    ['success with status 500', { status: 500, body: 'success' }, 'fail'],
    ['a redirect', { status: 302, body: 'success' }, 'fail'],
    ['success followed by more than 1 KB', { body: `success${' '.repeat(MAX_NOTIFY_ANSWER_BYTES)}` }, 'fail'],
    ['a reset connection', 'destroy', 'error'],
    ['no answer within notifyTimeoutMs', 'hang', 'error'],
  ])('counts %s as not delivered', async (_what, answer, outcome) => {
    receiver.respond = (_f, nth) => (nth === 1 ? answer : { body: 'success' });
    const { tradeNo, outTradeNo } = await newTrade();
    await pay(tradeNo);
    await emulator.whenNotificationsIdle();
    expect(attemptsOf(outTradeNo).map((a) => a.outcome)).toEqual([outcome, 'success']);
  });

  it('gives up after 8 attempts in all, spaced as Alipay spaces them', async () => {
    const scale = 1 / 1_000_000; // 4m → 0.24 ms … 15h → 54 ms
    const fast = gateway({ notifyDelayScale: scale });
    await fast.listen();
    try {
      receiver.respond = () => ({ body: 'fail' });
      const { tradeNo, outTradeNo } = await newTrade({ em: fast });
      await pay(tradeNo, fast);
      await fast.whenNotificationsIdle();
      expect(NOTIFY_ATTEMPTS).toBe(8);
      expect(attemptsOf(outTradeNo, fast)).toEqual(Array.from({ length: 8 }, (_, i) => ({ attempt: i + 1, outcome: 'fail', tradeStatus: 'TRADE_SUCCESS' })));
      const at = receiver.for(outTradeNo).map((r) => r.at);
      expect(at).toHaveLength(8);
      // The last gaps are long enough to see: 6h → 21.6 ms, 15h → 54 ms.
      expect(at[6]! - at[5]!).toBeGreaterThanOrEqual(21);
      expect(at[7]! - at[6]!).toBeGreaterThanOrEqual(53);
      expect(logs).toContainEqual(expect.objectContaining({ method: 'notify', outTradeNo, attempt: 8, outcome: 'gave-up' }));
    } finally {
      await fast.close();
    }
  });

  it('waits 240 ms before the first retry by default (1/1000 of 4 minutes)', async () => {
    const defaults = gateway({ notifyDelayScale: undefined });
    await defaults.listen();
    try {
      receiver.respond = (_f, nth) => ({ body: nth === 1 ? 'fail' : 'success' });
      const { tradeNo, outTradeNo } = await newTrade({ em: defaults });
      await pay(tradeNo, defaults);
      await defaults.whenNotificationsIdle();
      const [first, second] = receiver.for(outTradeNo) as [Received, Received];
      expect(second.at - first.at).toBeGreaterThanOrEqual(238);
      expect(second.at - first.at).toBeLessThan(1000);
    } finally {
      await defaults.close();
    }
  });
});

describe('notifyFault', () => {
  it('drop: the notification is lost, with no attempt and no retry', async () => {
    notifyFault = () => ({ kind: 'drop' });
    const { tradeNo, outTradeNo } = await newTrade();
    await pay(tradeNo);
    await emulator.whenNotificationsIdle();
    await sleep(100);
    expect(receiver.for(outTradeNo)).toEqual([]);
    expect(attemptsOf(outTradeNo)).toEqual([]);
    expect(logs).toContainEqual(expect.objectContaining({ method: 'notify', outTradeNo, attempt: 1, outcome: 'fault:drop' }));
  });

  it('drop at a retry: what was sent before stays sent, nothing after', async () => {
    receiver.respond = () => ({ body: 'fail' });
    notifyFault = (n) => (n.attempt === 2 ? { kind: 'drop' } : undefined);
    const { tradeNo, outTradeNo } = await newTrade();
    await pay(tradeNo);
    await emulator.whenNotificationsIdle();
    expect(attemptsOf(outTradeNo).map((a) => a.attempt)).toEqual([1]);
  });

  it('duplicate: the attempt goes out `copies` times at once, byte-identical (default 2)', async () => {
    notifyFault = (n) => (n.tradeStatus === 'TRADE_SUCCESS' ? { kind: 'duplicate', copies: 3 } : { kind: 'duplicate' });
    const { tradeNo, outTradeNo } = await newTrade();
    await pay(tradeNo);
    await emulator.whenNotificationsIdle();
    const bodies = receiver.for(outTradeNo).map((r) => r.body);
    expect(bodies).toHaveLength(3);
    expect(new Set(bodies).size).toBe(1);
    expect(attemptsOf(outTradeNo)).toEqual(Array(3).fill({ attempt: 1, outcome: 'success', tradeStatus: 'TRADE_SUCCESS' }));

    await fetch(emulator.refundUrl, { method: 'POST', body: JSON.stringify({ tradeNo }) });
    await emulator.whenNotificationsIdle();
    expect(receiver.for(outTradeNo).filter((r) => r.fields.trade_status === 'TRADE_CLOSED')).toHaveLength(2);
  });

  it('delay: the attempt waits `ms` first', async () => {
    notifyFault = () => ({ kind: 'delay', ms: 200 });
    const { tradeNo, outTradeNo } = await newTrade();
    const paidAt = Date.now();
    await pay(tradeNo);
    await emulator.whenNotificationsIdle();
    expect(receiver.for(outTradeNo)[0]!.at - paidAt).toBeGreaterThanOrEqual(195);
  });

  it('reorder: the notification arrives right after the next one sent', async () => {
    const first = await newTrade();
    const second = await newTrade();
    notifyFault = (n) => (n.outTradeNo === first.outTradeNo ? { kind: 'reorder' } : undefined);
    const start = Date.now();
    await pay(first.tradeNo);
    await sleep(20);
    await pay(second.tradeNo);
    await emulator.whenNotificationsIdle();
    const order = receiver.received.filter((r) => [first.outTradeNo, second.outTradeNo].includes(r.fields.out_trade_no!)).map((r) => r.fields.out_trade_no);
    expect(order).toEqual([second.outTradeNo, first.outTradeNo]);
    expect(Date.now() - start).toBeLessThan(900); // released by the next send, not by the 1 s fallback
  });

  it('reorder with nothing else to send: released after 1 s', async () => {
    notifyFault = () => ({ kind: 'reorder' });
    const { tradeNo, outTradeNo } = await newTrade();
    const paidAt = Date.now();
    await pay(tradeNo);
    await emulator.whenNotificationsIdle();
    expect(receiver.for(outTradeNo)[0]!.at - paidAt).toBeGreaterThanOrEqual(990);
  });

  it('is asked per attempt with the out_trade_no, status and attempt number', async () => {
    const asked: unknown[] = [];
    notifyFault = (n) => {
      asked.push(n);
      return undefined;
    };
    receiver.respond = (_f, nth) => ({ body: nth === 1 ? 'fail' : 'success' });
    const { tradeNo, outTradeNo } = await newTrade();
    await pay(tradeNo);
    await emulator.whenNotificationsIdle();
    expect(asked).toEqual([
      { outTradeNo, tradeStatus: 'TRADE_SUCCESS', attempt: 1 },
      { outTradeNo, tradeStatus: 'TRADE_SUCCESS', attempt: 2 },
    ]);
  });
});

describe('close()', () => {
  /** Timers alive in this process (node's own count), to see that close() leaves none behind. */
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it('cancels scheduled retries: nothing is sent after it, and no timer is left', async () => {
    const baseline = timers();
    const slow = gateway({ notifyDelayScale: 1 }); // real minutes between attempts
    await slow.listen();
    receiver.respond = () => ({ body: 'fail' });
    const { tradeNo, outTradeNo } = await newTrade({ em: slow });
    await pay(tradeNo, slow);
    while (slow.notifications.length === 0) await sleep(10);
    expect(timers()).toBeGreaterThan(baseline); // the 4-minute retry
    await slow.close();
    await slow.whenNotificationsIdle();
    // Other timers come and go in this process (an HTTP client's keep-alive lasts seconds): wait
    // them out. The retry would hold one for 4 minutes.
    for (let waited = 0; timers() > baseline && waited < 8000; waited += 50) await sleep(50);
    expect(timers()).toBe(baseline);
    expect(receiver.for(outTradeNo)).toHaveLength(1);
  });

  it('aborts an attempt in flight', async () => {
    const slow = gateway({ notifyTimeoutMs: 60_000 });
    await slow.listen();
    receiver.respond = () => 'hang';
    const { tradeNo, outTradeNo } = await newTrade({ em: slow });
    await pay(tradeNo, slow);
    while (receiver.for(outTradeNo).length === 0) await sleep(10);
    const held = receiver.hung[receiver.hung.length - 1]!;
    const aborted = new Promise<void>((r) => held.on('close', () => r()));
    const started = Date.now();
    await slow.close();
    await aborted;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(attemptsOf(outTradeNo, slow)).toEqual([]); // not recorded as an outcome: the emulator went away
  });
});

describe('exported helpers', () => {
  const trade: Trade = {
    tradeNo: '2026060122001000000000000001',
    outTradeNo: 'order_1',
    subject: 'Todo Pro',
    totalAmount: '9.90',
    amountCents: 990,
    buyer: { field: 'buyer_id', id: USER },
    status: 'TRADE_SUCCESS',
    createdAt: Date.parse('2026-06-01T00:00:00Z'),
    expiresAt: Date.parse('2026-06-01T00:15:00Z'),
    paidAt: Date.parse('2026-06-01T00:01:00Z'),
  };
  const ctx = { appId: APP_ID, sellerId: '2088000000000009', notifyId: '2026060100000000000000000000000001', notifyTime: Date.parse('2026-06-01T00:01:01Z') };

  it('tradeNotificationParams + signedNotification build what the emulator sends, for checkNotifySignV2', () => {
    const params = tradeNotificationParams(trade, ctx);
    expect(params).toMatchObject({ gmt_create: '2026-06-01 08:00:00', gmt_payment: '2026-06-01 08:01:00', notify_time: '2026-06-01 08:01:01' });
    const fields = Object.fromEntries(new URLSearchParams(signedNotification(params, alipay.privateKeyPem)));
    expect(receiverSdk().checkNotifySignV2(fields)).toBe(true);
  });

  it('lets a test forge a notification: signed by another key, it is rejected', () => {
    const forged = Object.fromEntries(new URLSearchParams(signedNotification(tradeNotificationParams(trade, ctx), stranger.privateKeyPem)));
    expect(receiverSdk().checkNotifySignV2(forged)).toBe(false);
  });
});

describe('logging', () => {
  it('one line per attempt, without the signature or the buyer id', async () => {
    const { tradeNo, outTradeNo } = await newTrade({ buyer: { buyer_open_id: OPEN_ID } });
    await pay(tradeNo);
    await emulator.whenNotificationsIdle();
    const lines = logs.filter((l) => l.method === 'notify');
    expect(lines).toEqual([
      { service: 'alipay', method: 'notify', outTradeNo, tradeStatus: 'TRADE_SUCCESS', attempt: 1, outcome: 'success', ms: expect.any(Number) },
    ]);
    const text = JSON.stringify(logs);
    expect(text).not.toContain(OPEN_ID);
    expect(text).not.toContain(receiver.for(outTradeNo)[0]!.fields.sign!.slice(0, 40));
  });
});
