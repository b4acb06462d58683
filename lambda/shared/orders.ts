import { randomBytes } from 'node:crypto';
import { AppError } from './errors';
import { OtsSession, TableStore, columnsOf, int64, isConditionFailed, toNumber } from './ots';

/**
 * An order's life. Statuses only move up this ranking, so a late, duplicated or reordered
 * notification can never move an order back: WAIT_BUYER_PAY → CLOSED (closed unpaid) → PAID
 * (Alipay took the money: it outranks a close, since a verified payment is a fact) → REFUNDED.
 */
const STATUS_RANK = { WAIT_BUYER_PAY: 0, CLOSED: 1, PAID: 2, REFUNDED: 3 } as const;
export type OrderStatus = keyof typeof STATUS_RANK;
/** The column each status after the first stamps with its time. */
const STAMP: Record<Exclude<OrderStatus, 'WAIT_BUYER_PAY'>, 'closedAt' | 'paidAt' | 'refundedAt'> = {
  CLOSED: 'closedAt',
  PAID: 'paidAt',
  REFUNDED: 'refundedAt',
};

export interface Order {
  orderId: string;
  accountId: string;
  sku: string;
  title: string;
  /** Yuan, two decimals, from the catalog at creation ("9.90"). */
  amount: string;
  status: OrderStatus;
  tradeNo?: string;
  createdAt: number;
  paidAt?: number;
  closedAt?: number;
  refundedAt?: number;
}

/** An order as clients see it: times in ISO 8601, the owner left out (it is the caller). */
export interface PublicOrder {
  orderId: string;
  sku: string;
  title: string;
  amount: string;
  status: OrderStatus;
  tradeNo?: string;
  createdAt: string;
  paidAt?: string;
  closedAt?: string;
  refundedAt?: string;
}

export function present(o: Order): PublicOrder {
  const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  const out: PublicOrder = { orderId: o.orderId, sku: o.sku, title: o.title, amount: o.amount, status: o.status, createdAt: iso(o.createdAt)! };
  if (o.tradeNo) out.tradeNo = o.tradeNo;
  for (const k of ['paidAt', 'closedAt', 'refundedAt'] as const) if (o[k] !== undefined) out[k] = iso(o[k]);
  return out;
}

/** A status change Alipay vouched for (a notification, a query or a close), with when it happened. */
export interface Change {
  status: Exclude<OrderStatus, 'WAIT_BUYER_PAY'>;
  at: number;
  tradeNo?: string;
}

const ACCOUNT_ID = /^acc_[A-Za-z0-9_-]{22}$/;
/** `<account hex>_<created, base36 ms>_<random hex>`: 53 characters of Alipay's out_trade_no alphabet ([A-Za-z0-9_], at most 64). */
export const ORDER_ID = /^[0-9a-f]{32}_[0-9a-z]{9}_[0-9a-f]{10}$/;
const PENDING = 'pending_';

/**
 * The key prefix of one account's orders: the account id's 128 random bits in hex, since
 * out_trade_no allows only letters, digits and `_` (an account id holds `-`).
 */
export function accountPrefix(accountId: string): string {
  if (!ACCOUNT_ID.test(accountId)) throw new AppError('Internal', 'The session names no account.');
  return `${Buffer.from(accountId.slice(4), 'base64url').toString('hex')}_`;
}

/** A new order id, which is also the trade's out_trade_no. Ids of one account sort by creation time. */
export const newOrderId = (accountId: string, now: number): string =>
  `${accountPrefix(accountId)}${now.toString(36).padStart(9, '0')}_${randomBytes(5).toString('hex')}`;

const { EXPECT_EXIST, EXPECT_NOT_EXIST, IGNORE } = TableStore.RowExistenceExpectation;
const key = (orderId: string) => [{ orderId }];
const statusIs = (status: OrderStatus) =>
  new TableStore.Condition(EXPECT_EXIST, new TableStore.SingleColumnCondition('status', status, TableStore.ComparatorType.EQUAL, false));
/** Conditional writes that lose to another writer of the same order re-read it and try again, at most this often. */
const MAX_RACES = 5;

/**
 * The orders table. Each order is one row keyed by its id; while it waits for payment a second row
 * `pending_<orderId>` lists it for the reconcile timer, which is the only reader of those rows and
 * removes each once its order has settled.
 */
export class OrderStore {
  constructor(
    private readonly ots: OtsSession,
    private readonly table: string,
  ) {}

  /** Writes a new order and its pending row at once; a retried write that finds its own row succeeds. */
  async create(order: Order): Promise<void> {
    const columns = [
      { accountId: order.accountId },
      { sku: order.sku },
      { title: order.title },
      { amount: order.amount },
      { status: order.status },
      { createdAt: int64(order.createdAt) },
    ];
    let attempts = 0;
    await Promise.all([
      this.ots
        .call((c) => {
          attempts++;
          return c.putRow({
            tableName: this.table,
            condition: new TableStore.Condition(EXPECT_NOT_EXIST, null),
            primaryKey: key(order.orderId),
            attributeColumns: columns,
          });
        })
        .catch((e) => {
          // The id holds 40 random bits per account and millisecond: an existing row found by a
          // retry is the first attempt's, landed with its answer lost.
          if (!(isConditionFailed(e) && attempts > 1)) throw e;
        }),
      this.ots.call((c) =>
        c.putRow({
          tableName: this.table,
          condition: new TableStore.Condition(IGNORE, null),
          primaryKey: key(PENDING + order.orderId),
          attributeColumns: [{ createdAt: int64(order.createdAt) }],
        }),
      ),
    ]);
  }

  async read(orderId: string): Promise<Order | undefined> {
    const { row } = await this.ots.call((c) => c.getRow({ tableName: this.table, primaryKey: key(orderId), maxVersions: 1 }));
    return parseOrder(orderId, columnsOf(row));
  }

