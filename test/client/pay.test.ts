import { createClient, tradePayFromMy, type HttpRequest, type MyTradePayLike, type Order, type Product, type Session, type TradePay } from '../../client';
import { OFFLINE_CONFIG, OFFLINE_PAY_CONFIG, SESSION_KEY, calls, fakeSessionFunction, memoryStorage, rejection, type FakeAnswer } from './support';

const STS = { AccessKeyId: 'STS.abc', AccessKeySecret: 'secret', SecurityToken: 'CAIStoken', Expiration: '2030-01-01T00:00:00Z' };
const SESSION: Session = { sessionId: 'A'.repeat(43), expiresAt: '2030-01-01T00:00:00.000Z', sts: STS, accountId: 'acc_0001' };
const PAY_URL = `${OFFLINE_PAY_CONFIG.endpoint}/2016-08-15/services/svc-pay/functions/pay/invocations`;
const DB_URL = `${OFFLINE_PAY_CONFIG.endpoint}/2016-08-15/services/svc/functions/db/invocations`;

const PRO: Product = { sku: 'pro', title: 'Todo Pro', amount: '9.90' };
const CREATED: Order = {
  orderId: 'o_20250101_abc',
  ...PRO,
  status: 'WAIT_BUYER_PAY',
  tradeNo: '2025010122001400000000000001',
  createdAt: '2025-01-01T00:00:00.000Z',
};
const PAID: Order = { ...CREATED, status: 'PAID', paidAt: '2025-01-01T00:00:30.000Z' };

const data = (d: unknown, extra: object = {}): FakeAnswer => ({ body: { data: d, ...extra } });
const fcError = (status: number, code: string): FakeAnswer => ({ status, body: { ErrorCode: code, ErrorMessage: `${code} (from FC)` } });
const unexpected: FakeAnswer = { status: 500, body: { error: { code: 'Unexpected', message: 'no request expected' } } };

/** A client already holding SESSION, on fakes of the session and pay functions (the db answers nothing). */
function payClient(pay: (event: any, req: HttpRequest) => FakeAnswer | Promise<FakeAnswer>, config: object = OFFLINE_PAY_CONFIG, session: Session = SESSION) {
  const transport = fakeSessionFunction((body, req) => (req.url === PAY_URL ? pay(body, req) : unexpected));
  const storage = memoryStorage({ [SESSION_KEY]: JSON.stringify(session) });
  const client = createClient(config as typeof OFFLINE_PAY_CONFIG, transport, { storage });
  return { client, transport, storage };
}

/** The pay function for the flow: create answers CREATED, get answers `after` (what the server then sees). */
const payFunction =
  (after: Order = PAID) =>
  (event: any): FakeAnswer =>
    event.op === 'create' ? data(CREATED) : event.op === 'get' ? data(after) : unexpected;

/** A cashier that answers `resultCode` and records the trades it was opened for. */
function cashier(resultCode: string): TradePay & { opened: { tradeNO: string }[] } {
  const opened: { tradeNO: string }[] = [];
  return Object.assign(
    async (args: { tradeNO: string }) => {
      opened.push(args);
      return { resultCode };
    },
    { opened },
  );
}

