import { once } from 'node:events';
import * as net from 'node:net';
import * as path from 'node:path';
import FC from '@alicloud/fc2';
import type { LocalCloud } from '../../local/cloud';
import { demoRoute } from '../../local/demo';
import { HEADERS_TIMEOUT_MS } from '../../local/http';
import { MAX_BODY_BYTES as ALIPAY_MAX_BODY } from '../../local/alipay/http';
import { MAX_PAYLOAD_BYTES } from '../../local/fc/server';
import { MAX_BODY_BYTES as STS_MAX_BODY } from '../../local/sts/emulator';
import { MAX_REQUEST_BODY_BYTES } from '../../local/tablestore/limits';
import { pb } from '../../local/tablestore/proto';
import { db, login, startCloud } from '../support/local';
import { json, parseAnswer, type RawAnswer, type Service } from '../support/raw-http';

/**
 * Issue 11: no request, however malformed, may stop an emulator. Every HTTP port of a booted local
 * cloud (FC's API with the demo route, the session trigger's own port, STS, the Alipay gateway,
 * Tablestore) gets malformed targets, HTTP Node's parser refuses, bodies over the service's limit
 * (declared and streamed), slow clients and resets, written on raw sockets because Node's client
 * refuses to send most of them. Each must be answered in that service's own error format, and the
 * whole login + db flow must still work after every case.
 */

const TableStore: any = require('tablestore');
const ROOT = path.resolve(__dirname, '..', '..');
const MB = 1024 * 1024;

interface Exchange {
  answer?: RawAnswer;
  /** The server closed (or reset) the connection before `waitMs`. */
  closed: boolean;
  /** When the answer was complete (or when the exchange ended without one). */
  answeredMs: number;
  closedMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const portOf = (url: string) => Number(new URL(url).port);

/** Writes `parts` on a new connection (`gapMs` apart) and collects the answer until the server closes or `waitMs` passes. */
function exchange(url: string, parts: Array<string | Buffer>, { gapMs = 0, waitMs = 3000, reset = false } = {}): Promise<Exchange> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(portOf(url), '127.0.0.1');
    let received = Buffer.alloc(0);
    let answeredMs: number | undefined;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const ms = Date.now() - started;
      resolve({ answer: parseAnswer(received), closed, answeredMs: answeredMs ?? ms, closedMs: ms });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      if (answeredMs === undefined && parseAnswer(received)) answeredMs = Date.now() - started;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    void (async () => {
      for (const part of parts) {
        if (done || socket.destroyed) return;
        socket.write(part);
        if (gapMs) await sleep(gapMs);
      }
      if (reset && !socket.destroyed) socket.resetAndDestroy();
    })();
  });
}

/** A request as raw text; `body` is sent with its content-length unless `headers` says otherwise. */
function request(method: string, target: string | Buffer, headers: Record<string, string | number> = {}, body: string | Buffer = ''): Buffer {
  const all: Record<string, string | number> = { host: '127.0.0.1', connection: 'close', ...headers };
  if (!('content-length' in all) && !('transfer-encoding' in all) && (body.length > 0 || method === 'POST')) all['content-length'] = Buffer.byteLength(body);
  const head = Object.entries(all)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.concat([Buffer.from(`${method} `), Buffer.from(target as string, 'latin1'), Buffer.from(` HTTP/1.1\r\n${head}\r\n`), Buffer.from(body)]);
}

