import { tradeErrors, type AlipayErrorValue } from './errors';
import { OPEN_ID_PATTERN, USER_ID_PATTERN } from './ids';

/**
 * The business parameters of alipay.trade.create / query / close, checked before any trade is
 * read or written. alipay-sdk 4.14 sends them as one JSON string, `biz_content`, in the form body
 * (snake-cased), while common parameters such as `notify_url` go in the query string; the gateway
 * merges both before this runs. Rules (docs.open.alipay.com/api_1/alipay.trade.create and the
 * mini-program copy at help.aliyun.com/document_detail/2978207):
 * - out_trade_no: 64 characters at most, letters, digits and underscore only;
 * - total_amount: yuan, "精确到小数点后两位，取值范围[0.01,100000000]";
 * - subject: String(256);
 * - the buyer: buyer_id (2088…) for older appIds, buyer_open_id for newer ones (ids.ts);
 * - product_code: JSAPI_PAY for mini-program payment;
 * - timeout_express: "取值范围：1m～15d。m-分钟，h-小时，d-天，1c-当天（…都在0点关闭）。该参数数值不接受
 *   小数点", default 15 days; for alipay.trade.create the clock starts when the trade is created
 *   (developer.aliyun.com/article/707654).
 * Which sub_code the real gateway gives a missing or over-long field is not documented; the
 * emulator answers ACQ.INVALID_PARAMETER "参数无效:<field>", the shape of the captured answers.
 */
export type TradeRequest<T> = { ok: true; value: T } | { ok: false; error: AlipayErrorValue };

export const OUT_TRADE_NO_PATTERN = /^[A-Za-z0-9_]{1,64}$/;
/** trade_no: "最短 16 位，最长 64 位" (alipay.trade.close docs); real ones are 28 digits. */
export const TRADE_NO_PATTERN = /^\d{16,64}$/;
export const MAX_SUBJECT_CHARS = 256;
/** Yuan in cents: [0.01, 100000000]. */
export const MIN_AMOUNT_CENTS = 1;
export const MAX_AMOUNT_CENTS = 100_000_000 * 100;
/** Digits, at most two decimals, no sign, no exponent, no leading zeros ("09.90"). */
const AMOUNT = /^(0|[1-9]\d*)(?:\.(\d{1,2}))?$/;
/** The only product a mini-program's server creates trades for. */
export const MINI_PROGRAM_PRODUCT = 'JSAPI_PAY';
/** timeout_express bounds and default, in minutes: 1m … 15d. */
export const MAX_TIMEOUT_MINUTES = 15 * 24 * 60;
const TIMEOUT_EXPRESS = /^([1-9]\d*)([mhd])$/;
const MINUTES_PER: Record<string, number> = { m: 1, h: 60, d: 24 * 60 };

/** How long an unpaid trade stays open: minutes, or until the next Beijing midnight ("1c"). */
export type TradeTimeout = { minutes: number } | { endOfDay: true };

export type BuyerField = 'buyer_id' | 'buyer_open_id';
export interface Buyer {
  /** Which id the trade was created with; query answers and notifications name it the same way. */
  field: BuyerField;
  id: string;
}

export interface CreateTradeRequest {
  outTradeNo: string;
  /** Normalized to two decimals ("9.9" → "9.90"), as Alipay echoes amounts. */
  totalAmount: string;
  amountCents: number;
  subject: string;
  buyer: Buyer;
  productCode?: string;
  /** The `notify_url` common parameter: where this trade's notifications go. */
  notifyUrl?: string;
  timeout: TradeTimeout;
}

/** query / close name a trade by trade_no or out_trade_no; "如果同时存在优先取trade_no". */
export type TradeRef = { tradeNo: string } | { outTradeNo: string };

const invalid = (what: string) => ({ ok: false as const, error: tradeErrors.invalidParameter(what) });

