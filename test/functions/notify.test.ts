import { generateKeyPairSync } from 'node:crypto';
import { signedNotification } from '../../local/alipay';
import type { LocalCloud } from '../../local/cloud';
import { login, startCloud } from '../support/local';
import { type OrderAnswer, cashier, createOrder, functionLines, notificationFields as fields, orderRows, payOp } from '../support/payments';

/**
 * notify through its anonymous HTTP trigger (NotifyUrl), with notifications signed by the emulator's
 * "Alipay" key (or forged with another), the way Alipay's servers post them.
 */
describe('notify', () => {
  let cloud: LocalCloud;
  let gatewayKey: string;
  const post = async (body: string, init: RequestInit = {}) => {
    const res = await fetch(cloud.config.NotifyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
      ...init,
    });
    return { status: res.status, text: await res.text() };
  };
  const signed = (params: Record<string, string>, key = gatewayKey) => signedNotification(params, key);
  const status = async (me: Awaited<ReturnType<typeof login>>, order: OrderAnswer) =>
    (await payOp(cloud, me, { op: 'get', orderId: order.orderId })).data.status;
  const lines = (order: OrderAnswer) => functionLines(cloud, 'notify').filter((l) => l.order === order.orderId);

  beforeAll(async () => {
    cloud = await startCloud();
    gatewayKey = cloud.keys.gateway.privateKeyPem;
  });
  afterAll(() => cloud?.stop());

  it('a verified TRADE_SUCCESS answers `success` and marks the order PAID; a duplicate answers `success` and changes nothing', async () => {
    const me = await login(cloud);
    const order = await createOrder(cloud, me);
    const body = signed(fields(order));
    expect(await post(body)).toEqual({ status: 200, text: 'success' });
    expect(await post(body)).toEqual({ status: 200, text: 'success' });
    expect(await status(me, order)).toBe('PAID');
    expect(lines(order).map((l) => l.transition)).toEqual(['WAIT_BUYER_PAY>PAID', 'PAID=']);
  });

  it('10 identical notifications at once: all `success`, exactly one transition', async () => {
    const me = await login(cloud);
    const order = await createOrder(cloud, me);
    const body = signed(fields(order));
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(body)));
    expect(answers).toEqual(Array(10).fill({ status: 200, text: 'success' }));
    expect(await status(me, order)).toBe('PAID');
    const transitions = lines(order).map((l) => l.transition);
    expect(transitions.filter((t) => t === 'WAIT_BUYER_PAY>PAID')).toHaveLength(1);
    expect(transitions).toHaveLength(10);
  });

  it('out of order: a refund that arrives before the payment leaves the order REFUNDED', async () => {
    const me = await login(cloud);
    const order = await createOrder(cloud, me);
    const refund = signed(
      fields(order, { trade_status: 'TRADE_CLOSED', refund_fee: order.amount, gmt_refund: '2026-12-01 10:05:00.123', gmt_close: '2026-12-01 10:05:00' }),
    );
    expect(await post(refund)).toEqual({ status: 200, text: 'success' });
    expect(await post(signed(fields(order)))).toEqual({ status: 200, text: 'success' });
    const { data } = await payOp(cloud, me, { op: 'get', orderId: order.orderId });
    expect(data).toMatchObject({ status: 'REFUNDED', refundedAt: expect.any(String) });
    expect(data.paidAt).toBeUndefined();
  });

  it('a TRADE_CLOSED without a refund closes an unpaid order, and a later payment still wins (Alipay took the money)', async () => {
    const me = await login(cloud);
    const order = await createOrder(cloud, me);
    expect(await post(signed(fields(order, { trade_status: 'TRADE_CLOSED', gmt_close: '2026-12-01 10:15:00' })))).toEqual({ status: 200, text: 'success' });
    expect(await status(me, order)).toBe('CLOSED');
    expect(await post(signed(fields(order)))).toEqual({ status: 200, text: 'success' });
    expect(await status(me, order)).toBe('PAID');
    expect(await post(signed(fields(order, { trade_status: 'WAIT_BUYER_PAY' })))).toEqual({ status: 200, text: 'success' });
    expect(await status(me, order)).toBe('PAID');
  });

  describe('refused: `fail`, nothing changes, and the log line says why', () => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const cases: [string, (o: OrderAnswer) => string, string][] = [
      ['forged: signed with another key', (o) => signed(fields(o), otherKey), 'signature'],
      ['unsigned', (o) => new URLSearchParams(fields(o)).toString(), 'signature'],
      ['tampered after signing: total_amount', (o) => signed(fields(o)).replace(/total_amount=[^&]*/, 'total_amount=0.01'), 'signature'],
      [
        'tampered after signing: trade_status',
        (o) => signed(fields(o, { trade_status: 'WAIT_BUYER_PAY' })).replace('trade_status=WAIT_BUYER_PAY', 'trade_status=TRADE_SUCCESS'),
        'signature',
      ],
      ['signed by Alipay, but for another amount', (o) => signed(fields(o, { total_amount: '0.01' })), 'amount'],
      ['signed by Alipay, for another app', (o) => signed(fields(o, { app_id: '2021000000009999' })), 'app_id'],
      [
        'signed by Alipay, for an order that does not exist',
        (o) => signed(fields(o, { out_trade_no: `${o.orderId.slice(0, 43)}ffffffffff` })),
        'unknown_order',
      ],
      ['signed by Alipay, for another trade', (o) => signed(fields(o, { trade_no: '2026120122001400000000000001' })), 'trade_no'],
      ['a field given twice', (o) => `${signed(fields(o))}&trade_status=TRADE_SUCCESS`, 'malformed'],
    ];
    it.each(cases)('%s', async (_name, make, reason) => {
      const me = await login(cloud);
      const order = await createOrder(cloud, me);
      const before = (await orderRows(cloud)).find((r) => r.key.orderId === order.orderId);
      expect(await post(make(order))).toEqual({ status: 400, text: 'fail' });
      expect(await status(me, order)).toBe('WAIT_BUYER_PAY');
      expect((await orderRows(cloud)).find((r) => r.key.orderId === order.orderId)).toEqual(before);
      const line = functionLines(cloud, 'notify').at(-1);
      expect(line).toMatchObject({ outcome: 'error', status: 400, reason });
      expect(line.transition).toBeUndefined();
    });

    it('the trigger takes POST only, and a body over 16 KB is refused before it is read', async () => {
      expect((await fetch(cloud.config.NotifyUrl)).status).toBe(405);
      const me = await login(cloud);
      const order = await createOrder(cloud, me);
      const big = await post(`${signed(fields(order))}&pad=${'x'.repeat(16 * 1024)}`);
      expect(big).toEqual({ status: 413, text: 'fail' });
      expect(await status(me, order)).toBe('WAIT_BUYER_PAY');
    });
  });

  it('the emulated cashier delivers what notify accepts (end to end through the emulator)', async () => {
    const me = await login(cloud);
    const order = await createOrder(cloud, me);
    await cashier(cloud, order.tradeNo!, 'paid');
    await cloud.alipay.whenNotificationsIdle();
    expect(await status(me, order)).toBe('PAID');
  });
});
