import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * FC 2.0 request signing (as @alicloud/fc2 signs): `Authorization: FC <keyId>:<b64 HMAC-SHA256>`
 * over METHOD, Content-MD5, Content-Type, Date, the sorted `x-fc-*` headers and the path (plus
 * sorted `k=v` query lines for /proxy/ paths).
 */
export function stringToSign(method: string, path: string, headers: Record<string, string | undefined>, queries?: Record<string, string | string[]>): string {
  const fcHeaders = Object.keys(headers)
    .map((k) => k.toLowerCase().trim())
    .filter((k) => k.startsWith('x-fc-'))
    .sort()
    .map((k) => `${k}:${headers[k]}\n`)
    .join('');
  let s = `${method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${requestDate(headers) ?? ''}\n${fcHeaders}${path}`;
  if (queries) {
    const lines = Object.entries(queries).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}=${x}`));
    s += `\n${lines.sort().join('\n')}`;
  }
  return s;
}

/**
 * The request time that is signed and checked for skew: `Date`, else `x-fc-date`. Browsers cannot
 * send `Date` (a forbidden header name); FC's maintainers give `x-fc-date` as its stand-in for front
 * ends (aliyun/fc-nodejs-sdk#43, confirmed working by the reporter, whose fc2 still signed the time
 * in the DATE line). FC's signature page documents only `Date`; this fallback is that answer.
 */
export const requestDate = (headers: Record<string, string | undefined>): string | undefined => headers['date'] ?? headers['x-fc-date'];

export const sign = (secret: string, text: string): string => createHmac('sha256', secret).update(text, 'utf8').digest('base64');

export function parseAuthorization(header: string | undefined): { keyId: string; signature: string } | undefined {
  const m = /^FC ([^:]+):(.+)$/.exec(header ?? '');
  return m ? { keyId: m[1], signature: m[2] } : undefined;
}

export function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** fc2's Content-MD5 quirk: base64 of the *hex* MD5 digest. */
export const contentMd5 = (body: Buffer): string => Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64');