export function parseCreateTrade(params: Record<string, string>): TradeRequest<CreateTradeRequest> {
  const biz = bizContent(params);
  if (!biz) return invalid('biz_content');
  const { out_trade_no, total_amount, subject, buyer_id, buyer_open_id, product_code, timeout_express } = biz;
  if (typeof out_trade_no !== 'string' || !OUT_TRADE_NO_PATTERN.test(out_trade_no)) return invalid('out_trade_no');

  // JSON numbers are taken as written (0.01); a float such as 0.1+0.2 prints with more decimals and is refused.
  const amountText = typeof total_amount === 'number' ? String(total_amount) : total_amount;
  if (typeof amountText !== 'string') return invalid('订单总金额不能为空');
  const amount = AMOUNT.exec(amountText);
  if (!amount) return invalid('订单总金额格式错误');
  const amountCents = Number(amount[1]) * 100 + Number((amount[2] ?? '').padEnd(2, '0'));
  if (!(amountCents >= MIN_AMOUNT_CENTS && amountCents <= MAX_AMOUNT_CENTS)) return { ok: false, error: tradeErrors.totalFeeExceed() };

  if (typeof subject !== 'string' || subject.length === 0 || [...subject].length > MAX_SUBJECT_CHARS) return invalid('subject');

  if (buyer_id === undefined && buyer_open_id === undefined) return invalid('买家不能为空');
  if (buyer_id !== undefined && buyer_open_id !== undefined) return invalid('buyer_id和buyer_open_id不能同时传入');
  const buyer: Buyer = buyer_id !== undefined ? { field: 'buyer_id', id: buyer_id as string } : { field: 'buyer_open_id', id: buyer_open_id as string };
  const pattern = buyer.field === 'buyer_id' ? USER_ID_PATTERN : OPEN_ID_PATTERN;
  if (typeof buyer.id !== 'string' || !pattern.test(buyer.id)) return invalid(buyer.field);

  if (product_code !== undefined && product_code !== MINI_PROGRAM_PRODUCT) {
    return typeof product_code === 'string' ? { ok: false, error: tradeErrors.accessForbidden() } : invalid('product_code');
  }
  const timeout = parseTimeout(timeout_express);
  if (!timeout) return invalid('timeout_express');
  const notifyUrl = params.notify_url;
  if (notifyUrl !== undefined && !isNotifyUrl(notifyUrl)) return invalid('notify_url');
  return {
    ok: true,
    value: {
      outTradeNo: out_trade_no,
      totalAmount: formatCents(amountCents),
      amountCents,
      subject,
      buyer,
      ...(product_code !== undefined && { productCode: product_code }),
      ...(notifyUrl !== undefined && { notifyUrl }),
      timeout,
    },
  };
}

/** "90m", "2h", "15d" or "1c"; absent = the 15-day default; anything else (1.5h, 16d, 0m) is refused. */
function parseTimeout(value: unknown): TradeTimeout | undefined {
  if (value === undefined) return { minutes: MAX_TIMEOUT_MINUTES };
  if (value === '1c') return { endOfDay: true };
  const m = typeof value === 'string' ? TIMEOUT_EXPRESS.exec(value) : null;
  if (!m) return undefined;
  const minutes = Number(m[1]) * MINUTES_PER[m[2]!]!;
  return minutes <= MAX_TIMEOUT_MINUTES ? { minutes } : undefined;
}

/** The biz_content of alipay.trade.query / alipay.trade.close, plus close's `notify_url`. */
export function parseTradeRef(params: Record<string, string>): TradeRequest<{ ref: TradeRef; notifyUrl?: string }> {
  const biz = bizContent(params);
  if (!biz) return invalid('biz_content');
  const { trade_no, out_trade_no } = biz;
  const notifyUrl = params.notify_url;
  if (notifyUrl !== undefined && !isNotifyUrl(notifyUrl)) return invalid('notify_url');
  const extra = notifyUrl !== undefined ? { notifyUrl } : {};
  if (trade_no !== undefined) {
    if (typeof trade_no !== 'string' || !TRADE_NO_PATTERN.test(trade_no)) return invalid('trade_no');
    return { ok: true, value: { ref: { tradeNo: trade_no }, ...extra } };
  }
  if (out_trade_no !== undefined) {
    if (typeof out_trade_no !== 'string' || !OUT_TRADE_NO_PATTERN.test(out_trade_no)) return invalid('out_trade_no');
    return { ok: true, value: { ref: { outTradeNo: out_trade_no }, ...extra } };
  }
  return invalid('交易号和商户订单号不能同时为空');
}

/** Cents as Alipay writes yuan: "9.90", "100000000.00". */
export function formatCents(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** "notify_url String(256) … http/https路径" (common request parameters). */
function isNotifyUrl(url: string): boolean {
  if (url.length > 256) return false;
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function bizContent(params: Record<string, string>): Record<string, unknown> | undefined {
  if (params.biz_content === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(params.biz_content);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
