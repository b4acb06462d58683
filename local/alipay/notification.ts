import { randomInt } from 'node:crypto';
import { beijingTime } from './oauth';
import { rsa2Sign } from './signing';
import type { Trade } from './trades';

/**
 * The asynchronous notification (notify_type=trade_status_sync) Alipay POSTs to a trade's
 * notify_url, as form fields. Field names follow Alipay's documented trigger example
 * (seasidecrab.com/cq/985.html quotes it: notify_time, notify_type, notify_id, app_id, charset,
 * version, sign_type, sign, trade_no, out_trade_no, buyer_id, seller_id, trade_status,
 * total_amount, receipt_amount, buyer_pay_amount, subject, gmt_create, gmt_payment, gmt_refund,
 * gmt_close, refund_fee). A full refund is told as TRADE_CLOSED with refund_fee and gmt_refund,
 * which is how a receiver tells it from an unpaid trade's close (developer.aliyun.com/ask/285129).
 * Times are Beijing time `yyyy-MM-dd HH:mm:ss`.
 */
export interface NotificationContext {
  appId: string;
  /** The merchant's own 2088… id (seller_id). */
  sellerId: string;
  /** The same for every attempt of one notification: Alipay voids it only once `success` is answered. */
  notifyId: string;
  /** Epoch ms of this attempt (notify_time): each attempt is signed afresh. */
  notifyTime: number;
}

/** The notification's fields for this trade as it is now, without `sign`. */
export function tradeNotificationParams(trade: Trade, ctx: NotificationContext): Record<string, string> {
  const params: Record<string, string> = {
    notify_time: beijingTime(ctx.notifyTime),
    notify_type: 'trade_status_sync',
    notify_id: ctx.notifyId,
    app_id: ctx.appId,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    // buyer_id for a 2088… buyer, buyer_open_id for an open_id app (the ids the trade was made with).
    [trade.buyer.field]: trade.buyer.id,
    seller_id: ctx.sellerId,
    trade_status: trade.status,
    total_amount: trade.totalAmount,
    subject: trade.subject,
    gmt_create: beijingTime(trade.createdAt),
  };
  if (trade.paidAt !== undefined) {
    // Nothing is discounted locally: the buyer paid, and the merchant received, the whole amount.
    params.receipt_amount = trade.totalAmount;
    params.buyer_pay_amount = trade.totalAmount;
    params.gmt_payment = beijingTime(trade.paidAt);
  }
  if (trade.refundedAt !== undefined && trade.refundFee !== undefined) {
    params.refund_fee = trade.refundFee;
    params.gmt_refund = beijingTime(trade.refundedAt);
  }
  if (trade.status === 'TRADE_CLOSED' && trade.closedAt !== undefined) params.gmt_close = beijingTime(trade.closedAt);
  return params;
}

/**
 * What Alipay signs in a notification, and what a receiver (alipay-sdk `checkNotifySignV2`)
 * verifies: every field except `sign` and `sign_type`, sorted by name, `k=v` joined by `&`,
 * values as sent (not URL-encoded).
 */
export function notificationSignContent(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/**
 * The form body (application/x-www-form-urlencoded) of a notification with these fields, signed
 * RSA2 with the gateway's ("Alipay's") private key. Exported so tests can craft forged or
 * tampered notifications: sign, then change the body.
 */
export function signedNotification(params: Record<string, string>, gatewayPrivateKeyPem: string): string {
  const fields: Record<string, string> = { ...params, sign: rsa2Sign(notificationSignContent(params), gatewayPrivateKeyPem) };
  // encodeURIComponent (space as %20) rather than URLSearchParams' `+`: both decode the same.
  return Object.entries(fields)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

/** A notify_id like real ones: 34 digits starting with the Beijing date (2023120701222091537015131441225493). */
export function newNotifyId(now: number): string {
  let rest = '';
  while (rest.length < 26) rest += String(randomInt(0, 1_000_000_000)).padStart(9, '0');
  return `${beijingTime(now).slice(0, 10).replace(/-/g, '')}${rest.slice(0, 26)}`;
}
