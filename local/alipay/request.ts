import { alipayErrors, type AlipayErrorValue } from './errors';
import { requestSignContent, rsa2Verify } from './signing';

/**
 * Why a request is refused before any method runs. `signable` says whether the gateway knows the
 * app and can therefore sign its answer: an unknown app_id means there is no key pair to use.
 */
export interface Refusal {
  error: AlipayErrorValue;
  signable: boolean;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** A `yyyy-MM-dd HH:mm:ss` that names a real calendar time. Only the format is checked: which
 *  time zone and skew Alipay tolerates is unverified, and alipay-sdk sends process-local time. */
export function isAlipayTimestamp(s: string): boolean {
  const m = TIMESTAMP.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  return t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && h < 24 && mi < 60 && se < 60;
}

/** The gateway's common checks, in the order it reports them: app, then signature parameters, then the signature. */
export function checkRequest(params: Record<string, string>, appId: string, appPublicKeyPem: string): Refusal | undefined {
  if (!params.app_id) return { error: alipayErrors.missingAppId(), signable: false };
  if (params.app_id !== appId) return { error: alipayErrors.invalidAppId(), signable: false };
  const refuse = (error: AlipayErrorValue): Refusal => ({ error, signable: true });
  if (!params.method) return refuse(alipayErrors.missingMethod());
  if (!params.sign_type) return refuse(alipayErrors.missingSignatureType());
  if (params.sign_type !== 'RSA2') return refuse(alipayErrors.invalidSignatureType());
  if (!params.sign) return refuse(alipayErrors.missingSignature());
  if (!params.timestamp) return refuse(alipayErrors.missingTimestamp());
  if (!isAlipayTimestamp(params.timestamp)) return refuse(alipayErrors.invalidTimestamp());
  const content = requestSignContent(params);
  if (!rsa2Verify(content, params.sign, appPublicKeyPem)) return refuse(alipayErrors.invalidSignature(content));
  return undefined;
}
