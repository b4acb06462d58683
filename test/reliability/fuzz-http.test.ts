import * as net from 'node:net';
import * as path from 'node:path';
import fc from 'fast-check';
import type { LocalCloud } from '../../local/cloud';
import { localPages } from '../../local/pages';
import { HEADERS_TIMEOUT_MS } from '../../local/http';
import { pb } from '../../local/tablestore/proto';
import { db, login, startCloud } from '../support/local';
import { json, parseAnswer, type RawAnswer, type Service } from '../support/raw-http';
import { fuzzRuns, report } from './support';

/**
 * Random malformed HTTP at every port of a booted local cloud (issue 11): random bytes in the
 * method, target, headers and body, broken framing, requests cut short, reset or dribbled, in
 * concurrent groups, while slow clients hold connections open on every port the whole time.
 * Every answer must be in the port's own format and never a 5xx, no connection may hang, and
 * after every batch each port must still serve a well-formed request and the login + db flow
 * must work. `npm test` runs a few groups; `npm run soak` (FUZZ_RUNS) many.
 */
const RUNS = fuzzRuns(150);
const BATCH = 25;
/** Longer than the slowest answer a request can earn: the session function's 10 s timeout. */
const WAIT_MS = 15_000;
const ROOT = path.resolve(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SERVICES: Service[] = ['fc', 'trigger', 'sts', 'alipay', 'tablestore'];

type Delivery =
  /** All at once; the server must answer or close. */
  | { kind: 'whole' }
  /** In pieces a few ms apart; the server must answer or close. */
  | { kind: 'split'; cuts: number[]; gapMs: number }
  /** A prefix, then the client half-closes: the server must close. */
  | { kind: 'truncated'; keep: number }
  /** A prefix, then a TCP reset. */
  | { kind: 'reset'; keep: number }
  /** A prefix, then the client waits and gives up. */
  | { kind: 'stalled'; keep: number; waitMs: number };

interface Outcome {
  answer?: RawAnswer;
  /** The server closed (or reset) the connection. */
  closed: boolean;
  /** Neither an answer nor a close within WAIT_MS. */
  hung: boolean;
}

/** Sends `bytes` as `delivery` says and reports what came back. */
function deliver(url: string, bytes: Buffer, delivery: Delivery, head: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (o: Omit<Outcome, 'answer'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      let answer: RawAnswer | undefined;
      try {
        answer = parseAnswer(received, head, o.closed);
      } catch (e) {
        answer = { status: 0, headers: {}, body: Buffer.from(String(e)) };
      }
      resolve({ answer, ...o });
    };
    const waitMs = delivery.kind === 'stalled' ? delivery.waitMs : WAIT_MS;
    const timer = setTimeout(() => finish({ closed: false, hung: delivery.kind !== 'stalled' && delivery.kind !== 'reset' }), waitMs);
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      try {
        if (parseAnswer(received, head)) finish({ closed: false, hung: false });
      } catch {
        finish({ closed: false, hung: false });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish({ closed: true, hung: false }));
    socket.once('connect', async () => {
      switch (delivery.kind) {
        case 'whole':
          socket.write(bytes);
          break;
        case 'split': {
          let at = 0;
          for (const cut of [...delivery.cuts.map((c) => Math.floor(c * bytes.length)).sort((a, b) => a - b), bytes.length]) {
            if (done) return;
            socket.write(bytes.subarray(at, Math.max(at, cut)));
            at = Math.max(at, cut);
            await sleep(delivery.gapMs);
          }
          break;
        }
        case 'truncated':
          socket.end(bytes.subarray(0, Math.floor(delivery.keep * bytes.length)));
          break;
        case 'reset':
          socket.write(bytes.subarray(0, Math.floor(delivery.keep * bytes.length)), () => {
            if (!socket.destroyed) socket.resetAndDestroy();
            finish({ closed: false, hung: false });
          });
          break;
        case 'stalled':
          socket.write(bytes.subarray(0, Math.floor(delivery.keep * bytes.length)));
          break;
      }
    });
  });
}

