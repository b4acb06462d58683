import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import type { LocalCloud } from '../../local/cloud';
import { MAX_BODY_BYTES } from '../../local/console/access';
import { MAX_PAGE_ROWS } from '../../local/console/rows';
import type { ConsoleRoute } from '../../local/console/route';
import { createOrder, orderRows } from '../support/payments';
import { db, login, newOpenId, newUserId, postSession } from '../support/local';
import { plantRow } from '../support/tables';
import { parseAnswer, type RawAnswer } from '../support/raw-http';
import { get, plantObjects, post, readStream, request, startConsoleCloud } from './support';

/** Bytes as sent on a bare socket, and the answer (the connection is closed by the server). */
function rawExchange(endpoint: string, bytes: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(port), hostname, () => socket.write(bytes));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const answer = parseAnswer(Buffer.concat(chunks), false, true);
      if (answer) resolve(answer);
      else reject(new Error('no answer'));
    });
  });
}

/** The sessions table's key for a session id (lambda/shared/sessions.ts sessionKey). */
const sessionKey = (sessionId: string): string => createHash('sha256').update(sessionId).digest('base64url');

/** The console's JSON API over HTTP, on the FC port of a local cloud, as npm start serves it. */
describe('local console API', () => {
  let cloud: LocalCloud;
  let route: ConsoleRoute;
  let base = '';

  beforeAll(async () => {
    ({ cloud, route, base } = await startConsoleCloud());
  });
  afterAll(() => cloud?.stop());

  /** Every row of a table as the console shows it, page after page. */
  async function allRows(table: string): Promise<any[]> {
    const rows: any[] = [];
    let cursor: string | undefined;
    do {
      const page = (await get(base, `/tables/${table}/rows${cursor ? `?cursor=${cursor}` : ''}`)).json;
      rows.push(...page.rows);
      cursor = page.next;
    } while (cursor);
    return rows;
  }

  describe('paths', () => {
    it('/_local redirects to /_local/, which is the page, with a policy that runs only its own script', async () => {
      const redirect = await request(base);
      expect(redirect.status).toBe(302);
      expect(redirect.headers.location).toBe('/_local/');
      const page = await request(`${base}/`);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.text).toContain('<script src="console.js"');
      for (const file of ['console.js', 'console.css']) expect((await request(`${base}/${file}`)).status).toBe(200);
    });

    it('an unknown path under /_local/ is a 404 in the console error format; a wrong method a 405', async () => {
      for (const path of ['/nope', '/api', '/api/nope', '/api/tables/sessions', '/console.js/x', '/index.html']) {
        const answer = await request(`${base}${path}`);
        expect({ path, status: answer.status, json: answer.json }).toEqual({
          path,
          status: 404,
          json: { error: { code: 'NotFound', message: expect.any(String) } },
        });
      }
      const wrong = await request(`${base}/api/stack`, { method: 'POST', headers: { 'x-local-console': '1' } });
      expect(wrong.status).toBe(405);
      expect(wrong.headers.allow).toBe('GET');
      expect(wrong.json.error.code).toBe('MethodNotAllowed');
      // The page's files are read, never written.
      expect((await request(`${base}/`, { method: 'POST', headers: { 'x-local-console': '1' } })).status).toBe(405);
    });

    it('paths outside /_local are left to the FC API', async () => {
      for (const path of ['/_localx', '/_local.json', '/demo/']) {
        const res = await request(`${cloud.config.endpoint}${path}`);
        expect({ path, status: res.status, json: res.json }).toEqual({
          path,
          status: 400,
          json: { ErrorCode: 'PathNotSupported', ErrorMessage: expect.any(String) },
        });
      }
    });
  });

  describe('the stack', () => {
    it('lists every resource with its type, physical name and ARN, and the Outputs as the client gets them', async () => {
      const { status, json } = await get(base, '/stack');
      expect(status).toBe(200);
      expect(json.resources).toHaveLength(cloud.deployment.resources.length);
      expect(json.resources.map((r: any) => r.logicalId)).toEqual(cloud.deployment.resources.map((r) => r.logicalId));
      expect(json.resources).toContainEqual({ logicalId: 'SessionsTable', type: 'ALIYUN::OTS::Table', physicalName: 'sessions' });
      expect(json.resources).toContainEqual({
        logicalId: 'SessionFunction',
        type: 'ALIYUN::FC::Function',
        physicalName: 'session',
        arn: `acs:fc:cn-hangzhou:${cloud.config.AccountId}:services/${cloud.config.ServiceName}/functions/session`,
      });
      expect(json.resources).toContainEqual(expect.objectContaining({ logicalId: 'ClientRole', type: 'ALIYUN::RAM::Role', arn: cloud.config.ClientRoleArn }));
      expect(json.outputs).toEqual(cloud.config);
    });

    it('never shows the app private key or the AES key', async () => {
      const { text } = await get(base, '/stack');
      const body = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
      expect(text).not.toContain(body(cloud.keys.app.privateKeyPem).slice(0, 64));
      expect(text).not.toContain(body(cloud.keys.gateway.privateKeyPem).slice(0, 64));
      expect(text).not.toContain(cloud.keys.aesKey);
    });
  });

  describe('tables', () => {
    const uid = 'acc_paging0000000000000000';

    it('lists the four tables with their keys; the sessions table is marked as masked', async () => {
      const { json } = await get(base, '/tables');
      expect(json.tables.map((t: any) => t.name)).toEqual(['sessions', 'objects', 'accounts', 'orders']);
      expect(json.tables[0]).toMatchObject({ name: 'sessions', primaryKey: [{ name: 'sid', type: 'STRING' }], role: 'sessions', masked: 'primary key' });
      expect(json.tables[1].primaryKey.map((k: any) => k.name)).toEqual(['uid', 'collection', 'id']);
      expect(json.tables[3]).toMatchObject({ name: 'orders', role: 'orders' });
    });

    it('pages rows in primary-key order: a table of exactly one page has no next; one row more makes a second page of one', async () => {
      expect((await get(base, '/tables/objects/rows')).json.rows).toEqual([]);
      // Written in reverse, read back in key order.
      await plantObjects(cloud, uid, MAX_PAGE_ROWS);
      const full = (await get(base, '/tables/objects/rows')).json;
      expect(full.rows).toHaveLength(MAX_PAGE_ROWS);
      expect(full.next).toBeUndefined();
      expect(full.columns).toEqual(['uid', 'collection', 'id', 'createdAt', 'fields', 'version']);
      expect(full.rows[0]).toEqual({
        key: { uid, collection: 'todos', id: '00000' },
        columns: { fields: JSON.stringify({ text: 'todo number 0', done: true }), version: 1, createdAt: 1_790_000_000_000 },
      });

      await plantObjects(cloud, uid, 1, { from: MAX_PAGE_ROWS });
      const first = (await get(base, '/tables/objects/rows')).json;
      expect(first.rows).toHaveLength(MAX_PAGE_ROWS);
      expect(first.rows.map((r: any) => r.key.id)).toEqual(Array.from({ length: MAX_PAGE_ROWS }, (_, i) => String(i).padStart(5, '0')));
      expect(typeof first.next).toBe('string');
      const second = (await get(base, `/tables/objects/rows?cursor=${first.next}`)).json;
      expect(second.rows.map((r: any) => r.key.id)).toEqual([String(MAX_PAGE_ROWS).padStart(5, '0')]);
      expect(second.next).toBeUndefined();

      // A smaller page on request: `limit` is 1..MAX_PAGE_ROWS.
      const three = (await get(base, '/tables/objects/rows?limit=3')).json;
      expect(three.rows.map((r: any) => r.key.id)).toEqual(['00000', '00001', '00002']);
      const next = (await get(base, `/tables/objects/rows?limit=3&cursor=${three.next}`)).json;
      expect(next.rows.map((r: any) => r.key.id)).toEqual(['00003', '00004', '00005']);
      expect((await get(base, `/tables/objects/rows?limit=${MAX_PAGE_ROWS}`)).status).toBe(200);
      for (const limit of [MAX_PAGE_ROWS + 1, 0, -1, 1.5, 'x']) {
        const answer = await get(base, `/tables/objects/rows?limit=${limit}`);
        expect({ limit, status: answer.status, code: answer.json.error?.code }).toEqual({ limit, status: 400, code: 'BadRequest' });
      }
    });

    it('refuses a cursor it did not give for that table, and an unknown table', async () => {
      const { next } = (await get(base, '/tables/objects/rows?limit=1')).json;
      const tampered = `${next.slice(0, -2)}${next.endsWith('AA') ? 'BB' : 'AA'}`;
      for (const [path, code] of [
        [`/tables/objects/rows?cursor=${tampered}`, 'BadRequest'],
        [`/tables/accounts/rows?cursor=${next}`, 'BadRequest'],
        ['/tables/objects/rows?cursor=not-a-cursor', 'BadRequest'],
        ['/tables/nope/rows', 'NoSuchTable'],
        ['/tables/%E0%A4%A/rows', 'BadRequest'],
      ]) {
        const answer = await get(base, path);
        expect({ path, code: answer.json.error?.code }).toEqual({ path, code });
      }
    });
  });

  describe('masking', () => {
    it('never shows a session id whole: not in any answer, not in the sessions table, not in the logs', async () => {
      const me = await login(cloud);
      // Requests that log with the session's fingerprint.
      expect((await db(cloud, me, { op: 'put', collection: 'notes', obj: { id: 'n1', text: 'hello' } })).data).toBeDefined();
      await postSession(cloud, { action: 'me', sessionId: me.sessionId });
      // Rows an older or careless version might have written: the id in a column, in a JSON
      // value, an STS secret and token beside it.
      await plantRow(cloud, 'objects', [{ uid: me.accountId }, { collection: 'leaks' }, { id: 'l1' }], {
        sessionId: me.sessionId,
        fields: JSON.stringify({ note: `my session is ${me.sessionId}`, token: 'tok_123456789' }),
        accessKeySecret: me.sts.AccessKeySecret,
        securityToken: me.sts.SecurityToken,
        stsToken: me.sts.SecurityToken,
        copied: `${me.sts.AccessKeyId}:${me.sts.SecurityToken}`,
      });

      const answers: string[] = [];
      for (const path of ['/stack', '/tables', '/trades']) answers.push((await get(base, path)).text);
      for (const table of ['sessions', 'objects', 'accounts', 'orders']) answers.push((await get(base, `/tables/${table}/rows`)).text);
      const stream = await readStream(base, (events) => events.length > 1 && events.length - 1 >= events[0].data.history);
      answers.push(JSON.stringify(stream));

      const secrets = { sessionId: me.sessionId, sessionKey: sessionKey(me.sessionId), secret: me.sts.AccessKeySecret, token: me.sts.SecurityToken };
      for (const text of answers) {
        for (const [what, value] of Object.entries(secrets)) expect({ what, found: text.includes(value) }).toEqual({ what, found: false });
      }

      // The session's row is there, its key cut to a prefix.
      const sessions = (await get(base, '/tables/sessions/rows')).json;
      const row = sessions.rows.find((r: any) => r.key.sid.masked === `${sessionKey(me.sessionId).slice(0, 4)}…`);
      expect(row).toEqual({ key: { sid: { masked: expect.stringMatching(/^.{4}…$/) } }, columns: expect.objectContaining({ accountId: me.accountId }) });
      // The planted row: the id masked wherever it was, secrets never shown at all.
      const leak = (await allRows('objects')).find((r: any) => r.key.collection === 'leaks');
      expect(leak.columns).toEqual({
        sessionId: { masked: `${me.sessionId.slice(0, 4)}…` },
        fields: JSON.stringify({ note: `my session is ${me.sessionId.slice(0, 4)}…`, token: '[redacted]' }),
        accessKeySecret: { redacted: true },
        securityToken: { redacted: true },
        stsToken: { redacted: true },
        copied: `${me.sts.AccessKeyId}:[redacted]`,
      });
      // The log stream kept the lines, with fingerprints cut too.
      const sessionLines = stream.filter((e) => e.event === 'log' && e.data.fields?.function === 'session');
      expect(sessionLines.length).toBeGreaterThanOrEqual(2);
      for (const line of sessionLines) if (line.data.fields.session) expect(line.data.fields.session).toMatch(/^.{4}…$/);
    });
  });

  describe('who may call', () => {
    it('refuses a Host that is not a loopback name (DNS rebinding), on every console path', async () => {
      const { port } = new URL(cloud.config.endpoint);
      for (const host of [
        `evil.example:${port}`,
        `127.0.0.1.nip.io:${port}`,
        `localhost.evil.example`,
        `10.0.0.1:${port}`,
        `[::2]:${port}`,
        `127.0.0.1:${port}@evil.example`,
      ]) {
        for (const path of ['/', '/api/stack', '/api/logs']) {
          const answer = await request(`${base}${path}`, { headers: { host } });
          expect({ host, path, status: answer.status, json: answer.json }).toEqual({
            host,
            path,
            status: 403,
            json: { error: { code: 'Forbidden', message: expect.any(String) } },
          });
        }
      }
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST', '127.1.2.3']) {
        expect({ host, status: (await request(`${base}/api/stack`, { headers: { host } })).status }).toEqual({ host, status: 200 });
      }
      // No Host at all (HTTP/1.0): nothing names this machine.
      const bare = await rawExchange(cloud.config.endpoint, 'GET /_local/api/stack HTTP/1.0\r\n\r\n');
      expect(bare.status).toBe(403);
    });

    it('refuses a connection from another machine, whatever the Host says', async () => {
      // What `npm start -- --host 0.0.0.0` does to the FC port: the route on a listener reachable
      // from the LAN, reached through this machine's own LAN address.
      const lan = Object.values(os.networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
      if (!lan) {
        console.warn('no non-loopback IPv4 interface: the LAN refusal is checked by a fake request only');
      }
      const server = http.createServer((req, res) => {
        if (!route(req, res, Buffer.alloc(0))) res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        if (lan) {
          const refused = await request(`http://127.0.0.1:${port}/_local/api/stack`, { via: { host: lan, port } });
          expect(refused.status).toBe(403);
          expect(refused.json.error.message).toMatch(/only requests from this machine/);
          expect((await request(`http://127.0.0.1:${port}/_local/api/stack`)).status).toBe(200);
        }
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      // The same check on a request as a LAN socket presents it.
      const sent: { status?: number; body?: string } = {};
      const res = {
        headersSent: false,
        writeHead(status: number) {
          sent.status = status;
          return this;
        },
        end(body: Buffer) {
          sent.body = body.toString();
        },
      };
      const req = { url: '/_local/api/stack', method: 'GET', headers: { host: '127.0.0.1' }, socket: { remoteAddress: '192.168.1.20' } };
      expect(route(req as any, res as any, Buffer.alloc(0))).toBe(true);
      expect(sent.status).toBe(403);
      expect(JSON.parse(sent.body!).error.code).toBe('Forbidden');
    });

    it('refuses a POST without the console header, or from another origin', async () => {
      const body = { userId: newUserId() };
      const bare = await request(`${base}/api/auth-code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(bare.status).toBe(403);
      expect(bare.json.error).toEqual({ code: 'Forbidden', message: expect.stringContaining('x-local-console') });
      // A cross-site form post: text/plain, no custom header possible.
      const form = await request(`${base}/api/pay`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: 'https://evil.example' },
        body: '{"tradeNo":"1","outcome":"paid"}',
      });
      expect(form.status).toBe(403);
      expect((await post(base, '/auth-code', body, { origin: 'https://evil.example' })).status).toBe(403);
      expect((await post(base, '/auth-code', body, { 'x-local-console': 'yes' })).status).toBe(403);
      // The preflight a cross-origin fetch would need is not granted.
      const preflight = await request(`${base}/api/auth-code`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(405);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      // The page's own origin is fine.
      expect((await post(base, '/auth-code', body, { origin: cloud.config.endpoint })).status).toBe(200);
    });

    it(`takes a body of ${MAX_BODY_BYTES} bytes and refuses one byte more`, async () => {
      const padded = (size: number) => {
        const json = JSON.stringify({ userId: newUserId() });
        return `${json.slice(0, -1)}${' '.repeat(size - json.length)}}`;
      };
      const at = await post(base, '/auth-code', padded(MAX_BODY_BYTES));
      expect(at.status).toBe(200);
      const over = await post(base, '/auth-code', padded(MAX_BODY_BYTES + 1));
      expect(over.status).toBe(413);
      expect(over.json.error.code).toBe('PayloadTooLarge');
      // Declared too large: refused from the header.
      const declared = await request(`${base}/api/auth-code`, {
        method: 'POST',
        headers: { 'x-local-console': '1', 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        body: padded(MAX_BODY_BYTES + 100),
      });
      expect(declared.status).toBe(413);
    });
  });

  describe('dev buttons', () => {
    it('mints an authCode that logs in, for a user id, an open id, or both', async () => {
      for (const ids of [{ userId: newUserId() }, { openId: newOpenId() }, { userId: newUserId(), openId: newOpenId() }, { userId: newUserId(), openId: '' }]) {
        const minted = await post(base, '/auth-code', ids);
        expect(minted.status).toBe(200);
        expect(minted.json).toEqual({ authCode: expect.any(String) });
        const loggedIn = await postSession(cloud, { authCode: minted.json.authCode });
        expect(loggedIn.status).toBe(200);
        expect(loggedIn.body.accountId).toMatch(/^acc_/);
        // One-time, as my.getAuthCode's codes are.
        expect((await postSession(cloud, { authCode: minted.json.authCode })).status).not.toBe(200);
      }
      for (const bad of [{}, { userId: '' }, { userId: '12345' }, { userId: 1 }, { userid: '2088000000000001' }, '[]', 'not json']) {
        const answer = await post(base, '/auth-code', bad);
        expect({ bad, status: answer.status, error: answer.json.error }).toEqual({
          bad,
          status: 400,
          error: { code: expect.stringMatching(/^(BadRequest|Upstream)$/), message: expect.any(String) },
        });
      }
    });

    it('lists a waiting trade; Pay turns its order PAID, Cancel leaves it waiting', async () => {
      const me = await login(cloud);
      const paid = await createOrder(cloud, me);
      const kept = await createOrder(cloud, me);
      const waiting = (await get(base, '/trades')).json.trades;
      expect(waiting.slice(0, 2)).toEqual(
        expect.arrayContaining([
          { orderId: paid.orderId, tradeNo: paid.tradeNo, title: paid.title, amount: paid.amount, createdAt: expect.any(String) },
          { orderId: kept.orderId, tradeNo: kept.tradeNo, title: kept.title, amount: kept.amount, createdAt: expect.any(String) },
        ]),
      );

      const cancel = await post(base, '/pay', { tradeNo: kept.tradeNo, outcome: 'cancelled' });
      expect(cancel.json).toEqual({ resultCode: '6001', meaning: 'cancelled by the buyer', notified: true });
      const pay = await post(base, '/pay', { tradeNo: paid.tradeNo, outcome: 'paid' });
      expect(pay.json).toEqual({ resultCode: '9000', meaning: 'paid', notified: true });

      const rows = await orderRows(cloud);
      expect(rows.find((r) => r.key.orderId === paid.orderId)?.columns.status).toBe('PAID');
      expect(rows.find((r) => r.key.orderId === kept.orderId)?.columns.status).toBe('WAIT_BUYER_PAY');
      const after = (await get(base, '/trades')).json.trades.map((t: any) => t.orderId);
      expect(after).toContain(kept.orderId);
      expect(after).not.toContain(paid.orderId);

      // Paying it again: the cashier cannot open for a paid trade.
      expect((await post(base, '/pay', { tradeNo: paid.tradeNo, outcome: 'paid' })).json.resultCode).toBe('4000');
      const unknown = await post(base, '/pay', { tradeNo: '2026120122001400000000000001', outcome: 'paid' });
      expect(unknown.status).toBe(404);
      expect((await post(base, '/pay', { tradeNo: paid.tradeNo, outcome: 'refund' })).status).toBe(400);
    });
  });

  describe('the log stream', () => {
    it('sends the recent lines, then each new line as it is printed; a closed stream is released', async () => {
      let answered: ReturnType<typeof postSession> | undefined;
      const isLive = (e: { event: string; data: any }) =>
        e.event === 'log' && e.data.at !== undefined && e.data.fields?.function === 'session' && e.data.fields.op === 'me';
      const events = await readStream(
        base,
        (got) => got.some(isLive),
        // Only once the stream is open: the line must come live, not from the history.
        () => void (answered = postSession(cloud, { action: 'me', sessionId: 'x'.repeat(43) })),
      );
      expect(events[0]).toEqual({ event: 'hello', data: { history: expect.any(Number) } });
      const requestId = (await answered!).headers.get('x-fc-request-id');
      const live = events.find(isLive)!;
      expect(live.data.fields.requestId).toBe(requestId);
      expect(live.data.fields).toMatchObject({ function: 'session', op: 'me', outcome: 'error' });
      expect(live.data.fields.session).toMatch(/^.{4}…$/);
      expect(live.data.text).toBe(JSON.stringify(live.data.fields));
      // The stream was closed by the client: its listener goes.
      for (let i = 0; i < 50 && route.api.openStreams > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(route.api.openStreams).toBe(0);
    });
  });
});
