import { generateKeyPair } from '../../local/alipay';
import type { AlipayFault } from '../../local/alipay';
import type { LocalCloud } from '../../local/cloud';
import type { FaultDecision } from '../../local/tablestore';
import { type StsCredentials, authCode, newOpenId, newUserId, postSession, startCloud } from '../support/local';
import { invokeDb } from './helpers';
import { STACK_FRAME, Secrets, pemBody } from '../support/secrets';

/** Alipay response field names: none may reach a log line or an answer. */
const TOKEN_KEY = /access_?token|refresh_?token|re_expires_in|auth_start/i;
/** Secrets found in a text, plus any Alipay token field name. */
const leaksIn = (secrets: Secrets, text: string): string[] => [...secrets.foundIn(text), ...(TOKEN_KEY.test(text) ? ['an Alipay token field'] : [])];

describe('function logs and error answers', () => {
  let cloud: LocalCloud;
  const allLines: string[] = [];
  const secrets = new Secrets();
  const errorAnswers: string[] = [];
  let otsFault: (op: string) => FaultDecision = () => undefined;
  let alipayFault: AlipayFault | undefined;
  /** Requests that reached a function (each must log one line). */
  let invocations = 0;

  beforeAll(async () => {
    cloud = await startCloud({
      log: (line) => allLines.push(line),
      tablestore: { fault: (op) => otsFault(op) },
      alipay: { fault: () => alipayFault },
    });
    secrets.addKey('app private key', cloud.keys.app.privateKeyPem);
    secrets.addKey('gateway private key', cloud.keys.gateway.privateKeyPem);
  });
  afterAll(() => cloud.stop());

  /** POSTs to session, remembering error answers and any secrets in the answer. */
  async function session(body: unknown, init: RequestInit = {}) {
    const res = await postSession(cloud, body, init);
    invocations++;
    if (res.status !== 200) errorAnswers.push(JSON.stringify(res.body));
    secrets.add('sessionId', res.body?.sessionId);
    secrets.addSts('client credentials', res.body?.sts);
    return res;
  }
  async function code(name = 'authCode'): Promise<string> {
    const c = await authCode(cloud, newUserId());
    secrets.add(name, c);
    return c;
  }
  async function db(sts: StsCredentials, event: string | Record<string, unknown>) {
    const answer = await invokeDb(cloud, sts, event);
    invocations++;
    if (answer?.error) errorAnswers.push(JSON.stringify(answer));
    return answer;
  }

  it('a full flow with errors and upstream failures', async () => {
    const login = (await session({ authCode: await code() })).body;
    const { sessionId, sts } = login;
    const form = await session(`authCode=${await code()}`, { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(200);
    const refreshed = await session({ action: 'refresh', sessionId });
    expect(refreshed.status).toBe(200);
    const fresh: StsCredentials = refreshed.body.sts;

    // db: every op, and its errors (several with the sessionId in a bad event).
    expect((await db(fresh, { sid: sessionId, op: 'put', obj: { id: 'a', text: 'x' } })).data.version).toBe(1);
    await db(fresh, { sid: sessionId, op: 'get', id: 'a' });
    await db(fresh, { sid: sessionId, op: 'list', limit: 1 });
    await db(fresh, { sid: sessionId, op: 'update', obj: { id: 'a', text: 'y' } });
    expect((await db(fresh, { sid: sessionId, op: 'put', obj: { id: 'a' }, ifVersion: 1 })).error.code).toBe('Conflict');
    expect((await db(fresh, { sid: sessionId, op: 'update', obj: { id: 'nope' } })).error.code).toBe('NotFound');
    expect((await db(fresh, `{"sid":${JSON.stringify(sessionId)},"op":"put","obj":{"id":"a"`)).error.code).toBe('BadRequest');
    expect((await db(fresh, { sid: sessionId, op: 'put', obj: { id: 'a', 'bad name': 1 } })).error.code).toBe('BadRequest');
    expect((await db(fresh, { sid: sessionId, op: 'put', obj: { id: 'a', big: 'x'.repeat(70_000) } })).error.code).toBe('PayloadTooLarge');
    expect((await db(fresh, { sid: sessionId, op: 'list', pad: 'p'.repeat(140_000) })).error.code).toBe('PayloadTooLarge');
    expect((await db(fresh, { sid: sessionId, op: 'frobnicate' })).error.code).toBe('BadRequest');
    expect((await db(fresh, { sid: `${sessionId.slice(0, -2)}xx`, op: 'list' })).error.code).toBe('SessionInvalid');
    await db(fresh, { sid: sessionId, op: 'remove', id: 'a' });

    // Tablestore: one transient failure (retried), then an outage.
    let first = true;
    otsFault = () => (first ? ((first = false), { status: 503, code: 'OTSServerBusy', message: 'busy' }) : undefined);
    await db(sts, { sid: sessionId, op: 'put', obj: { id: 'b' } });
    otsFault = () => ({ status: 503, code: 'OTSServerBusy', message: 'busy' });
    expect((await db(sts, { sid: sessionId, op: 'get', id: 'b' })).error.code).toBe('Unavailable');
    expect((await session({ authCode: await code() })).status).toBe(503);
    otsFault = () => undefined;

    // session errors, with the code or session id inside bad requests.
    const used = await code();
    expect((await session({ authCode: used })).status).toBe(200);
    expect((await session({ authCode: used })).status).toBe(401);
    expect((await session(`{"authCode":"${await code()}"`)).status).toBe(400);
    expect((await session(JSON.stringify({ authCode: await code(), pad: 'x'.repeat(9000) }))).status).toBe(413);
    expect((await session({ action: 'drop', sessionId })).status).toBe(400);
    expect((await session({ action: 'refresh', sessionId: `${sessionId.slice(0, -2)}xx` })).status).toBe(401);
    expect((await session({ authCode: await code(), extra: sessionId, sts: fresh })).status).toBe(200);
    const get = await fetch(`${cloud.config.SessionUrl}?authCode=${await code()}`);
    expect(get.status).toBe(405);
    errorAnswers.push(await get.text());

    // Alipay: a 5xx page, then a token answer with a bad signature (it carries the tokens).
    alipayFault = { kind: 'http5xx' };
    expect((await session({ authCode: await code() })).status).toBe(502);
    alipayFault = { kind: 'badSignature' };
    expect((await session({ authCode: await code() })).status).toBe(502);
    alipayFault = undefined;

    // Accounts and phone numbers: Alipay ids, the AES key and the number are personal or secret.
    const ids = { userId: newUserId(), openId: newOpenId(), unionId: newOpenId() };
    for (const [name, value] of Object.entries(ids)) secrets.add(`Alipay ${name}`, value);
    secrets.add('AES key', cloud.keys.aesKey);
    const both = (await session({ authCode: await authCode(cloud, ids) })).body;
    expect((await session({ action: 'me', sessionId: both.sessionId })).body).toMatchObject(ids);
    const mobile = '13511112222';
    secrets.add('mobile', mobile);
    const phone = (await (await fetch(cloud.config.phoneNumberUrl, { method: 'POST', body: JSON.stringify({ mobile }) })).json()) as { response: string; sign: string };
    expect((await session({ action: 'phoneNumber', sessionId: both.sessionId, response: phone.response, sign: phone.sign })).body).toEqual({ mobile });
    expect((await session({ action: 'phoneNumber', sessionId: both.sessionId, response: phone.response, sign: phone.sign.replace(/^./, (c: string) => (c === 'A' ? 'B' : 'A')) })).status).toBe(401);

    expect((await session({ action: 'logout', sessionId })).body).toEqual({ ok: true });
    expect((await session({ action: 'refresh', sessionId })).status).toBe(401);

    // The service role's credentials the functions hold in context.credentials.
    const serviceCreds = (cloud.fc as unknown as { serviceCredentials: Map<string, { accessKeySecret: string; securityToken: string }> }).serviceCredentials;
    expect(serviceCreds.size).toBeGreaterThan(0);
    for (const c of serviceCreds.values()) {
      secrets.add('service role AccessKeySecret', c.accessKeySecret);
      secrets.add('service role SecurityToken', c.securityToken);
    }
  });

  it('the scan sees each kind of secret (positive controls)', async () => {
    const c = await code();
    const res = await session({ authCode: c });
    expect(leaksIn(secrets, JSON.stringify(res.body))).toEqual(
      expect.arrayContaining(['sessionId', 'client credentials AccessKeySecret', 'client credentials SecurityToken']),
    );
    expect(leaksIn(secrets, `{"code":"${c}"}`)).toEqual(['authCode']);
    const keyBody = pemBody(cloud.keys.app.privateKeyPem);
    for (const at of [0, 101, 203, keyBody.length - 40]) expect(leaksIn(secrets, keyBody.slice(at, at + 40))).toEqual(['app private key']);
    expect(leaksIn(secrets, '{"x":"authusrB0123456789abcdef0123456789abcdef"}')).toEqual(['an Alipay token']);
    expect(leaksIn(secrets, '{"accessToken":"?"}')).toEqual(['an Alipay token field']);
    expect(new Error('x').stack).toMatch(STACK_FRAME);
    expect(JSON.stringify({ stack: new Error('x').stack })).toMatch(STACK_FRAME);
  });

  it('no function log line carries a secret', () => {
    expect(cloud.functionLogs.length).toBeGreaterThanOrEqual(invocations);
    const leaks = cloud.functionLogs.flatMap((line) => leaksIn(secrets, line).map((s) => `${s}: ${line.slice(0, 200)}`));
    expect(leaks).toEqual([]);
  });

  it('no line of the local cloud (emulators included) carries a secret', () => {
    const leaks = allLines.flatMap((line) => leaksIn(secrets, line).map((s) => `${s}: ${line.slice(0, 200)}`));
    expect(leaks).toEqual([]);
  });

  it('every function request wrote exactly one JSON line with requestId, function, op, outcome and ms', () => {
    // Node's own warning when tablestore 5.x first calls `new Buffer()` (once per instance, on
    // stderr): not the functions' output, but noted as noise in the logstore.
    const nodeWarning = /^\(node:\d+\) \[DEP0005\] DeprecationWarning: Buffer\(\) is deprecated|^\(Use `node --trace-deprecation/;
    const lines = cloud.functionLogs.filter((line) => !nodeWarning.test(line));
    expect(cloud.functionLogs.length - lines.length).toBeLessThanOrEqual(2 * 2); // 2 lines x 2 instances
    const parsed = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { unparsed: line };
      }
    });
    // Nothing but the request lines: no stray prints, warnings or stack traces.
    expect(parsed.filter((p) => 'unparsed' in p)).toEqual([]);
    for (const p of parsed) {
      expect(p).toEqual(
        expect.objectContaining({
          requestId: expect.any(String),
          function: expect.stringMatching(/^(session|db)$/),
          op: expect.stringMatching(/^(login|refresh|logout|me|phoneNumber|put|get|list|update|remove|unknown)$/),
          outcome: expect.stringMatching(/^(ok|error)$/),
          ms: expect.any(Number),
        }),
      );
      if (p.outcome === 'error') expect(p.code).toEqual(expect.any(String));
    }
    // FC's own request log: requests that reached a function carry no FC error code.
    const fcLines = allLines
      .filter((l) => l.startsWith('{"service":"fc"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.service === 'fc');
    const ran = fcLines.filter((l) => !l.code).map((l) => l.requestId);
    const refused = fcLines.filter((l) => l.code).map((l) => l.requestId);
    expect(ran.length).toBe(invocations);
    expect(refused.length).toBeGreaterThan(0); // the GET
    const perRequest = new Map<unknown, number>();
    for (const p of parsed) perRequest.set(p.requestId, (perRequest.get(p.requestId) ?? 0) + 1);
    expect(ran.filter((id) => perRequest.get(id) !== 1)).toEqual([]);
    expect(refused.filter((id) => perRequest.has(id))).toEqual([]);
    expect([...perRequest.keys()].sort()).toEqual([...ran].sort());
    // Outcomes agree with what the clients got.
    const byOutcome = (fn: string, outcome: string) => parsed.filter((p) => p.function === fn && p.outcome === outcome).length;
    expect(byOutcome('db', 'error')).toBeGreaterThanOrEqual(8);
    expect(byOutcome('session', 'error')).toBeGreaterThanOrEqual(8);
    expect(parsed.filter((p) => p.code === 'Unavailable').every((p) => typeof p.ots === 'number' && (p.ots as number) > 1)).toBe(true);
  });

  it('error answers carry no stack trace and no secret', () => {
    expect(errorAnswers.length).toBeGreaterThan(15);
    for (const text of errorAnswers) {
      expect(text).not.toMatch(STACK_FRAME);
      expect(leaksIn(secrets, text)).toEqual([]);
    }
  });
});

/**
 * A deployment with the wrong app key: Alipay refuses every login and, like the real gateway,
 * echoes the string it verified — auth code included — in sub_msg. None of it may reach a log.
 */
describe('logs when Alipay refuses the app signature', () => {
  it('keep the echoed auth code and the configured key out of logs and answers', async () => {
    const wrongKey = generateKeyPair().privateKeyPem;
    const lines: string[] = [];
    const cloud = await startCloud({ parameters: { PrivateKey: wrongKey }, log: (l) => lines.push(l) });
    try {
      const secrets = new Secrets();
      secrets.addKey('configured private key', wrongKey);
      const c = await authCode(cloud, newUserId());
      secrets.add('authCode', c);
      const res = await postSession(cloud, { authCode: c });
      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe('UpstreamError');
      expect(JSON.stringify(res.body)).not.toMatch(STACK_FRAME);
      expect(leaksIn(secrets, JSON.stringify(res.body))).toEqual([]);
      expect(cloud.functionLogs).toHaveLength(1);
      expect(lines.flatMap((l) => leaksIn(secrets, l))).toEqual([]);
    } finally {
      await cloud.stop();
    }
  });
});