  /** Newest first, from `startId` (inclusive; the id a cursor holds) or the newest. */
  async list(accountId: string, limit: number, startId?: string): Promise<{ orders: Order[]; next?: string }> {
    const prefix = accountPrefix(accountId);
    const { rows, nextStartPrimaryKey } = await this.ots.call((c) =>
      c.getRange({
        tableName: this.table,
        direction: TableStore.Direction.BACKWARD,
        // "~" sorts after every character of an order id, so this starts above the account's newest.
        inclusiveStartPrimaryKey: key(startId ?? `${prefix}~`),
        exclusiveEndPrimaryKey: key(prefix),
        limit,
        maxVersions: 1,
      }),
    );
    const orders = rows.flatMap((r) => {
      const id = r.primaryKey.find((k) => k.name === 'orderId')?.value;
      const order = typeof id === 'string' ? parseOrder(id, columnsOf(r)) : undefined;
      return order && order.accountId === accountId ? [order] : [];
    });
    const next = nextStartPrimaryKey?.find((k) => k.name === 'orderId')?.value;
    return { orders, next: typeof next === 'string' && next.startsWith(prefix) ? next : undefined };
  }

  /** Records the trade Alipay created for the order (kept only if no notification recorded it first). */
  async setTradeNo(orderId: string, tradeNo: string): Promise<void> {
    await this.ots.call((c) =>
      c.updateRow({
        tableName: this.table,
        condition: new TableStore.Condition(EXPECT_EXIST, null),
        primaryKey: key(orderId),
        updateOfAttributeColumns: [{ PUT: [{ tradeNo }] }],
      }),
    );
  }

  /**
   * Applies a change if it moves the order forward; otherwise leaves it as it is. The write is
   * conditional on the status it was read with, so of concurrent changes exactly one lands, and
   * the others re-read and find nothing left to do. Resolves to the order as stored afterwards.
   */
  async advance(orderId: string, change: Change, known?: Order): Promise<{ order: Order; changed: boolean }> {
    let current = known;
    for (let race = 0; race < MAX_RACES; race++) {
      current ??= await this.read(orderId);
      if (!current) throw new AppError('NotFound', 'No such order.');
      if (STATUS_RANK[current.status] >= STATUS_RANK[change.status]) return { order: current, changed: false };
      const stamp = STAMP[change.status];
      const tradeNo = current.tradeNo ?? change.tradeNo;
      const put = [{ status: change.status }, { [stamp]: int64(change.at) }, ...(tradeNo ? [{ tradeNo }] : [])];
      try {
        await this.ots.call((c) =>
          c.updateRow({ tableName: this.table, condition: statusIs(current!.status), primaryKey: key(orderId), updateOfAttributeColumns: [{ PUT: put }] }),
        );
        return { order: { ...current, status: change.status, [stamp]: change.at, ...(tradeNo ? { tradeNo } : {}) }, changed: true };
      } catch (e) {
        if (!isConditionFailed(e)) throw e;
        current = undefined; // someone else changed it (or our own retried write landed): read again
      }
    }
    throw new AppError('Unavailable', 'The order kept changing; retry shortly.');
  }

  /** One page of pending rows, oldest id first: `{orderId, createdAt}` and where the next page starts. */
  async pending(limit: number, startAfter?: string): Promise<{ items: { orderId: string; createdAt: number }[]; next?: string }> {
    const { rows, nextStartPrimaryKey } = await this.ots.call((c) =>
      c.getRange({
        tableName: this.table,
        direction: TableStore.Direction.FORWARD,
        inclusiveStartPrimaryKey: key(startAfter ?? PENDING),
        exclusiveEndPrimaryKey: key(`${PENDING}~`),
        limit,
        maxVersions: 1,
      }),
    );
    const items = rows.flatMap((r) => {
      const id = r.primaryKey.find((k) => k.name === 'orderId')?.value;
      const createdAt = columnsOf(r)?.createdAt;
      return typeof id === 'string' && id.startsWith(PENDING) && createdAt !== undefined
        ? [{ orderId: id.slice(PENDING.length), createdAt: toNumber(createdAt) }]
        : [];
    });
    const next = nextStartPrimaryKey?.find((k) => k.name === 'orderId')?.value;
    return { items, next: typeof next === 'string' ? next : undefined };
  }

  /** Removes an order from the reconcile timer's list (its order has settled). */
  async dropPending(orderId: string): Promise<void> {
    await this.ots.call((c) => c.deleteRow({ tableName: this.table, condition: new TableStore.Condition(IGNORE, null), primaryKey: key(PENDING + orderId) }));
  }
}

const isStatus = (v: unknown): v is OrderStatus => typeof v === 'string' && Object.hasOwn(STATUS_RANK, v);

function parseOrder(orderId: string, cols: Record<string, unknown> | undefined): Order | undefined {
  if (!cols || typeof cols.accountId !== 'string' || !isStatus(cols.status)) return undefined;
  const order: Order = {
    orderId,
    accountId: cols.accountId,
    sku: String(cols.sku),
    title: String(cols.title),
    amount: String(cols.amount),
    status: cols.status,
    createdAt: toNumber(cols.createdAt),
  };
  if (typeof cols.tradeNo === 'string') order.tradeNo = cols.tradeNo;
  for (const k of ['paidAt', 'closedAt', 'refundedAt'] as const) if (cols[k] !== undefined) order[k] = toNumber(cols[k]);
  return order;
}

/** Yuan text ("9.90", "9.9", "10") as whole fen, exactly (no floating point); undefined when it is not an amount. */
export function amountFen(amount: string): number | undefined {
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(amount);
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : undefined;
}
