import { createHmac, timingSafeEqual } from 'node:crypto';

/** RFC 3986 percent-encoding as POP RPC v1 (and @alicloud/pop-core's `encode`) does it. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * RPC v1 string to sign: `METHOD&%2F&enc(k1=v1&k2=v2...)` over every parameter except
 * `Signature`, keys sorted (by code unit, as JS sort does), keys and values percent-encoded.
 */
export function rpcStringToSign(method: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k] ?? '')}`)
    .join('&');
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

/** base64(HMAC-SHA1(secret + '&', stringToSign)). */
export function rpcSignature(method: string, params: Record<string, string>, accessKeySecret: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(rpcStringToSign(method, params)).digest('base64');
}

export function rpcSignatureMatches(method: string, params: Record<string, string>, accessKeySecret: string): boolean {
  const expected = Buffer.from(rpcSignature(method, params, accessKeySecret));
  const given = Buffer.from(params.Signature ?? '');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
