import {
  ClientError,
  createClient,
  fetchTransport,
  type ClientOptions,
  type HttpRequest,
  type MiniAppClient,
  type SessionStorage,
  type Transport,
} from '../../client';
import type { LocalCloud } from '../../local/cloud';
import { authCode, newUserId, phoneNumberPayload } from '../support/local';

/** Node's fetch behind the client's transport, recording every request so tests can see what went over the wire. */
export function recordingTransport(inner: Transport = fetchTransport(fetch)): Transport & { requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  const t = (req: HttpRequest) => {
    requests.push(req);
    return inner(req);
  };
  return Object.assign(t, { requests });
}

/** A client on local mode's outputs, logged in as a fresh (or given) Alipay user. */
export async function loggedIn(
  cloud: LocalCloud,
  transport: Transport = fetchTransport(fetch),
  opts?: ClientOptions,
  userId = newUserId(),
): Promise<MiniAppClient> {
  const client = createClient(cloud.config, transport, opts);
  await client.login(await authCode(cloud, userId));
  return client;
}

/** The ClientError a promise rejects with (fails the test if it resolves or throws something else). */
export async function rejection(p: Promise<unknown>): Promise<ClientError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ClientError) return e;
    throw e;
  }
  throw new Error('expected a ClientError, but the call succeeded');
}

/** Which session-function actions and function ops (`db:put`, `pay:create`: the invoked function's name) a recorded transport sent, in order. */
export const calls = (requests: HttpRequest[]): string[] =>
  requests.map((r) => {
    const body = JSON.parse(r.body || '{}');
    const fn = /\/functions\/([^/]+)\/invocations$/.exec(r.url)?.[1];
    return fn ? `${fn}:${body.op}` : `session:${body.action ?? 'login'}`;
  });

/** What the fake session function answers one request with: JSON `body`, HTTP `status` (200 unless given). */
export interface FakeAnswer {
  status?: number;
  body: unknown;
}

/**
 * The session function (or any function) without a network: `answer` gets each request's parsed
 * body, and the request itself, and says what to answer (it may wait, to hold a request open).
 * Records every request, so a test can also see that nothing was sent.
 */
export function fakeSessionFunction(
  answer: (body: any, req: HttpRequest) => FakeAnswer | Promise<FakeAnswer> = () => ({
    status: 500,
    body: { error: { code: 'Unexpected', message: 'no request expected' } },
  }),
): Transport & { requests: HttpRequest[]; bodies: () => any[] } {
  const requests: HttpRequest[] = [];
  const transport = async (req: HttpRequest) => {
    requests.push(req);
    const { status = 200, body } = await answer(JSON.parse(req.body), req);
    return { status, headers: { 'content-type': 'application/json' }, text: JSON.stringify(body) };
  };
  return Object.assign(transport, { requests, bodies: () => requests.map((r) => JSON.parse(r.body)) });
}

/**
 * my.getPhoneNumber, against the Alipay emulator's development endpoint: its success result, whose
 * `response` is the signed, encrypted payload as JSON text.
 */
export async function getPhoneNumber(cloud: LocalCloud, mobile: string): Promise<{ response: string }> {
  return { response: JSON.stringify(await phoneNumberPayload(cloud, mobile)) };
}

/** Stack Outputs pointing nowhere: for tests whose transport never reaches a network. */
export const OFFLINE_CONFIG = {
  AccountId: '1000000000000001',
  Region: 'cn-hangzhou',
  ServiceName: 'svc',
  SessionFunctionName: 'session',
  DBFunctionName: 'db',
  SessionUrl: 'http://127.0.0.1:1/session',
  endpoint: 'http://127.0.0.1:1',
};
/** OFFLINE_CONFIG of a stack with payments: the pay function in a service of its own, as the stack deploys it. */
export const OFFLINE_PAY_CONFIG = { ...OFFLINE_CONFIG, PayServiceName: 'svc-pay', PayFunctionName: 'pay', NotifyUrl: 'http://127.0.0.1:1/notify' };
/** The client's default storage key for the session. */
export const SESSION_KEY = 'miniapp.session';

/** Session storage in memory, with its map exposed so tests can see what the client kept. */
export function memoryStorage(initial: Record<string, string> = {}): SessionStorage & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}
