/**
 * A stand-in for `urllib` inside the bundles that call Alipay (session, pay, reconcile), covering exactly what alipay-sdk's `exec`
 * uses: `urllib.request(url, {method, data, dataType: 'text', timeout, headers})`. urllib 4
 * brings undici (523 KB minified), and loading it was ~60 ms of every cold start that calls Alipay; Node's
 * own http/https do this one form POST just as well. alipay-sdk itself is unchanged: it still
 * signs, sends, parses and verifies. Options this doesn't implement throw instead of misbehaving.
 */
import * as http from 'node:http';
import * as https from 'node:https';

export class HttpClientRequestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpClientRequestError';
  }
}
export class HttpClientRequestTimeoutError extends HttpClientRequestError {
  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super(`Request timeout for ${timeoutMs} ms`, options);
    this.name = 'HttpClientRequestTimeoutError';
  }
}

/** alipay-sdk builds an HTTP/2 agent at load and takes an optional proxy agent; neither is used by `exec` here. */
export class Agent {
  constructor(readonly options?: unknown) {}
}
export class ProxyAgent extends Agent {}

export interface RequestOptions {
  method?: string;
  data?: Record<string, unknown> | string | Buffer;
  dataType?: 'text' | 'json' | 'buffer';
  timeout?: number | [number, number];
  headers?: Record<string, string>;
  dispatcher?: unknown;
  [unsupported: string]: unknown;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  data: unknown;
  res: { status: number; statusCode: number; headers: http.IncomingHttpHeaders };
}

const SUPPORTED = new Set(['method', 'data', 'dataType', 'timeout', 'headers', 'dispatcher']);
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

export function request(url: string, options: RequestOptions = {}): Promise<HttpResponse> {
  const extra = Object.keys(options).filter((k) => !SUPPORTED.has(k) && options[k] !== undefined);
  if (extra.length > 0) return Promise.reject(new Error(`urllib-lite: unsupported option(s) ${extra.join(', ')}`));
  const method = (options.method ?? 'GET').toUpperCase();
  const target = new URL(url);
  const headers: Record<string, string> = { ...options.headers };
  let body: Buffer | undefined;
  if (options.data !== undefined) {
    if (method === 'GET' || method === 'HEAD') {
      for (const [k, v] of Object.entries(options.data as Record<string, unknown>)) target.searchParams.append(k, String(v));
    } else if (typeof options.data === 'string' || Buffer.isBuffer(options.data)) {
      body = Buffer.from(options.data);
    } else {
      // As urllib does for an object body without a JSON content type.
      body = Buffer.from(new URLSearchParams(options.data as Record<string, string>).toString());
      headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    }
  }
  if (body) headers['content-length'] = String(body.length);
  const timeoutMs = Array.isArray(options.timeout) ? options.timeout[0] + options.timeout[1] : (options.timeout ?? 5000);
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(target, { method, headers, agent: agents[target.protocol as 'http:' | 'https:'] }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(new HttpClientRequestError(e.message, { cause: e })));
      res.on('end', () => {
        clearTimeout(timer);
        const raw = Buffer.concat(chunks);
        const status = res.statusCode ?? 0;
        let data: unknown = raw;
        if (options.dataType === 'text') data = raw.toString('utf8');
        else if (options.dataType === 'json') data = raw.length ? JSON.parse(raw.toString('utf8')) : null;
        resolve({ status, headers: res.headers, data, res: { status, statusCode: status, headers: res.headers } });
      });
    });
    const timer = setTimeout(() => req.destroy(new HttpClientRequestTimeoutError(timeoutMs)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e instanceof HttpClientRequestError ? e : new HttpClientRequestError(e.message, { cause: e }));
    });
    req.end(body);
  });
}

export default { request };