describe('catalog, order, orders: what each sends to the pay function', () => {
  it('catalog() invokes the pay function (its own service), signed with the session, with {sid, op: "catalog"}', async () => {
    const { client, transport } = payClient(() => data([PRO, { sku: 'max', title: 'Todo Max', amount: '19.90' }]));
    expect(await client.catalog()).toEqual([PRO, { sku: 'max', title: 'Todo Max', amount: '19.90' }]);
    expect(transport.requests).toHaveLength(1);
    expect(transport.requests[0]).toMatchObject({
      url: PAY_URL,
      method: 'POST',
      headers: { 'x-fc-security-token': STS.SecurityToken, 'x-fc-account-id': OFFLINE_CONFIG.AccountId, authorization: expect.stringMatching(/^FC STS\.abc:/) },
    });
    expect(transport.bodies()).toEqual([{ sid: SESSION.sessionId, op: 'catalog' }]);
  });

  it('order(id) sends {sid, op: "get", orderId}; check: true only when asked', async () => {
    const { client, transport } = payClient(() => data(PAID));
    expect(await client.order(CREATED.orderId)).toEqual(PAID);
    await client.order(CREATED.orderId, { check: true });
    await client.order(CREATED.orderId, { check: false });
    expect(transport.bodies()).toEqual([
      { sid: SESSION.sessionId, op: 'get', orderId: CREATED.orderId },
      { sid: SESSION.sessionId, op: 'get', orderId: CREATED.orderId, check: true },
      { sid: SESSION.sessionId, op: 'get', orderId: CREATED.orderId },
    ]);
  });

  it('orders() sends {sid, op: "list"} with only the options given, and answers {data, cursor}', async () => {
    const older: Order = { ...CREATED, orderId: 'o_older', status: 'CLOSED', closedAt: '2025-01-01T00:30:00.000Z' };
    const { client, transport } = payClient((event) => (event.cursor ? data([older]) : data([PAID], { cursor: 'next-page' })));
    expect(await client.orders({ limit: 1 })).toEqual({ data: [PAID], cursor: 'next-page' });
    expect(await client.orders({ limit: 1, cursor: 'next-page' })).toEqual({ data: [older], cursor: null });
    expect(await client.orders()).toEqual({ data: [PAID], cursor: 'next-page' });
    expect(transport.bodies()).toEqual([
      { sid: SESSION.sessionId, op: 'list', limit: 1 },
      { sid: SESSION.sessionId, op: 'list', limit: 1, cursor: 'next-page' },
      { sid: SESSION.sessionId, op: 'list' },
    ]);
  });

  it('an empty account: no orders, no cursor', async () => {
    const { client } = payClient(() => data([]));
    expect(await client.orders()).toEqual({ data: [], cursor: null });
  });

  it('keeps every status and optional time the server sends', async () => {
    for (const order of [
      CREATED,
      PAID,
      { ...CREATED, status: 'CLOSED', closedAt: '2025-01-01T02:00:00.000Z' },
      { ...PAID, status: 'REFUNDED', refundedAt: '2025-01-02T00:00:00.000Z' },
      { ...CREATED, tradeNo: undefined },
    ] as Order[]) {
      expect(await payClient(() => data(order)).client.order(order.orderId)).toEqual(order);
    }
  });

  it("the server's errors come through with their codes; SessionInvalid clears the session, others keep it", async () => {
    const notFound = payClient(() => ({ body: { error: { code: 'NotFound', message: 'no such order' } } }));
    expect(await rejection(notFound.client.order('o_someone_elses'))).toMatchObject({ code: 'NotFound' });
    expect(notFound.client.session).toEqual(SESSION);

    const upstream = payClient(() => ({ body: { error: { code: 'UpstreamError', message: 'Alipay did not answer' } } }));
    expect(await rejection(upstream.client.order(CREATED.orderId, { check: true }))).toMatchObject({ code: 'UpstreamError' });

    const gone = payClient(() => ({ body: { error: { code: 'SessionInvalid', message: 'log in again' } } }));
    expect(await rejection(gone.client.catalog())).toMatchObject({ code: 'SessionInvalid' });
    expect(gone.client.session).toBeNull();
    expect(gone.storage.data.has(SESSION_KEY)).toBe(false);
    expect(await rejection(gone.client.orders())).toMatchObject({ code: 'NotLoggedIn' });
    expect(gone.transport.requests).toHaveLength(1);
  });

  it('logged out: NotLoggedIn without a request', async () => {
    const transport = fakeSessionFunction();
    const client = createClient(OFFLINE_PAY_CONFIG, transport);
    for (const call of [client.catalog(), client.order('o_1'), client.orders(), client.pay('pro', cashier('9000'))]) {
      expect(await rejection(call)).toMatchObject({ code: 'NotLoggedIn' });
    }
    expect(transport.requests).toEqual([]);
  });
});

