import { ClientError } from './errors';
import type { TradePay } from './types';

/** The part of the Alipay `my` object `tradePayFromMy` uses. */
export interface MyTradePayLike {
  tradePay(options: {
    tradeNO: string;
    success(res: { resultCode?: string | number; memo?: string; result?: string }): void;
    fail(err: { error?: number; errorMessage?: string }): void;
  }): unknown;
}

/**
 * For the Alipay mini-program: `client.pay(sku, tradePayFromMy(my))`. Every cashier outcome,
 * cancelling included (`6001`), arrives in `success` with a `resultCode`; `fail` means the cashier
 * did not run (bad arguments, an unsupported base library), and becomes a `TradePayFailed` rejection.
 */
export function tradePayFromMy(my: MyTradePayLike): TradePay {
  return ({ tradeNO }) =>
    new Promise((resolve, reject) => {
      my.tradePay({
        tradeNO,
        // Some base libraries report the code as a number: the client compares strings.
        success: (res) => resolve({ resultCode: String(res?.resultCode ?? '') }),
        fail: (err) => reject(new ClientError('TradePayFailed', `my.tradePay failed: ${err?.errorMessage ?? 'unknown'} (${err?.error ?? '?'})`)),
      });
    });
}
