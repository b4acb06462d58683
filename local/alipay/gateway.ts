import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { alipayErrors, frontDoorPage, refusalAnswer, tradeErrors, type AlipayErrorValue } from './errors';
import { parseAuthCodeRequest, parsePhoneNumberRequest } from './dev';
import { AuthGrants } from './grants';
import { closeServer, createServiceServer, listen, requestTarget } from '../http';
import { MAX_BODY_BYTES, send, sendJson } from './http';
import { newNotifyId, signedNotification, tradeNotificationParams } from './notification';
import { DEFAULT_NOTIFY_DELAY_SCALE, DEFAULT_NOTIFY_TIMEOUT_MS, Notifier, type NotificationAttempt, type NotificationInfo, type NotifyFault } from './notifier';
import { oauthToken, type MethodResult } from './oauth';
import { isAesKey, phoneNumberPayload } from './phone';
import { checkRequest } from './request';
import { answerBody, rsa2Sign } from './signing';
import { TradeDevEndpoints, type DevAnswer } from './trade-dev';
import { TradeFile } from './trade-file';
import { tradeMethods } from './trade-methods';
import { TradeStore, type Trade } from './trades';

/**
 * Faults of one gateway call (the fault hook is given the method name):
 * - http5xx: the front door answers an HTML 502; the method does not run.
 * - timeout: no answer at all; the method does not run.
 * - badSignature: the method runs and answers, signed over other bytes.
 * - systemError: the "unknown outcome" answer (20000, aop.ACQ.SYSTEM_ERROR); the method does not run.
 * - timeoutAfterCommit: the method runs and its change is stored, then no answer comes: the caller
 *   cannot tell whether a trade was created or closed, and must retry or query.
 */
export interface AlipayFault {
  kind: 'http5xx' | 'timeout' | 'badSignature' | 'systemError' | 'timeoutAfterCommit';
}

/** The local merchant's own Alipay user id, the seller_id of its notifications. */
export const DEFAULT_SELLER_ID = '2088000000000009';
/** How often unpaid trades are checked against their timeout_express, besides on every call. */
export const EXPIRY_SWEEP_MS = 1_000;

export interface AlipayGatewayOptions {
  appId: string;
  /** Verifies each request's RSA2 signature. */
  appPublicKeyPem: string;
  /** Signs answers; its public half is the stack's AlipayPublicKey. */
  gatewayPrivateKeyPem: string;
  now?: () => number;
  /** Auth code lifetime, default 5 minutes. */
  codeTtlMs?: number;
  fault?: (method: string) => AlipayFault | undefined;
  /**
   * The app's AES key (base64 of 16 bytes; the stack's AesKey parameter), with which
   * `/dev/phone-number` encrypts. Absent or empty: that endpoint answers 409, as the app's server
   * could not decrypt a phone number anyway.
   */
  aesKey?: string;
  /**
   * One line per request and per notification attempt; never carries codes, tokens, signatures,
   * buyer ids or phone numbers.
   */
  log?: (line: Record<string, unknown>) => void;
  /**
   * Where trades are kept (JSON Lines, one line per change, written before the change is
   * answered; see trade-file.ts). Undefined: in memory only.
   */
  tradesFile?: string;
  /** seller_id in notifications; default DEFAULT_SELLER_ID. */
  sellerId?: string;
  /** Multiplies Alipay's notification retry schedule (4m, 10m, …); default 1/1000. */
  notifyDelayScale?: number;
  /** How long a notification attempt waits for the receiver's answer; default 3 s. */
  notifyTimeoutMs?: number;
  /** Drop, duplicate, delay or reorder a notification attempt. */
  notifyFault?: (n: NotificationInfo) => NotifyFault;
}

type Method = (params: Record<string, string>) => MethodResult;

/**
 * Business answers (40004 failures, the 20000 unknown outcome) come inside the method's own
 * response key, as in captured trade API answers; the gateway's own checks (40001/40002 isv.*)
 * keep the `error_response` key this emulator has always used for them.
 */
const IN_METHOD_KEY = new Set(['40004', '20000']);

export const NO_AES_KEY_ERROR = "no AES key is configured: the stack's AesKey parameter is empty";

/**
 * Local stand-in for the Alipay OpenAPI v2 gateway (`gateway.do`), enough for login and
 * payments: it verifies requests as Alipay does and signs answers with the "Alipay" key, so the
 * real alipay-sdk can run against it with `validateSign: true`; it keeps the app's trades
 * (alipay.trade.create / query / close) and POSTs signed notifications to their notify_url,
 * retried on Alipay's schedule. Beside it, `/dev/*` stands in for what happens outside the
 * merchant's server: my.getAuthCode, my.getPhoneNumber, my.tradePay's cashier and a refund.
 */
