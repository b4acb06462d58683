import { AppError } from './errors';
import { type AlipayConfig, alipaySdk } from './alipay-sdk';
import type { Change, Order } from './orders';
import { withRetry } from './retry';

/** What Alipay says about a trade (alipay.trade.query, or a notification). */
export interface TradeView {
  tradeStatus: string;
  tradeNo?: string;
  /** Set once the buyer paid (query's send_pay_date, a notification's gmt_payment). */
  paidAt?: number;
  /** A notification's refund time or fee, or a paid trade that is now closed: money went back. */
  refunded?: boolean;
}

export interface Buyer {
  openId?: string;
  userId?: string;
}

interface Answer {
  code?: string;
  msg?: string;
  subCode?: string;
  tradeNo?: string;
  tradeStatus?: string;
  sendPayDate?: string;
}

/** A `YYYY-MM-DD HH:mm:ss` Beijing time from Alipay as epoch ms (undefined when absent or malformed). */
export function beijingTime(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(text)) return undefined;
  const t = Date.parse(`${text.replace(' ', 'T')}+08:00`);
  return Number.isFinite(t) ? t : undefined;
}

/** The change a trade's state makes to an order, if any. */
export function changeOf(view: TradeView, now: number): Change | undefined {
  switch (view.tradeStatus) {
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED':
      return { status: 'PAID', at: view.paidAt ?? now, tradeNo: view.tradeNo };
    case 'TRADE_CLOSED':
      return { status: view.refunded ? 'REFUNDED' : 'CLOSED', at: now, tradeNo: view.tradeNo };
    default:
      return undefined;
  }
}

/**
 * The Alipay trade calls of payments. Answers are always verified (validateSign), so payments
 * need the AlipayPublicKey parameter: without it they are NotConfigured rather than trusting
 * an unverifiable "paid".
 */
export class Trades {
  constructor(
    private readonly config: AlipayConfig,
    private readonly deadline: number,
  ) {
    if (!config.alipayPublicKey)
      throw new AppError('NotConfigured', "Payments are off: the deployment has no AlipayPublicKey, so Alipay's answers can't be verified.");
  }

  /**
   * alipay.trade.create for a mini-program (JSAPI_PAY): the catalog's amount, the buyer's Alipay id,
   * and the stack's notify URL. Alipay answers a repeat of the same out_trade_no and content with the
   * same trade, so a retry after a lost answer is safe. Resolves to the trade_no for my.tradePay.
   */
  async create(order: Order, buyer: Buyer, notifyUrl: string, timeoutMinutes: number): Promise<string> {
    const bizContent = {
      out_trade_no: order.orderId,
      total_amount: order.amount,
      subject: order.title,
      product_code: 'JSAPI_PAY',
      // Alipay closes the trade itself after this; the reconcile timer closes the order at the same age.
      timeout_express: `${timeoutMinutes}m`,
      ...(buyer.openId ? { buyer_open_id: buyer.openId } : { buyer_id: buyer.userId }),
    };
    const answer = await this.exec('alipay.trade.create', { bizContent, notify_url: notifyUrl });
    if (answer.code === '10000' && typeof answer.tradeNo === 'string') return answer.tradeNo;
    throw refused(answer);
  }

  /** alipay.trade.query by out_trade_no; undefined when Alipay has no such trade. */
  async query(orderId: string): Promise<TradeView | undefined> {
    const answer = await this.exec('alipay.trade.query', { bizContent: { out_trade_no: orderId } });
    if (answer.code === '10000' && typeof answer.tradeStatus === 'string') {
      const paidAt = beijingTime(answer.sendPayDate);
      // A closed trade that had been paid was refunded in full.
      return { tradeStatus: answer.tradeStatus, tradeNo: answer.tradeNo, paidAt, refunded: answer.tradeStatus === 'TRADE_CLOSED' && paidAt !== undefined };
    }
    if (answer.subCode === 'ACQ.TRADE_NOT_EXIST') return undefined;
    throw refused(answer);
  }

  /**
   * alipay.trade.close: 'closed' (now or already unpayable: Alipay never had it), or 'paid-meanwhile'
   * when Alipay refuses because the buyer paid (the caller then queries).
   */
  async close(orderId: string): Promise<'closed' | 'paid-meanwhile'> {
    const answer = await this.exec('alipay.trade.close', { bizContent: { out_trade_no: orderId } });
    if (answer.code === '10000' || answer.subCode === 'ACQ.TRADE_NOT_EXIST') return 'closed';
    if (answer.subCode === 'ACQ.TRADE_STATUS_ERROR') return 'paid-meanwhile';
    throw refused(answer);
  }

  /** One verified call, retried once when Alipay could not be reached (every call here is idempotent). */
  private async exec(method: string, params: Record<string, unknown>): Promise<Answer> {
    try {
      return (await withRetry(() => alipaySdk(this.config).exec(method, params, { validateSign: true }), {
        deadline: this.deadline - this.config.timeoutMs,
        isTransient: unreachable,
        maxAttempts: 2,
      })) as Answer;
    } catch (e) {
      if (unreachable(e)) throw new AppError('Unavailable', 'Alipay could not be reached; retry shortly.');
      throw new AppError('UpstreamError', 'Alipay gave an answer that could not be verified; retry shortly.');
    }
  }
}

/**
 * alipay-sdk's words for a request that got no answer (it sets the error's name from a minified class, so only the message is reliable):
 * "HttpClient Request error" or "HTTP 请求错误, status: 5xx", the Chinese escaped so the bundle stays ASCII (lib/code-cache.ts).
 */
const unreachable = (e: unknown): boolean => /^HttpClient Request error|HTTP \u8bf7\u6c42\u9519\u8bef, status: 5/.test((e as Error)?.message ?? '');

/** Alipay answered, verifiably, that it will not do it: unlike an unreachable or unverifiable answer, nothing happened there. */
export class TradeRefused extends AppError {
  constructor(answer: Answer) {
    super('UpstreamError', `Alipay refused the payment request (${answer.subCode ?? answer.code ?? 'no code'}).`);
  }
}

/**
 * Code 20000 is Alipay's "service unavailable, try again": nothing is known about the trade, so it
 * is Unavailable, not a refusal. Every other code (40004 business failure, 4000x bad request or
 * permission) is a definite no.
 */
const refused = (answer: Answer): AppError =>
  answer.code === '20000' ? new AppError('Unavailable', 'Alipay is busy; retry shortly.') : new TradeRefused(answer);
