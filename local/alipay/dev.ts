import { OPEN_ID_PATTERN, UNION_ID_PATTERN, USER_ID_PATTERN, type AlipayIds } from './ids';
import { MOBILE_PATTERN } from './phone';
import { TRADE_NO_PATTERN } from './trade-request';

/**
 * The bodies of the development endpoints that stand in for in-app APIs (`my.getAuthCode`,
 * `my.getPhoneNumber`), checked before anything is issued. Strict on purpose: a typo'd key
 * (`openid`) would otherwise log in a user without the id the developer meant to test. Messages
 * name the rule, never the value given.
 */
export type DevRequest<T> = { ok: true; value: T } | { ok: false; error: string };

const ID_RULES: Record<keyof AlipayIds, { pattern: RegExp; rule: string }> = {
  userId: { pattern: USER_ID_PATTERN, rule: '"2088" + 12 digits' },
  openId: { pattern: OPEN_ID_PATTERN, rule: '1-64 characters of [0-9A-Za-z_-]' },
  unionId: { pattern: UNION_ID_PATTERN, rule: '1-64 characters of [0-9A-Za-z_-]' },
};
const AUTH_CODE_SHAPE = 'body must be JSON {"userId"?, "openId"?, "unionId"?} with userId, openId or both';

/** `{"userId"}`, `{"openId"}` or both, each optionally with `"unionId"`. */
export function parseAuthCodeRequest(body: string): DevRequest<AlipayIds> {
  const fields = jsonObject(body);
  if (!fields) return { ok: false, error: AUTH_CODE_SHAPE };
  const ids: AlipayIds = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!Object.hasOwn(ID_RULES, key)) return { ok: false, error: `unknown key ${JSON.stringify(key.slice(0, 64))}: ${AUTH_CODE_SHAPE}` };
    const { pattern, rule } = ID_RULES[key as keyof AlipayIds];
    if (typeof value !== 'string' || !pattern.test(value)) return { ok: false, error: `${key} must be a string of ${rule}` };
    ids[key as keyof AlipayIds] = value;
  }
  // union_id is shared across a developer's apps and comes only beside the app's own id.
  if (ids.userId === undefined && ids.openId === undefined) return { ok: false, error: AUTH_CODE_SHAPE };
  return { ok: true, value: ids };
}

const PHONE_NUMBER_SHAPE = 'body must be JSON {"mobile": "1" + 10 digits}';

/** `{"mobile": "1xxxxxxxxxx"}`. */
export function parsePhoneNumberRequest(body: string): DevRequest<string> {
  const fields = jsonObject(body);
  if (!fields || Object.keys(fields).length !== 1 || typeof fields.mobile !== 'string' || !MOBILE_PATTERN.test(fields.mobile)) {
    return { ok: false, error: PHONE_NUMBER_SHAPE };
  }
  return { ok: true, value: fields.mobile };
}

/** What the cashier reports back: the buyer paid, or closed the cashier without paying. */
export type PayOutcome = 'paid' | 'cancelled';
const PAY_SHAPE = 'body must be JSON {"tradeNo": trade_no (16-64 digits), "outcome": "paid" | "cancelled"}';
const REFUND_SHAPE = 'body must be JSON {"tradeNo": trade_no (16-64 digits)}';

/** `{"tradeNo", "outcome"}`: the buyer's choice in the local cashier (my.tradePay). */
export function parsePayRequest(body: string): DevRequest<{ tradeNo: string; outcome: PayOutcome }> {
  const fields = jsonObject(body);
  if (!fields || Object.keys(fields).length !== 2 || !isTradeNo(fields.tradeNo) || (fields.outcome !== 'paid' && fields.outcome !== 'cancelled')) {
    return { ok: false, error: PAY_SHAPE };
  }
  return { ok: true, value: { tradeNo: fields.tradeNo, outcome: fields.outcome } };
}

/** `{"tradeNo"}`: a full refund, as the merchant would ask with alipay.trade.refund. */
export function parseRefundRequest(body: string): DevRequest<{ tradeNo: string }> {
  const fields = jsonObject(body);
  if (!fields || Object.keys(fields).length !== 1 || !isTradeNo(fields.tradeNo)) return { ok: false, error: REFUND_SHAPE };
  return { ok: true, value: { tradeNo: fields.tradeNo } };
}

const isTradeNo = (value: unknown): value is string => typeof value === 'string' && TRADE_NO_PATTERN.test(value);

/** The body as a JSON object (not null, not an array), or undefined. */
function jsonObject(body: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
