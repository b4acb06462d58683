import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isWildcardHost } from './host';

/** What every emulator does to start: listen on 127.0.0.1 (port 0 = ephemeral) and return its base URL. */
export function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      // A wildcard listener is reached on loopback from this machine; an IPv6 literal needs brackets in a URL.
      resolve(`http://${isWildcardHost(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${bound}`);
    });
  });
}

/** Stops a server now: the SDKs keep connections alive, and an idle socket would otherwise hold close() open. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * The request target split as sent, never throwing: WHATWG `new URL(target, base)` throws on `//`
 * and `/\` (it reads them as a host), and would also resolve `..`. A query key given twice stays
 * twice in `query`.
 */
export function requestTarget(raw: string | undefined): { pathname: string; query: URLSearchParams } {
  const target = raw ?? '/';
  const q = target.indexOf('?');
  return { pathname: q < 0 ? target : target.slice(0, q), query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) };
}

/**
 * Slow clients. Node's defaults (headers 60 s, whole request 300 s, checked every 30 s) are in
 * effect without these, but let one connection hold a socket for up to 90 s before it sends a
 * header. Every client of the local cloud is on this machine and writes its headers in one go,
 * and the largest body any service takes (FC's 32 MB) crosses loopback in well under a second.
 * requestTimeout only runs until the request is received: a function that takes longer to answer
 * is not cut.
 */
export const HEADERS_TIMEOUT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 30_000;
const TIMEOUT_CHECK_INTERVAL_MS = 500;
/**
 * After refusing a body it did not read, a server half-closes and keeps dropping what the client
 * still sends for this long before it closes: closing with unread input makes the TCP stack send a
 * reset, which "might erase the client's unacknowledged input buffers" before the client reads the
 * answer (RFC 9112 §9.6, "Tear-down"). nginx's lingering_close does the same.
 */
const LINGER_MS = 2_000;

/** Why the shared front answered instead of the service's handler; the service words it in its own format. */
export type Refusal =
  /** Not HTTP a server can parse (Node's parser refused it). */
  | { kind: 'malformed'; reason: string }
  /** Request line and headers past Node's limit (16 KB, `maxHeaderSize`). */
  | { kind: 'headers-too-large' }
  /** Headers or body not received within HEADERS_TIMEOUT_MS / REQUEST_TIMEOUT_MS. */
  | { kind: 'timeout' }
  /** A body longer than the service takes, declared (content-length) or streamed. */
  | { kind: 'body-too-large'; limit: number }
  /** The handler threw: an emulator bug, answered as the service answers its own internal errors. */
  | { kind: 'internal' };

/** An error answer in a service's own format. `code` is for the log line. */
export interface ErrorAnswer {
  status: number;
  code: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

export interface ServiceFront {
  /** `service` of the front's log lines. */
  service: string;
  /** The largest request body the service takes, in bytes; each service cites its source. */
  maxBodyBytes: number;
  /** The service's error answer for a refusal; `req` is absent when the request could not be parsed. */
  refuse: (refusal: Refusal, req?: IncomingMessage) => ErrorAnswer;
  log?: (line: Record<string, unknown>) => void;
}

/** A service's request handler, given the whole body (at most `maxBodyBytes`). */
export type ServiceHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void> | void;

/**
 * The one way an emulator creates its HTTP server, so that no request, however malformed, can stop
 * it: the body is bounded before it is read, a handler's throw or rejection becomes the service's
 * 500, what Node's parser refuses gets the service's 400/408/431, and a client that resets or stops
 * reading is only logged.
 */
export function createServiceServer(front: ServiceFront, handler: ServiceHandler): Server {
  // Last resort, should the service's own error renderer throw: drop the connection, never the process.
  const request = (req: IncomingMessage, res: ServerResponse): void => {
    serve(front, handler, req, res).catch((e) => {
      front.log?.({ service: front.service, status: 0, code: 'Dropped', error: String((e as Error)?.stack ?? e) });
      res.destroy();
    });
  };
  const server = createServer(
    { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
    request,
  );
  // With `expect: 100-continue` a client waits before sending the body: refuse an oversized one
  // before it is sent, instead of Node's default of inviting it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!declaresTooMuch(req, front.maxBodyBytes)) res.writeContinue();
    request(req, res);
  });
  // An `expect` other than 100-continue: Node's default answers a bare 417. nginx (the front door
  // of these services) ignores expectations it does not know, and so does this.
  server.on('checkExpectation', request);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    try {
      answerClientError(front, err, socket);
    } catch (e) {
      front.log?.({ service: front.service, status: 0, code: 'Dropped', error: String((e as Error)?.stack ?? e) });
      socket.destroy();
    }
  });
  return server;
}