describe('answers of the wrong shape are BadResponse', () => {
  const { amount: _a, ...noAmount } = PRO;
  it.each([
    ['data not an array', { sku: 'pro' }],
    ['no data', undefined],
    ['a product without amount', [noAmount]],
    ['a numeric amount', [{ ...PRO, amount: 9.9 }]],
    ['a product that is null', [null]],
  ])('catalog: %s', async (_what, d) => {
    expect(await rejection(payClient(() => data(d)).client.catalog())).toMatchObject({ code: 'BadResponse' });
  });

  const { createdAt: _c, ...noCreatedAt } = PAID;
  const { orderId: _o, ...noOrderId } = PAID;
  const { title: _t, ...noTitle } = PAID;
  it.each([
    ['null (no such order)', null],
    ['an array', [PAID]],
    ['no orderId', noOrderId],
    ['no title', noTitle],
    ['no createdAt', noCreatedAt],
    ['a numeric amount', { ...PAID, amount: 9.9 }],
    ["an Alipay trade status instead of the order's", { ...PAID, status: 'TRADE_SUCCESS' }],
    ['a lower-case status', { ...PAID, status: 'paid' }],
    ['a numeric paidAt', { ...PAID, paidAt: 1735689630000 }],
    ['a numeric tradeNo', { ...PAID, tradeNo: 2025010122001400 }],
  ])('order: %s', async (_what, d) => {
    const { client } = payClient(() => data(d));
    expect(await rejection(client.order(CREATED.orderId))).toMatchObject({ code: 'BadResponse' });
    expect(client.session).toEqual(SESSION);
  });

  it.each([
    ['data not an array', { body: { data: PAID } }],
    ['one bad order in the page', { body: { data: [PAID, { ...PAID, status: 'UNKNOWN' }] } }],
    ['a numeric cursor', { body: { data: [PAID], cursor: 2 } }],
    ['an empty cursor', { body: { data: [PAID], cursor: '' } }],
  ])('orders: %s', async (_what, answer) => {
    expect(await rejection(payClient(() => answer).client.orders())).toMatchObject({ code: 'BadResponse' });
  });

  it('a body that is not JSON', async () => {
    const transport = async () => ({ status: 502, headers: { 'content-type': 'text/html' }, text: '<html>Bad Gateway</html>' });
    const client = createClient(OFFLINE_PAY_CONFIG, transport, { storage: memoryStorage({ [SESSION_KEY]: JSON.stringify(SESSION) }) });
    expect(await rejection(client.catalog())).toMatchObject({ code: 'BadResponse', status: 502 });
  });
});

describe('pay(sku, tradePay)', () => {
  it.each(['9000', '8000', '6004'])('%s (paid, or the result is unknown): create, tradePay({tradeNO}), then get with check: true', async (code) => {
    const { client, transport } = payClient(payFunction(PAID));
    const tradePay = cashier(code);
    expect(await client.pay('pro', tradePay)).toEqual(PAID);
    expect(tradePay.opened).toEqual([{ tradeNO: CREATED.tradeNo }]);
    expect(transport.bodies()).toEqual([
      { sid: SESSION.sessionId, op: 'create', sku: 'pro' },
      { sid: SESSION.sessionId, op: 'get', orderId: CREATED.orderId, check: true },
    ]);
    expect(transport.requests.every((r) => r.url === PAY_URL)).toBe(true);
  });

  it.each([
    ['6001 (cancelled)', '6001'],
    ['4000 (failed)', '4000'],
    ['6002 (network error)', '6002'],
  ])('%s: a plain get, resolving with the order still WAIT_BUYER_PAY', async (_what, code) => {
    const { client, transport } = payClient(payFunction(CREATED));
    expect(await client.pay('pro', cashier(code))).toEqual(CREATED);
    expect(transport.bodies()).toEqual([
      { sid: SESSION.sessionId, op: 'create', sku: 'pro' },
      { sid: SESSION.sessionId, op: 'get', orderId: CREATED.orderId },
    ]);
  });

  it('tradePay calls happen only after create answered, and get only after tradePay settled', async () => {
    const order: string[] = [];
    const { client } = payClient((event) => {
      order.push(event.op);
      return payFunction(PAID)(event);
    });
    await client.pay('pro', async () => {
      order.push('tradePay');
      await new Promise((r) => setTimeout(r, 10));
      order.push('tradePay done');
      return { resultCode: '9000' };
    });
    expect(order).toEqual(['create', 'tradePay', 'tradePay done', 'get']);
  });

  it('tradePay rejecting: pay rejects with that very error; the order stays and order() reads it', async () => {
    const { client, transport } = payClient(payFunction(CREATED));
    const boom = new Error('the cashier could not open');
    expect(await client.pay('pro', () => Promise.reject(boom)).catch((e) => e)).toBe(boom);
    expect(transport.bodies()).toEqual([{ sid: SESSION.sessionId, op: 'create', sku: 'pro' }]);
    expect(await client.order(CREATED.orderId)).toEqual(CREATED);
  });

  it('tradePay throwing synchronously is passed on the same way', async () => {
    const { client, transport } = payClient(payFunction(CREATED));
    const boom = new TypeError('my.tradePay is not a function');
    const throwing: TradePay = () => {
      throw boom;
    };
    expect(await client.pay('pro', throwing).catch((e) => e)).toBe(boom);
    expect(calls(transport.requests)).toEqual(['pay:create']);
  });

  it('a resultCode missing or numeric is read as text: numeric 9000 still checks, none does not', async () => {
    const numeric = payClient(payFunction(PAID));
    await numeric.client.pay('pro', async () => ({ resultCode: 9000 }) as unknown as { resultCode: string });
    expect(numeric.transport.bodies()[1]).toEqual({ sid: SESSION.sessionId, op: 'get', orderId: CREATED.orderId, check: true });
    const none = payClient(payFunction(CREATED));
    await none.client.pay('pro', async () => undefined as unknown as { resultCode: string });
    expect(none.transport.bodies()[1]).toEqual({ sid: SESSION.sessionId, op: 'get', orderId: CREATED.orderId });
  });

  it('create failing (unknown sku, Alipay down): rejects with its code, tradePay never opens', async () => {
    const { client } = payClient(() => ({ body: { error: { code: 'BadRequest', message: 'unknown sku' } } }));
    const tradePay = cashier('9000');
    expect(await rejection(client.pay('nope', tradePay))).toMatchObject({ code: 'BadRequest' });
    expect(tradePay.opened).toEqual([]);
  });

  it('a create answer without tradeNo, or not an order, is BadResponse before the cashier opens', async () => {
    for (const created of [{ ...CREATED, tradeNo: undefined }, { ...CREATED, tradeNo: '' }, { ...CREATED, status: 'NEW' }, null]) {
      const { client, transport } = payClient(() => data(created));
      const tradePay = cashier('9000');
      expect(await rejection(client.pay('pro', tradePay))).toMatchObject({ code: 'BadResponse' });
      expect(tradePay.opened).toEqual([]);
      expect(calls(transport.requests)).toEqual(['pay:create']);
    }
  });

  it('a get answer of the wrong shape, or for another order, is BadResponse', async () => {
    for (const after of [
      { ...PAID, status: 'TRADE_SUCCESS' },
      { ...PAID, orderId: 'o_other' },
    ]) {
      const { client } = payClient(payFunction(after as Order));
      expect(await rejection(client.pay('pro', cashier('9000')))).toMatchObject({ code: 'BadResponse' });
    }
  });

  it('without a tradePay function: BadRequest, and no order is created', async () => {
    const { client, transport } = payClient(payFunction());
    expect(await rejection(client.pay('pro', undefined as unknown as TradePay))).toMatchObject({ code: 'BadRequest' });
    expect(transport.requests).toEqual([]);
  });
});