/** The error code of an answer in the service's own error format, or undefined if it is not in that format. */
const codeIn: Record<Service, (a: RawAnswer) => string | undefined> = {
  // FC: JSON {ErrorCode, ErrorMessage} with a request id (fc2 makes it FC<ErrorCode>Error).
  fc: (a) => (a.headers['x-fc-request-id'] && typeof json(a)?.ErrorMessage === 'string' ? json(a)?.ErrorCode : undefined),
  trigger: (a) => codeIn.fc(a),
  // STS/POP: JSON {RequestId, HostId, Code, Message, Recommend}.
  sts: (a) => {
    const b = json(a);
    return typeof b?.RequestId === 'string' && typeof b?.Message === 'string' && b?.HostId === 'sts.aliyuncs.com' ? b.Code : undefined;
  },
  // Alipay's front door: Tengine's HTML page whose title is the status.
  alipay: (a) =>
    a.headers['content-type']?.startsWith('text/html') && a.body.toString().includes(`<title>${a.status} `) && a.body.toString().includes('Tengine')
      ? `http-${a.status}`
      : undefined,
  // Tablestore: protobuf Error{code, message}.
  tablestore: (a) => {
    if (a.headers['content-type'] !== 'application/x-protobuf') return undefined;
    try {
      const code = pb.Error.decode(a.body).code;
      return /^OTS/.test(code) ? code : undefined;
    } catch {
      return undefined;
    }
  },
};

