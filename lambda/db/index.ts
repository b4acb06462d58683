import { ErrorBody, toErrorBody } from '../shared/errors';
import { deadlineOf, type FcContext } from '../shared/fc';
import { describeCause, fingerprint, writeRequestLog } from '../shared/log';
import { OtsSession, otsClient } from '../shared/ots';
import { LiveSessions } from '../shared/live-session';
import { loadDbConfig } from './config';
import { ObjectStore } from './objects';
import { type DbRequest, parseDbRequest } from './request';
import { RowCache } from './row-cache';

const config = loadDbConfig();
const sessions = new LiveSessions(config.ots.sessionsTable, config.sessionCacheSeconds);
const rows = new RowCache();

/**
 * FC 2.0 event handler. The answer is `{"data": ...}` (plus `"cursor"` for list) or
 * `{"error": {"code", "message"}}`; the original client reads `res.data.data`.
 */
export async function handler(event: Buffer | string, context: FcContext): Promise<unknown> {
  const startedAt = Date.now();
  const ots = new OtsSession(otsClient(context.credentials, config.ots.endpoint, config.ots.instance), deadlineOf(context, startedAt));
  const log = { requestId: context.requestId, function: context.function.name, op: 'unknown' };
  let session: string | undefined;
  try {
    const request = parseDbRequest(event);
    log.op = request.op;
    session = fingerprint(request.sid);
    const serve = (accountId: string) => run(new ObjectStore(ots, config.ots.objectsTable, accountId, request.collection, rows), request);
    // A read starts while the session is checked; a write waits for the session (live-session.ts).
    const answer =
      request.op === 'get' || request.op === 'list'
        ? await sessions.read(ots, request.sid, startedAt, serve)
        : await serve((await sessions.find(ots, request.sid, startedAt)).accountId);
    writeRequestLog({ ...log, outcome: 'ok', ms: Date.now() - startedAt, session, ots: ots.roundTrips });
    return answer;
  } catch (e) {
    const { body } = toErrorBody(e);
    writeRequestLog({ ...log, outcome: 'error', ms: Date.now() - startedAt, code: body.error.code, session, ots: ots.roundTrips, cause: describeCause(e) });
    return body satisfies ErrorBody;
  }
}

async function run(store: ObjectStore, r: DbRequest): Promise<unknown> {
  switch (r.op) {
    case 'get':
      return { data: await store.get(r.id) };
    case 'list':
      return store.list(r.limit, r.startId);
    case 'put':
      return { data: await store.put(r.id, r.fields, r.ifVersion) };
    case 'update':
      return { data: await store.update(r.id, r.fields, r.ifVersion) };
    case 'remove':
      await store.remove(r.id, r.ifVersion);
      return { data: null };
  }
}
