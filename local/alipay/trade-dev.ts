import { cashierErrorPage, cashierPage, type CashierPage } from './cashier';
import { parsePayRequest, parseRefundRequest } from './dev';
import { TRADE_NO_PATTERN } from './trade-request';
import type { NotifyTrade } from './trade-methods';
import type { TradeStore } from './trades';

/** An answer of a payments dev endpoint; `outcome` is for the log line. */
export type DevAnswer = { status: number; json: unknown; outcome: string } | { status: number; page: CashierPage; outcome: string };

/**
 * my.tradePay's resultCode (Alipay mini-program docs): 9000 paid, 6001 the buyer left the
 * cashier, 4000 the payment failed (here: the trade is closed or already paid).
 */
export const RESULT_CODE = { paid: '9000', cancelled: '6001', failed: '4000' } as const;

const NO_TRADE = 'no trade with this tradeNo';

/**
 * The development stand-ins for what happens outside the merchant's server: the buyer in the
 * cashier (`/dev/pay`, `/dev/cashier`) and a refund (`/dev/refund`). A status change is stored
 * before it is answered, and the trade's notification then goes to the notify_url it was
 * created with (a trade created without one gets none, as with Alipay).
 */
export class TradeDevEndpoints {
  constructor(
    private readonly store: TradeStore,
    private readonly notify: NotifyTrade,
  ) {}

  /** `POST /dev/pay {"tradeNo","outcome"}` → `{"resultCode"}`. */
  pay(body: string): DevAnswer {
    const request = parsePayRequest(body);
    if (!request.ok) return { status: 400, json: { error: request.error }, outcome: 'bad-request' };
    const trade = this.store.find({ tradeNo: request.value.tradeNo });
    if (!trade) return { status: 404, json: { error: NO_TRADE }, outcome: 'not-found' };
    // A cashier cannot even open for a trade that is paid or closed: that is a failure, not a cancel.
    if (trade.status !== 'WAIT_BUYER_PAY') return this.resultCode('failed');
    if (request.value.outcome === 'cancelled') return this.resultCode('cancelled');
    const paid = this.store.pay(trade);
    if (!paid.ok) return this.resultCode('failed');
    if (paid.trade.notifyUrl) this.notify(paid.trade, paid.trade.notifyUrl);
    return this.resultCode('paid');
  }

  /** `POST /dev/refund {"tradeNo"}`: a full refund of a paid trade, which closes it. */
  refund(body: string): DevAnswer {
    const request = parseRefundRequest(body);
    if (!request.ok) return { status: 400, json: { error: request.error }, outcome: 'bad-request' };
    const trade = this.store.find({ tradeNo: request.value.tradeNo });
    if (!trade) return { status: 404, json: { error: NO_TRADE }, outcome: 'not-found' };
    const refunded = this.store.refund(trade);
    if (!refunded.ok) {
      return { status: 409, json: { error: `only a paid trade (TRADE_SUCCESS) can be refunded; this one is ${refunded.status}` }, outcome: 'not-refundable' };
    }
    if (refunded.trade.notifyUrl) this.notify(refunded.trade, refunded.trade.notifyUrl);
    return { status: 200, json: { tradeNo: trade.tradeNo, tradeStatus: refunded.trade.status, refundFee: refunded.trade.refundFee }, outcome: 'ok' };
  }

  /** `GET /dev/cashier?tradeNo=…`: the cashier page. */
  cashier(query: URLSearchParams, nonce: string): DevAnswer {
    const tradeNo = query.get('tradeNo') ?? '';
    if (!TRADE_NO_PATTERN.test(tradeNo))
      return { status: 400, page: cashierErrorPage(400, 'tradeNo must be a trade_no (16-64 digits)'), outcome: 'bad-request' };
    const trade = this.store.find({ tradeNo });
    if (!trade) return { status: 404, page: cashierErrorPage(404, NO_TRADE), outcome: 'not-found' };
    return { status: 200, page: cashierPage(trade, nonce), outcome: 'ok' };
  }

  private resultCode(result: keyof typeof RESULT_CODE): DevAnswer {
    return { status: 200, json: { resultCode: RESULT_CODE[result] }, outcome: result };
  }
}
