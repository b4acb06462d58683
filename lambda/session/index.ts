import { AppError, toErrorBody } from '../shared/errors';
import { deadlineOf, type FcContext } from '../shared/fc';
import { type RequestLog, describeCause, fingerprint, writeRequestLog } from '../shared/log';
import { OtsSession, otsClient } from '../shared/ots';
import { type Session, SessionStore, newSessionId } from '../shared/sessions';
import { type Account, AccountStore } from './accounts';
import { exchangeAuthCode } from './alipay';
import { HttpRequest, HttpResponse, readBody, sendJson } from '../shared/http';
import { LegacyData } from './legacy-data';
import { phoneNumberOf } from './phone';
import { type SessionRequest, parseSessionRequest } from './request';
import { type ClientCredentials, assumeClientRole } from './sts';
import { loadSessionConfig } from './config';

const config = loadSessionConfig();

/**
 * FC 2.0 HTTP trigger: POST {"authCode"} | {"action": "refresh"|"logout"|"me", "sessionId"} |
 * {"action": "phoneNumber", "sessionId", "response", "sign"}.
 */
export async function handler(req: HttpRequest, resp: HttpResponse, context: FcContext): Promise<void> {
  const startedAt = Date.now();
  const deadline = deadlineOf(context, startedAt);
  const ots = new OtsSession(otsClient(context.credentials, config.ots.endpoint, config.ots.instance), deadline);
  const log = { requestId: context.requestId, function: context.function.name, op: 'unknown' };
  let session: string | undefined;
  let result: Pick<RequestLog, 'outcome' | 'status' | 'code' | 'cause'>;
  const noted: Pick<RequestLog, 'account'> = {};
  try {
    if (req.method.toUpperCase() !== 'POST') {
      resp.setHeader('allow', 'POST');
      throw new AppError('MethodNotAllowed', 'Use POST.');
    }
    const request = parseSessionRequest(await readBody(req), header(req, 'content-type'));
    log.op = request.action;
    if (request.action !== 'login') session = fingerprint(request.sessionId);
    const stores = {
      sessions: new SessionStore(ots, config.ots.sessionsTable),
      accounts: new AccountStore(ots, config.ots.accountsTable, new LegacyData(ots, config.ots.objectsTable, deadline)),
    };
    const answer = await run(request, stores, context, deadline, noted);
    if ('sessionId' in answer) session = fingerprint(answer.sessionId);
    sendJson(resp, 200, answer);
    result = { outcome: 'ok', status: 200 };
  } catch (e) {
    const { status, body } = toErrorBody(e);
    sendJson(resp, status, body);
    result = { outcome: 'error', status, code: body.error.code, cause: describeCause(e) };
  }
  writeRequestLog({ ...log, ...result, ms: Date.now() - startedAt, session, ots: ots.roundTrips, ...noted });
}

type SessionAnswer = { sessionId: string; expiresAt: string; sts: ClientCredentials; accountId: string } | { ok: true } | Account | { mobile: string };

interface Stores {
  sessions: SessionStore;
  accounts: AccountStore;
}

async function run(
  request: SessionRequest,
  { sessions, accounts }: Stores,
  context: FcContext,
  deadline: number,
  noted: Pick<RequestLog, 'account'>,
): Promise<SessionAnswer> {
  switch (request.action) {
    case 'login': {
      const ids = await exchangeAuthCode(config.alipay, request.authCode);
      // The credentials don't depend on the account, so they are issued while the account is found
      // and the session row written. If either side fails the client gets no sessionId, so nothing
      // usable exists: credentials are worthless without a row, and a row nobody was given the id
      // of is unreachable (it is removed, or expires with the TTL). They are not requested before
      // Alipay vouched for the authCode: a flood of made-up codes must not reach STS.
      let sessionId: string | undefined;
      const [sts, row] = await Promise.allSettled([
        assumeClientRole(config.sts, context.credentials, context.requestId, deadline),
        (async () => {
          const { accountId, created, conflict } = await accounts.signIn(ids, Date.now());
          if (created || conflict) noted.account = conflict ? 'conflict' : 'created';
          sessionId = newSessionId(accountId);
          return sessions.create(sessionId, accountId, Date.now(), config.sessionTtlSeconds);
        })(),
      ]);
      if (row.status === 'rejected') throw row.reason;
      if (sts.status === 'rejected') {
        await sessions.delete(sessionId!).catch(() => undefined);
        throw sts.reason;
      }
      return { sessionId: sessionId!, expiresAt: new Date(row.value.expiresAt).toISOString(), sts: sts.value, accountId: row.value.accountId };
    }
    case 'refresh': {
      const live = await liveSession(sessions, request.sessionId);
      const sts = await assumeClientRole(config.sts, context.credentials, context.requestId, deadline);
      return { sessionId: request.sessionId, expiresAt: new Date(live.expiresAt).toISOString(), sts, accountId: live.accountId };
    }
    case 'logout':
      await sessions.delete(request.sessionId);
      return { ok: true };
    case 'me':
      return accounts.read((await liveSession(sessions, request.sessionId)).accountId);
    case 'phoneNumber': {
      // Checked before the session is read: a payload that is not Alipay's costs no round trip.
      const mobile = phoneNumberOf(config.alipay, request.response, request.sign);
      const { accountId } = await liveSession(sessions, request.sessionId);
      await accounts.setMobile(accountId, mobile, Date.now());
      return { mobile };
    }
  }
}

async function liveSession(sessions: SessionStore, sessionId: string): Promise<Session> {
  const live = await sessions.read(sessionId, Date.now());
  if (!live) throw new AppError('SessionInvalid', 'The session is unknown, expired or logged out; log in again.');
  return live;
}

/** A request header by its lower-case name (Node and FC deliver header names lower-cased). */
function header(req: HttpRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