describe('a config without the pay outputs', () => {
  const { PayServiceName: _s, ...noService } = OFFLINE_PAY_CONFIG;
  const { PayFunctionName: _f, ...noFunction } = OFFLINE_PAY_CONFIG;
  it.each([
    ['no PayServiceName', 'PayServiceName', noService],
    ['no PayFunctionName', 'PayFunctionName', noFunction],
    ['an empty PayServiceName', 'PayServiceName', { ...OFFLINE_PAY_CONFIG, PayServiceName: '' }],
    ['neither (a stack without payments)', 'PayServiceName', OFFLINE_CONFIG],
  ])('%s: every payment method rejects with BadConfig naming %s, without a request', async (_what, key, config) => {
    const { client, transport } = payClient(() => unexpected, config);
    for (const call of [client.catalog(), client.order('o_1'), client.orders(), client.pay('pro', cashier('9000'))]) {
      const err = await rejection(call);
      expect(err).toMatchObject({ name: 'ClientError', code: 'BadConfig' });
      expect(err.message).toContain(key);
    }
    expect(transport.requests).toEqual([]);
    expect(client.session).toEqual(SESSION);
  });

  it('is still a working client for everything else (the pay outputs are optional)', async () => {
    const transport = fakeSessionFunction((body, req) =>
      req.url === DB_URL ? data({ id: body.id, uid: 'acc_0001', createdAt: 'x', updatedAt: 'x', version: 1 }) : unexpected,
    );
    const client = createClient(OFFLINE_CONFIG, transport, { storage: memoryStorage({ [SESSION_KEY]: JSON.stringify(SESSION) }) });
    expect(await client.get('a')).toMatchObject({ id: 'a' });
  });
});

