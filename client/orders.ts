import { ClientError } from './errors';
import type { Order, OrderPage, Product } from './types';

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isOptionalText = (v: unknown): boolean => v === undefined || isText(v);
const STATUSES = ['WAIT_BUYER_PAY', 'PAID', 'CLOSED', 'REFUNDED'];

export const isProduct = (v: unknown): v is Product => isRecord(v) && isText(v.sku) && isText(v.title) && isText(v.amount);

/** An order as the pay function answers it: what the app reads and shows, with a status it knows how to handle. */
export function isOrder(v: unknown): v is Order {
  if (!isProduct(v)) return false;
  const { orderId, status, createdAt, tradeNo, paidAt, closedAt, refundedAt } = v as unknown as Record<string, unknown>;
  return isText(orderId) && STATUSES.includes(status as string) && isText(createdAt) && [tradeNo, paidAt, closedAt, refundedAt].every(isOptionalText);
}

const bad = (what: string) => new ClientError('BadResponse', `${what} answer is not the expected shape`);

export function readProducts(data: unknown): Product[] {
  if (!Array.isArray(data) || !data.every(isProduct)) throw bad('catalog');
  return data;
}

export function readOrder(data: unknown, what = 'order'): Order {
  if (!isOrder(data)) throw bad(what);
  return data;
}

/** `{"data": Order[], "cursor"?}`: the pay function's list, as `OrderPage`. */
export function readOrderPage(answer: any): OrderPage {
  const { data, cursor } = answer ?? {};
  if (!Array.isArray(data) || !data.every(isOrder) || !(cursor == null || isText(cursor))) throw bad('orders');
  return { data, cursor: cursor ?? null };
}
