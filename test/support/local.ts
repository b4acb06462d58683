import * as path from 'node:path';
import FC from '@alicloud/fc2';
import { LocalCloud, type LocalCloudOptions } from '../../local/cloud';

export const OUTDIR = path.resolve(__dirname, '..', '..', 'cdk.out');

/** Local mode on ephemeral ports with in-memory data, as every end-to-end suite uses it. */
export function startCloud(opts: Partial<LocalCloudOptions> = {}): Promise<LocalCloud> {
  return LocalCloud.start({ outdir: OUTDIR, port: 0, ...opts });
}

export interface StsCredentials {
  AccessKeyId: string;
  AccessKeySecret: string;
  SecurityToken: string;
  Expiration: string;
}
export interface LoginAnswer {
  sessionId: string;
  expiresAt: string;
  sts: StsCredentials;
  /** The person's account: the owner (`uid`) of every object they store. */
  accountId: string;
}

let userCounter = 0;
/** A fresh 2088… Alipay user id per call. */
export const newUserId = (): string => `2088${String(Date.now() % 1e8).padStart(8, '0')}${String(++userCounter).padStart(4, '0')}`;

/** The Alipay ids an auth code stands for: an app on user_id, on open_id, or being migrated (both). */
export interface AlipayIds {
  userId?: string;
  openId?: string;
  unionId?: string;
}

let openCounter = 0;
/** A fresh open_id-like id per call (real ones are ~46 alphanumerics, one per person per app). */
export const newOpenId = (): string => `074${Date.now().toString(36)}${String(++openCounter).padStart(6, '0')}x${Math.random().toString(36).slice(2, 12)}`;

/** The mini-program's my.getAuthCode, against the Alipay emulator's development endpoint. */
export async function authCode(cloud: LocalCloud, who: string | AlipayIds): Promise<string> {
  const ids = typeof who === 'string' ? { userId: who } : who;
  const res = await fetch(cloud.config.authCodeUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ids) });
  if (res.status !== 200) throw new Error(`auth code: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { authCode: string }).authCode;
}

/** What my.getPhoneNumber's result carries (`{response, sign, …}`), from the Alipay emulator's stand-in. */
export async function phoneNumberPayload(cloud: LocalCloud, mobile: string): Promise<{ response: string; sign: string }> {
  const res = await fetch(cloud.config.phoneNumberUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mobile }) });
  if (res.status !== 200) throw new Error(`phone number for ${mobile}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as { response: string; sign: string };
}

/**
 * Where the 2020 client POSTs its authCode: FC's /proxy/ path built from the Outputs (AccountId,
 * Region, ServiceName, SessionFunctionName), not SessionUrl, which is the trigger's own root URL.
 */
export const originalSessionUrl = (cloud: LocalCloud): string =>
  `${cloud.config.endpoint}/2016-08-15/proxy/${cloud.config.ServiceName}/${cloud.config.SessionFunctionName}/`;

/** POSTs to the session function's HTTP trigger (SessionUrl unless `url`); returns status and parsed JSON. */
export async function postSession(
  cloud: LocalCloud,
  body: unknown,
  init: RequestInit = {},
  url = cloud.config.SessionUrl,
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export async function login(cloud: LocalCloud, userId = newUserId(), url = cloud.config.SessionUrl): Promise<LoginAnswer & { userId: string }> {
  return { ...(await loginAs(cloud, { userId }, url)), userId };
}

/** Logs in as whoever Alipay says these ids are. */
export async function loginAs(cloud: LocalCloud, ids: AlipayIds, url = cloud.config.SessionUrl): Promise<LoginAnswer> {
  const { status, body } = await postSession(cloud, { authCode: await authCode(cloud, ids) }, {}, url);
  if (status !== 200) throw new Error(`login failed: ${status} ${JSON.stringify(body)}`);
  return body as LoginAnswer;
}

/** The original client's FC client: @alicloud/fc2 with the STS credentials, pointed at local FC. */
export function fcClient(cloud: LocalCloud, sts: StsCredentials): FC {
  return new FC(cloud.config.AccountId, {
    accessKeyID: sts.AccessKeyId,
    accessKeySecret: sts.AccessKeySecret,
    securityToken: sts.SecurityToken,
    region: cloud.config.Region,
    endpoint: cloud.config.endpoint,
    timeout: 20000,
  });
}

/** Invokes db the way the original client does and returns what it reads (`res.data`), failing on a function error. */
export async function db(cloud: LocalCloud, session: LoginAnswer, event: Record<string, unknown>, fc = fcClient(cloud, session.sts)): Promise<any> {
  const res = await fc.invokeFunction(cloud.config.ServiceName, cloud.config.DBFunctionName, JSON.stringify({ sid: session.sessionId, ...event }));
  if (res.headers['x-fc-error-type']) throw new Error(`db function error: ${JSON.stringify(res.data)}`);
  return res.data;
}
