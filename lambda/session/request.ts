import { badRequest } from '../shared/errors';

export type SessionRequest =
  | { action: 'login'; authCode: string }
  | { action: 'refresh'; sessionId: string }
  | { action: 'logout'; sessionId: string }
  | { action: 'me'; sessionId: string }
  | { action: 'phoneNumber'; sessionId: string; response: string; sign: string };

const AUTH_CODE = /^[\x21-\x7e]{1,128}$/;
const SESSION_ID = /^[\x21-\x7e]{1,128}$/;
/** my.getPhoneNumber's fields are base64: a ciphertext of a short JSON text, and an RSA2048 signature (344 characters). */
const PHONE_RESPONSE = /^[A-Za-z0-9+/=]{1,2048}$/;
const PHONE_SIGN = /^[A-Za-z0-9+/=]{1,1024}$/;

/**
 * `{"authCode"}` logs in (the original protocol); `{"action": "refresh"|"logout"|"me", "sessionId"}`
 * and `{"action": "phoneNumber", "sessionId", "response", "sign"}` are additions. JSON is the
 * protocol; a form-encoded body (my.request's default content type) is read too, so a client that
 * forgot the header still works.
 */
export function parseSessionRequest(body: Buffer, contentType: string | undefined): SessionRequest {
  const text = body.toString('utf8');
  let input: unknown;
  if (/application\/x-www-form-urlencoded/i.test(contentType ?? '') && !text.trimStart().startsWith('{')) {
    input = Object.fromEntries(new URLSearchParams(text));
  } else {
    try {
      input = JSON.parse(text);
    } catch {
      throw badRequest('The body must be JSON, e.g. {"authCode": "..."}.');
    }
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw badRequest('The body must be a JSON object.');
  const { action = 'login', authCode, sessionId, response, sign } = input as Record<string, unknown>;
  switch (action) {
    case 'login':
      if (typeof authCode !== 'string' || !AUTH_CODE.test(authCode)) {
        throw badRequest('"authCode" must be the string my.getAuthCode returned.');
      }
      return { action, authCode };
    case 'refresh':
    case 'logout':
    case 'me':
      return { action, sessionId: checkSessionId(sessionId) };
    case 'phoneNumber':
      if (typeof response !== 'string' || !PHONE_RESPONSE.test(response) || typeof sign !== 'string' || !PHONE_SIGN.test(sign)) {
        throw badRequest('"response" and "sign" must be the fields of what my.getPhoneNumber returned, unchanged.');
      }
      return { action, sessionId: checkSessionId(sessionId), response, sign };
    default:
      throw badRequest('"action" must be "login", "refresh", "logout", "me" or "phoneNumber".');
  }
}

function checkSessionId(sessionId: unknown): string {
  if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) throw badRequest('"sessionId" must be the string the login returned.');
  return sessionId;
}
