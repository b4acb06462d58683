import { ClientError, createClient, fetchTransport, type ClientOptions, type HttpRequest, type MiniAppClient, type Transport } from '../../client';
import type { LocalCloud } from '../../local/cloud';
import { authCode, newUserId } from '../support/local';

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
export async function loggedIn(cloud: LocalCloud, transport: Transport = fetchTransport(fetch), opts?: ClientOptions, userId = newUserId()): Promise<MiniAppClient> {
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

/** Which session-function actions and db ops a recorded transport sent, in order. */
export const calls = (requests: HttpRequest[]): string[] =>
  requests.map((r) => {
    const body = JSON.parse(r.body || '{}');
    return body.op ? `db:${body.op}` : `session:${body.action ?? 'login'}`;
  });