async function serve(front: ServiceFront, handler: ServiceHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Writing after the client went away must not become an uncaught 'error' event.
  res.on('error', (e) => front.log?.({ service: front.service, reason: 'response-error', error: String(e) }));
  try {
    const body = await readBoundedBody(req, front.maxBodyBytes);
    if (body === 'aborted') {
      front.log?.({ service: front.service, status: 0, code: 'ClientAborted' });
      return;
    }
    if (body === 'too-large') {
      refuseUnreadBody(front, req, res);
      return;
    }
    await handler(req, res, body);
  } catch (e) {
    const answer = front.refuse({ kind: 'internal' }, req);
    front.log?.({ service: front.service, status: answer.status, code: answer.code, reason: 'internal', error: String((e as Error)?.stack ?? e) });
    if (res.headersSent || res.destroyed) res.destroy();
    else send(res, answer);
  }
}

const declaresTooMuch = (req: IncomingMessage, limit: number): boolean =>
  req.headers['content-length'] !== undefined && Number(req.headers['content-length']) > limit;

/**
 * The body, or 'too-large' as soon as it is known to pass `limit` (from content-length before a
 * byte is read, else when the streamed bytes pass it; what was read is dropped), or 'aborted' when
 * the client goes away first. Node's parser has already refused a malformed content-length.
 */
function readBoundedBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'aborted'> {
  if (declaresTooMuch(req, limit)) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: Buffer | 'too-large' | 'aborted') => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onClose);
      chunks = [];
      resolve(outcome);
    };
    // Plain 'data' events: an async iterator over the request costs a few tenths of a ms per request.
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) settle('too-large');
      else chunks.push(chunk);
    };
    const onEnd = () => settle(Buffer.concat(chunks, size));
    const onAbort = () => settle('aborted');
    const onClose = () => {
      if (!req.complete) settle('aborted');
    };
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onClose);
  });
}

/** The service's size refusal for a body left (partly) unread, then the connection is closed without draining it. */
function refuseUnreadBody(front: ServiceFront, req: IncomingMessage, res: ServerResponse): void {
  const answer = front.refuse({ kind: 'body-too-large', limit: front.maxBodyBytes }, req);
  front.log?.({ service: front.service, status: answer.status, code: answer.code, reason: 'body-too-large' });
  const socket = req.socket;
  // Node ends a `connection: close` answer with socket.destroySoon(), which closes as soon as the
  // answer is flushed: replaced here by the staged close (see LINGER_MS).
  socket.destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
  // Dropped, not kept: reading on only lets the client see the answer, for LINGER_MS at most.
  req.resume();
  send(res, answer, { connection: 'close' });
}

function send(res: ServerResponse, answer: ErrorAnswer, extra: Record<string, string> = {}): void {
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body, 'utf8') : answer.body;
  res.writeHead(answer.status, { ...answer.headers, ...extra, 'content-length': String(body.length) });
  res.end(body);
}

/**
 * What Node's parser refused (bad syntax, headers too large, too slow) or a socket error. There is
 * no request or response object here, so the answer is written on the socket, then it is closed,
 * as Node's default does; a client that is gone (reset, broken pipe) or an answer already under way
 * leaves only the close.
 */
function answerClientError(front: ServiceFront, err: NodeJS.ErrnoException, socket: Socket): void {
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  const gone = err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable || inFlight?.headersSent === true;
  if (gone) {
    front.log?.({ service: front.service, status: 0, code: err.code ?? 'SocketError' });
    socket.destroy();
    return;
  }
  const refusal: Refusal =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? { kind: 'headers-too-large' }
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? { kind: 'timeout' }
        : { kind: 'malformed', reason: err.code ?? 'unknown' };
  const answer = front.refuse(refusal);
  front.log?.({ service: front.service, status: answer.status, code: answer.code, reason: refusal.kind, error: err.code });
  socket.end(rawAnswer(answer), () => socket.destroy());
  // A client that does not read its answer does not keep the socket either.
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

function rawAnswer(answer: ErrorAnswer): Buffer {
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body, 'utf8') : Buffer.from(answer.body);
  const headers = { ...answer.headers, 'content-length': String(body.length), connection: 'close' };
  const head = [`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}
