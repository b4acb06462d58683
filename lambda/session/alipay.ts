import { createPrivateKey } from 'node:crypto';
import type { AlipaySdk } from 'alipay-sdk';
import { AppError } from '../shared/errors';

export interface AlipayConfig {
  appId: string;
  privateKey: string;
  /** Empty: answers are not verified (the deployer gave no AlipayPublicKey). */
  alipayPublicKey: string;
  gateway: string;
  timeoutMs: number;
}

let sdk: AlipaySdk | undefined;

/** Built on the first login only, so refresh and logout never pay for loading alipay-sdk. */
function client(config: AlipayConfig): AlipaySdk {
  if (!sdk) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { AlipaySdk: Sdk } = require('alipay-sdk') as typeof import('alipay-sdk');
    sdk = new Sdk({
      appId: config.appId,
      privateKey: config.privateKey,
      keyType: privateKeyType(config.privateKey),
      alipayPublicKey: config.alipayPublicKey || undefined,
      gateway: config.gateway,
      timeout: config.timeoutMs,
      signType: 'RSA2',
    });
  }
  return sdk;
}

/**
 * Alipay's key tool writes PKCS1 for most languages and PKCS8 for Java; accept either, PEM or bare
 * base64, instead of failing every login with an opaque signing error.
 */
export function privateKeyType(key: string): 'PKCS1' | 'PKCS8' {
  if (/BEGIN\s+PRIVATE\s+KEY/.test(key)) return 'PKCS8';
  if (/BEGIN\s+RSA\s+PRIVATE\s+KEY/.test(key)) return 'PKCS1';
  try {
    createPrivateKey({ key: Buffer.from(key.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'pkcs8' });
    return 'PKCS8';
  } catch {
    return 'PKCS1';
  }
}

/** Alipay sub codes that mean the user's authCode is unusable (bad, used or expired): the client must get a new one. */
const AUTH_CODE_REJECTED = /code-invalid|code-expired|auth-code|invalid-code/i;

interface AlipayAnswer {
  code?: string;
  subCode?: string;
  sub_code?: string;
  userId?: string;
  openId?: string;
}

/**
 * `alipay.system.oauth.token`: authCode → the Alipay user id. Success requires a verified
 * signature when a public key is configured. A refusal is trusted even when it can't be verified
 * (a forged refusal can only deny a login, never grant one).
 */
export async function exchangeAuthCode(config: AlipayConfig, authCode: string): Promise<string> {
  let answer: AlipayAnswer;
  try {
    answer = (await client(config).exec(
      'alipay.system.oauth.token',
      { grant_type: 'authorization_code', code: authCode },
      { validateSign: Boolean(config.alipayPublicKey) },
    )) as AlipayAnswer;
  } catch (e) {
    throw classifyFailure(e);
  }
  const uid = answer.userId || answer.openId;
  if (uid && (!answer.code || answer.code === '10000')) return uid;
  throw refusal(answer.subCode ?? answer.sub_code);
}

function refusal(subCode: string | undefined): AppError {
  if (subCode && AUTH_CODE_REJECTED.test(subCode)) {
    return new AppError('AuthCodeInvalid', 'The authCode is invalid, used or expired; get a new one with my.getAuthCode.');
  }
  return new AppError('UpstreamError', 'Alipay refused the login request; check the AppId and keys of the deployment.');
}

function classifyFailure(e: unknown): AppError {
  const err = e as { name?: string; message?: string; responseDataRaw?: unknown; cause?: unknown };
  // A signed error answer fails the SDK's check (it looks for the method's key, not
  // `error_response`); its raw text still says why Alipay refused.
  const refused = parseRefusal(err.responseDataRaw);
  if (refused !== undefined) return refusal(refused);
  // Matched on the message alone: alipay-sdk sets `name = this.constructor.name`, which the
  // minified bundle mangles, so a name check never matched and timeouts became UpstreamError.
  if (/^HttpClient Request error/.test(err.message ?? '')) {
    return new AppError('Unavailable', 'Alipay could not be reached; retry shortly.');
  }
  return new AppError('UpstreamError', 'Alipay gave an answer that could not be verified; retry shortly.');
}

function parseRefusal(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const body = JSON.parse(raw) as Record<string, { sub_code?: string; code?: string } | undefined>;
    const answer = body.error_response ?? body.alipay_system_oauth_token_response;
    if (answer && answer.code && answer.code !== '10000') return answer.sub_code ?? '';
  } catch {
    // not JSON: not a refusal
  }
  return undefined;
}
