/**
 * The console's JSON API under /_local/api/ (route.ts checks who is asking first). Reads come from
 * the local cloud's own state: the deployment, the Outputs, Tablestore's memory, the functions'
 * log lines. The two writes are the Alipay emulator's development endpoints, relayed over HTTP as
 * any client would call them: mint an authCode (`/dev/auth-code`), pay or cancel a trade (`/dev/pay`).
 *
 *   GET  /_local/api/stack                   resources (logical id, type, physical name, ARN) and Outputs
 *   GET  /_local/api/tables                  each table: name, primary key, rows stored, role
 *   GET  /_local/api/tables/<name>/rows      ?limit=1..100&cursor=…: a page of rows, masked (rows.ts)
 *   GET  /_local/api/trades                  orders waiting for payment (WAIT_BUYER_PAY) with their trade_no
 *   GET  /_local/api/logs                    the function log stream (logs.ts)
 *   POST /_local/api/auth-code               {"userId"?, "openId"?} → {"authCode"}
 *   POST /_local/api/pay                     {"tradeNo", "outcome": "paid"|"cancelled"} → {"resultCode", "meaning", "notified"}
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalCloud } from '../cloud';
import type { TableSummary } from '../tablestore';
import { checkStateChange } from './access';
import { badRequest, methodNotAllowed, noSuchTable, notFound, notStarted, sendJson, upstream } from './errors';
import { LogStreams } from './logs';
import { Masker } from './masking';
import { RowPages, parseLimit } from './rows';

/** Waiting orders listed at most (newest first): a developer picks one to pay. */
export const MAX_WAITING_TRADES = 50;
/** How long a relayed call to the Alipay emulator may take. */
const RELAY_TIMEOUT_MS = 5_000;
/**
 * How long a pay answer waits for the trade's notification to reach the notify function, so the
 * page's next read shows the order's new status. Past it the answer goes anyway (`notified: false`).
 */
const NOTIFY_WAIT_MS = 3_000;
/** my.tradePay's resultCodes (local/alipay/trade-dev.ts RESULT_CODE), in words. */
const RESULT_MEANING: Record<string, string> = { '9000': 'paid', '6001': 'cancelled by the buyer', '4000': 'failed (the trade is closed or already paid)' };

interface Call {
  cloud: LocalCloud;
  masker: Masker;
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  body: Buffer;
  params: string[];
}

/** What a handler answers: a JSON value sent with 200, or 'answered' when it wrote the response itself (the log stream). */
type Handler = (call: Call) => unknown | Promise<unknown>;

/** Which tables play which part, from the functions' environment in the template (SESSIONS_TABLE, ORDERS_TABLE). */
interface TableRoles {
  sessions: Set<string>;
  orders: Set<string>;
}

export class ConsoleApi {
  private readonly pages = new RowPages();
  private readonly logs = new LogStreams();
  private readonly perCloud = new WeakMap<LocalCloud, { masker: Masker; roles: TableRoles }>();
  private readonly routes: { path: RegExp; handlers: Partial<Record<'GET' | 'POST', Handler>> }[] = [
    { path: /^\/stack$/, handlers: { GET: (c) => this.stack(c) } },
    { path: /^\/tables$/, handlers: { GET: (c) => this.tables(c) } },
    { path: /^\/tables\/([^/]+)\/rows$/, handlers: { GET: (c) => this.rows(c) } },
    { path: /^\/trades$/, handlers: { GET: (c) => this.waitingTrades(c) } },
    { path: /^\/logs$/, handlers: { GET: (c) => this.logStream(c) } },
    { path: /^\/auth-code$/, handlers: { POST: (c) => this.authCode(c) } },
    { path: /^\/pay$/, handlers: { POST: (c) => this.pay(c) } },
  ];

  constructor(private readonly getCloud: () => LocalCloud | undefined) {}

  /** Open log streams (tests check that a closed page releases its stream). */
  get openStreams(): number {
    return this.logs.size;
  }