const fcError = (a: RawAnswer) => Boolean(a.headers['x-fc-request-id'] && typeof json(a)?.ErrorCode === 'string' && typeof json(a)?.ErrorMessage === 'string');
/** The session function's own error answer: {error:{code,message}}. */
const functionError = (a: RawAnswer) => typeof json(a)?.error?.code === 'string';
const tengine = (a: RawAnswer) =>
  Boolean(a.headers['content-type']?.startsWith('text/html') && a.body.toString().includes(`<title>${a.status} `) && a.body.toString().includes('Tengine'));

/** Is this error answer (status >= 400) in the port's own format? */
const inFormat: Record<Service, (a: RawAnswer, target: string) => boolean> = {
  // FC's JSON error, the demo's local-only pages (plain 404/405), through /proxy/ the function's own error, the
  // console's {error:{code,message}}, or Alipay's dev endpoints as the Alipay emulator answers them.
  fc: (a, target) =>
    fcError(a) ||
    (target.startsWith('/demo/') && [404, 405].includes(a.status)) ||
    (target.startsWith('/2016-08-15/proxy/') && functionError(a)) ||
    (target.startsWith('/_local') && functionError(a)) ||
    (target.startsWith('/dev/') && (tengine(a) || typeof json(a)?.error === 'string')),
  trigger: (a) => fcError(a) || functionError(a),
  sts: (a) => typeof json(a)?.RequestId === 'string' && typeof json(a)?.Code === 'string' && json(a)?.HostId === 'sts.aliyuncs.com',
  // The front door's page, or /dev/auth-code's JSON refusal.
  alipay: (a) => tengine(a) || typeof json(a)?.error === 'string',
  tablestore: (a) => {
    if (a.headers['content-type'] !== 'application/x-protobuf') return false;
    try {
      return /^OTS/.test(pb.Error.decode(a.body).code);
    } catch {
      return false;
    }
  },
};

// ---- Random requests ----------------------------------------------------------------------

const bytesOf = (s: string) => Buffer.from(s, 'latin1');
const anyByte = fc.integer({ min: 0, max: 255 });
/**
 * Text with the characters that break parsers and decoders, as latin1 bytes: `raw` weighs any byte
 * at all (controls, CR/LF, non-ASCII), which Node's parser mostly refuses, so most text gets through
 * to the services.
 */
const nasty = (maxLength: number, raw = 1) =>
  fc
    .array(
      fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...'abcXYZ019-_.~/') },
        {
          weight: 3,
          arbitrary: fc.constantFrom('%', '%ZZ', '%E4%B8', '%00', '%2F', '\\', '//', '..', '?', '#', '&', '=', ' ', '\t', '"', '<', "'", '\u00e4', '\u00ff'),
        },
        { weight: raw, arbitrary: anyByte.map((b) => String.fromCharCode(b)) },
      ),
      { maxLength },
    )
    .map((a) => a.join(''));

const method = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH') },
  { weight: 2, arbitrary: fc.constantFrom('CONNECT', 'TRACE', 'BREW', 'get', 'PRI', '') },
  { weight: 1, arbitrary: nasty(12) },
);

const target = (cloudPaths: string[]) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        '/',
        '//',
        '/\\',
        '/%ZZ',
        '/x%E4%B8',
        '//evil.example/x',
        '*',
        'http://evil.example/x',
        '/demo/',
        '/demo',
        '/demo/app.js',
        '/_local/',
        '/_local/api/tables/objects/rows?limit=0',
        '/_local/api/auth-code',
        ...cloudPaths,
      ),
    },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom('/', '//', '', ...cloudPaths), nasty(60, 0)).map(([a, b]) => a + b) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('/', ...cloudPaths), nasty(60)).map(([a, b]) => a + b) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('/', ...cloudPaths), fc.integer({ min: 3_000, max: 20_000 })).map(([a, n]) => `${a}${'a'.repeat(n)}`) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...cloudPaths), nasty(80, 0)).map(([a, q]) => `${a}?${q}`) },
  );

