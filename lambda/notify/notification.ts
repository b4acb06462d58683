import { AlipaySdk } from 'alipay-sdk';
import { ORDER_ID, amountFen } from '../shared/orders';
import { type TradeView, beijingTime } from '../shared/trade';

/** Why a notification was refused; the log line carries it. */
export type Refusal = 'malformed' | 'signature' | 'app_id' | 'unknown_order' | 'amount' | 'trade_no';

/** A notification Alipay signed, reduced to what the order needs. */
export interface Notification extends TradeView {
  orderId: string;
  tradeNo: string;
  /** total_amount in fen. */
  amountFen: number;
}

export class Refused extends Error {
  constructor(readonly reason: Refusal) {
    super(reason);
  }
}

let verifier: AlipaySdk | undefined;

/**
 * alipay-sdk's checkNotifySignV2 verifies Alipay's RSA2 signature over the values exactly as
 * received (checkNotifySign's decoding mangled `+` and `%`: alipay-sdk-nodejs-all #45). The SDK's
 * constructor demands a private key even to verify; this function never signs and holds none, so
 * it gets a placeholder that could sign nothing.
 */
function sdk(appId: string, alipayPublicKey: string): AlipaySdk {
  verifier ??= new AlipaySdk({ appId, privateKey: 'notify-verifies-only', alipayPublicKey, signType: 'RSA2' });
  return verifier;
}

/**
 * Parses Alipay's form-encoded notification and checks that Alipay sent it, for this app: the
 * signature first (nothing unsigned is even looked at), then app_id. What it says about the order
 * (amount, trade) is checked against the stored order by the caller.
 */
export function verifiedNotification(body: Buffer, appId: string, alipayPublicKey: string): Notification {
  const form = new URLSearchParams(body.toString('utf8'));
  // No prototype: a `__proto__` field is then a field like any other, covered by the signature
  // (on a plain object the assignment would set nothing, and an unsigned field would slip through).
  const params: Record<string, string> = Object.create(null);
  for (const [k, v] of form) {
    // A repeated field makes "the" value ambiguous; Alipay never sends one.
    if (Object.hasOwn(params, k)) throw new Refused('malformed');
    params[k] = v;
  }
  if (!params.sign || !alipayPublicKey) throw new Refused('signature');
  let authentic: boolean;
  try {
    authentic = sdk(appId, alipayPublicKey).checkNotifySignV2(params);
  } catch {
    authentic = false; // a signature that is not even well-formed
  }
  if (!authentic) throw new Refused('signature');
  if (params.app_id !== appId) throw new Refused('app_id');
  const fen = amountFen(params.total_amount ?? '');
  if (!ORDER_ID.test(params.out_trade_no ?? '') || !params.trade_no || fen === undefined || !params.trade_status) throw new Refused('malformed');
  const refunded = params.trade_status === 'TRADE_CLOSED' && (params.gmt_refund !== undefined || Number(params.refund_fee ?? 0) > 0);
  return {
    orderId: params.out_trade_no,
    tradeNo: params.trade_no,
    amountFen: fen,
    tradeStatus: params.trade_status,
    paidAt: beijingTime(params.gmt_payment),
    refunded,
  };
}
