import { AppError, toErrorBody } from '../shared/errors';
import { deadlineOf, type FcContext } from '../shared/fc';
import { type HttpRequest, type HttpResponse, readBody } from '../shared/http';
import { type RequestLog, describeCause, writeRequestLog } from '../shared/log';
import { OtsSession, otsClient } from '../shared/ots';
import { OrderStore, amountFen } from '../shared/orders';
import { changeOf } from '../shared/trade';
import { loadNotifyConfig } from './config';
import { type Notification, Refused, verifiedNotification } from './notification';

const config = loadNotifyConfig();
/** Alipay's notifications are a few hundred bytes to ~2 KB of form fields. */
const MAX_BODY_BYTES = 16 * 1024;

/**
 * Alipay's asynchronous notification (anonymous HTTP trigger, POST, form-encoded). The answer is
 * Alipay's protocol, not ours: the body `success` once the order's new status is stored, and
 * `fail` otherwise, so Alipay retries (about 8 times over 25 hours). A refused notification
 * changes nothing and its log line says why.
 */
export async function handler(req: HttpRequest, resp: HttpResponse, context: FcContext): Promise<void> {
  const startedAt = Date.now();
  const ots = new OtsSession(otsClient(context.credentials, config.ots.endpoint, config.ots.instance), deadlineOf(context, startedAt));
  const log: RequestLog = { requestId: context.requestId, function: context.function.name, op: 'notify', outcome: 'ok', ms: 0 };
  let status = 200;
  try {
    if (req.method.toUpperCase() !== 'POST') throw new Refused('malformed');
    const notification = verifiedNotification(await readBody(req, MAX_BODY_BYTES), config.appId, config.alipayPublicKey);
    log.order = notification.orderId;
    log.transition = await apply(new OrderStore(ots, config.ots.ordersTable), notification);
  } catch (e) {
    log.outcome = 'error';
    if (e instanceof Refused) {
      status = 400;
      log.reason = e.reason;
    } else {
      const { status: s, body } = toErrorBody(e);
      status = e instanceof AppError && e.code === 'PayloadTooLarge' ? 413 : s;
      log.code = body.error.code;
      log.cause = describeCause(e);
    }
  }
  resp.setStatusCode(status);
  resp.setHeader('content-type', 'text/plain; charset=utf-8');
  resp.send(status === 200 ? 'success' : 'fail');
  writeRequestLog({ ...log, status, ms: Date.now() - startedAt, ots: ots.roundTrips });
}

/** Checks the notification against the stored order and moves the order forward; returns the transition for the log. */
async function apply(orders: OrderStore, n: Notification): Promise<string> {
  const order = await orders.read(n.orderId);
  if (!order) throw new Refused('unknown_order');
  if (amountFen(order.amount) !== n.amountFen) throw new Refused('amount');
  if (order.tradeNo && order.tradeNo !== n.tradeNo) throw new Refused('trade_no');
  const change = changeOf(n, Date.now());
  if (!change) return `${order.status}=`;
  const { order: after, changed } = await orders.advance(n.orderId, change, order);
  return changed ? `${order.status}>${after.status}` : `${after.status}=`;
}
