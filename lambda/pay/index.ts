import { type ErrorBody, toErrorBody } from '../shared/errors';
import { deadlineOf, type FcContext } from '../shared/fc';
import { LiveSessions } from '../shared/live-session';
import { describeCause, fingerprint, writeRequestLog } from '../shared/log';
import { OtsSession, otsClient } from '../shared/ots';
import { catalogProducts } from './catalog';
import { Checkout } from './checkout';
import { loadPayConfig } from './config';
import { type PayRequest, parsePayRequest } from './request';

const config = loadPayConfig();
const sessions = new LiveSessions(config.ots.sessionsTable, config.sessionCacheSeconds);

/**
 * FC 2.0 event handler, invoked by clients with their STS credentials (like db). The answer is
 * `{"data": ...}` (plus `"cursor"` for list) or `{"error": {"code", "message"}}`.
 */
export async function handler(event: Buffer | string, context: FcContext): Promise<unknown> {
  const startedAt = Date.now();
  const deadline = deadlineOf(context, startedAt);
  const ots = new OtsSession(otsClient(context.credentials, config.ots.endpoint, config.ots.instance), deadline);
  const log = { requestId: context.requestId, function: context.function.name, op: 'unknown' };
  let session: string | undefined;
  try {
    const request = parsePayRequest(event);
    log.op = request.op;
    session = fingerprint(request.sid);
    const { accountId } = await sessions.find(ots, request.sid, startedAt);
    const answer = await run(new Checkout(ots, config, deadline, accountId), request);
    writeRequestLog({ ...log, outcome: 'ok', ms: Date.now() - startedAt, session, ots: ots.roundTrips });
    return answer;
  } catch (e) {
    const { body } = toErrorBody(e);
    writeRequestLog({ ...log, outcome: 'error', ms: Date.now() - startedAt, code: body.error.code, session, ots: ots.roundTrips, cause: describeCause(e) });
    return body satisfies ErrorBody;
  }
}

async function run(checkout: Checkout, r: PayRequest): Promise<unknown> {
  switch (r.op) {
    case 'catalog':
      return { data: catalogProducts() };
    case 'create':
      return { data: await checkout.create(r.sku, Date.now()) };
    case 'get':
      return { data: await checkout.get(r.orderId, r.check, Date.now()) };
    case 'list':
      return checkout.list(r.limit, r.startId, Date.now());
  }
}
