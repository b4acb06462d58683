import { createSign, createVerify } from 'node:crypto';

/**
 * The OpenAPI v2 string to sign: every parameter except `sign`, sorted by key, as `k=v` joined
 * with `&`, values raw (not URL-encoded). This is what alipay-sdk's `sign()` builds; `sign_type`
 * is included for requests.
 */
export function requestSignContent(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function rsa2Sign(content: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKeyPem, 'base64');
}

/** False (never throws) for a malformed signature, so garbage input is just "invalid". */
export function rsa2Verify(content: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKeyPem, signature, 'base64');
  } catch {
    return false;
  }
}

/**
 * A gateway answer `{"<key>":<value>,"sign":"<b64>"}`. The signature covers exactly the JSON text
 * of the value as it appears in the body, which is what clients (alipay-sdk's `getSignStr`, the
 * Java SDK's `getSignSourceData`) cut out and verify. `sign: undefined` leaves `sign` out, as the
 * gateway does when it cannot tell which app (and so which key pair) the request is for.
 */
export function answerBody(responseKey: string, value: object, sign: ((content: string) => string) | undefined): string {
  const valueJson = JSON.stringify(value);
  const head = `{${JSON.stringify(responseKey)}:${valueJson}`;
  return sign ? `${head},"sign":${JSON.stringify(sign(valueJson))}}` : `${head}}`;
}
