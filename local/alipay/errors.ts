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
const htmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

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
    invalid(
      'isv.invalid-signature',
      `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${htmlEscape(signContent)}`,
    ),
  grantTypeInvalid: () => invalid('isv.grant-type-invalid', 'grant_type参数不正确'),
  codeInvalid: () => invalid('isv.code-invalid', '授权码code无效'),
  refreshTokenInvalid: () => invalid('isv.refresh-token-invalid', '刷新令牌refresh_token无效'),
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
