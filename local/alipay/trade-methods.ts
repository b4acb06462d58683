import { tradeErrors } from './errors';
import { beijingTime, type MethodResult } from './oauth';
import { parseCreateTrade, parseTradeRef } from './trade-request';
import type { Trade, TradeStore } from './trades';

/** Sends a trade's asynchronous notification (trade_status_sync) to a notify_url. */
export type NotifyTrade = (trade: Trade, notifyUrl: string) => void;

/** Trade API answers carry the gateway's success code, unlike alipay.system.oauth.token's. */
const SUCCESS = { code: '10000', msg: 'Success' };

/**
 * alipay.trade.create / query / close, answered as the trade APIs document them
 * (docs.open.alipay.com/api_1/alipay.trade.create, …query, …close). Business failures are
 * 40004 answers that the gateway puts inside the method's own response key.
 */
export function tradeMethods(store: TradeStore, notify: NotifyTrade): Record<string, (params: Record<string, string>) => MethodResult> {
  return {
    'alipay.trade.create': (params) => {
      const request = parseCreateTrade(params);
      if (!request.ok) return request;
      const outcome = store.create(request.value);
      if (!outcome.ok) return outcome;
      return { ok: true, value: { ...SUCCESS, out_trade_no: outcome.trade.outTradeNo, trade_no: outcome.trade.tradeNo } };
    },

    'alipay.trade.query': (params) => {
      const request = parseTradeRef(params);
      if (!request.ok) return request;
      const trade = store.find(request.value.ref);
      if (!trade) return { ok: false, error: tradeErrors.tradeNotExist() };
      return { ok: true, value: queryAnswer(trade) };
    },

    /**
     * Only an unpaid trade closes. A close notification goes out only when the close request
     * itself carried notify_url: the close API's notify_url is where "支付宝服务器主动通知"
     * for this call, and its documented notification is tradeStatus.TRADE_CLOSED.
     */
    'alipay.trade.close': (params) => {
      const request = parseTradeRef(params);
      if (!request.ok) return request;
      const trade = store.find(request.value.ref);
      if (!trade) return { ok: false, error: tradeErrors.tradeNotExist() };
      const outcome = store.close(trade);
      if (!outcome.ok) return { ok: false, error: tradeErrors.tradeStatusError() };
      if (request.value.notifyUrl) notify(outcome.trade, request.value.notifyUrl);
      return { ok: true, value: { ...SUCCESS, trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo } };
    },
  };
}

/**
 * alipay.trade.query's answer: the buyer as `buyer_user_id` (2088…) or `buyer_open_id`, the
 * amounts in yuan as strings, and `send_pay_date` once paid (a captured answer:
 * `"send_pay_date":"2017-09-17 01:36:59","total_amount":"0.01","trade_status":"TRADE_SUCCESS"`).
 */
export function queryAnswer(trade: Trade): Record<string, unknown> {
  const buyer = trade.buyer.field === 'buyer_id' ? { buyer_user_id: trade.buyer.id } : { buyer_open_id: trade.buyer.id };
  const paid =
    trade.paidAt === undefined ? {} : { buyer_pay_amount: trade.totalAmount, receipt_amount: trade.totalAmount, send_pay_date: beijingTime(trade.paidAt) };
  return {
    ...SUCCESS,
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    ...buyer,
    trade_status: trade.status,
    total_amount: trade.totalAmount,
    ...paid,
  };
}
