import type { AlipayFault } from '../../local/alipay';
import type { LocalCloud } from '../../local/cloud';
import type { FaultDecision } from '../../local/tablestore';
import { type LoginAnswer, login, startCloud } from '../support/local';
import { type OrderAnswer, ageOrder, cashier, functionLines, payOp, runReconcile } from '../support/payments';

const RATE = 0.2;
const ORDERS = Number(process.env.PAYMENT_FAULT_ORDERS ?? 24);
const MINUTE = 60_000;

/**
 * Payments under 20% injected upstream faults: Tablestore errors and lost answers; Alipay 5xx,
 * badly signed answers, system errors and answers lost after the trade changed (the client times
 * out); and notifications dropped, duplicated, delayed and reordered. Whatever
 * happens, no order is paid twice, no created order is lost, and every order the cashier paid
 * ends PAID once the recovery paths (check, read-time query, reconcile) have run.
 */
describe('payments under 20% upstream faults', () => {
  let cloud: LocalCloud;
  let faulty = false;
  const injected: Record<string, number> = {};
  const count = (k: string) => (injected[k] = (injected[k] ?? 0) + 1);
  const chance = () => faulty && Math.random() < RATE;

  beforeAll(async () => {
    cloud = await startCloud({
      tablestore: {
        fault: (op): FaultDecision => {
          if (!chance()) return undefined;
          count(`ots:${op}`);
          return Math.random() < 0.5 ? { status: 503, code: 'OTSServerBusy', message: 'Server is busy.' } : { lostAnswer: true };
        },
      },
      alipay: {
        fault: (method): AlipayFault | undefined => {
          if (!method.startsWith('alipay.trade.') || !chance()) return undefined;
          const kinds = ['http5xx', 'badSignature', 'systemError', 'timeoutAfterCommit'] as const;
          const kind = kinds[Math.floor(Math.random() * kinds.length)];
          count(`alipay:${kind}`);
          return { kind };
        },
        notifyFault: () => {
          if (!chance()) return undefined;
          const kinds = [{ kind: 'drop' }, { kind: 'duplicate', copies: 3 }, { kind: 'delay', ms: 300 }, { kind: 'reorder' }] as const;
          const f = kinds[Math.floor(Math.random() * kinds.length)];
          count(`notify:${f.kind}`);
          return f;
        },
      },
    });
  });
  afterAll(() => cloud?.stop());

  /** A call that the client would retry: until it answers data, at most 8 tries. */
  async function retried<T>(fn: () => Promise<{ data?: T; error?: { code: string } }>): Promise<T | undefined> {
    for (let i = 0; i < 8; i++) {
      const answer: { data?: T; error?: { code: string } } = await fn().catch(() => ({ error: { code: 'Transport' } }));
      if (answer.data !== undefined) return answer.data;
      count(`client-retry:${answer.error?.code}`);
    }
    return undefined;
  }

  it(`${ORDERS} purchases: none paid twice, none lost, every paid one ends PAID`, async () => {
    const buyers: LoginAnswer[] = [];
    for (let i = 0; i < 3; i++) buyers.push(await login(cloud));
    faulty = true;
    const created: { buyer: LoginAnswer; order: OrderAnswer }[] = [];
    const paid = new Set<string>();
    await Promise.all(
      Array.from({ length: ORDERS }, async (_, i) => {
        const buyer = buyers[i % buyers.length];
        const order = await retried<OrderAnswer>(() => payOp(cloud, buyer, { op: 'create', sku: 'pro' }));
        if (!order) return;
        created.push({ buyer, order });
        if (i % 4 === 3) return; // a buyer who never pays
        if ((await cashier(cloud, order.tradeNo!, 'paid')) === '9000') paid.add(order.orderId);
        // The client's read after the cashier (it may fail, and the order may still look pending).
        await payOp(cloud, buyer, { op: 'get', orderId: order.orderId, check: true }).catch(() => undefined);
      }),
    );
    await cloud.alipay.whenNotificationsIdle();
    faulty = false;

    // Recovery paths, fault-free: orders age past a minute, the timer reconciles, reads check.
    for (const { order } of created) await ageOrder(cloud, order.orderId, 2 * MINUTE);
    await runReconcile(cloud);
    const final = new Map<string, string>();
    for (const { buyer, order } of created) final.set(order.orderId, (await payOp(cloud, buyer, { op: 'get', orderId: order.orderId })).data.status);

    // None lost: every order a create answered is in its buyer's list.
    for (const buyer of buyers) {
      const listed = (await payOp(cloud, buyer, { op: 'list', limit: 100 })).data.map((o: OrderAnswer) => o.orderId);
      expect(listed).toEqual(expect.arrayContaining(created.filter((c) => c.buyer === buyer).map((c) => c.order.orderId)));
    }
    // Every order the cashier took money for is PAID; the others are not.
    for (const [orderId, status] of final) expect({ orderId, status }).toEqual({ orderId, status: paid.has(orderId) ? 'PAID' : 'WAIT_BUYER_PAY' });
    // None paid twice: notify moved each order to PAID at most once, however often Alipay told it.
    const transitions = functionLines(cloud, 'notify').filter((l) => /PAID$/.test(l.transition ?? '') && l.transition.includes('>'));
    const perOrder = new Map<string, number>();
    for (const t of transitions) perOrder.set(t.order, (perOrder.get(t.order) ?? 0) + 1);
    for (const [orderId, n] of perOrder) expect({ orderId, n }).toEqual({ orderId, n: 1 });
    // The emulator agrees: each paid trade was paid once.
    for (const orderId of paid) expect(await cashier(cloud, created.find((c) => c.order.orderId === orderId)!.order.tradeNo!, 'paid')).toBe('4000');

    const attempts = cloud.alipay.notifications;
    process.stdout.write(
      `payment faults: ${created.length}/${ORDERS} created, ${paid.size} paid, injected ${JSON.stringify(injected)}, ` +
        `notification attempts ${attempts.length} (${attempts.filter((a) => a.outcome === 'success').length} success)\n`,
    );
    expect(created.length).toBeGreaterThan(ORDERS * 0.8);
    expect(Object.keys(injected).length).toBeGreaterThan(3);
  });
});
