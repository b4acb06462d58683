import type { OtsSession } from '../shared/ots';
import { type Change, OrderStore } from '../shared/orders';
import { Trades, changeOf } from '../shared/trade';
import type { ReconcileConfig } from './config';

/** Pending rows read per page, and orders settled at once. */
const PAGE = 100;
const PARALLEL = 4;
/** Stop starting work this long before the deadline: one order's work (a query, a close, two writes) fits in it. */
const MARGIN_MS = 8000;

export type Outcome = 'young' | 'settled' | 'paid' | 'closed' | 'refunded' | 'waiting' | 'failed';

/**
 * One run of the reconcile timer over every pending order: orders old enough to doubt are checked
 * with alipay.trade.query, and those unpaid past the close age are closed with alipay.trade.close
 * (if Alipay says the buyer paid meanwhile, the order is marked paid instead). Each settled order
 * leaves the pending list. Work stops before the deadline; the next run picks up the rest.
 */
export class Reconciler {
  private readonly orders: OrderStore;
  private readonly trades: Trades;
  readonly counts: Partial<Record<Outcome, number>> = {};

  constructor(
    ots: OtsSession,
    private readonly config: ReconcileConfig,
    private readonly deadline: number,
  ) {
    this.orders = new OrderStore(ots, config.ots.ordersTable);
    this.trades = new Trades(config.alipay, deadline);
  }

  async run(now: number): Promise<void> {
    let start: string | undefined;
    do {
      if (Date.now() > this.deadline - MARGIN_MS) return;
      const page = await this.orders.pending(PAGE, start);
      for (let i = 0; i < page.items.length; i += PARALLEL) {
        if (Date.now() > this.deadline - MARGIN_MS) return;
        const outcomes = await Promise.all(page.items.slice(i, i + PARALLEL).map((p) => this.one(p.orderId, p.createdAt, now).catch(() => 'failed' as const)));
        for (const o of outcomes) this.counts[o] = (this.counts[o] ?? 0) + 1;
      }
      start = page.next;
    } while (start);
  }

  private async one(orderId: string, createdAt: number, now: number): Promise<Outcome> {
    const age = now - createdAt;
    if (age < this.config.checkAfterSeconds * 1000) return 'young';
    const order = await this.orders.read(orderId);
    if (!order || order.status !== 'WAIT_BUYER_PAY') {
      await this.orders.dropPending(orderId);
      return 'settled';
    }
    let change: Change | undefined;
    // Overdue: close it at Alipay. If the buyer paid meanwhile (close refused), ask, like for a younger one.
    if (age >= this.config.closeAfterSeconds * 1000 && (await this.trades.close(orderId)) === 'closed') change = { status: 'CLOSED', at: now };
    else {
      const view = await this.trades.query(orderId);
      change = view && changeOf(view, now);
    }
    if (!change) return 'waiting';
    const { order: after } = await this.orders.advance(orderId, change, order);
    if (after.status === 'WAIT_BUYER_PAY') return 'waiting';
    await this.orders.dropPending(orderId);
    return after.status === 'PAID' ? 'paid' : after.status === 'REFUNDED' ? 'refunded' : 'closed';
  }
}