describe('credential renewal applies to pay as to db', () => {
  const RENEWED = { AccessKeyId: 'STS.renewed', AccessKeySecret: 'secret2', SecurityToken: 'CAISrenewed', Expiration: '2030-01-01T01:00:00Z' };

  /** Session function answering refresh with RENEWED; the pay function refusing the old token as FC does, accepting the renewed one. */
  function staleCloud() {
    return fakeSessionFunction((body, req) => {
      if (body.action === 'refresh') return { body: { sessionId: SESSION.sessionId, expiresAt: SESSION.expiresAt, sts: RENEWED } };
      if (req.url !== PAY_URL) return unexpected;
      if (req.headers['x-fc-security-token'] !== RENEWED.SecurityToken) return fcError(403, 'InvalidSecurityToken');
      return body.op === 'catalog' ? data([PRO]) : payFunction(PAID)(body);
    });
  }

  it('FC calling the credentials stale: renew once and retry, for each call of the pay flow', async () => {
    const transport = staleCloud();
    const client = createClient(OFFLINE_PAY_CONFIG, transport, { storage: memoryStorage({ [SESSION_KEY]: JSON.stringify(SESSION) }) });
    expect(await client.pay('pro', cashier('9000'))).toEqual(PAID);
    expect(calls(transport.requests)).toEqual(['pay:create', 'session:refresh', 'pay:create', 'pay:get']);
    expect(client.session?.sts).toEqual(RENEWED);
  });

  it('credentials about to expire: renewed before the pay function is invoked', async () => {
    const now = Date.parse(STS.Expiration) - 30_000;
    const transport = staleCloud();
    const client = createClient(OFFLINE_PAY_CONFIG, transport, { storage: memoryStorage({ [SESSION_KEY]: JSON.stringify(SESSION) }), now: () => now });
    expect(await client.catalog()).toEqual([PRO]);
    // Renewed first, so FC never saw the old credentials.
    expect(calls(transport.requests)).toEqual(['session:refresh', 'pay:catalog']);
  });

  it('stale again after renewing: the second refusal is reported, no third try', async () => {
    const transport = fakeSessionFunction((body) =>
      body.action === 'refresh' ? { body: { sessionId: SESSION.sessionId, expiresAt: SESSION.expiresAt, sts: RENEWED } } : fcError(403, 'SecurityTokenExpired'),
    );
    const client = createClient(OFFLINE_PAY_CONFIG, transport, { storage: memoryStorage({ [SESSION_KEY]: JSON.stringify(SESSION) }) });
    expect(await rejection(client.orders())).toMatchObject({ code: 'SecurityTokenExpired', status: 403 });
    expect(calls(transport.requests)).toEqual(['pay:list', 'session:refresh', 'pay:list']);
  });

  it('FC refusing for other reasons (AccessDenied): no renewal', async () => {
    const transport = fakeSessionFunction(() => fcError(403, 'AccessDenied'));
    const client = createClient(OFFLINE_PAY_CONFIG, transport, { storage: memoryStorage({ [SESSION_KEY]: JSON.stringify(SESSION) }) });
    expect(await rejection(client.pay('pro', cashier('9000')))).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(calls(transport.requests)).toEqual(['pay:create']);
  });
});

describe('tradePayFromMy(my)', () => {
  /** The part of `my` the adapter uses, answering as `answer` says and recording what it was called with. */
  function fakeMy(answer: (o: Parameters<MyTradePayLike['tradePay']>[0]) => void): MyTradePayLike & { seen: string[] } {
    const seen: string[] = [];
    return {
      seen,
      tradePay(o) {
        seen.push(o.tradeNO);
        setTimeout(() => answer(o), 0); // the cashier answers later, as a callback
      },
    };
  }

  it.each([
    ['9000', '9000'],
    ['6001', '6001'],
    ['a numeric code', 4000],
  ])('success with %s: resolves {resultCode} as text', async (_what, code) => {
    const my = fakeMy((o) => o.success({ resultCode: code, memo: '', result: '' }));
    await expect(tradePayFromMy(my)({ tradeNO: CREATED.tradeNo! })).resolves.toEqual({ resultCode: String(code) });
    expect(my.seen).toEqual([CREATED.tradeNo]);
  });

  it('fail: rejects with TradePayFailed carrying Alipay’s error and message', async () => {
    const my = fakeMy((o) => o.fail({ error: 2, errorMessage: 'invalid parameter' }));
    const err = await rejection(tradePayFromMy(my)({ tradeNO: 'x' }));
    expect(err.code).toBe('TradePayFailed');
    expect(err.message).toMatch(/invalid parameter.*2/);
  });

  it('my.tradePay throwing (an old base library): rejects, does not throw', async () => {
    const my: MyTradePayLike = {
      tradePay() {
        throw new TypeError('my.tradePay is not a function');
      },
    };
    const p = tradePayFromMy(my)({ tradeNO: 'x' });
    await expect(p).rejects.toThrow(TypeError);
  });

  it('drives client.pay end to end: the cashier opens for the created trade', async () => {
    const my = fakeMy((o) => o.success({ resultCode: '9000' }));
    const { client, transport } = payClient(payFunction(PAID));
    expect(await client.pay('pro', tradePayFromMy(my))).toEqual(PAID);
    expect(my.seen).toEqual([CREATED.tradeNo]);
    expect(calls(transport.requests)).toEqual(['pay:create', 'pay:get']);
    expect(transport.bodies()[1].check).toBe(true);
  });
});
