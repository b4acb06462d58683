import type { Readable } from 'node:stream';
import { AppError } from './errors';

/** The FC 2.0 HTTP-trigger request and response objects, as far as the HTTP functions (session, notify) use them. */
export interface HttpRequest extends Partial<Readable> {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  path?: string;
  /** Some runtime versions hand the body over ready-made; otherwise it is read from the stream. */
  body?: Buffer | string;
}
export interface HttpResponse {
  setStatusCode(code: number): void;
  setHeader(name: string, value: string): void;
  send(body: string | Buffer): void;
}

export const MAX_BODY_BYTES = 8 * 1024;

/** Reads at most `limit` bytes; a longer body is refused as soon as it passes the limit. */
export async function readBody(req: HttpRequest, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const tooLarge = () => new AppError('PayloadTooLarge', `The body must be at most ${limit} bytes.`);
  if (req.body !== undefined) {
    const buf = Buffer.isBuffer(req.body) ? req.body : Buffer.from(String(req.body));
    if (buf.length > limit) throw tooLarge();
    return buf;
  }
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function sendJson(resp: HttpResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  resp.setStatusCode(status);
  resp.setHeader('content-type', 'application/json; charset=utf-8');
  resp.setHeader('cache-control', 'no-store');
  for (const [k, v] of Object.entries(headers)) resp.setHeader(k, v);
  resp.send(JSON.stringify(body));
}
