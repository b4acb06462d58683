import { hmacSha256, md5, toBase64, toHex, utf8Encode } from './crypto';

export const FC_API_VERSION = '2016-08-15';

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

/**
 * fc2's string-to-sign (lib/helper.js): METHOD, Content-MD5, Content-Type, Date, then every
 * `x-fc-*` header lower-cased, sorted, as `k:v\n`, then the path (with `/2016-08-15`).
 */
export function stringToSign(method: string, path: string, headers: Record<string, string>, date: string): string {
  const fc = Object.keys(headers)
    .map((k) => [k.toLowerCase().trim(), headers[k]] as const)
    .filter(([k]) => k.startsWith('x-fc-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}:${v}\n`)
    .join('');
  return `${method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${date}\n${fc}${path}`;
}

/** fc2's Content-MD5 quirk, kept because FC verifies what fc2 sends: base64 of the *hex* MD5. */
export const contentMd5 = (body: Uint8Array): string => toBase64(utf8Encode(toHex(md5(body))));

export const signature = (secret: string, text: string): string => toBase64(hmacSha256(utf8Encode(secret), utf8Encode(text)));

/**
 * Headers for `InvokeFunction(service, fn)` with `body`, signed as fc2 signs, plus `x-fc-date`.
 *
 * Why both `date` and `x-fc-date` (same value): browsers refuse to send `Date` (forbidden header
 * name) and the Alipay runtime does not promise to pass it. FC's maintainers answer that
 * `x-fc-date` stands in for `Date` from a front end (aliyun/fc-nodejs-sdk#43, confirmed by the
 * reporter), and FC's 2021-04-06 API declares an `X-Fc-Date` request header. The DATE line of the
 * string-to-sign carries that value either way; as an `x-fc-*` header it is also in the canonical
 * headers. Where `Date` arrives this is exactly the documented algorithm; where it is dropped, FC
 * reads the time from `x-fc-date`.
 */
export function signInvoke(
  creds: Credentials,
  accountId: string,
  serviceName: string,
  functionName: string,
  body: string,
  now: Date = new Date(),
): { path: string; headers: Record<string, string> } {
  const path = `/${FC_API_VERSION}/services/${serviceName}/functions/${functionName}/invocations`;
  const date = now.toUTCString();
  const headers: Record<string, string> = {
    accept: 'application/json',
    date,
    'content-type': 'application/octet-stream',
    'content-md5': contentMd5(utf8Encode(body)),
    'x-fc-account-id': accountId,
    'x-fc-date': date,
    'x-fc-security-token': creds.securityToken,
  };
  headers.authorization = `FC ${creds.accessKeyId}:${signature(creds.accessKeySecret, stringToSign('POST', path, headers, date))}`;
  return { path, headers };
}
