import { ClientError } from './errors';
import type { Transport } from './transport';

/** The part of the Alipay `my` object the adapter uses. */
export interface MyLike {
  request(options: {
    url: string;
    method: string;
    headers: Record<string, string>;
    data: string;
    dataType: 'text';
    timeout?: number;
    success(res: MyResponse): void;
    fail(err: MyFailure): void;
  }): unknown;
}
export interface MyResponse {
  status: number;
  headers?: Record<string, string>;
  data: unknown;
}
/** `error` 19 is "HTTP error": a non-2xx answer, which recent base libraries deliver with status, headers and data. */
export interface MyFailure {
  error?: number;
  errorMessage?: string;
  status?: number;
  headers?: Record<string, string>;
  data?: unknown;
}

const lowerKeys = (h: Record<string, string> | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const k of Object.keys(h ?? {})) out[k.toLowerCase()] = String(h![k]);
  return out;
};
const asText = (data: unknown): string => (typeof data === 'string' ? data : data == null ? '' : JSON.stringify(data));

/**
 * For the Alipay mini-program: `myRequestTransport(my)`. `dataType: 'text'` keeps the body raw
 * (the default `json_or_text` would parse it, and error bodies must be read as sent). A string
 * `data` is sent as the body unchanged; header values must be strings (my.request's rule).
 * Non-2xx answers arrive in `fail` with a status: they are answers, not network failures.
 */
export function myRequestTransport(my: MyLike, opts: { timeoutMs?: number } = {}): Transport {
  return (req) =>
    new Promise((resolve, reject) => {
      my.request({
        url: req.url,
        method: req.method,
        headers: req.headers,
        data: req.body,
        dataType: 'text',
        timeout: opts.timeoutMs ?? 30000,
        success: (res) => resolve({ status: res.status, headers: lowerKeys(res.headers), text: asText(res.data) }),
        fail: (err) => {
          if (typeof err?.status === 'number' && err.status > 0) {
            resolve({ status: err.status, headers: lowerKeys(err.headers), text: asText(err.data) });
          } else {
            reject(new ClientError('NetworkError', `my.request failed: ${err?.errorMessage ?? 'unknown'} (${err?.error ?? '?'})`));
          }
        },
      });
    });
}