export class AlipayGatewayEmulator {
  private server?: Server;
  private base?: string;
  private readonly grants: AuthGrants;
  private readonly now: () => number;
  private readonly tradeFile?: TradeFile;
  private readonly trades: TradeStore;
  private readonly notifier: Notifier;
  private readonly methods: Record<string, Method>;
  private readonly tradeDev: TradeDevEndpoints;
  /** Requests held open by a `timeout` fault; destroyed on close so nothing outlives the emulator. */
  private readonly held = new Set<ServerResponse>();
  private sweep?: NodeJS.Timeout;
  /**
   * Development stand-ins for what happens inside the Alipay app (my.getAuthCode,
   * my.getPhoneNumber, my.tradePay's cashier) or in the merchant console (a refund), with no
   * cloud counterpart, so they may answer any origin: the browser demo on the FC port calls them
   * cross-origin.
   */
  private readonly devRoutes = new Map<string, Partial<Record<'GET' | 'POST', (res: ServerResponse, body: string, query: URLSearchParams) => void>>>([
    ['/dev/auth-code', { POST: (res, body) => this.authCode(res, body) }],
    ['/dev/phone-number', { POST: (res, body) => this.phoneNumber(res, body) }],
    ['/dev/pay', { POST: (res, body) => this.sendDev(res, 'dev.pay', () => this.tradeDev.pay(body)) }],
    ['/dev/refund', { POST: (res, body) => this.sendDev(res, 'dev.refund', () => this.tradeDev.refund(body)) }],
    ['/dev/cashier', { GET: (res, _body, query) => this.sendDev(res, 'dev.cashier', () => this.tradeDev.cashier(query, randomBytes(16).toString('base64'))) }],
  ]);

  constructor(private readonly opts: AlipayGatewayOptions) {
    if (opts.aesKey && !isAesKey(opts.aesKey)) {
      throw new Error('AlipayGatewayEmulator: aesKey must be base64 of 16 bytes (24 characters ending in ==), as the Alipay console shows it');
    }
    const scale = opts.notifyDelayScale ?? DEFAULT_NOTIFY_DELAY_SCALE;
    if (!(scale >= 0 && Number.isFinite(scale))) throw new Error('AlipayGatewayEmulator: notifyDelayScale must be a finite number >= 0');
    this.now = opts.now ?? Date.now;
    this.grants = new AuthGrants(this.now, opts.codeTtlMs ?? 5 * 60_000);
    this.tradeFile = opts.tradesFile ? new TradeFile(opts.tradesFile) : undefined;
    this.trades = new TradeStore(this.now, this.tradeFile);
    this.notifier = new Notifier({
      delayScale: scale,
      timeoutMs: opts.notifyTimeoutMs ?? DEFAULT_NOTIFY_TIMEOUT_MS,
      fault: opts.notifyFault,
      log: opts.log,
    });
    const notify = (trade: Trade, url: string) => this.notifyTrade(trade, url);
    this.methods = {
      'alipay.system.oauth.token': (params) => oauthToken(params, this.grants),
      ...tradeMethods(this.trades, notify),
    };
    this.tradeDev = new TradeDevEndpoints(this.trades, notify);
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServiceServer({ service: 'alipay', maxBodyBytes: MAX_BODY_BYTES, refuse: refusalAnswer, log: this.opts.log }, (req, res, body) =>
      this.route(req, res, body.toString('utf8')),
    );
    this.server = server;
    this.base = await listen(server, port, host);
    // Alipay closes timed-out trades (and notifies them) whether or not anyone calls.
    this.sweep = setInterval(() => this.expireDue(), EXPIRY_SWEEP_MS);
    return this.base;
  }

  get gatewayUrl(): string {
    return `${this.baseUrl()}/gateway.do`;
  }

  get authCodeUrl(): string {
    return `${this.baseUrl()}/dev/auth-code`;
  }

  get phoneNumberUrl(): string {
    return `${this.baseUrl()}/dev/phone-number`;
  }

  /** POST {"tradeNo", "outcome": "paid" | "cancelled"} → {"resultCode"}: the buyer in the cashier. */
  get payUrl(): string {
    return `${this.baseUrl()}/dev/pay`;
  }

  /** POST {"tradeNo"}: a full refund of a paid trade. */
  get refundUrl(): string {
    return `${this.baseUrl()}/dev/refund`;
  }