const version = fc.oneof(
  { weight: 12, arbitrary: fc.constant('HTTP/1.1') },
  { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', '', 'HTTP/1.1 extra') },
);

const headerName = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'content-type',
      'accept',
      'authorization',
      'date',
      'expect',
      'connection',
      'user-agent',
      'x-fc-date',
      'x-fc-security-token',
      'content-md5',
      'x-ots-date',
      'x-ots-signature',
      'x-ots-accesskeyid',
      'x-ots-contentmd5',
      'upgrade',
      'cookie',
    ),
  },
  { weight: 1, arbitrary: nasty(20, 0) },
  { weight: 1, arbitrary: nasty(20) },
);
const headerValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain',
      '100-continue',
      'close',
      'keep-alive',
      'upgrade',
      'websocket',
      'FC a:b',
      'FC :',
      'Thu, 01 Jan 1970 00:00:00 GMT',
      '',
    ),
  },
  { weight: 3, arbitrary: nasty(60, 0) },
  { weight: 1, arbitrary: nasty(60) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => 'v'.repeat(n)) },
);

/** How the body is framed; `declared` may disagree with what is sent (the client then half-closes or the parser refuses). */
const framing = fc.oneof(
  { weight: 6, arbitrary: fc.constant<'exact'>('exact') },
  { weight: 2, arbitrary: fc.constant<'chunked'>('chunked') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<'none' | 'garbage-length' | 'both' | 'bad-chunks' | 'huge-length'>(
      'none',
      'garbage-length',
      'both',
      'bad-chunks',
      'huge-length',
    ),
  },
);
const body = fc.oneof(
  { weight: 4, arbitrary: fc.constant(Buffer.alloc(0)) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)) },
  { weight: 2, arbitrary: fc.json().map((j) => Buffer.from(j)) },
  { weight: 1, arbitrary: fc.integer({ min: 60 * 1024, max: 70 * 1024 }).map((n) => Buffer.alloc(n, 'b')) },
);

const delivery: fc.Arbitrary<Delivery> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Delivery>({ kind: 'whole' }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant<'split'>('split'),
      cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }),
      gapMs: fc.integer({ min: 0, max: 15 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant<'truncated'>('truncated'), keep: fc.double({ min: 0, max: 0.99, noNaN: true }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant<'reset'>('reset'), keep: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant<'stalled'>('stalled'),
      keep: fc.double({ min: 0, max: 0.99, noNaN: true }),
      waitMs: fc.integer({ min: 20, max: 300 }),
    }),
  },
);

interface Case {
  service: Service;
  method: string;
  target: string;
  version: string;
  headers: Array<[string, string]>;
  framing: 'exact' | 'chunked' | 'none' | 'garbage-length' | 'both' | 'bad-chunks' | 'huge-length';
  body: Buffer;
  delivery: Delivery;
}

function encode(c: Case): Buffer {
  const framingHeaders: Record<Case['framing'], string> = {
    exact: `content-length: ${c.body.length}\r\n`,
    chunked: 'transfer-encoding: chunked\r\n',
    none: '',
    'garbage-length': 'content-length: 12abc\r\n',
    both: `content-length: ${c.body.length}\r\ntransfer-encoding: chunked\r\n`,
    'bad-chunks': 'transfer-encoding: chunked\r\n',
    'huge-length': 'content-length: 4294967296\r\n',
  };
  const payload =
    c.framing === 'chunked'
      ? Buffer.concat([
          c.body.length ? Buffer.concat([bytesOf(`${c.body.length.toString(16)}\r\n`), c.body, bytesOf('\r\n')]) : Buffer.alloc(0),
          bytesOf('0\r\n\r\n'),
        ])
      : c.framing === 'bad-chunks'
        ? Buffer.concat([bytesOf('zz\r\n'), c.body])
        : c.framing === 'huge-length'
          ? Buffer.alloc(0)
          : c.body;
  const head = `${c.method} ${c.target} ${c.version}\r\nhost: 127.0.0.1\r\nconnection: close\r\n${c.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}${framingHeaders[c.framing]}\r\n`;
  return Buffer.concat([bytesOf(head), payload]);
}

