import { accountKey } from '../shared/account-row';
import { AppError } from '../shared/errors';
import { OtsSession, columnsOf } from '../shared/ots';
import { type Order, OrderStore, type PublicOrder, accountPrefix, newOrderId, present } from '../shared/orders';
import { type Buyer, TradeRefused, Trades, changeOf } from '../shared/trade';
import { product } from './catalog';
import type { PayConfig } from './config';
import { encodeCursor } from './request';

/** At most this many pending orders of one list page are checked with Alipay (the rest on a later read). */
const MAX_CHECKS_PER_LIST = 5;
/** A `check` of one order asks Alipay at most this often per instance, so a client can't spend the app's query quota. */
const CHECK_INTERVAL_MS = 2000;
const lastChecked = new Map<string, number>();

const notFound = () => new AppError('NotFound', 'No such order.');

/** One account's purchases: orders at catalog prices, Alipay trades for them, and their status as Alipay last told it. */
export class Checkout {
  private readonly orders: OrderStore;

  constructor(
    private readonly ots: OtsSession,
    private readonly config: PayConfig,
    private readonly deadline: number,
    private readonly accountId: string,
  ) {
    this.orders = new OrderStore(ots, config.ots.ordersTable);
  }

  /**
   * Stores the order first, so a notification for it always finds it, then asks Alipay for the
   * trade. The order is written while the buyer's Alipay id is read (one round trip for both).
   */
  async create(sku: string, now: number): Promise<PublicOrder> {
    const item = product(sku);
    if (!item) throw new AppError('NotFound', `The catalog has no product "${sku}".`);
    const trades = new Trades(this.config.alipay, this.deadline);
    const order: Order = {
      orderId: newOrderId(this.accountId, now),
      accountId: this.accountId,
      sku,
      title: item.title,
      amount: item.amount,
      status: 'WAIT_BUYER_PAY',
      createdAt: now,
    };
    const [buyer] = await Promise.all([this.buyer(), this.orders.create(order)]);
    let tradeNo: string;
    try {
      tradeNo = await trades.create(order, buyer, this.config.notifyUrl, this.config.closeAfterSeconds / 60);
    } catch (e) {
      // Alipay refused outright: no trade exists, so the order can be closed now. When Alipay was
      // unreachable or its answer unverifiable, the trade may exist; the order stays pending until a
      // query settles it.
      if (e instanceof TradeRefused) await this.orders.advance(order.orderId, { status: 'CLOSED', at: Date.now() }, order).catch(() => undefined);
      throw e;
    }
    // Not worth failing the purchase for: the notification and queries record the tradeNo too.
    await this.orders.setTradeNo(order.orderId, tradeNo).catch(() => undefined);
    return present({ ...order, tradeNo });
  }

  /** The caller's order; another account's order is NotFound, exactly like one that does not exist. */
  async get(orderId: string, check: boolean, now: number): Promise<PublicOrder> {
    if (!orderId.startsWith(accountPrefix(this.accountId))) throw notFound();
    const order = await this.orders.read(orderId);
    if (!order || order.accountId !== this.accountId) throw notFound();
    return present(await this.settle(order, check && this.mayCheck(orderId, now), now));
  }

  /** Newest first. Pending orders old enough to doubt are checked with Alipay on the way. */
  async list(limit: number, startId: string | undefined, now: number): Promise<{ data: PublicOrder[]; cursor?: string }> {
    if (startId !== undefined && !startId.startsWith(accountPrefix(this.accountId)))
      throw new AppError('BadRequest', '"cursor" must be the cursor the previous list returned.');
    const { orders, next } = await this.orders.list(this.accountId, limit, startId);
    let checks = 0;
    const settled = await Promise.all(orders.map((o) => (this.isDoubtful(o, now) && checks++ < MAX_CHECKS_PER_LIST ? this.settle(o, false, now) : o)));
    return { data: settled.map(present), ...(next ? { cursor: encodeCursor(next) } : {}) };
  }

  private isDoubtful(order: Order, now: number): boolean {
    return order.status === 'WAIT_BUYER_PAY' && now - order.createdAt >= this.config.checkAfterSeconds * 1000;
  }

  private mayCheck(orderId: string, now: number): boolean {
    if (now - (lastChecked.get(orderId) ?? 0) < CHECK_INTERVAL_MS) return false;
    if (lastChecked.size >= 1000) lastChecked.delete(lastChecked.keys().next().value as string);
    lastChecked.set(orderId, now);
    return true;
  }

  /**
   * A pending order that is old enough to doubt (or that the client asks about after the cashier
   * said it paid) is checked with alipay.trade.query, and what Alipay says is stored. If Alipay
   * can't answer, the order is shown as stored: a read never fails for Alipay's sake.
   */
  private async settle(order: Order, force: boolean, now: number): Promise<Order> {
    if (order.status !== 'WAIT_BUYER_PAY' || !(force || this.isDoubtful(order, now))) return order;
    try {
      const view = await new Trades(this.config.alipay, this.deadline).query(order.orderId);
      const overdue = now - order.createdAt >= this.config.closeAfterSeconds * 1000;
      // No trade at Alipay: its creation failed; once overdue, nothing can pay it any more.
      const change = view ? changeOf(view, now) : overdue ? { status: 'CLOSED' as const, at: now } : undefined;
      return change ? (await this.orders.advance(order.orderId, change, order)).order : order;
    } catch (e) {
      if (e instanceof AppError && (e.code === 'Unavailable' || e.code === 'UpstreamError' || e.code === 'NotConfigured')) return order;
      throw e;
    }
  }

  /** The buyer's Alipay id for the trade: open_id where Alipay gave one (apps on the open_id scheme), else user_id. */
  private async buyer(): Promise<Buyer> {
    const { row } = await this.ots.call((c) =>
      c.getRow({ tableName: this.config.ots.accountsTable, primaryKey: accountKey(this.accountId), maxVersions: 1, columnsToGet: ['userId', 'openId'] }),
    );
    const cols = columnsOf(row);
    const buyer: Buyer = {
      openId: typeof cols?.openId === 'string' ? cols.openId : undefined,
      userId: typeof cols?.userId === 'string' ? cols.userId : undefined,
    };
    if (!buyer.openId && !buyer.userId) throw new AppError('Internal', 'The account has no Alipay id.');
    return buyer;
  }
}
