import { AppError } from '../shared/errors';
import { type AlipayConfig, alipaySdk } from '../shared/alipay-sdk';
import { coldTrace } from '../shared/cold-trace';

/** Alipay sub codes that mean the user's authCode is unusable (bad, used or expired): the client must get a new one. */
const AUTH_CODE_REJECTED = /code-invalid|code-expired|auth-code|invalid-code/i;

interface AlipayAnswer {
  code?: string;
  subCode?: string;
  sub_code?: string;
  userId?: unknown;
  openId?: unknown;
  unionId?: unknown;
}

/**
 * Who Alipay says logged in. Apps on the old scheme get `userId` (2088…, one per person), new apps
 * `openId` (one per person per app), apps being migrated both; `unionId` (one per person across a
 * developer's apps) comes with either when the app has it.
 */
export interface AlipayIds {
  userId?: string;
  openId?: string;
  unionId?: string;
}

/** Ids become table keys: printable ASCII and bounded, or the answer is not trusted. */
const ALIPAY_ID = /^[\x21-\x7e]{1,128}$/;
const idOf = (v: unknown): string | undefined => (typeof v === 'string' && ALIPAY_ID.test(v) ? v : undefined);

/**
 * `alipay.system.oauth.token`: authCode → the Alipay ids. Success requires a verified
 * signature when a public key is configured. A refusal is trusted even when it can't be verified
 * (a forged refusal can only deny a login, never grant one).
 */
export async function exchangeAuthCode(config: AlipayConfig, authCode: string): Promise<AlipayIds> {
  let answer: AlipayAnswer;
  try {
    const sdk = alipaySdk(config);
    answer = (await coldTrace.call('alipay.oauth', () =>
      sdk.exec('alipay.system.oauth.token', { grant_type: 'authorization_code', code: authCode }, { validateSign: Boolean(config.alipayPublicKey) }),
    )) as AlipayAnswer;
  } catch (e) {
    throw classifyFailure(e);
  }
  const ids: AlipayIds = { userId: idOf(answer.userId), openId: idOf(answer.openId), unionId: idOf(answer.unionId) };
  if ((ids.userId || ids.openId) && (!answer.code || answer.code === '10000')) return ids;
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
