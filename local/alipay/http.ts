import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../http';

const MAX_BODY_BYTES = 64 * 1024;

/** The request body as text; undefined when it exceeds the limit (the caller answers 413). */
export async function readText(req: IncomingMessage): Promise<string | undefined> {
  return (await readBody(req, MAX_BODY_BYTES))?.toString('utf8');
}

export function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json;charset=utf-8', JSON.stringify(value));
}
