import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { alipayErrors, frontDoorPage, refusalAnswer, type AlipayErrorValue } from './errors';
import { parseAuthCodeRequest, parsePhoneNumberRequest } from './dev';
import { AuthGrants } from './grants';
import { closeServer, createServiceServer, listen, requestTarget } from '../http';
import { MAX_BODY_BYTES, send, sendJson } from './http';
import { oauthToken, type MethodResult } from './oauth';
import { isAesKey, phoneNumberPayload } from './phone';
import { checkRequest } from './request';
import { answerBody, rsa2Sign } from './signing';

export interface AlipayFault {
  kind: 'http5xx' | 'timeout' | 'badSignature';
}

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
  /** One call per request; never carries codes, tokens, ids or phone numbers. */
  log?: (line: Record<string, unknown>) => void;
}

type Method = (params: Record<string, string>, grants: AuthGrants) => MethodResult;

const METHODS: Record<string, Method> = {
  'alipay.system.oauth.token': oauthToken,
};

export const NO_AES_KEY_ERROR = "no AES key is configured: the stack's AesKey parameter is empty";

/**
 * Local stand-in for the Alipay OpenAPI v2 gateway (`gateway.do`), enough for the login flow:
 * it verifies requests as Alipay does and signs answers with the "Alipay" key, so the real
 * alipay-sdk can run against it with `validateSign: true`. Beside it, `/dev/*` stands in for the
 * in-app APIs that feed a server: my.getAuthCode and my.getPhoneNumber.
 */
export class AlipayGatewayEmulator {
  private server?: Server;
  private base?: string;
  private readonly grants: AuthGrants;
  private readonly now: () => number;
  /** Requests held open by a `timeout` fault; destroyed on close so nothing outlives the emulator. */
  private readonly held = new Set<ServerResponse>();
  /**
   * Development stand-ins for in-app APIs, with no cloud counterpart (my.getAuthCode and
   * my.getPhoneNumber run inside the Alipay app), so they may answer any origin: the browser demo
   * on the FC port calls them cross-origin.
   */
  private readonly devRoutes = new Map<string, (res: ServerResponse, body: string) => void>([
    ['/dev/auth-code', (res, body) => this.authCode(res, body)],
    ['/dev/phone-number', (res, body) => this.phoneNumber(res, body)],
  ]);

  constructor(private readonly opts: AlipayGatewayOptions) {
    if (opts.aesKey && !isAesKey(opts.aesKey)) {
      throw new Error('AlipayGatewayEmulator: aesKey must be base64 of 16 bytes (24 characters ending in ==), as the Alipay console shows it');
    }
    this.now = opts.now ?? Date.now;
    this.grants = new AuthGrants(this.now, opts.codeTtlMs ?? 5 * 60_000);
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServiceServer(
      { service: 'alipay', maxBodyBytes: MAX_BODY_BYTES, refuse: refusalAnswer, log: this.opts.log },
      (req, res, body) => this.route(req, res, body.toString('utf8')),
    );
    this.server = server;
    this.base = await listen(server, port, host);
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

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held.clear();
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  private baseUrl(): string {
    if (!this.base) throw new Error('AlipayGatewayEmulator: call listen() first');
    return this.base;
  }

  private route(req: IncomingMessage, res: ServerResponse, body: string): void {
    const { pathname, query } = requestTarget(req.url);
    if (pathname === '/gateway.do' && (req.method === 'POST' || req.method === 'GET')) return this.gateway(req, res, query, body);
    const dev = this.devRoutes.get(pathname);
    if (dev) {
      res.setHeader('access-control-allow-origin', '*');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' });
        res.end();
        return;
      }
      if (req.method === 'POST') return dev(res, body);
    }
    send(res, 404, 'text/html', frontDoorPage(404));
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
    if (fault?.kind === 'timeout') {
      // Never answer; the client gives up on its own timeout and closes the socket.
      this.held.add(res);
      res.on('close', () => {
        this.held.delete(res);
        this.log(method, 'fault:timeout', started);
      });
      return;
    }

    const { responseKey, value, signable, outcome } = this.answer(method, params);
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

  private answer(
    method: string,
    params: Record<string, string>,
  ): { responseKey: string; value: object; signable: boolean; outcome: string } {
    const failed = (error: AlipayErrorValue, signable = true) => ({
      responseKey: 'error_response',
      value: error,
      signable,
      outcome: error.sub_code,
    });
    const refusal = checkRequest(params, this.opts.appId, this.opts.appPublicKeyPem);
    if (refusal) return failed(refusal.error, refusal.signable);
    const handler = METHODS[method];
    if (!handler) return failed(alipayErrors.invalidMethod());
    const result = handler(params, this.grants);
    if (!result.ok) return failed(result.error);
    return { responseKey: `${method.replace(/\./g, '_')}_response`, value: result.value, signable: true, outcome: 'ok' };
  }
}
