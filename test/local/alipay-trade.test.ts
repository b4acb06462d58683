import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlipayRequestError, AlipaySdk } from 'alipay-sdk';
import { AlipayGatewayEmulator, generateKeyPair, type AlipayFault } from '../../local/alipay';

/**
 * alipay.trade.create / query / close against the local gateway, driven by the real alipay-sdk
 * 4.14 with validateSign:true, as the pay and reconcile functions call them.
 */

const APP_ID = '2021000000000001';
const USER = '2088000000000001';
const OTHER_USER = '2088000000000002';
const OPEN_ID = '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5';

const app = generateKeyPair();
const alipay = generateKeyPair();
const stranger = generateKeyPair();

// 2026-06-01 00:30 UTC is 08:30 the same day in Beijing.
let clock = Date.parse('2026-06-01T00:30:00Z');
let fault: AlipayFault | undefined;
let faultMethod = '';
const logs: Record<string, unknown>[] = [];
const emulator = new AlipayGatewayEmulator({
  appId: APP_ID,
  appPublicKeyPem: app.publicKeyPem,
  gatewayPrivateKeyPem: alipay.privateKeyPem,
  now: () => clock,
  fault: (method) => (method === faultMethod ? fault : undefined),
  log: (line) => logs.push(line),
});

beforeAll(() => emulator.listen());
afterAll(() => emulator.close());
beforeEach(() => {
  fault = undefined;
  faultMethod = '';
  logs.length = 0;
});

function sdk(over: { alipayPublicKey?: string; timeout?: number } = {}): AlipaySdk {
  return new AlipaySdk({
    appId: APP_ID,
    privateKey: app.privateKeyPem,
    alipayPublicKey: over.alipayPublicKey ?? alipay.publicKeyPem,
    gateway: emulator.gatewayUrl,
    timeout: over.timeout ?? 2000,
  });
}

let seq = 0;
/** A fresh out_trade_no per test, so tests never see each other's trades. */
const orderId = () => `order_${Date.now()}_${++seq}`;

type Biz = Record<string, unknown>;
const order = (over: Biz = {}): Biz => ({
  out_trade_no: orderId(),
  total_amount: '9.90',
  subject: 'Todo Pro',
  buyer_id: USER,
  product_code: 'JSAPI_PAY',
  ...over,
});

const exec = (method: string, bizContent: Biz, extra: Record<string, string> = {}, client = sdk()) =>
  client.exec(method, { bizContent, ...extra }, { validateSign: true });
const create = (biz: Biz, extra?: Record<string, string>) => exec('alipay.trade.create', biz, extra);
const query = (biz: Biz) => exec('alipay.trade.query', biz);
const closeTrade = (biz: Biz, extra?: Record<string, string>) => exec('alipay.trade.close', biz, extra);

async function created(biz: Biz): Promise<string> {
  const result = await create(biz);
  expect(result).toMatchObject({ code: '10000' });
  return result.tradeNo as string;
}