  /** `path` is below /_local/api. Throws ConsoleError for anything it refuses. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, body: Buffer): Promise<void> {
    const route = this.routes.find((r) => r.path.test(path));
    if (!route) throw notFound();
    const method = req.method as 'GET' | 'POST';
    const handler = Object.hasOwn(route.handlers, method) ? route.handlers[method] : undefined;
    if (!handler) throw methodNotAllowed(Object.keys(route.handlers));
    if (method === 'POST') checkStateChange(req, body);
    const cloud = this.getCloud();
    if (!cloud?.config) throw notStarted();
    const { masker } = this.forCloud(cloud);
    const params = (route.path.exec(path) ?? []).slice(1).map(decodeParam);
    const answer = await handler({ cloud, masker, req, res, query, body, params });
    if (answer !== 'answered') sendJson(res, 200, answer);
  }

  private forCloud(cloud: LocalCloud): { masker: Masker; roles: TableRoles } {
    let entry = this.perCloud.get(cloud);
    if (!entry) {
      const params = cloud.deployment.parameters;
      const secrets = [cloud.keys.app.privateKeyPem, cloud.keys.gateway.privateKeyPem, cloud.keys.aesKey, params.PrivateKey, params.AesKey];
      entry = { masker: new Masker(secrets.filter((s): s is string => typeof s === 'string')), roles: tableRoles(cloud) };
      this.perCloud.set(cloud, entry);
    }
    return entry;
  }

  private stack({ cloud, masker }: Call): unknown {
    const resources = cloud.deployment.resources.map((r) => {
      const ref = Object.values(r.attributes)[0];
      const arn = r.attributes.Arn ?? r.attributes.ARN;
      return {
        logicalId: r.logicalId,
        type: r.type,
        ...(typeof ref === 'string' ? { physicalName: ref } : {}),
        ...(typeof arn === 'string' ? { arn } : {}),
      };
    });
    // Names, ARNs and URLs: scanned like any text, but not judged by field name (SessionUrl is no session).
    return masker.strings({ resources, outputs: cloud.config });
  }

  private tables({ cloud }: Call): unknown {
    const { roles } = this.forCloud(cloud);
    return {
      tables: cloud.tablestore.describeTables().map((t) => ({
        name: t.spec.name,
        primaryKey: t.spec.primaryKey.map((k) => ({ name: k.name, type: k.type })),
        storedRows: t.storedRows,
        timeToLive: t.spec.timeToLive,
        ...(roles.sessions.has(t.spec.name) ? { role: 'sessions', masked: 'primary key' } : {}),
        ...(roles.orders.has(t.spec.name) ? { role: 'orders' } : {}),
      })),
    };
  }

  private rows({ cloud, masker, query, params }: Call): unknown {
    const table = findTable(cloud, params[0]);
    const limit = parseLimit(query.get('limit'));
    const cursor = query.get('cursor') ?? undefined;
    return this.pages.page(cloud.tablestore, table, masker, { limit, cursor, maskKey: this.forCloud(cloud).roles.sessions.has(table.spec.name) });
  }

  /**
   * The orders waiting for payment that have a trade to pay, newest first. Reads the order rows'
   * `status`, `tradeNo`, `createdAt` as lambda/shared/orders.ts writes them; the `pending_` index
   * rows carry no status and are passed over.
   */
  private waitingTrades({ cloud }: Call): unknown {
    const waiting: { orderId: string; tradeNo: string; title?: string; amount?: string; createdAt?: string }[] = [];
    for (const name of this.forCloud(cloud).roles.orders) {
      let start: Parameters<LocalCloud['tablestore']['browse']>[2];
      do {
        const page = cloud.tablestore.browse(name, 1000, start);
        for (const row of page.rows) {
          const col = (n: string) => row.cells.find((c) => c.name === n)?.value;
          const [status, tradeNo, orderId] = [col('status'), col('tradeNo'), row.primaryKey[0]?.value];
          if (status?.value !== 'WAIT_BUYER_PAY' || tradeNo?.type !== 'STRING' || orderId?.type !== 'STRING') continue;
          const [title, amount, createdAt] = [col('title'), col('amount'), col('createdAt')];
          waiting.push({
            orderId: orderId.value,
            tradeNo: tradeNo.value,
            ...(title?.type === 'STRING' ? { title: title.value } : {}),
            ...(amount?.type === 'STRING' ? { amount: amount.value } : {}),
            ...(createdAt?.type === 'INTEGER' ? { createdAt: new Date(Number(createdAt.value)).toISOString() } : {}),
          });
        }
        start = page.next;
      } while (start);
    }
    waiting.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
    return { trades: waiting.slice(0, MAX_WAITING_TRADES), more: waiting.length > MAX_WAITING_TRADES };
  }

