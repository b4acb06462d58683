import { AppError, toErrorBody } from '../shared/errors';
import { deadlineOf, type FcContext } from '../shared/fc';
import { type RequestLog, describeCause, fingerprint, writeRequestLog } from '../shared/log';
import { OtsSession, otsClient } from '../shared/ots';
import { SessionStore, newSessionId } from '../shared/sessions';
import { exchangeAuthCode } from './alipay';
import { HttpRequest, HttpResponse, readBody, sendJson } from './http';
import { type SessionRequest, parseSessionRequest } from './request';
import { type ClientCredentials, assumeClientRole } from './sts';
import { loadSessionConfig } from './config';

const config = loadSessionConfig();

/** FC 2.0 HTTP trigger: POST {"authCode"} | {"action": "refresh"|"logout", "sessionId"}. */
export async function handler(req: HttpRequest, resp: HttpResponse, context: FcContext): Promise<void> {
  const startedAt = Date.now();
  const deadline = deadlineOf(context, startedAt);
  const ots = new OtsSession(otsClient(context.credentials, config.ots.endpoint, config.ots.instance), deadline);
  const log = { requestId: context.requestId, function: context.function.name, op: 'unknown' };
  let session: string | undefined;
  let result: Pick<RequestLog, 'outcome' | 'status' | 'code' | 'cause'>;
  try {
    if (req.method.toUpperCase() !== 'POST') {
      resp.setHeader('allow', 'POST');
      throw new AppError('MethodNotAllowed', 'Use POST.');
    }
    const request = parseSessionRequest(await readBody(req), header(req, 'content-type'));
    log.op = request.action;
    if (request.action !== 'login') session = fingerprint(request.sessionId);
    const answer = await run(request, new SessionStore(ots, config.ots.sessionsTable), context, deadline);
    if ('sessionId' in answer) session = fingerprint(answer.sessionId);
    sendJson(resp, 200, answer);
    result = { outcome: 'ok', status: 200 };
  } catch (e) {
    const { status, body } = toErrorBody(e);
    sendJson(resp, status, body);
    result = { outcome: 'error', status, code: body.error.code, cause: describeCause(e) };
  }
  writeRequestLog({ ...log, ...result, ms: Date.now() - startedAt, session, ots: ots.roundTrips });
}

type SessionAnswer = { sessionId: string; expiresAt: string; sts: ClientCredentials } | { ok: true };

async function run(request: SessionRequest, store: SessionStore, context: FcContext, deadline: number): Promise<SessionAnswer> {
  switch (request.action) {
    case 'login': {
      const uid = await exchangeAuthCode(config.alipay, request.authCode);
      // Credentials and row at once (one round trip less per login). If either fails the client
      // gets no sessionId, so nothing usable exists: credentials are worthless without a row, and
      // a row nobody was given the id of is unreachable (it is removed, or expires with the TTL).
      const sessionId = newSessionId();
      const [sts, row] = await Promise.allSettled([
        assumeClientRole(config.sts, context.credentials, uid, deadline),
        store.create(sessionId, uid, Date.now(), config.sessionTtlSeconds),
      ]);
      if (row.status === 'rejected') throw row.reason;
      if (sts.status === 'rejected') {
        await store.delete(sessionId).catch(() => undefined);
        throw sts.reason;
      }
      return { sessionId, expiresAt: new Date(row.value.expiresAt).toISOString(), sts: sts.value };
    }
    case 'refresh': {
      const live = await store.read(request.sessionId, Date.now());
      if (!live) throw new AppError('SessionInvalid', 'The session is unknown, expired or logged out; log in again.');
      const sts = await assumeClientRole(config.sts, context.credentials, live.uid, deadline);
      return { sessionId: request.sessionId, expiresAt: new Date(live.expiresAt).toISOString(), sts };
    }
    case 'logout':
      await store.delete(request.sessionId);
      return { ok: true };
  }
}

/** A request header by its lower-case name (Node and FC deliver header names lower-cased). */
function header(req: HttpRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
