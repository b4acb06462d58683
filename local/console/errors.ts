import type { ServerResponse } from 'node:http';

/**
 * The console's one error format, `{"error": {"code", "message"}}`, built here and nowhere else.
 * Messages say what was wrong with the request, never echo a value from it.
 */
export class ConsoleError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra answer headers (`allow` for a 405). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const forbidden = (message: string): ConsoleError => new ConsoleError(403, 'Forbidden', message);
export const notFound = (): ConsoleError => new ConsoleError(404, 'NotFound', 'No such console path.');
export const noSuchTable = (): ConsoleError => new ConsoleError(404, 'NoSuchTable', 'The stack has no table of that name.');
export const methodNotAllowed = (allowed: string[]): ConsoleError =>
  new ConsoleError(405, 'MethodNotAllowed', `This path takes ${allowed.join(' or ')}.`, { allow: allowed.join(', ') });
export const badRequest = (message: string): ConsoleError => new ConsoleError(400, 'BadRequest', message);
export const payloadTooLarge = (limit: number): ConsoleError => new ConsoleError(413, 'PayloadTooLarge', `A console request body is at most ${limit} bytes.`);
export const notStarted = (): ConsoleError => new ConsoleError(503, 'NotStarted', 'The local cloud is still starting; retry in a moment.');
export const tooManyStreams = (limit: number): ConsoleError =>
  new ConsoleError(503, 'TooManyStreams', `At most ${limit} log streams are open at once; close a console tab.`);
/** A local emulator the console relays to refused or failed; its own message is passed on (it names no secrets). */
export const upstream = (status: number, message: string): ConsoleError => new ConsoleError(status >= 500 ? 502 : status, 'Upstream', message);
export const internal = (): ConsoleError => new ConsoleError(500, 'Internal', 'The console failed; see the local cloud output.');

/** Headers on every console answer: never cached, never sniffed, never framed, no referrer sent on. */
export const COMMON_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { ...COMMON_HEADERS, ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) });
  res.end(body);
}

export function sendError(res: ServerResponse, e: ConsoleError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.status, { error: { code: e.code, message: e.message } }, e.headers);
}