  /** GET ?tradeNo=…: the cashier page my.tradePay would show. */
  get cashierUrl(): string {
    return `${this.baseUrl()}/dev/cashier`;
  }

  /** Every notification attempt so far (the most recent MAX_KEPT_ATTEMPTS), oldest first. */
  get notifications(): readonly NotificationAttempt[] {
    return this.notifier.attempts;
  }

  /** Resolves when no notification is being sent, held or waiting for a retry. */
  whenNotificationsIdle(): Promise<void> {
    return this.notifier.whenIdle();
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    this.notifier.close();
    for (const res of this.held) res.destroy();
    this.held.clear();
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
    this.tradeFile?.close();
  }

  private baseUrl(): string {
    if (!this.base) throw new Error('AlipayGatewayEmulator: call listen() first');
    return this.base;
  }

  private route(req: IncomingMessage, res: ServerResponse, body: string): void {
    const { pathname, query } = requestTarget(req.url);
    if (pathname === '/gateway.do' && (req.method === 'POST' || req.method === 'GET')) return this.gateway(req, res, query, body);
    if (this.devRoutes.has(pathname)) return this.dev(req, res, body);
    send(res, 404, 'text/html', frontDoorPage(404));
  }

  /**
   * The dev endpoints where another local server received the request (`npm start` also serves
   * them on the FC port, so authCodeUrl stays the same from run to run): answers and returns true
   * for a /dev/ path this emulator serves, else returns false. The body is bounded as here.
   */
  serveDev(req: IncomingMessage, res: ServerResponse, body: Buffer): boolean {
    if (!this.devRoutes.has(requestTarget(req.url).pathname)) return false;
    if (body.length > MAX_BODY_BYTES) {
      const answer = refusalAnswer({ kind: 'body-too-large', limit: MAX_BODY_BYTES });
      res.writeHead(answer.status, answer.headers).end(answer.body);
      return true;
    }
    this.dev(req, res, body.toString('utf8'));
    return true;
  }

