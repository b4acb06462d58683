import type { ServerResponse } from 'node:http';

/**
 * The largest request body the local gateway reads. Alipay publishes no request size limit for
 * gateway.do; what the login flow sends (alipay.system.oauth.token: the common parameters, a short
 * auth code and a 344-character RSA2 signature) is under 2 KB, and so is `/dev/auth-code`'s JSON.
 * 64 KB refuses nothing real and bounds what is read before the signature is checked.
 */
export const MAX_BODY_BYTES = 64 * 1024;

export function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json;charset=utf-8', JSON.stringify(value));
}
