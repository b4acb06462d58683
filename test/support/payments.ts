import { DEV_APP_ID, type LocalCloud } from '../../local/cloud';
import { type LoginAnswer, type StsCredentials, fcClient } from './local';
import { type StoredRow, allRows, operatorClient } from './tables';
import { TableStore, call } from './tablestore-sdk';

export interface OrderAnswer {
  orderId: string;
  sku: string;
  title: string;
  amount: string;
  status: 'WAIT_BUYER_PAY' | 'PAID' | 'CLOSED' | 'REFUNDED';
  tradeNo?: string;
  createdAt: string;
  paidAt?: string;
  closedAt?: string;
  refundedAt?: string;
}

/** Invokes pay with these STS credentials and an event as given; fails the test if the function crashed. */
export async function invokePay(cloud: LocalCloud, sts: StsCredentials, event: string | Record<string, unknown>): Promise<any> {
  const body = typeof event === 'string' ? event : JSON.stringify(event);
  const res = await fcClient(cloud, sts).invokeFunction(cloud.config.PayServiceName, cloud.config.PayFunctionName, body);
  if (res.headers['x-fc-error-type']) throw new Error(`pay function error: ${JSON.stringify(res.data)}`);
  return res.data;
}

/** One pay call for a session (its sid added). */
export const payOp = (cloud: LocalCloud, session: LoginAnswer, event: Record<string, unknown>): Promise<any> =>
  invokePay(cloud, session.sts, { sid: session.sessionId, ...event });

/** Creates an order for a catalog product and returns it (fails the test on an error answer). */
export async function createOrder(cloud: LocalCloud, session: LoginAnswer, sku = 'pro'): Promise<OrderAnswer> {
  const answer = await payOp(cloud, session, { op: 'create', sku });
  if (!answer.data) throw new Error(`create failed: ${JSON.stringify(answer)}`);
  return answer.data as OrderAnswer;
}

/** The local stand-in for the cashier: POST /dev/pay; returns my.tradePay's resultCode. */
export async function cashier(cloud: LocalCloud, tradeNo: string, outcome: 'paid' | 'cancelled'): Promise<string> {
  const res = await fetch(cloud.config.payUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tradeNo, outcome }) });
  const body = (await res.json()) as { resultCode?: string };
  if (!body.resultCode) throw new Error(`/dev/pay answered ${res.status} ${JSON.stringify(body)}`);
  return body.resultCode;
}

/** The orders table as stored (order rows and `pending_` rows). */
export const orderRows = (cloud: LocalCloud): Promise<StoredRow[]> => allRows(cloud, ordersTable(cloud), ['orderId']);

export function ordersTable(cloud: LocalCloud): string {
  return cloud.fc.instance(cloud.config.PayServiceName, cloud.config.PayFunctionName)!.spec.environment.ORDERS_TABLE;
}

/**
 * Makes an order look `ms` older than it is, in its row and its pending row: how tests reach
 * "older than a minute" and "unpaid after 15 minutes" without waiting.
 */
export async function ageOrder(cloud: LocalCloud, orderId: string, ms: number): Promise<void> {
  const client = operatorClient(cloud, ['ots:GetRow', 'ots:UpdateRow']);
  const table = ordersTable(cloud);
  for (const id of [orderId, `pending_${orderId}`]) {
    const { row } = await call(client, 'getRow', { tableName: table, primaryKey: [{ orderId: id }], maxVersions: 1 });
    const createdAt = row.attributes?.find((a: any) => a.columnName === 'createdAt')?.columnValue;
    if (createdAt === undefined) continue;
    await call(client, 'updateRow', {
      tableName: table,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_EXIST, null),
      primaryKey: [{ orderId: id }],
      updateOfAttributeColumns: [{ PUT: [{ createdAt: TableStore.Long.fromNumber(Number(createdAt.toNumber?.() ?? createdAt) - ms) }] }],
    });
  }
}

/** The reconcile function's run, fired now through its timer trigger. */
export async function runReconcile(cloud: LocalCloud): Promise<Record<string, number>> {
  const spec = cloud.fc.instance(`${cloud.config.ServiceName}-reconcile`, 'reconcile')!.spec;
  const result = await cloud.fc.fireTimer(spec.serviceName, spec.functionName);
  if (!result.ok) throw new Error(`reconcile crashed: ${JSON.stringify(result.error)}`);
  return (JSON.parse(result.body.toString()) as { counts: Record<string, number> }).counts;
}

/** Log lines the payment functions printed, parsed, for one function. */
export const functionLines = (cloud: LocalCloud, fn: string): any[] =>
  cloud.functionLogs.flatMap((l) => {
    try {
      const j = JSON.parse(l);
      return j.function === fn ? [j] : [];
    } catch {
      return [];
    }
  });

/** Alipay's notification fields (a trade_status_sync) for an order, before signing: TRADE_SUCCESS unless `over` says otherwise. */
export const notificationFields = (order: OrderAnswer, over: Record<string, string> = {}): Record<string, string> => ({
  notify_time: '2026-12-01 10:00:05',
  notify_type: 'trade_status_sync',
  notify_id: `n${Math.random().toString(36).slice(2)}`,
  app_id: DEV_APP_ID,
  charset: 'utf-8',
  version: '1.0',
  sign_type: 'RSA2',
  trade_no: order.tradeNo!,
  out_trade_no: order.orderId,
  trade_status: 'TRADE_SUCCESS',
  total_amount: order.amount,
  receipt_amount: order.amount,
  buyer_pay_amount: order.amount,
  subject: order.title,
  gmt_create: '2026-12-01 10:00:00',
  gmt_payment: '2026-12-01 10:00:04',
  ...over,
});