  private logStream({ cloud, masker, res }: Call): 'answered' {
    this.logs.serve(res, cloud, masker);
    return 'answered';
  }

  private async authCode({ cloud, body }: Call): Promise<unknown> {
    const fields = jsonBody(body, ['userId', 'openId']);
    const ids = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== ''));
    if (!ids.userId && !ids.openId) throw badRequest('Give a userId (2088 + 12 digits), an openId, or both.');
    const answer = await relay(cloud.alipay.authCodeUrl, ids);
    if (typeof answer.authCode !== 'string') throw upstream(502, 'The Alipay emulator gave no authCode.');
    return { authCode: answer.authCode };
  }

  private async pay({ cloud, body }: Call): Promise<unknown> {
    const { tradeNo, outcome } = jsonBody(body, ['tradeNo', 'outcome']);
    if (!tradeNo || (outcome !== 'paid' && outcome !== 'cancelled')) throw badRequest('Give {"tradeNo", "outcome": "paid" | "cancelled"}.');
    const answer = await relay(cloud.alipay.payUrl, { tradeNo, outcome });
    const resultCode = String(answer.resultCode);
    const notified = resultCode === '9000' ? await within(cloud.alipay.whenNotificationsIdle(), NOTIFY_WAIT_MS) : true;
    return { resultCode, meaning: RESULT_MEANING[resultCode] ?? 'unknown', notified };
  }
}

function tableRoles(cloud: LocalCloud): TableRoles {
  const roles: TableRoles = { sessions: new Set(), orders: new Set() };
  for (const fn of cloud.deployment.resources.filter((r) => r.type === 'ALIYUN::FC::Function')) {
    const env = (fn.props.EnvironmentVariables ?? {}) as Record<string, unknown>;
    if (typeof env.SESSIONS_TABLE === 'string') roles.sessions.add(env.SESSIONS_TABLE);
    if (typeof env.ORDERS_TABLE === 'string') roles.orders.add(env.ORDERS_TABLE);
  }
  return roles;
}

function findTable(cloud: LocalCloud, name: string): TableSummary {
  const table = cloud.tablestore.describeTables().find((t) => t.spec.name === name);
  if (!table) throw noSuchTable();
  return table;
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest('The path is not valid percent-encoding.');
  }
}

/** The body as a JSON object of strings, with only these keys (absent ones as undefined). */
function jsonBody<K extends string>(body: Buffer, keys: K[]): Partial<Record<K, string>> {
  const shape = `The body must be a JSON object with string fields among: ${keys.join(', ')}.`;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest(shape);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(shape);
  const out: Partial<Record<K, string>> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!(keys as string[]).includes(k) || typeof v !== 'string') throw badRequest(shape);
    out[k as K] = v;
  }
  return out;
}

/** POSTs JSON to a development endpoint of the Alipay emulator; its refusal becomes the console's, with its message. */
async function relay(url: string, payload: Record<string, string>): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(RELAY_TIMEOUT_MS),
    });
  } catch {
    throw upstream(502, 'The Alipay emulator did not answer.');
  }
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status !== 200) throw upstream(res.status, typeof answer.error === 'string' ? answer.error : `The Alipay emulator answered HTTP ${res.status}.`);
  return answer;
}

/** Whether `work` settles within `ms` (it goes on either way). */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
