/**
 * Request authentication and authorization as the service does it (header checks, content MD5,
 * instance, date skew, STS credentials, HMAC-SHA1 signature), then RAM authorization of
 * `ots:<Operation>` on `acs:ots:<region>:<account>:instance/<instance>/table/<table>`.
 *
 * Signature (SDK `lib/signer.js`): base64(HMAC-SHA1(secret,
 *   path + "\n" + "POST" + "\n" + "\n" + sorted lower-case "x-ots-*:value" lines (minus the signature) joined by "\n" + "\n")).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { CredentialStore, IssuedCredentials } from '../credentials';
import { principalAllows } from '../policy';
import { authFailed, noPermission, parameterInvalid } from './errors';

/** The service's tolerated clock skew is not documented; ±15 minutes as is common for Alibaba Cloud APIs. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const REQUIRED = ['x-ots-date', 'x-ots-apiversion', 'x-ots-accesskeyid', 'x-ots-contentmd5', 'x-ots-signature', 'x-ots-instancename'];

export interface AuthContext {
  instanceName: string;
  credentials: CredentialStore;
  /** Wall clock for the x-ots-date check (not the TTL test clock: the SDK stamps real time). */
  wallClock: () => number;
}

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function stringToSign(path: string, headers: IncomingHttpHeaders): string {
  const lines = Object.keys(headers)
    .filter((k) => k.startsWith('x-ots-') && k !== 'x-ots-signature')
    .sort()
    .map((k) => `${k}:${header(headers, k) ?? ''}`);
  return `${path}\nPOST\n\n${lines.join('\n')}\n`;
}

/** Authenticates a request; returns the caller's credentials or throws the service's error. */
export function authenticate(ctx: AuthContext, path: string, headers: IncomingHttpHeaders, body: Buffer): IssuedCredentials {
  for (const h of REQUIRED) if (header(headers, h) === undefined) throw parameterInvalid(`Missing header: ${h}.`);
  const md5 = createHash('md5').update(body).digest('base64');
  if (header(headers, 'x-ots-contentmd5') !== md5) {
    throw authFailed('Mismatch between MD5 value of request body and x-ots-contentmd5 in header.');
  }
  if (header(headers, 'x-ots-instancename') !== ctx.instanceName) throw authFailed('The instance is not found.');
  const date = header(headers, 'x-ots-date') as string;
  const at = Date.parse(date);
  if (Number.isNaN(at)) throw parameterInvalid(`Invalid date format: ${date}.`);
  if (Math.abs(ctx.wallClock() - at) > MAX_SKEW_MS) throw authFailed(`Mismatch between system time and x-ots-date: ${date}.`);

  const check = ctx.credentials.check(header(headers, 'x-ots-accesskeyid'), header(headers, 'x-ots-ststoken'));
  if (!check.ok) {
    // The service's documented message for an unknown key; token problems keep the STS wording.
    throw authFailed(check.code === 'InvalidAccessKeyId' ? 'The AccessKeyID does not exist.' : check.message);
  }
  const expected = createHmac('sha1', check.credentials.accessKeySecret).update(stringToSign(path, headers)).digest('base64');
  if (!safeEqual(expected, header(headers, 'x-ots-signature') as string)) throw authFailed('Signature mismatch.');
  return check.credentials;
}

export interface ResourceContext {
  region: string;
  accountId: string;
  instanceName: string;
}

export const tableArn = (r: ResourceContext, table: string): string => `acs:ots:${r.region}:${r.accountId}:instance/${r.instanceName}/table/${table}`;
export const instanceArn = (r: ResourceContext): string => `acs:ots:${r.region}:${r.accountId}:instance/${r.instanceName}`;

/** Throws OTSNoPermissionAccess unless the caller may run `ots:<op>` on every resource. */
export function authorize(creds: IssuedCredentials, op: string, resources: string[]): void {
  for (const resource of resources) {
    if (!principalAllows(creds.principal, `ots:${op}`, resource)) throw noPermission();
  }
}
