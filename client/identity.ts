import { ClientError } from './errors';
import type { Account, PhoneNumberPayload } from './types';

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isOptionalText = (v: unknown): boolean => v === undefined || typeof v === 'string';

/** An account as `me` answers it: the id and creation time always, each Alipay id and the mobile when known. */
export function isAccount(value: unknown): value is Account {
  if (!isRecord(value)) return false;
  const { accountId, createdAt, userId, openId, unionId, mobile } = value;
  return isText(accountId) && isText(createdAt) && [userId, openId, unionId, mobile].every(isOptionalText);
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * The `{response, sign}` the session function verifies, from whichever form the app holds:
 * `my.getPhoneNumber`'s success result (its `response` is the payload as JSON text, not an
 * object), that text, or the payload already parsed. Both are passed on exactly as Alipay wrote
 * them: the signature covers `response` byte for byte. Anything else is `BadRequest` here, before
 * a request, as the server checks a request before it looks the session up.
 */
export function readPhoneNumberResult(result: unknown): Pick<PhoneNumberPayload, 'response' | 'sign'> {
  let payload = typeof result === 'string' ? parseJson(result) : result;
  // The success result carries no `sign` of its own: the payload is inside its `response`.
  if (isRecord(payload) && payload.sign === undefined && payload.response !== undefined) {
    payload = typeof payload.response === 'string' ? parseJson(payload.response) : payload.response;
  }
  if (isRecord(payload) && isText(payload.response) && isText(payload.sign)) return { response: payload.response, sign: payload.sign };
  throw new ClientError('BadRequest', "phoneNumber takes my.getPhoneNumber's success result, its response text, or {response, sign} with both strings");
}