  private dev(req: IncomingMessage, res: ServerResponse, body: string): void {
    const { pathname, query } = requestTarget(req.url);
    const dev = this.devRoutes.get(pathname)!;
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      const methods = Object.keys(dev).join(', ');
      res.writeHead(204, { 'access-control-allow-methods': methods, 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' });
      res.end();
      return;
    }
    const handler = dev[req.method as 'GET' | 'POST'];
    if (handler) return handler(res, body, query);
    send(res, 404, 'text/html', frontDoorPage(404));
  }

  /** Sends a payments dev endpoint's answer and logs it (the outcome only: no trade numbers or ids). */
  private sendDev(res: ServerResponse, method: string, handle: () => DevAnswer): void {
    const started = performance.now();
    this.expireDue();
    const answer = handle();
    if ('page' in answer) send(res, answer.status, answer.page.headers['content-type']!, answer.page.body, answer.page.headers);
    else sendJson(res, answer.status, answer.json);
    this.log(method, answer.outcome, started);
  }

  /** Closes the unpaid trades past their timeout_express and notifies each. Never throws (it also runs from a timer). */
  private expireDue(): void {
    try {
      for (const trade of this.trades.expireDue()) if (trade.notifyUrl) this.notifyTrade(trade, trade.notifyUrl);
    } catch (e) {
      this.opts.log?.({ service: 'alipay', method: 'expire', outcome: 'internal', error: String(e) });
    }
  }

  /**
   * Queues a trade's notification as of now (a later change does not alter it). One notify_id
   * for all its attempts; each attempt is signed afresh with its own notify_time.
   */
  private notifyTrade(trade: Trade, url: string): void {
    const notifyId = newNotifyId(this.now());
    const ctx = { appId: this.opts.appId, sellerId: this.opts.sellerId ?? DEFAULT_SELLER_ID, notifyId };
    this.notifier.send({
      url,
      outTradeNo: trade.outTradeNo,
      tradeStatus: trade.status,
      body: () => signedNotification(tradeNotificationParams(trade, { ...ctx, notifyTime: this.now() }), this.opts.gatewayPrivateKeyPem),
    });
  }

  private log(method: string, outcome: string, started: number): void {
    this.opts.log?.({ service: 'alipay', method, outcome, ms: Math.round(performance.now() - started) });
  }

  /**
   * `POST /dev/auth-code {"userId"?, "openId"?, "unionId"?}` → `{"authCode":"..."}`: the local
   * `my.getAuthCode`. The code redeems for exactly the ids given (see oauth.ts).
   */
  private authCode(res: ServerResponse, body: string): void {
    const started = performance.now();
    const request = parseAuthCodeRequest(body);
    if (!request.ok) {
      sendJson(res, 400, { error: request.error });
      return this.log('dev.auth-code', 'bad-request', started);
    }
    sendJson(res, 200, { authCode: this.grants.issueCode(request.value) });
    this.log('dev.auth-code', 'ok', started);
  }

  /**
   * `POST /dev/phone-number {"mobile":"1..."}` → what `my.getPhoneNumber` gives the mini-program
   * (`{response, sign, sign_type, encrypt_type, charset}`), encrypted with the app's AES key.
   */
  private phoneNumber(res: ServerResponse, body: string): void {
    const started = performance.now();
    const { aesKey } = this.opts;
    if (!aesKey) {
      sendJson(res, 409, { error: NO_AES_KEY_ERROR });
      return this.log('dev.phone-number', 'no-aes-key', started);
    }
    const request = parsePhoneNumberRequest(body);
    if (!request.ok) {
      sendJson(res, 400, { error: request.error });
      return this.log('dev.phone-number', 'bad-request', started);
    }
    sendJson(res, 200, phoneNumberPayload(request.value, aesKey, this.opts.gatewayPrivateKeyPem));
    this.log('dev.phone-number', 'ok', started);
  }

  private gateway(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, body: string): void {
    const started = performance.now();
    // alipay-sdk puts the common parameters in the query and the API's own in a form body.
    const params: Record<string, string> = Object.fromEntries(query);
    if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
    }
    const method = params.method ?? '';

    const fault = this.opts.fault?.(method);
    if (fault?.kind === 'http5xx') {
      send(res, 502, 'text/html', frontDoorPage(502));
      return this.log(method, 'fault:http5xx', started);
    }
    if (fault?.kind === 'timeout') return this.holdOpen(res, method, 'fault:timeout', started);
    if (fault?.kind === 'systemError') {
      const key = this.opts.gatewayPrivateKeyPem;
      send(
        res,
        200,
        'text/html;charset=utf-8',
        answerBody(responseKeyOf(method), tradeErrors.systemError(), (c) => rsa2Sign(c, key)),
        {
          trace_id: randomBytes(15).toString('hex'),
        },
      );
      return this.log(method, 'fault:systemError', started);
    }

    this.expireDue();
    const { responseKey, value, signable, outcome } = this.answer(method, params);
    if (fault?.kind === 'timeoutAfterCommit') return this.holdOpen(res, method, `${outcome}+fault:timeoutAfterCommit`, started);
    const key = this.opts.gatewayPrivateKeyPem;
    const sign = !signable
      ? undefined
      : fault?.kind === 'badSignature'
        ? (content: string) => rsa2Sign(`${content} `, key) // well-formed, but over other bytes
        : (content: string) => rsa2Sign(content, key);
    send(res, 200, 'text/html;charset=utf-8', answerBody(responseKey, value, sign), {
      trace_id: randomBytes(15).toString('hex'),
    });
    this.log(method, fault ? `${outcome}+fault:badSignature` : outcome, started);
  }

  /** Never answers; the client gives up on its own timeout and closes the socket. */
  private holdOpen(res: ServerResponse, method: string, outcome: string, started: number): void {
    this.held.add(res);
    res.on('close', () => {
      this.held.delete(res);
      this.log(method, outcome, started);
    });
  }

  private answer(method: string, params: Record<string, string>): { responseKey: string; value: object; signable: boolean; outcome: string } {
    const failed = (error: AlipayErrorValue, signable = true) => ({
      responseKey: 'error_response',
      value: error,
      signable,
      outcome: error.sub_code,
    });
    const refusal = checkRequest(params, this.opts.appId, this.opts.appPublicKeyPem);
    if (refusal) return failed(refusal.error, refusal.signable);
    const handler = Object.hasOwn(this.methods, method) ? this.methods[method] : undefined;
    if (!handler) return failed(alipayErrors.invalidMethod());
    const result = handler(params);
    if (!result.ok) {
      if (!IN_METHOD_KEY.has(result.error.code)) return failed(result.error);
      return { responseKey: responseKeyOf(method), value: result.error, signable: true, outcome: result.error.sub_code };
    }
    return { responseKey: responseKeyOf(method), value: result.value, signable: true, outcome: 'ok' };
  }
}

/** `alipay.trade.create` → `alipay_trade_create_response`, the key alipay-sdk looks for and verifies. */
function responseKeyOf(method: string): string {
  return `${method.replace(/\./g, '_')}_response`;
}
