import { STATUS_CODES } from 'node:http';
import type { ErrorAnswer, Refusal as FrontRefusal } from '../http';

/**
 * Alipay OpenAPI v2 error answers (public error-code catalogue: 40001 missing argument,
 * 40002 invalid argument). They are sent as `error_response`, which is what the real gateway
 * returns for `alipay.system.oauth.token` (a captured production answer for a bad code is
 * `{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.code-invalid",
 * "sub_msg":"授权码code无效"},"sign":"..."}`).
 */
export interface AlipayErrorValue {
  code: string;
  msg: string;
  sub_code: string;
  sub_msg: string;
}

const missing = (sub_code: string, sub_msg: string): AlipayErrorValue => ({
  code: '40001',
  msg: 'Missing Required Arguments',
  sub_code,
  sub_msg,
});
const invalid = (sub_code: string, sub_msg: string): AlipayErrorValue => ({
  code: '40002',
  msg: 'Invalid Arguments',
  sub_code,
  sub_msg,
});

/** The gateway HTML-escapes the string it echoes back, as seen in real answers (`&amp;`). */
const htmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const alipayErrors = {
  missingAppId: () => missing('isv.missing-app-id', '缺少appId参数'),
  missingMethod: () => missing('isv.missing-method', '缺少方法名参数'),
  missingSignature: () => missing('isv.missing-signature', '缺少签名参数'),
  missingSignatureType: () => missing('isv.missing-signature-type', '缺少签名类型参数'),
  missingTimestamp: () => missing('isv.missing-timestamp', '缺少时间戳参数'),
  invalidAppId: () => invalid('isv.invalid-app-id', '无效的AppID参数'),
  invalidSignatureType: () => invalid('isv.invalid-signature-type', '无效的签名类型'),
  invalidTimestamp: () => invalid('isv.invalid-timestamp', '非法的时间戳参数'),
  invalidMethod: () => invalid('isv.invalid-method', '不存在的方法名'),
  // Real Alipay echoes the string it verified, request parameters included (so the auth code
  // too): callers must not log sub_msg verbatim.
  invalidSignature: (signContent: string) =>
    invalid('isv.invalid-signature', `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${htmlEscape(signContent)}`),
  grantTypeInvalid: () => invalid('isv.grant-type-invalid', 'grant_type参数不正确'),
  codeInvalid: () => invalid('isv.code-invalid', '授权码code无效'),
  refreshTokenInvalid: () => invalid('isv.refresh-token-invalid', '刷新令牌refresh_token无效'),
};

/**
 * Business failures of the trade APIs (alipay.trade.*): code 40004 "Business Failed" with an ACQ.*
 * sub_code, answered inside the method's own response key (`alipay_trade_create_response`), as in
 * captured production answers such as `{"alipay_trade_create_response":{"code":"40004","msg":
 * "Business Failed","sub_code":"ACQ.INVALID_PARAMETER","sub_msg":"参数无效:买家不能为空"},"sign":…}`
 * (cnblogs.com/JavaGoTray/p/18873048) and developer.aliyun.com/ask/140517. sub_msg wording: the
 * ACQ catalogue in github.com/Bishoptylaor/paypay (alipay/utils) and Alipay's English error table
 * for alipay.trade.* (open.alitrip.com/docs/doc.htm?articleId=104632).
 */
const business = (sub_code: string, sub_msg: string): AlipayErrorValue => ({ code: '40004', msg: 'Business Failed', sub_code, sub_msg });

export const tradeErrors = {
  /** Parameter problems; the gateway names the problem after "参数无效:" (e.g. 订单总金额格式错误, csdn 132824075). */
  invalidParameter: (what: string) => business('ACQ.INVALID_PARAMETER', `参数无效:${what}`),
  /** "订单金额不能小于等于0，且不能大于100000000元" (paypay's catalogue, "solution" column). */
  totalFeeExceed: () => business('ACQ.TOTAL_FEE_EXCEED', '订单总金额超过限额'),
  /** A product_code the app has not signed for ("请校验传入的product_code参数是否正确"). */
  accessForbidden: () => business('ACQ.ACCESS_FORBIDDEN', '无权限使用接口'),
  /** Same out_trade_no, different amount or subject ("交易关键信息…与已存交易的信息不一致"). */
  contextInconsistent: () => business('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改'),
  /** Same out_trade_no, different buyer ("The payment transaction exists but the buyer is different"). */
  buyerNotMatch: () => business('ACQ.TRADE_BUYER_NOT_MATCH', '交易买家不匹配'),
  tradeHasSuccess: () => business('ACQ.TRADE_HAS_SUCCESS', '交易已被支付'),
  /** "已经关闭（超时未支付或者已全额退款）": a fully refunded trade is closed too. */
  tradeHasClose: () => business('ACQ.TRADE_HAS_CLOSE', '交易已经关闭'),
  tradeNotExist: () => business('ACQ.TRADE_NOT_EXIST', '交易不存在'),
  /** alipay.trade.close on a trade that is not waiting for payment ("只有等待买家付款状态下才能发起交易关闭", apifox's close page). */
  tradeStatusError: () => business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法'),
  /**
   * The "unknown outcome" answer: code 20000 with aop.ACQ.SYSTEM_ERROR, after which the caller
   * must query the trade (developer.aliyun.com/ask/285430; 20000 "Service Currently Unavailable"
   * is the gateway's public code, open.alitrip.com articleId=105806).
   */
  systemError: (): AlipayErrorValue => ({ code: '20000', msg: 'Service Currently Unavailable', sub_code: 'aop.ACQ.SYSTEM_ERROR', sub_msg: '系统异常' }),
};

/**
 * The stock page of Alipay's front door (Tengine, which names itself in the pages it serves) for
 * what never reaches the gateway: an unknown path, and what the shared HTTP front (local/http.ts)
 * refuses. The gateway's own errors are `error_response` bodies, above.
 */
export function frontDoorPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  return `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>Tengine</center></body></html>`;
}

/** nginx's statuses (Tengine is nginx): oversized headers are its "400 Request Header Or Cookie Too Large". */
const REFUSAL_STATUS: Record<FrontRefusal['kind'], number> = {
  'body-too-large': 413,
  'headers-too-large': 400,
  malformed: 400,
  timeout: 408,
  internal: 500,
};

export function refusalAnswer(refusal: FrontRefusal): ErrorAnswer {
  const status = REFUSAL_STATUS[refusal.kind];
  return { status, code: `http-${status}`, headers: { 'content-type': 'text/html' }, body: frontDoorPage(status) };
}
