import { badRequest } from '../shared/errors';
import { parseInvokeEvent } from '../shared/event';
import { ORDER_ID } from '../shared/orders';

export const MAX_EVENT_BYTES = 4 * 1024;
export const MAX_LIST_LIMIT = 100;
const DEFAULT_LIST_LIMIT = 20;
const SKU = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export type PayRequest =
  | { sid: string; op: 'catalog' }
  | { sid: string; op: 'create'; sku: string }
  | { sid: string; op: 'get'; orderId: string; check: boolean }
  | { sid: string; op: 'list'; limit: number; startId?: string };

const FIELDS: Record<PayRequest['op'], string[]> = {
  catalog: [],
  create: ['sku'],
  get: ['orderId', 'check'],
  list: ['limit', 'cursor'],
};

/** Parses and checks an invoke event completely before anything is read or written. */
export function parsePayRequest(event: Buffer | string): PayRequest {
  const input = parseInvokeEvent(event, MAX_EVENT_BYTES, '{"sid", "op", ...}');
  const { sid, op } = input;
  if (typeof op !== 'string' || !Object.hasOwn(FIELDS, op)) throw badRequest('"op" must be one of "catalog", "create", "get", "list".');
  const allowed = FIELDS[op as PayRequest['op']];
  const extra = Object.keys(input).filter((k) => k !== 'sid' && k !== 'op' && !allowed.includes(k));
  if (extra.length > 0) {
    const hint = op === 'create' ? ' The price and title come from the catalog, never from the client.' : '';
    throw badRequest(`"${op}" takes no ${extra.map((k) => JSON.stringify(k.slice(0, 32))).join(', ')}.${hint}`);
  }
  switch (op) {
    case 'catalog':
      return { sid, op };
    case 'create':
      if (typeof input.sku !== 'string' || !SKU.test(input.sku)) throw badRequest('"sku" must be the sku of a catalog product.');
      return { sid, op, sku: input.sku };
    case 'get':
      if (typeof input.orderId !== 'string' || input.orderId.length > 64) throw badRequest('"orderId" must be the orderId create returned.');
      if (input.check !== undefined && typeof input.check !== 'boolean') throw badRequest('"check" must be true or false.');
      return { sid, op, orderId: input.orderId, check: input.check === true };
    default:
      return { sid, op: 'list', limit: parseLimit(input.limit), startId: parseCursor(input.cursor) };
  }
}

function parseLimit(v: unknown): number {
  if (v === undefined || v === null) return DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > MAX_LIST_LIMIT)
    throw badRequest(`"limit" must be a whole number from 1 to ${MAX_LIST_LIMIT}.`);
  return v as number;
}

/** A cursor is the next order id to read, base64url-wrapped so clients treat it as opaque. */
export const encodeCursor = (orderId: string): string => Buffer.from(orderId).toString('base64url');

function parseCursor(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const id = typeof v === 'string' && v.length <= 128 ? Buffer.from(v, 'base64url').toString('latin1') : '';
  if (!ORDER_ID.test(id)) throw badRequest('"cursor" must be the cursor the previous list returned.');
  return id;
}