async function pay(tradeNo: string, outcome = 'paid'): Promise<string> {
  const res = await fetch(emulator.payUrl, { method: 'POST', body: JSON.stringify({ tradeNo, outcome }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { resultCode: string }).resultCode;
}

const failure = (subCode: string, subMsg?: string) => ({ code: '40004', msg: 'Business Failed', subCode, ...(subMsg && { subMsg }) });

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('what alipay-sdk 4.14 sends for alipay.trade.create', () => {
  it('puts notify_url in the query string with the common parameters and biz_content alone in a form body', async () => {
    const seen: { url: string; contentType: string; body: string }[] = [];
    const capture = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', contentType: req.headers['content-type'] ?? '', body });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => capture.listen(0, '127.0.0.1', r));
    const { port } = capture.address() as AddressInfo;
    const client = new AlipaySdk({
      appId: APP_ID,
      privateKey: app.privateKeyPem,
      alipayPublicKey: alipay.publicKeyPem,
      gateway: `http://127.0.0.1:${port}/gateway.do`,
    });
    await rejection(
      client.exec('alipay.trade.create', { bizContent: { outTradeNo: 'o_1', totalAmount: '9.90' }, notify_url: 'http://h/n?a=b' }, { validateSign: true }),
    );
    capture.close();

    const [{ url, contentType, body }] = seen as [(typeof seen)[0]];
    const query = new URLSearchParams(url.slice(url.indexOf('?') + 1));
    expect([...query.keys()].sort()).toEqual(['app_id', 'charset', 'method', 'notify_url', 'sign', 'sign_type', 'timestamp', 'version']);
    expect(query.get('notify_url')).toBe('http://h/n?a=b');
    expect(contentType).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    const form = new URLSearchParams(body);
    expect([...form.keys()]).toEqual(['biz_content']);
    // camelCase keys are snake-cased by the SDK before they are sent.
    expect(JSON.parse(form.get('biz_content')!)).toEqual({ out_trade_no: 'o_1', total_amount: '9.90' });
  });
});

describe('alipay.trade.create', () => {
  it('creates a trade: 10000 with a 28-digit trade_no that starts with the Beijing date', async () => {
    const biz = order();
    const result = await create(biz, { notify_url: 'http://127.0.0.1:9/notify' });
    expect(result).toEqual({
      code: '10000',
      msg: 'Success',
      outTradeNo: biz.out_trade_no,
      tradeNo: expect.stringMatching(/^20260601\d{20}$/),
      traceId: expect.any(String),
    });
  });

  it('takes camelCase bizContent keys (the SDK snake-cases them)', async () => {
    const outTradeNo = orderId();
    const result = await exec('alipay.trade.create', { outTradeNo, totalAmount: '0.01', subject: 'x', buyerOpenId: OPEN_ID, productCode: 'JSAPI_PAY' });
    expect(result).toMatchObject({ code: '10000', outTradeNo });
  });

  it('is retry-safe: the same out_trade_no with the same amount, subject and buyer answers the same trade_no', async () => {
    const biz = order();
    const first = await created(biz);
    expect(await created(biz)).toBe(first);
    // The same amount written differently is the same amount.
    expect(await created({ ...biz, total_amount: '9.9' })).toBe(first);
    expect(await created({ ...biz, total_amount: 9.9 })).toBe(first);
  });

  it.each([
    ['another amount', { total_amount: '9.91' }, 'ACQ.CONTEXT_INCONSISTENT'],
    ['another subject', { subject: 'Todo Max' }, 'ACQ.CONTEXT_INCONSISTENT'],
    ['another buyer', { buyer_id: OTHER_USER }, 'ACQ.TRADE_BUYER_NOT_MATCH'],
    ['the buyer as open_id', { buyer_id: undefined, buyer_open_id: OPEN_ID }, 'ACQ.TRADE_BUYER_NOT_MATCH'],
  ])('refuses the same out_trade_no with %s (%s)', async (_what, change, subCode) => {
    const biz = order();
    const tradeNo = await created(biz);
    await expect(create({ ...biz, ...change })).resolves.toMatchObject(failure(subCode));
    // The trade is untouched.
    await expect(query({ trade_no: tradeNo })).resolves.toMatchObject({ totalAmount: '9.90', buyerUserId: USER, tradeStatus: 'WAIT_BUYER_PAY' });
  });

  it('refuses a paid out_trade_no with ACQ.TRADE_HAS_SUCCESS, whatever the content', async () => {
    const biz = order();
    expect(await pay(await created(biz))).toBe('9000');
    await expect(create(biz)).resolves.toMatchObject(failure('ACQ.TRADE_HAS_SUCCESS', '交易已被支付'));
    await expect(create({ ...biz, total_amount: '1.00' })).resolves.toMatchObject(failure('ACQ.TRADE_HAS_SUCCESS'));
  });

  it('refuses a closed out_trade_no with ACQ.TRADE_HAS_CLOSE', async () => {
    const biz = order();
    await created(biz);
    await expect(closeTrade({ out_trade_no: biz.out_trade_no })).resolves.toMatchObject({ code: '10000' });
    await expect(create(biz)).resolves.toMatchObject(failure('ACQ.TRADE_HAS_CLOSE', '交易已经关闭'));
  });

  it('refuses a refunded out_trade_no with ACQ.TRADE_HAS_CLOSE (a full refund closes the trade)', async () => {
    const biz = order();
    const tradeNo = await created(biz);
    await pay(tradeNo);
    expect((await fetch(emulator.refundUrl, { method: 'POST', body: JSON.stringify({ tradeNo }) })).status).toBe(200);
    await expect(create(biz)).resolves.toMatchObject(failure('ACQ.TRADE_HAS_CLOSE'));
  });

  describe('limits (one at the limit, one past it)', () => {
    it('out_trade_no: 64 characters of [A-Za-z0-9_] pass, 65 do not', async () => {
      const at = `${orderId()}_`.padEnd(64, 'x');
      await expect(create(order({ out_trade_no: at }))).resolves.toMatchObject({ code: '10000', outTradeNo: at });
      await expect(create(order({ out_trade_no: `${at}y` }))).resolves.toMatchObject(failure('ACQ.INVALID_PARAMETER', '参数无效:out_trade_no'));
    });

    it.each([['a-b'], ['a b'], ['订单1'], ['']])('out_trade_no %j is refused (letters, digits and _ only)', async (outTradeNo) => {
      await expect(create(order({ out_trade_no: outTradeNo }))).resolves.toMatchObject(failure('ACQ.INVALID_PARAMETER'));
    });

    it('total_amount: 0.01 passes, 0.00 is out of range (ACQ.TOTAL_FEE_EXCEED)', async () => {
      await expect(create(order({ total_amount: '0.01' }))).resolves.toMatchObject({ code: '10000' });
      await expect(create(order({ total_amount: '0.00' }))).resolves.toMatchObject(failure('ACQ.TOTAL_FEE_EXCEED'));
      await expect(create(order({ total_amount: '0' }))).resolves.toMatchObject(failure('ACQ.TOTAL_FEE_EXCEED'));
    });

    it('total_amount: 100000000 passes, 100000000.01 is out of range', async () => {
      const biz = order({ total_amount: '100000000' });
      const tradeNo = await created(biz);
      await expect(query({ trade_no: tradeNo })).resolves.toMatchObject({ totalAmount: '100000000.00' });
      await expect(create(order({ total_amount: '100000000.01' }))).resolves.toMatchObject(failure('ACQ.TOTAL_FEE_EXCEED'));
    });

    it.each([['9.999'], ['1.234'], ['-1.00'], ['09.90'], ['1e2'], ['9,90'], [' 9.90'], ['abc']])(
      'total_amount %j is refused as 参数无效:订单总金额格式错误',
      async (amount) => {
        await expect(create(order({ total_amount: amount }))).resolves.toMatchObject(failure('ACQ.INVALID_PARAMETER', '参数无效:订单总金额格式错误'));
      },
    );

    it('a JSON number is taken as written: 9.9 passes, 0.1 + 0.2 (0.30000000000000004) is refused', async () => {
      await expect(create(order({ total_amount: 9.9 }))).resolves.toMatchObject({ code: '10000' });
      await expect(create(order({ total_amount: 0.1 + 0.2 }))).resolves.toMatchObject(failure('ACQ.INVALID_PARAMETER'));
    });

    it('subject: 256 characters pass (counted as characters, not bytes), 257 and empty do not', async () => {
      await expect(create(order({ subject: '专'.repeat(256) }))).resolves.toMatchObject({ code: '10000' });
      await expect(create(order({ subject: '😀'.repeat(256) }))).resolves.toMatchObject({ code: '10000' });
      await expect(create(order({ subject: '专'.repeat(257) }))).resolves.toMatchObject(failure('ACQ.INVALID_PARAMETER', '参数无效:subject'));
      await expect(create(order({ subject: '' }))).resolves.toMatchObject(failure('ACQ.INVALID_PARAMETER'));
    });
  });

  describe('the buyer', () => {
    it('is required (参数无效:买家不能为空, as the real gateway words it)', async () => {
      await expect(create(order({ buyer_id: undefined }))).resolves.toMatchObject(failure('ACQ.INVALID_PARAMETER', '参数无效:买家不能为空'));
    });

    it('is exactly one of buyer_id and buyer_open_id', async () => {
      await expect(create(order({ buyer_open_id: OPEN_ID }))).resolves.toMatchObject(failure('ACQ.INVALID_PARAMETER'));
    });

    it.each([
      [{ buyer_id: '2088123' }],
      [{ buyer_id: '1088000000000001' }],
      [{ buyer_id: 2088000000000001 }],
      [{ buyer_id: undefined, buyer_open_id: 'has space' }],
      [{ buyer_id: undefined, buyer_open_id: 'x'.repeat(65) }],
    ])('refuses a malformed id %j', async (change) => {
      await expect(create(order(change))).resolves.toMatchObject(failure('ACQ.INVALID_PARAMETER'));
    });

    it('an open_id buyer is queried back as buyer_open_id', async () => {
      const tradeNo = await created(order({ buyer_id: undefined, buyer_open_id: OPEN_ID }));
      const result = await query({ trade_no: tradeNo });
      expect(result).toMatchObject({ buyerOpenId: OPEN_ID });
      expect(result).not.toHaveProperty('buyerUserId');
    });
  });

  describe('timeout_express (1m … 15d, or 1c)', () => {
    it.each([['1m'], ['90m'], ['2h'], ['15d'], ['21600m'], ['360h'], ['1c']])('takes %j', async (timeout) => {
      await expect(create(order({ timeout_express: timeout }))).resolves.toMatchObject({ code: '10000' });
    });

    it.each([['16d'], ['21601m'], ['361h'], ['0m'], ['1.5h'], ['90'], ['2c'], ['1 m'], [90]])('refuses %j', async (timeout) => {
      await expect(create(order({ timeout_express: timeout }))).resolves.toMatchObject(failure('ACQ.INVALID_PARAMETER', '参数无效:timeout_express'));
    });

    it('closes the unpaid trade at the deadline: query says TRADE_CLOSED, the cashier fails, create says TRADE_HAS_CLOSE', async () => {
      const biz = order({ timeout_express: '15m' });
      const tradeNo = await created(biz);
      clock += 15 * 60_000 - 1;
      await expect(query({ trade_no: tradeNo })).resolves.toMatchObject({ tradeStatus: 'WAIT_BUYER_PAY' });
      clock += 1;
      await expect(query({ trade_no: tradeNo })).resolves.toMatchObject({ tradeStatus: 'TRADE_CLOSED' });
      expect(await pay(tradeNo)).toBe('4000');
      await expect(create(biz)).resolves.toMatchObject(failure('ACQ.TRADE_HAS_CLOSE'));
    });

    it('never closes a paid trade', async () => {
      const tradeNo = await created(order({ timeout_express: '1m' }));
      await pay(tradeNo);
      clock += 3_600_000;
      await expect(query({ trade_no: tradeNo })).resolves.toMatchObject({ tradeStatus: 'TRADE_SUCCESS' });
    });

    it('1c closes at the next midnight in Beijing, wherever the caller is', async () => {
      const now = clock;
      // Beijing midnight after `now` (UTC+8, no DST).
      const midnight = (Math.floor((now + 8 * 3600_000) / 86_400_000) + 1) * 86_400_000 - 8 * 3600_000;
      const tradeNo = await created(order({ timeout_express: '1c' }));
      clock = midnight - 1;
      await expect(query({ trade_no: tradeNo })).resolves.toMatchObject({ tradeStatus: 'WAIT_BUYER_PAY' });
      clock = midnight;
      await expect(query({ trade_no: tradeNo })).resolves.toMatchObject({ tradeStatus: 'TRADE_CLOSED' });
      clock = now;
    });

    it('defaults to 15 days', async () => {
      const start = clock;
      const tradeNo = await created(order());
      clock += 15 * 86_400_000 - 1;
      await expect(query({ trade_no: tradeNo })).resolves.toMatchObject({ tradeStatus: 'WAIT_BUYER_PAY' });
      clock += 1;
      await expect(query({ trade_no: tradeNo })).resolves.toMatchObject({ tradeStatus: 'TRADE_CLOSED' });
      clock = start;
    });
  });

  it('takes product_code JSAPI_PAY or none; another product is not signed for (ACQ.ACCESS_FORBIDDEN)', async () => {
    await expect(create(order({ product_code: undefined }))).resolves.toMatchObject({ code: '10000' });
    await expect(create(order({ product_code: 'FACE_TO_FACE_PAYMENT' }))).resolves.toMatchObject(failure('ACQ.ACCESS_FORBIDDEN'));
  });

  it.each([['ftp://h/notify'], ['not a url'], [`http://h/${'n'.repeat(250)}`]])('refuses notify_url %j', async (url) => {
    await expect(create(order(), { notify_url: url })).resolves.toMatchObject(failure('ACQ.INVALID_PARAMETER', '参数无效:notify_url'));
  });

  it('refuses a call without biz_content', async () => {
    const result = await sdk().exec('alipay.trade.create', {}, { validateSign: true });
    expect(result).toMatchObject(failure('ACQ.INVALID_PARAMETER', '参数无效:biz_content'));
  });

  it('signs business failures inside alipay_trade_create_response: an SDK with another alipayPublicKey rejects them', async () => {
    const client = sdk({ alipayPublicKey: stranger.publicKeyPem });
    const err = await rejection(exec('alipay.trade.create', order({ total_amount: '0.00' }), {}, client));
    expect(err).toBeInstanceOf(AlipayRequestError);
    expect((err as Error).message).toMatch(/^验签失败/);
    expect(JSON.parse((err as AlipayRequestError).responseDataRaw!)).toEqual({
      alipay_trade_create_response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TOTAL_FEE_EXCEED', sub_msg: '订单总金额超过限额' },
      sign: expect.any(String),
    });
  });
});

describe('alipay.trade.query', () => {
  it('finds an unpaid trade by out_trade_no and by trade_no', async () => {
    const biz = order();
    const tradeNo = await created(biz);
    const expected = {
      code: '10000',
      msg: 'Success',
      tradeNo,
      outTradeNo: biz.out_trade_no,
      buyerUserId: USER,
      tradeStatus: 'WAIT_BUYER_PAY',
      totalAmount: '9.90',
      traceId: expect.any(String),
    };
    await expect(query({ out_trade_no: biz.out_trade_no })).resolves.toEqual(expected);
    await expect(query({ trade_no: tradeNo })).resolves.toEqual(expected);
  });

  it('answers a paid trade with TRADE_SUCCESS, the amounts and send_pay_date (Beijing time)', async () => {
    const tradeNo = await created(order());
    clock += 60_000;
    await pay(tradeNo);
    await expect(query({ trade_no: tradeNo })).resolves.toMatchObject({
      tradeStatus: 'TRADE_SUCCESS',
      totalAmount: '9.90',
      buyerPayAmount: '9.90',
      receiptAmount: '9.90',
      sendPayDate: beijing(clock),
    });
  });

  it('prefers trade_no when both are given', async () => {
    const a = order();
    const tradeNoA = await created(a);
    const b = order();
    await created(b);
    await expect(query({ trade_no: tradeNoA, out_trade_no: b.out_trade_no })).resolves.toMatchObject({ outTradeNo: a.out_trade_no });
  });

  it('answers an unknown trade with ACQ.TRADE_NOT_EXIST', async () => {
    await expect(query({ out_trade_no: orderId() })).resolves.toMatchObject(failure('ACQ.TRADE_NOT_EXIST', '交易不存在'));
    await expect(query({ trade_no: '2026060122001000000000000000' })).resolves.toMatchObject(failure('ACQ.TRADE_NOT_EXIST'));
  });

  it('needs trade_no or out_trade_no', async () => {
    await expect(query({})).resolves.toMatchObject(failure('ACQ.INVALID_PARAMETER'));
    await expect(query({ trade_no: 'abc' })).resolves.toMatchObject(failure('ACQ.INVALID_PARAMETER', '参数无效:trade_no'));
  });
});

describe('alipay.trade.close', () => {
  it('closes an unpaid trade, which then cannot be paid', async () => {
    const biz = order();
    const tradeNo = await created(biz);
    await expect(closeTrade({ trade_no: tradeNo })).resolves.toEqual({
      code: '10000',
      msg: 'Success',
      tradeNo,
      outTradeNo: biz.out_trade_no,
      traceId: expect.any(String),
    });
    await expect(query({ trade_no: tradeNo })).resolves.toMatchObject({ tradeStatus: 'TRADE_CLOSED' });
    expect(await pay(tradeNo)).toBe('4000');
  });

  it('refuses a paid trade with ACQ.TRADE_STATUS_ERROR', async () => {
    const tradeNo = await created(order());
    await pay(tradeNo);
    await expect(closeTrade({ trade_no: tradeNo })).resolves.toMatchObject(failure('ACQ.TRADE_STATUS_ERROR'));
    await expect(query({ trade_no: tradeNo })).resolves.toMatchObject({ tradeStatus: 'TRADE_SUCCESS' });
  });

  it('refuses an already closed trade with ACQ.TRADE_STATUS_ERROR', async () => {
    const biz = order();
    await created(biz);
    await closeTrade({ out_trade_no: biz.out_trade_no });
    await expect(closeTrade({ out_trade_no: biz.out_trade_no })).resolves.toMatchObject(failure('ACQ.TRADE_STATUS_ERROR'));
  });

  it('answers an unknown trade with ACQ.TRADE_NOT_EXIST', async () => {
    await expect(closeTrade({ out_trade_no: orderId() })).resolves.toMatchObject(failure('ACQ.TRADE_NOT_EXIST'));
  });
});

describe('faults on the trade methods', () => {
  it('http5xx: HTML 502, and no trade is created', async () => {
    faultMethod = 'alipay.trade.create';
    fault = { kind: 'http5xx' };
    const biz = order();
    const err = await rejection(create(biz));
    expect((err as Error).message).toMatch(/^HTTP 请求错误, status: 502/);
    await expect(query({ out_trade_no: biz.out_trade_no })).resolves.toMatchObject(failure('ACQ.TRADE_NOT_EXIST'));
  });

  it('systemError: a signed 20000 aop.ACQ.SYSTEM_ERROR, and no trade is created', async () => {
    faultMethod = 'alipay.trade.create';
    fault = { kind: 'systemError' };
    const biz = order();
    await expect(create(biz)).resolves.toMatchObject({ code: '20000', msg: 'Service Currently Unavailable', subCode: 'aop.ACQ.SYSTEM_ERROR' });
    await expect(query({ out_trade_no: biz.out_trade_no })).resolves.toMatchObject(failure('ACQ.TRADE_NOT_EXIST'));
  });

  it('timeoutAfterCommit: the trade is created but the answer never comes; a retry gets the same trade_no', async () => {
    faultMethod = 'alipay.trade.create';
    fault = { kind: 'timeoutAfterCommit' };
    const biz = order();
    const err = await rejection(exec('alipay.trade.create', biz, {}, sdk({ timeout: 300 })));
    expect((err as Error).message).toMatch(/^HttpClient Request error: Request timeout/);
    fault = undefined;
    const { tradeNo } = await query({ out_trade_no: biz.out_trade_no });
    expect(await created(biz)).toBe(tradeNo);
  });

  it('timeoutAfterCommit on close: the trade is closed though the caller saw a timeout', async () => {
    const biz = order();
    const tradeNo = await created(biz);
    faultMethod = 'alipay.trade.close';
    fault = { kind: 'timeoutAfterCommit' };
    await rejection(exec('alipay.trade.close', { trade_no: tradeNo }, {}, sdk({ timeout: 300 })));
    await expect(query({ trade_no: tradeNo })).resolves.toMatchObject({ tradeStatus: 'TRADE_CLOSED' });
  });

  it('badSignature on query → 验签失败', async () => {
    const tradeNo = await created(order());
    faultMethod = 'alipay.trade.query';
    fault = { kind: 'badSignature' };
    const err = await rejection(query({ trade_no: tradeNo }));
    expect((err as Error).message).toMatch(/^验签失败/);
  });
});

describe('logging', () => {
  it('logs one line per gateway call, without signatures, buyer ids or trade contents', async () => {
    const biz = order({ buyer_id: undefined, buyer_open_id: OPEN_ID });
    const tradeNo = await created(biz);
    await query({ trade_no: tradeNo });
    await create({ ...biz, total_amount: '1.00' });
    expect(logs).toEqual([
      { service: 'alipay', method: 'alipay.trade.create', outcome: 'ok', ms: expect.any(Number) },
      { service: 'alipay', method: 'alipay.trade.query', outcome: 'ok', ms: expect.any(Number) },
      { service: 'alipay', method: 'alipay.trade.create', outcome: 'ACQ.CONTEXT_INCONSISTENT', ms: expect.any(Number) },
    ]);
    const text = JSON.stringify(logs);
    for (const secret of [OPEN_ID, tradeNo, 'Todo Pro']) expect(text).not.toContain(secret);
  });
});

function beijing(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}