describe('fuzzing every local cloud port with malformed HTTP', () => {
  let cloud: LocalCloud;
  let ports: Record<Service, string>;
  let cloudPaths: string[];
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  const statuses: Record<string, number> = {};
  const slow = { opened: 0, cut: 0, slowestCutMs: 0, answered408: 0, neverCut: 0 };
  const cutPerService: Partial<Record<Service, number>> = {};
  let stopSlow = false;
  const slowLoops: Promise<void>[] = [];

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    // The FC port as npm start serves it: the console and the demo beside the API, Alipay's /dev/ endpoints.
    cloud = await startCloud({ fcExtraRoute: localPages(ROOT, () => cloud) });
    ports = {
      fc: cloud.fc.url,
      trigger: cloud.config.SessionUrl,
      sts: cloud.sts.url,
      alipay: new URL(cloud.alipay.gatewayUrl).origin,
      tablestore: cloud.tablestore.url,
    };
    cloudPaths = [
      `/2016-08-15/services/${cloud.config.ServiceName}/functions/${cloud.config.DBFunctionName}/invocations`,
      `/2016-08-15/proxy/${cloud.config.ServiceName}/${cloud.config.SessionFunctionName}/`,
      '/gateway.do',
      '/dev/auth-code',
      '/PutRow',
      '/GetRange',
      '/ListTable',
    ];
  });

  afterAll(async () => {
    stopSlow = true;
    await Promise.all(slowLoops);
    report('fuzz http', { runs: RUNS, statuses, slow, rssMB: Math.round(process.memoryUsage().rss / 2 ** 20) });
    await cloud?.stop();
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  });

  /**
   * Slow clients on every port for the whole run: each dribbles header bytes until the server cuts
   * it (headers timeout), then another takes its place.
   */
  function holdSlowClients(service: Service): Promise<void> {
    return (async () => {
      while (!stopSlow) {
        slow.opened++;
        const started = Date.now();
        const outcome = await new Promise<{ closed: boolean; answer?: RawAnswer }>((resolve) => {
          const socket = net.connect(Number(new URL(ports[service]).port), '127.0.0.1');
          let received = Buffer.alloc(0);
          let ticks = 0;
          const drip = setInterval(() => {
            if (stopSlow || ticks++ > (HEADERS_TIMEOUT_MS + 5_000) / 200) {
              clearInterval(drip);
              socket.destroy();
              resolve({ closed: false });
            } else socket.write(ticks === 1 ? 'POST / HTTP/1.1\r\nhost: x\r\n' : `x-slow-${ticks}: y\r\n`);
          }, 200);
          socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
          socket.on('error', () => undefined);
          socket.on('close', () => {
            clearInterval(drip);
            resolve({ closed: true, answer: parseAnswer(received) });
          });
        });
        if (outcome.closed) {
          slow.cut++;
          cutPerService[service] = (cutPerService[service] ?? 0) + 1;
          slow.slowestCutMs = Math.max(slow.slowestCutMs, Date.now() - started);
          if (outcome.answer?.status === 408 && inFormat[service](outcome.answer, '/')) slow.answered408++;
        } else if (!stopSlow) slow.neverCut++;
      }
    })();
  }

  /** Every port answers a well-formed request as its service does, and the whole login + db flow works. */
  async function expectAlive(): Promise<void> {
    const good = (service: Service, raw: string) => deliver(ports[service], bytesOf(raw), { kind: 'whole' }, false);
    const invoke = await good('fc', `POST ${cloudPaths[0]} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}`);
    expect([invoke.answer?.status, json(invoke.answer!)?.ErrorCode]).toEqual([403, 'AccessDenied']);
    const sts = await good('sts', 'GET /?Action=Nope HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    expect([sts.answer?.status, json(sts.answer!)?.Code]).toEqual([404, 'InvalidAction.NotFound']);
    const ots = await good('tablestore', 'POST /ListTable HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    expect([ots.answer?.status, pb.Error.decode(ots.answer!.body).code]).toEqual([400, 'OTSParameterInvalid']);
    // The trigger, the Alipay gateway (through the function), STS, Tablestore and FC's API, as the client uses them.
    const session = await login(cloud);
    await db(cloud, session, { op: 'put', obj: { id: 'alive', n: 1 } });
    expect((await db(cloud, session, { op: 'get', id: 'alive' })).data).toMatchObject({ id: 'alive', n: 1 });
    expect(uncaught).toEqual([]);
  }

  it(
    `answers ${RUNS} groups of random malformed requests in each service's format, with slow clients held open`,
    async () => {
      for (const s of SERVICES) slowLoops.push(holdSlowClients(s));
      const aCase = (): fc.Arbitrary<Case> =>
        fc.record({
          service: fc.constantFrom(...SERVICES),
          method,
          target: target(cloudPaths),
          version,
          headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 }),
          framing,
          body,
          delivery,
        });
      let groups = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(aCase(), { minLength: 1, maxLength: 6 }), async (group) => {
          const outcomes = await Promise.all(group.map((c) => deliver(ports[c.service], encode(c), c.delivery, c.method === 'HEAD')));
          group.forEach((c, i) => {
            const o = outcomes[i];
            const where = `${c.service} ${JSON.stringify(encode(c).subarray(0, 300).toString('latin1'))} ${c.delivery.kind} → ${o.answer ? `${o.answer.status} ${o.answer.body.subarray(0, 200).toString('latin1')}` : o.closed ? 'closed' : 'nothing'}`;
            if (o.hung) throw new Error(`neither an answer nor a close within ${WAIT_MS} ms: ${where}`);
            if (!o.answer) return;
            statuses[`${c.service}:${o.answer.status}`] = (statuses[`${c.service}:${o.answer.status}`] ?? 0) + 1;
            if (o.answer.status < 100 || o.answer.status >= 500) throw new Error(`5xx or no HTTP status: ${where}`);
            // An answer to HEAD has no body to check.
            if (o.answer.status >= 400 && c.method !== 'HEAD' && !inFormat[c.service](o.answer, c.target))
              throw new Error(`not in the ${c.service} error format: ${where}`);
          });
          if (++groups % BATCH === 0) await expectAlive();
        }),
        {
          numRuns: RUNS,
          endOnFailure: true,
          // The counterexample can hold 20 KB headers: report the failure (it quotes the request) and how to replay it.
          reporter: (run) => {
            if (run.failed)
              throw new Error(
                `${String((run.errorInstance as Error)?.message ?? run.errorInstance).slice(0, 2_000)}\n(replay: seed ${run.seed}, path ${run.counterexamplePath})`,
              );
          },
        },
      );
      await expectAlive();
      // Every port cut its slow clients, in time and with the service's 408 (wait for the first cut on a short run).
      for (let i = 0; i < (HEADERS_TIMEOUT_MS + 3_000) / 100 && SERVICES.some((s) => !cutPerService[s]); i++) await sleep(100);
      expect(SERVICES.filter((s) => !cutPerService[s])).toEqual([]);
      expect(slow.neverCut).toBe(0);
      expect(slow.slowestCutMs).toBeLessThan(HEADERS_TIMEOUT_MS + 2_000);
      expect(slow.answered408).toBe(slow.cut);
    },
    Math.max(120_000, RUNS * 1_000),
  );
});
