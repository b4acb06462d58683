import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AlipayFault } from '../../local/alipay';
import type { LocalCloud } from '../../local/cloud';
import { login, startCloud } from '../support/local';
import { plantRow } from '../support/tables';
import { ageOrder, cashier, createOrder, functionLines, orderRows, payOp, runReconcile } from '../support/payments';
import { errorCode } from './helpers';

const catalog = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'catalog.json'), 'utf8')) as Record<string, { title: string; amount: string }>;
const MINUTE = 60_000;

/** The pay function through local FC with the client's STS credentials, and Alipay's side through the emulator. */
describe('pay', () => {
  let cloud: LocalCloud;
  let dropNotifications = false;
  let alipayFault: AlipayFault['kind'] | undefined;

  beforeAll(async () => {
    cloud = await startCloud({
      alipay: {
        notifyFault: () => (dropNotifications ? { kind: 'drop' } : undefined),
        fault: (method) => (method === 'alipay.trade.create' && alipayFault ? { kind: alipayFault } : undefined),
      },
    });
  });
  afterAll(() => cloud?.stop());
  afterEach(async () => {
    dropNotifications = false;
    alipayFault = undefined;
    await cloud.alipay.whenNotificationsIdle();
  });

  it('catalog: the products of catalog.json, prices as strings of yuan', async () => {
    const me = await login(cloud);
    const answer = await payOp(cloud, me, { op: 'catalog' });
    expect(answer).toEqual({ data: Object.entries(catalog).map(([sku, p]) => ({ sku, title: p.title, amount: p.amount })) });
  });

  it('the happy path: create → the cashier pays → the signed notification marks the order PAID', async () => {
    const me = await login(cloud);
    const order = await createOrder(cloud, me);
    expect(order).toEqual({
      orderId: expect.stringMatching(/^[0-9a-f]{32}_[0-9a-z]{9}_[0-9a-f]{10}$/),
      sku: 'pro',
      title: catalog.pro.title,
      amount: catalog.pro.amount,
      status: 'WAIT_BUYER_PAY',
      tradeNo: expect.stringMatching(/^\d{28}$/),
      createdAt: expect.any(String),
    });
    expect(await cashier(cloud, order.tradeNo!, 'paid')).toBe('9000');
    await cloud.alipay.whenNotificationsIdle();
    const { data } = await payOp(cloud, me, { op: 'get', orderId: order.orderId });
    expect(data).toEqual({ ...order, status: 'PAID', paidAt: expect.any(String) });
    expect(Date.parse(data.paidAt)).toBeGreaterThanOrEqual(Date.parse(order.createdAt) - 1000);
    const stored = (await orderRows(cloud)).find((r) => r.key.orderId === order.orderId)!;
    expect(stored.columns).toMatchObject({ accountId: me.accountId, status: 'PAID', amount: '9.90', tradeNo: order.tradeNo });
    expect(functionLines(cloud, 'notify').filter((l) => l.order === order.orderId)).toEqual([
      expect.objectContaining({ outcome: 'ok', status: 200, transition: 'WAIT_BUYER_PAY>PAID' }),
    ]);
  });

  it('round trips (Tablestore calls per request, from the log lines): create 5, a cached-session get 1, a notification 2', async () => {
    const me = await login(cloud);
    const order = await createOrder(cloud, me);
    await payOp(cloud, me, { op: 'get', orderId: order.orderId });
    await cashier(cloud, order.tradeNo!, 'paid');
    await cloud.alipay.whenNotificationsIdle();
    const pay = functionLines(cloud, 'pay').slice(-2);
    // create: the session, then the order, its pending row and the buyer's ids at once, then the trade no.
    expect(pay.map((l) => [l.op, l.ots])).toEqual([
      ['create', 5],
      ['get', 1],
    ]);
    expect(
      functionLines(cloud, 'notify')
        .filter((l) => l.order === order.orderId)
        .map((l) => l.ots),
    ).toEqual([2]);
  });

  it('a create Alipay could not answer leaves the order pending (the trade may exist); a busy Alipay is Unavailable', async () => {
    const me = await login(cloud);
    alipayFault = 'badSignature';
    expect(errorCode(await payOp(cloud, me, { op: 'create', sku: 'pro' }))).toBe('UpstreamError');
    alipayFault = 'systemError';
    expect(errorCode(await payOp(cloud, me, { op: 'create', sku: 'pro' }))).toBe('Unavailable');
    alipayFault = undefined;
    const { data } = await payOp(cloud, me, { op: 'list' });
    expect(data.map((o: { status: string }) => o.status)).toEqual(['WAIT_BUYER_PAY', 'WAIT_BUYER_PAY']);
    // The unverifiable answer's trade does exist at Alipay: a check finds it, still unpaid.
    const [, unverified] = data;
    expect((await payOp(cloud, me, { op: 'get', orderId: unverified.orderId, check: true })).data.status).toBe('WAIT_BUYER_PAY');
  });

  it('a trade Alipay refuses outright closes its order at once, and the create answers UpstreamError', async () => {
    const me = await login(cloud);
    // An account whose stored Alipay id Alipay won't take as a buyer (ACQ.INVALID_PARAMETER).
    const accounts = cloud.fc.instance(cloud.config.PayServiceName, cloud.config.PayFunctionName)!.spec.environment.ACCOUNTS_TABLE;
    await plantRow(cloud, accounts, [{ key: `account:${me.accountId}` }], { openId: 'not an open id', createdAt: Date.now() });
    expect(errorCode(await payOp(cloud, me, { op: 'create', sku: 'pro' }))).toBe('UpstreamError');
    const { data } = await payOp(cloud, me, { op: 'list' });
    expect(data).toEqual([expect.objectContaining({ status: 'CLOSED', closedAt: expect.any(String) })]);
    expect(data[0].tradeNo).toBeUndefined();
  });

  it('a cancelled cashier leaves the order WAIT_BUYER_PAY, and no notification is sent', async () => {
    const me = await login(cloud);
    const order = await createOrder(cloud, me);
    const before = cloud.alipay.notifications.length;
    expect(await cashier(cloud, order.tradeNo!, 'cancelled')).toBe('6001');
    await cloud.alipay.whenNotificationsIdle();
    expect(cloud.alipay.notifications.length).toBe(before);
    expect((await payOp(cloud, me, { op: 'get', orderId: order.orderId, check: true })).data.status).toBe('WAIT_BUYER_PAY');
  });

  it('the price comes from the catalog: a client that sends its own amount, title or price is refused and nothing is stored', async () => {
    const me = await login(cloud);
    const rows = (await orderRows(cloud)).length;
    for (const extra of [{ amount: '0.01' }, { total_amount: '0.01' }, { price: 1 }, { title: 'cheap' }]) {
      const answer = await payOp(cloud, me, { op: 'create', sku: 'pro', ...extra });
      expect(errorCode(answer)).toBe('BadRequest');
      expect(answer.error.message).toMatch(/catalog/);
    }
    expect(errorCode(await payOp(cloud, me, { op: 'create', sku: 'free' }))).toBe('NotFound');
    expect(errorCode(await payOp(cloud, me, { op: 'create', sku: 'PRO!' }))).toBe('BadRequest');
    expect((await orderRows(cloud)).length).toBe(rows);
  });

  it("another person's orders can't be read: get answers NotFound, list shows only one's own, a foreign cursor is refused", async () => {
    const alice = await login(cloud);
    const bob = await login(cloud);
    const hers = await createOrder(cloud, alice);
    const his = await createOrder(cloud, bob);
    expect(errorCode(await payOp(cloud, bob, { op: 'get', orderId: hers.orderId }))).toBe('NotFound');
    expect(errorCode(await payOp(cloud, bob, { op: 'get', orderId: `${his.orderId.slice(0, 33)}000000000_0000000000` }))).toBe('NotFound');
    expect(errorCode(await payOp(cloud, bob, { op: 'get', orderId: '../x' }))).toBe('NotFound');
    const list = await payOp(cloud, bob, { op: 'list' });
    expect(list.data.map((o: { orderId: string }) => o.orderId)).toEqual([his.orderId]);
    const foreignCursor = Buffer.from(hers.orderId).toString('base64url');
    expect(errorCode(await payOp(cloud, bob, { op: 'list', cursor: foreignCursor }))).toBe('BadRequest');
    expect(errorCode(await payOp(cloud, bob, { op: 'get', orderId: his.orderId, sid: alice.sessionId }))).toBe('NotFound');
  });

  it('list: newest first, paged by cursor; limit one past and at its bounds', async () => {
    const me = await login(cloud);
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await createOrder(cloud, me)).orderId);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await payOp(cloud, me, { op: 'list', limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((o: { orderId: string }) => o.orderId));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual([...made].reverse());
    expect((await payOp(cloud, me, { op: 'list', limit: 100 })).data).toHaveLength(5);
    for (const limit of [0, 101, 1.5, '5']) expect(errorCode(await payOp(cloud, me, { op: 'list', limit }))).toBe('BadRequest');
  });

  it('a lost notification is recovered: `check` after the cashier, a read once the order is a minute old, and the reconcile timer', async () => {
    const me = await login(cloud);
    dropNotifications = true;
    const checked = await createOrder(cloud, me);
    const read = await createOrder(cloud, me);
    const timed = await createOrder(cloud, me);
    for (const o of [checked, read, timed]) expect(await cashier(cloud, o.tradeNo!, 'paid')).toBe('9000');
    await cloud.alipay.whenNotificationsIdle();

    // A plain read of a young order trusts the table (no query); `check` asks Alipay.
    expect((await payOp(cloud, me, { op: 'get', orderId: read.orderId })).data.status).toBe('WAIT_BUYER_PAY');
    expect((await payOp(cloud, me, { op: 'get', orderId: checked.orderId, check: true })).data.status).toBe('PAID');

    await ageOrder(cloud, read.orderId, 2 * MINUTE);
    expect((await payOp(cloud, me, { op: 'get', orderId: read.orderId })).data).toMatchObject({ status: 'PAID', paidAt: expect.any(String) });

    await ageOrder(cloud, timed.orderId, 2 * MINUTE);
    const counts = await runReconcile(cloud);
    expect(counts.paid).toBeGreaterThanOrEqual(1);
    expect((await payOp(cloud, me, { op: 'get', orderId: timed.orderId })).data.status).toBe('PAID');
    const pending = (await orderRows(cloud)).map((r) => String(r.key.orderId)).filter((k) => k.startsWith('pending_'));
    expect(pending).not.toContain(`pending_${timed.orderId}`);
  });

  it('the reconcile timer closes an order left unpaid for 15 minutes at Alipay too; a young one is left alone', async () => {
    const me = await login(cloud);
    const stale = await createOrder(cloud, me);
    const young = await createOrder(cloud, me);
    await ageOrder(cloud, stale.orderId, 16 * MINUTE);
    await runReconcile(cloud);
    const { data } = await payOp(cloud, me, { op: 'get', orderId: stale.orderId });
    expect(data).toMatchObject({ status: 'CLOSED', closedAt: expect.any(String) });
    // Alipay's trade is closed too: the cashier can no longer take money for it.
    expect(await cashier(cloud, stale.tradeNo!, 'paid')).toBe('4000');
    expect((await payOp(cloud, me, { op: 'get', orderId: young.orderId })).data.status).toBe('WAIT_BUYER_PAY');
    const keys = (await orderRows(cloud)).map((r) => String(r.key.orderId));
    expect(keys).not.toContain(`pending_${stale.orderId}`);
    expect(keys).toContain(`pending_${young.orderId}`);
  });

  it('an order unpaid at the close age but paid meanwhile is marked PAID, not closed', async () => {
    const me = await login(cloud);
    dropNotifications = true;
    const order = await createOrder(cloud, me);
    await cashier(cloud, order.tradeNo!, 'paid');
    await cloud.alipay.whenNotificationsIdle();
    await ageOrder(cloud, order.orderId, 16 * MINUTE);
    await runReconcile(cloud);
    expect((await payOp(cloud, me, { op: 'get', orderId: order.orderId })).data.status).toBe('PAID');
  });
});
