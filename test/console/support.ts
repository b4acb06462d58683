import * as http from 'node:http';
import type { LocalCloud } from '../../local/cloud';
import { consoleRoute, type ConsoleRoute } from '../../local/console/route';
import { startCloud } from '../support/local';
import { operatorClient } from '../support/tables';
import { TableStore, call } from '../support/tablestore-sdk';

/** Local mode with the console on its FC port, as npm start serves it; `base` is the console's URL (…/_local). */
export async function startConsoleCloud(): Promise<{ cloud: LocalCloud; route: ConsoleRoute; base: string }> {
  // Read per request, as npm start does: the route exists before the cloud it shows.
  const started: { cloud?: LocalCloud } = {};
  const route = consoleRoute(() => started.cloud);
  const cloud = (started.cloud = await startCloud({ fcExtraRoute: route }));
  return { cloud, route, base: `${cloud.config.endpoint}/_local` };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

/**
 * One request with exactly these headers (Node's client lets a test set Host, which fetch does
 * not), to `url`, or through `via` (host and port to connect to) when the Host should differ.
 */
export function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; via?: { host: string; port: number } } = {},
): Promise<Answer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: opts.via?.host ?? target.hostname,
        port: opts.via?.port ?? target.port,
        path: `${target.pathname}${target.search}`,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A console POST as the page sends it (JSON, the console's header), plus any `headers`. */
export const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> =>
  request(`${base}/api${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-local-console': '1', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

export const get = (base: string, path: string): Promise<Answer> => request(`${base}/api${path}`);

/** One SSE event of the console's log stream. */
export interface StreamEvent {
  event: string;
  data: any;
}

/**
 * Opens the log stream and collects its events until `done(events)` holds (or `timeoutMs`
 * passes: it then rejects), then closes the connection.
 */
export function readStream(base: string, done: (events: StreamEvent[]) => boolean, onOpen?: () => void, timeoutMs = 10_000): Promise<StreamEvent[]> {
  const url = new URL(`${base}/api/logs`);
  return new Promise((resolve, reject) => {
    const events: StreamEvent[] = [];
    let buffer = '';
    const req = http.get({ host: url.hostname, port: url.port, path: url.pathname, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`log stream answered ${res.statusCode}`));
        return;
      }
      onOpen?.();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
        if (done(events)) {
          clearTimeout(timer);
          req.destroy();
          resolve(events);
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`log stream: condition not met within ${timeoutMs} ms; got ${JSON.stringify(events).slice(0, 2000)}`));
    }, timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/**
 * Writes `count` rows into the objects table through the real SDK (BatchWriteRow, 200 rows a
 * request), keyed `(uid, collection, id)` with ids `prefix` + a zero-padded number from `from`.
 */
export async function plantObjects(cloud: LocalCloud, uid: string, count: number, opts: { from?: number; collection?: string } = {}): Promise<void> {
  const client = operatorClient(cloud, ['ots:BatchWriteRow']);
  const table = cloud.fc.instance(cloud.config.ServiceName, cloud.config.DBFunctionName)!.spec.environment.OBJECTS_TABLE;
  const from = opts.from ?? 0;
  for (let start = from; start < from + count; start += 200) {
    const rows = [];
    for (let i = start; i < Math.min(from + count, start + 200); i++) {
      rows.push({
        type: 'PUT',
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
        primaryKey: [{ uid }, { collection: opts.collection ?? 'todos' }, { id: String(i).padStart(5, '0') }],
        attributeColumns: [
          { fields: JSON.stringify({ text: `todo number ${i}`, done: i % 3 === 0 }) },
          { version: TableStore.Long.fromNumber(1) },
          { createdAt: TableStore.Long.fromNumber(1_790_000_000_000 + i * 1000) },
        ],
        returnContent: { returnType: TableStore.ReturnType.NONE },
      });
    }
    const answer = await call(client, 'batchWriteRow', { tables: [{ tableName: table, rows }] });
    const failed = answer.tables.filter((r: any) => !r.isOk);
    if (failed.length) throw new Error(`batchWriteRow: ${failed.length} rows failed: ${JSON.stringify(failed[0])}`);
  }
}