describe('malformed HTTP on every local cloud port', () => {
  let cloud: LocalCloud;
  const logs: string[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  let ports: Record<Service, string>;
  /** A target the service routes a POST to. */
  let postTarget: Record<Service, string>;

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    cloud = await startCloud({ log: (line) => logs.push(line), fcExtraRoute: demoRoute(ROOT, () => cloud?.config) });
    ports = {
      fc: cloud.fc.url,
      trigger: cloud.config.SessionUrl,
      sts: cloud.sts.url,
      alipay: new URL(cloud.alipay.gatewayUrl).origin,
      tablestore: cloud.tablestore.url,
    };
    postTarget = {
      fc: `/2016-08-15/services/${cloud.config.ServiceName}/functions/${cloud.config.DBFunctionName}/invocations`,
      trigger: '/',
      sts: '/',
      alipay: '/gateway.do',
      tablestore: '/PutRow',
    };
  });

  afterAll(async () => {
    await cloud?.stop();
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  });

  /** Nothing escaped as an uncaught exception or rejection, and the whole flow still works: every port is up. */
  afterEach(async () => {
    expect(uncaught).toEqual([]);
    const session = await login(cloud);
    await db(cloud, session, { op: 'put', obj: { id: 'alive', v: 1 } });
    expect((await db(cloud, session, { op: 'get', id: 'alive' })).data).toMatchObject({ id: 'alive', v: 1 });
  });

  /** A well-formed request per port, answered as the service answers it (unsigned where signing is needed). */
  const ping: Record<Service, () => Promise<void>> = {
    fc: async () => {
      const { answer } = await exchange(ports.fc, [request('POST', postTarget.fc, {}, '{}')]);
      expect(answer && [answer.status, codeIn.fc(answer)]).toEqual([403, 'AccessDenied']);
    },
    trigger: async () => {
      const { answer } = await exchange(ports.trigger, [request('POST', '/', { 'content-type': 'application/json' }, '{}')]);
      expect(answer?.status).toBe(400);
      expect(typeof json(answer!)?.error?.code).toBe('string');
    },
    sts: async () => {
      const { answer } = await exchange(ports.sts, [request('GET', '/?Action=Nope')]);
      expect(answer && [answer.status, codeIn.sts(answer)]).toEqual([404, 'InvalidAction.NotFound']);
    },
    alipay: async () => {
      const { answer } = await exchange(ports.alipay, [
        request('POST', '/dev/auth-code', { 'content-type': 'application/json' }, '{"userId":"2088000000000001"}'),
      ]);
      expect(answer?.status).toBe(200);
      expect(typeof json(answer!)?.authCode).toBe('string');
    },
    tablestore: async () => {
      const { answer } = await exchange(ports.tablestore, [request('POST', '/ListTable')]);
      expect(answer && [answer.status, codeIn.tablestore(answer)]).toEqual([400, 'OTSParameterInvalid']);
    },
  };

  const SERVICES: Service[] = ['fc', 'trigger', 'sts', 'alipay', 'tablestore'];

  describe('malformed targets answer 4xx in the service format', () => {
    const targets: Array<[string, string | Buffer]> = [
      ['%ZZ', '/%ZZ'],
      ['//', '//'],
      ['/\\', '/\\'],
      ['//evil.example/x', '//evil.example/x'],
      ['a broken UTF-8 escape at the end', '/x%E4%B8'],
      ['raw non-ASCII bytes', Buffer.from('/\u00e4\u00b8\u00ad', 'latin1')],
      ['a 10 KB path', `/${'a'.repeat(10 * 1024)}`],
      ['a demo path with //', '//demo/'],
      ['a demo path with a bad escape', '/demo/%ZZ'],
    ];
    test.each(SERVICES.flatMap((s) => targets.flatMap(([name, t]) => ['GET', 'POST'].map((m) => [s, m, name, t] as const))))(
      '%s: %s %s',
      async (service, method, _name, target) => {
        const { answer } = await exchange(ports[service], [request(method, target as string)]);
        expect(answer).toBeDefined();
        if (service === 'fc' && String(target).startsWith('/demo/')) {
          // The demo's own local-only pages: a plain 404, or 405 for anything but GET.
          expect(answer!.status).toBe(method === 'GET' ? 404 : 405);
        } else if (service === 'trigger' && codeIn.fc(answer!) === undefined) {
          // A POST the trigger takes reaches the function, which answers in its own format.
          expect(method).toBe('POST');
          expect(typeof json(answer!)?.error?.code).toBe('string');
        } else {
          expect(codeIn[service](answer!)).toBeDefined();
        }
        expect(answer!.status).toBeGreaterThanOrEqual(400);
        expect(answer!.status).toBeLessThan(500);
        await ping[service]();
      },
    );

    test('a trigger path ending in a broken escape: 400 InvalidArgument at both trigger addresses', async () => {
      const direct = await exchange(ports.trigger, [request('POST', '/login%E4%B8', {}, '{}')]);
      expect(direct.answer && [direct.answer.status, codeIn.fc(direct.answer)]).toEqual([400, 'InvalidArgument']);
      const proxied = await exchange(ports.fc, [
        request('POST', `/2016-08-15/proxy/${cloud.config.ServiceName}/${cloud.config.SessionFunctionName}/%E4%B8`, {}, '{}'),
      ]);
      expect(proxied.answer && [proxied.answer.status, codeIn.fc(proxied.answer)]).toEqual([400, 'InvalidArgument']);
    });

    test('FC trigger limits: a path and query over 4 KB, headers over 8 KB → 400 InvalidArgument; at the limits the function answers', async () => {
      const path4k = (n: number) => `/?q=${'a'.repeat(n - 4)}`;
      const atPath = await exchange(ports.trigger, [request('POST', path4k(4096), { 'content-type': 'application/json' }, '{}')]);
      expect(codeIn.fc(atPath.answer!)).toBeUndefined();
      const overPath = await exchange(ports.trigger, [request('POST', path4k(4097), {}, '{}')]);
      expect(overPath.answer && [overPath.answer.status, codeIn.fc(overPath.answer)]).toEqual([400, 'InvalidArgument']);
      const overHeaders = await exchange(ports.trigger, [request('POST', '/', { 'x-pad': 'p'.repeat(8 * 1024) }, '{}')]);
      expect(overHeaders.answer && [overHeaders.answer.status, codeIn.fc(overHeaders.answer)]).toEqual([400, 'InvalidArgument']);
    });
  });

  describe('HTTP that Node parser refuses: the service format, then the connection is closed', () => {
    const cases: Array<[string, Buffer | string, number[]]> = [
      ['a garbage request line', 'GARBAGE\r\n\r\n', [400]],
      ['a header line without a colon', 'GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n', [400]],
      ['a non-numeric content-length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', [400]],
      ['content-length with chunked', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', [400]],
      ['a bad chunk size mid-body', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n', [400]],
      ['an unknown HTTP version', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', [400]],
      ['NUL bytes', Buffer.from([0, 0, 0, 13, 10, 13, 10]), [400]],
      // Over Node's 16 KB header limit: 431, or 400 where the service says so (FC: InvalidArgument; Alipay's nginx: 400).
      ['a 20 KB path', `GET /${'a'.repeat(20 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`, [400, 431]],
      ['a 20 KB header', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`, [400, 431]],
    ];
    test.each(SERVICES.flatMap((s) => cases.map(([name, raw, statuses]) => [s, name, raw, statuses] as const)))(
      '%s: %s',
      async (service, _name, raw, statuses) => {
        const res = await exchange(ports[service], [raw as string]);
        expect(res.answer).toBeDefined();
        expect(statuses).toContain(res.answer!.status);
        expect(codeIn[service](res.answer!)).toBeDefined();
        expect(res.answer!.headers.connection).toBe('close');
        expect(res.closed).toBe(true);
        await ping[service]();
      },
    );

    test('each refusal is logged with its service and code', async () => {
      logs.length = 0;
      await exchange(ports.tablestore, ['GARBAGE\r\n\r\n']);
      const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toContainEqual(expect.objectContaining({ service: 'tablestore', status: 400, code: 'OTSParameterInvalid', reason: 'malformed' }));
    });
  });

  describe('bodies are bounded before they are read', () => {
    const tooLarge: Record<Service, [number, string]> = {
      fc: [400, 'EntityTooLarge'],
      trigger: [400, 'InvalidArgument'],
      sts: [413, 'RequestEntityTooLarge'],
      alipay: [413, 'http-413'],
      tablestore: [413, 'OTSRequestBodyTooLarge'],
    };
    const limit: Record<Service, number> = {
      fc: MAX_PAYLOAD_BYTES,
      trigger: MAX_PAYLOAD_BYTES,
      sts: STS_MAX_BODY,
      alipay: ALIPAY_MAX_BODY,
      tablestore: MAX_REQUEST_BODY_BYTES,
    };
    /** What the service answers for a body of exactly its limit (read, then refused for another reason or served). */
    const atLimit: Record<Service, [number, string | undefined]> = {
      fc: [403, 'AccessDenied'],
      // The session function takes at most 8 KB: its own 413 shows FC passed the body on.
      trigger: [413, undefined],
      sts: [404, 'InvalidAction.NotFound'],
      alipay: [200, undefined],
      tablestore: [400, 'OTSParameterInvalid'],
    };

    test('the documented limits', () => {
      expect(MAX_PAYLOAD_BYTES).toBe(32 * MB);
      expect(MAX_REQUEST_BODY_BYTES).toBe(5 * MB);
      expect([STS_MAX_BODY, ALIPAY_MAX_BODY]).toEqual([64 * 1024, 64 * 1024]);
    });

    test.each(SERVICES)('%s: a 4 GB content-length is refused at once, unread, and the connection closed', async (service) => {
      const res = await exchange(ports[service], [request('POST', postTarget[service], { 'content-length': 4 * 1024 * MB })]);
      expect(res.answer && [res.answer.status, codeIn[service](res.answer)]).toEqual(tooLarge[service]);
      expect(res.answeredMs).toBeLessThan(1000);
      expect(res.answer!.headers.connection).toBe('close');
      expect(res.closed).toBe(true);
    });

    test.each(SERVICES)('%s: with expect: 100-continue the refusal comes instead of 100 Continue', async (service) => {
      const res = await exchange(ports[service], [request('POST', postTarget[service], { 'content-length': 4 * 1024 * MB, expect: '100-continue' })]);
      expect(res.answer && [res.answer.status, codeIn[service](res.answer)]).toEqual(tooLarge[service]);
    });

    test.each(SERVICES)(
      '%s: a body of exactly the limit is read; one byte more is refused',
      async (service) => {
        const contentType = service === 'sts' || service === 'alipay' ? 'application/x-www-form-urlencoded' : 'application/octet-stream';
        const body = (n: number) => Buffer.alloc(n, service === 'trigger' ? ' ' : 'a');
        const at = await exchange(ports[service], [request('POST', postTarget[service], { 'content-type': contentType }, body(limit[service]))], {
          waitMs: 20_000,
        });
        const [status, code] = atLimit[service];
        expect(at.answer?.status).toBe(status);
        if (code) expect(codeIn[service](at.answer!)).toBe(code);
        const over = await exchange(ports[service], [request('POST', postTarget[service], { 'content-type': contentType }, body(limit[service] + 1))], {
          waitMs: 20_000,
        });
        expect(over.answer && [over.answer.status, codeIn[service](over.answer)]).toEqual(tooLarge[service]);
      },
      60_000,
    );

    test.each(SERVICES)(
      '%s: after refusing a body it did not read, the server half-closes and drops what still comes (RFC 9112 §9.6), then closes',
      async (service) => {
        const socket = net.connect({ port: portOf(ports[service]), host: '127.0.0.1', allowHalfOpen: true });
        const events: string[] = [];
        let received = Buffer.alloc(0);
        socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
        socket.on('end', () => events.push('end'));
        socket.on('error', (e: NodeJS.ErrnoException) => events.push(`error:${e.code}`));
        socket.on('close', () => events.push('close'));
        await once(socket, 'connect');
        socket.write(request('POST', postTarget[service], { 'content-length': 64 * MB }));
        for (let i = 0; i < 40 && !events.includes('end'); i++) await sleep(25);
        expect(parseAnswer(received) && [parseAnswer(received)!.status, codeIn[service](parseAnswer(received)!)]).toEqual(tooLarge[service]);
        expect(events).toEqual(['end']);
        // The client, still sending its body, is not reset: an immediate close would make the
        // server's TCP stack answer these bytes with a reset, which may erase the answer unread.
        const chunk = Buffer.alloc(64 * 1024, 'x');
        for (const until = Date.now() + 300; Date.now() < until;) {
          socket.write(chunk);
          await sleep(10);
        }
        expect(events).toEqual(['end']);
        socket.end();
        for (let i = 0; i < 60 && !events.includes('close'); i++) await sleep(50);
        expect(events).toEqual(['end', 'close']);
      },
    );

    test('the real SDKs read the refusal of a body they are still sending (the staged close)', async () => {
      // Unsigned is enough: the size is refused before anything else is looked at.
      const ots = new TableStore.Client({ endpoint: ports.tablestore, instancename: 'any', accessKeyId: 'k', secretAccessKey: 's', maxRetries: 0 });
      const otsError = await new Promise<any>((resolve) =>
        ots.putRow(
          {
            tableName: 'any',
            condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
            primaryKey: [{ id: 'big' }],
            attributeColumns: [1, 2, 3].map((i) => ({ [`c${i}`]: 'x'.repeat(2 * MB - 100) })),
          },
          (err: unknown) => resolve(err),
        ),
      );
      expect(otsError.code).toBe(413);
      expect(String(otsError.message)).toContain('OTSRequestBodyTooLarge');
      const fc2 = new FC(cloud.config.AccountId, { accessKeyID: 'k', accessKeySecret: 's', region: cloud.config.Region, endpoint: ports.fc, timeout: 20_000 });
      await expect(fc2.invokeFunction(cloud.config.ServiceName, cloud.config.DBFunctionName, Buffer.alloc(MAX_PAYLOAD_BYTES + 1))).rejects.toMatchObject({
        code: 'EntityTooLarge',
      });
    }, 30_000);

    test.each(SERVICES)(
      '%s: a chunked body streamed past the limit is cut off without holding it in memory',
      async (service) => {
        // Well past the limit: 64 MB, or 8x FC's 32 MB.
        const total = Math.max(64 * MB, 8 * limit[service]);
        const chunk = Buffer.alloc(256 * 1024, 'x');
        const socket = net.connect(portOf(ports[service]), '127.0.0.1');
        await once(socket, 'connect');
        let received = Buffer.alloc(0);
        let closed = false;
        socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
        socket.on('error', () => undefined);
        socket.on('close', () => (closed = true));
        const baseline = process.memoryUsage().rss;
        let peak = baseline;
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
        const started = Date.now();
        socket.write(request('POST', postTarget[service], { 'transfer-encoding': 'chunked' }));
        let sent = 0;
        while (sent < total && !closed && !parseAnswer(received)) {
          socket.write(`${chunk.length.toString(16)}\r\n`);
          socket.write(chunk);
          sent += chunk.length;
          // Not events.once: it rejects when the server's close resets the socket.
          if (!socket.write('\r\n')) await new Promise((r) => (socket.once('drain', r), socket.once('close', r), setTimeout(r, 200)));
        }
        const answeredMs = Date.now() - started;
        // The server half-closes after its answer and closes within its linger time.
        for (let i = 0; i < 60 && !closed; i++) await sleep(50);
        clearInterval(sampler);
        socket.destroy();
        const answer = parseAnswer(received);
        expect(answer && [answer.status, codeIn[service](answer)]).toEqual(tooLarge[service]);
        expect(sent).toBeLessThan(total);
        expect(answeredMs).toBeLessThan(10_000);
        expect(closed).toBe(true);
        expect(peak - baseline).toBeLessThan(total / 2);
      },
      30_000,
    );
  });

  describe('slow and vanishing clients', () => {
    const timeoutCode: Record<Service, string> = {
      fc: 'RequestTimeout',
      trigger: 'RequestTimeout',
      sts: 'RequestTimeout',
      alipay: 'http-408',
      tablestore: 'OTSRequestTimeout',
    };

    test(
      'a client dribbling its headers is cut off with 408 while the same port serves others',
      async () => {
        await Promise.all(
          SERVICES.map(async (service) => {
            const dribble = Array.from({ length: Math.ceil((HEADERS_TIMEOUT_MS + 4000) / 250) }, (_, i) => `X-Slow-${i}: y\r\n`);
            const slow = exchange(ports[service], [`POST ${postTarget[service]} HTTP/1.1\r\nHost: x\r\n`, ...dribble], {
              gapMs: 250,
              waitMs: HEADERS_TIMEOUT_MS + 5000,
            });
            await sleep(1000);
            await ping[service]();
            const res = await slow;
            expect(res.closed).toBe(true);
            expect(res.closedMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
            expect(res.closedMs).toBeLessThan(HEADERS_TIMEOUT_MS + 2000);
            expect(res.answer && [res.answer.status, codeIn[service](res.answer)]).toEqual([408, timeoutCode[service]]);
          }),
        );
      },
      HEADERS_TIMEOUT_MS + 20_000,
    );

    test.each(SERVICES)('%s: a connection reset mid-body or right after the request is only logged', async (service) => {
      await exchange(ports[service], [request('POST', postTarget[service], { 'content-length': 1000 }), 'x'.repeat(10)], { reset: true, gapMs: 20 });
      await exchange(ports[service], [request('POST', postTarget[service], {}, '{}')], { reset: true });
      await sleep(200);
      await ping[service]();
    });

    test('a client that resets while many pipelined answers are being written (EPIPE/ECONNRESET mid-response)', async () => {
      const pipelined = Array.from({ length: 200 }, () => request('GET', '/demo/', { connection: 'keep-alive' }));
      const socket = net.connect(portOf(ports.fc), '127.0.0.1');
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      socket.write(Buffer.concat(pipelined));
      await once(socket, 'data');
      socket.resetAndDestroy();
      await sleep(300);
      await ping.fc();
    });
  });
});
