/**
 * The functions' log lines, live, as Server-Sent Events: on connect the last HISTORY_LINES lines
 * the local cloud kept (`functionLogs`), then each new line as the function prints it
 * (`onFunctionLog`). Every line is masked (masking.ts) before it leaves the process.
 *
 * Events: `hello` first on every connection (the page clears its list: a reconnecting EventSource
 * gets the history again), then one `log` per line, `{text, fields?, at?}`: `fields` is the parsed
 * JSON line (requestId, function, op, outcome, ms, …), absent for plain text; `at` is when a live
 * line arrived (history lines carry no time of their own).
 */
import type { ServerResponse } from 'node:http';
import type { LocalCloud } from '../cloud';
import { COMMON_HEADERS, tooManyStreams } from './errors';
import type { Masker } from './masking';

export const HISTORY_LINES = 500;
/** Open streams at once: each holds a listener on every log line; a page opens one. */
export const MAX_STREAMS = 16;
/** A comment this often keeps idle connections (and proxies in between) from timing out. */
const HEARTBEAT_MS = 15_000;
/**
 * Unsent bytes a stream may hold before it is dropped: a tab in the background reads slowly, and
 * the process must not buffer a busy cloud's whole output for it. Its EventSource reconnects and
 * gets the history again.
 */
const MAX_UNSENT_BYTES = 1024 * 1024;

export interface LogEntry {
  text: string;
  fields?: Record<string, unknown>;
  at?: string;
}

export function logEntry(line: string, masker: Masker, at?: number): LogEntry {
  const time = at === undefined ? {} : { at: new Date(at).toISOString() };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { text: masker.text(line), ...time };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { text: masker.text(line), ...time };
  const fields = masker.json(parsed) as Record<string, unknown>;
  return { text: JSON.stringify(fields), fields, ...time };
}

export class LogStreams {
  private readonly open = new Set<ServerResponse>();

  get size(): number {
    return this.open.size;
  }

  /** Answers with the stream; it ends when the client goes away or the cloud's server closes. */
  serve(res: ServerResponse, cloud: LocalCloud, masker: Masker): void {
    if (this.open.size >= MAX_STREAMS) throw tooManyStreams(MAX_STREAMS);
    res.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    this.open.add(res);
    const send = (event: string, data: unknown): void => {
      if (res.destroyed) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (res.writableLength > MAX_UNSENT_BYTES) res.destroy();
    };
    const history = cloud.functionLogs.slice(-HISTORY_LINES);
    send('hello', { history: history.length });
    for (const line of history) send('log', logEntry(line, masker));
    const unsubscribe = cloud.onFunctionLog((line) => {
      // Called from inside the FC emulator's output handling: a failure here must stay here.
      try {
        send('log', logEntry(line, masker, Date.now()));
      } catch {
        res.destroy();
      }
    });
    const heartbeat = setInterval(() => {
      if (!res.destroyed) res.write(': ping\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();
    const close = (): void => {
      unsubscribe();
      clearInterval(heartbeat);
      this.open.delete(res);
    };
    // The response's close, not the request's: a request closes as soon as its body is read.
    res.once('close', close);
  }
}
