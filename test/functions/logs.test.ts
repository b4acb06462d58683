import { generateKeyPair, signedNotification } from '../../local/alipay';
import type { AlipayFault } from '../../local/alipay';
import * as signing from '../../local/alipay/signing';
import type { LocalCloud } from '../../local/cloud';
import type { FaultDecision } from '../../local/tablestore';
import { type LoginAnswer, type StsCredentials, authCode, newOpenId, newUserId, postSession, startCloud } from '../support/local';
import { type OrderAnswer, ageOrder, cashier, invokePay, notificationFields as fields, runReconcile } from '../support/payments';
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
  /**
   * Every signature the Alipay emulator makes with "Alipay's" key: its answers (trade.create, query,
   * close, the token), notifications, phone-number payloads. Watched, not changed: `sign` values
   * must never reach a log line.
   */
  const signatures = jest.spyOn(signing, 'rsa2Sign');
  let signaturesSeen = 0;
  /** The open_id of the payments test's buyer (a positive control looks for it). */
  let buyerOpenId = '';
  const addSignatures = () => {
    const made = signatures.mock.results.flatMap((r) => (r.type === 'return' ? [r.value as string] : []));
    for (const sig of made.slice(signaturesSeen)) {
      secrets.add('a trade signature', sig);
      secrets.addKey('a trade signature', sig);
    }
    signaturesSeen = made.length;
  };

  beforeAll(async () => {
    cloud = await startCloud({
      log: (line) => allLines.push(line),
      tablestore: { fault: (op) => otsFault(op) },
      alipay: { fault: () => alipayFault },
    });
    secrets.addKey('app private key', cloud.keys.app.privateKeyPem);
    secrets.addKey('gateway private key', cloud.keys.gateway.privateKeyPem);
    // Public keys are no secret, but a log has no business holding one: one there is a dumped config.
    secrets.addKey('app public key', cloud.keys.app.publicKeyPem);
    secrets.addKey('gateway public key', cloud.keys.gateway.publicKeyPem);
  });
  afterAll(async () => {
    signatures.mockRestore();
    await cloud.stop();
  });

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
    const phone = (await (await fetch(cloud.config.phoneNumberUrl, { method: 'POST', body: JSON.stringify({ mobile }) })).json()) as {
      response: string;
      sign: string;
    };
    expect((await session({ action: 'phoneNumber', sessionId: both.sessionId, response: phone.response, sign: phone.sign })).body).toEqual({ mobile });
    expect(
      (
        await session({
          action: 'phoneNumber',
          sessionId: both.sessionId,
          response: phone.response,
          sign: phone.sign.replace(/^./, (c: string) => (c === 'A' ? 'B' : 'A')),
        })
      ).status,
    ).toBe(401);

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

  /** Invokes pay (failing the test on a function crash), remembering error answers. */
  async function pay(who: LoginAnswer, event: string | Record<string, unknown>) {
    const answer = await invokePay(cloud, who.sts, typeof event === 'string' ? event : { sid: who.sessionId, ...event });
    invocations++;
    if (answer?.error) errorAnswers.push(JSON.stringify(answer));
    return answer;
  }
  /** POSTs a notification to notify's trigger as Alipay would. */
  async function notify(body: string) {
    const res = await fetch(cloud.config.NotifyUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body });
    invocations++;
    const text = await res.text();
    if (res.status !== 200) errorAnswers.push(text);
    return { status: res.status, text };
  }
  /** Runs what Alipay's side does (cashier, refund) and counts the notification attempts it delivered. */
  async function alipaySide(action: () => Promise<unknown>) {
    const before = cloud.alipay.notifications.length;
    await action();
    await cloud.alipay.whenNotificationsIdle();
    const attempts = cloud.alipay.notifications.slice(before);
    invocations += attempts.length;
    return attempts;
  }

  it('payments: orders, the cashier, Alipay notifications real and forged, reconcile, and their failures', async () => {
    // Buyers: one of an app on open_id (trades carry buyer_open_id), one on user_id (buyer_id).
    const ids = { userId: newUserId(), openId: newOpenId() };
    buyerOpenId = ids.openId;
    const plainUser = newUserId();
    for (const [name, value] of Object.entries({ ...ids, plainUserId: plainUser })) secrets.add(`buyer's Alipay ${name}`, value);
    const openBuyer: LoginAnswer = (await session({ authCode: await authCode(cloud, ids) })).body;
    const userBuyer: LoginAnswer = (await session({ authCode: await authCode(cloud, plainUser) })).body;

    // pay: every op, and its refusals (several with the session id inside a bad event).
    expect((await pay(openBuyer, { op: 'catalog' })).data).toEqual([expect.objectContaining({ sku: 'pro' })]);
    const paid: OrderAnswer = (await pay(openBuyer, { op: 'create', sku: 'pro' })).data;
    const refunded: OrderAnswer = (await pay(userBuyer, { op: 'create', sku: 'pro' })).data;
    const stale: OrderAnswer = (await pay(userBuyer, { op: 'create', sku: 'pro' })).data;
    const doubted: OrderAnswer = (await pay(openBuyer, { op: 'create', sku: 'pro' })).data;
    for (const o of [paid, refunded, stale, doubted]) expect(o.status).toBe('WAIT_BUYER_PAY');
    await pay(openBuyer, { op: 'get', orderId: paid.orderId });
    const page = await pay(openBuyer, { op: 'list', limit: 1 });
    expect(page.cursor).toEqual(expect.any(String));
    await pay(openBuyer, { op: 'list', limit: 1, cursor: page.cursor });
    expect((await pay(openBuyer, { op: 'create', sku: 'pro', amount: '0.01' })).error.code).toBe('BadRequest');
    expect((await pay(openBuyer, { op: 'create', sku: 'nope' })).error.code).toBe('NotFound');
    expect((await pay(openBuyer, { op: 'get', orderId: refunded.orderId })).error.code).toBe('NotFound');
    expect((await pay(openBuyer, { op: 'list', cursor: Buffer.from(refunded.orderId).toString('base64url') })).error.code).toBe('BadRequest');
    expect((await pay(openBuyer, { op: 'list', limit: 101 })).error.code).toBe('BadRequest');
    expect((await pay(openBuyer, `{"sid":${JSON.stringify(openBuyer.sessionId)},"op":"create","sku":"pro"`)).error.code).toBe('BadRequest');
    expect((await pay(openBuyer, { op: 'list', pad: 'p'.repeat(5000) })).error.code).toBe('PayloadTooLarge');
    expect((await pay(openBuyer, { sid: `${openBuyer.sessionId.slice(0, -2)}xx`, op: 'list' })).error.code).toBe('SessionInvalid');

    // The cashier: one paid (Alipay's notification marks it PAID), one cancelled, then a refund.
    const delivered = [
      ...(await alipaySide(() => cashier(cloud, paid.tradeNo!, 'paid'))),
      ...(await alipaySide(() => cashier(cloud, refunded.tradeNo!, 'paid'))),
      ...(await alipaySide(() => cashier(cloud, stale.tradeNo!, 'cancelled'))),
      ...(await alipaySide(() =>
        fetch(cloud.alipay.refundUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tradeNo: refunded.tradeNo }) }),
      )),
    ];
    expect(delivered.map((d) => [d.tradeStatus, d.outcome])).toEqual([
      ['TRADE_SUCCESS', 'success'],
      ['TRADE_SUCCESS', 'success'],
      ['TRADE_CLOSED', 'success'],
    ]);
    expect((await pay(userBuyer, { op: 'get', orderId: refunded.orderId })).data.status).toBe('REFUNDED');

    // Notifications from the internet: forged, altered, repeated, and a real duplicate.
    const otherKey = generateKeyPair().privateKeyPem;
    expect(await notify(signedNotification(fields(doubted), otherKey))).toEqual({ status: 400, text: 'fail' });
    expect(await notify(signedNotification(fields(doubted), cloud.keys.gateway.privateKeyPem).replace(/total_amount=[^&]*/, 'total_amount=0.01'))).toEqual({
      status: 400,
      text: 'fail',
    });
    expect(await notify(signedNotification(fields(doubted, { total_amount: '0.01' }), cloud.keys.gateway.privateKeyPem))).toEqual({
      status: 400,
      text: 'fail',
    });
    expect(await notify(`${signedNotification(fields(doubted), cloud.keys.gateway.privateKeyPem)}&trade_status=TRADE_SUCCESS`)).toEqual({
      status: 400,
      text: 'fail',
    });
    expect(await notify('sign=%ZZ&out_trade_no=')).toEqual({ status: 400, text: 'fail' });
    expect(await notify(signedNotification(fields(paid), cloud.keys.gateway.privateKeyPem))).toEqual({ status: 200, text: 'success' });

    // Alipay failing: an answer that does not verify (its text names the signature), then a 5xx.
    alipayFault = { kind: 'badSignature' };
    expect((await pay(openBuyer, { op: 'create', sku: 'pro' })).error.code).toBe('UpstreamError');
    alipayFault = { kind: 'http5xx' };
    expect((await pay(openBuyer, { op: 'get', orderId: doubted.orderId, check: true })).data.status).toBe('WAIT_BUYER_PAY');
    alipayFault = undefined;
    // Tablestore down while a real notification arrives: not stored, so `fail` (Alipay resends).
    otsFault = () => ({ status: 503, code: 'OTSServerBusy', message: 'busy' });
    expect(await notify(signedNotification(fields(doubted), cloud.keys.gateway.privateKeyPem))).toEqual({ status: 503, text: 'fail' });
    otsFault = () => undefined;

    // Reconcile: a doubted order queried at Alipay (unpaid there), a stale one closed.
    await ageOrder(cloud, doubted.orderId, 2 * 60_000);
    await ageOrder(cloud, stale.orderId, 16 * 60_000);
    const counts = await runReconcile(cloud);
    invocations++;
    expect(counts).toMatchObject({ closed: 1, waiting: 1 });
    expect((await pay(userBuyer, { op: 'get', orderId: stale.orderId })).data.status).toBe('CLOSED');

    // The service roles' credentials the payment functions hold in context.credentials.
    const serviceCreds = (cloud.fc as unknown as { serviceCredentials: Map<string, { accessKeySecret: string; securityToken: string }> }).serviceCredentials;
    expect(serviceCreds.size).toBeGreaterThanOrEqual(4);
    for (const c of serviceCreds.values()) {
      secrets.add('service role AccessKeySecret', c.accessKeySecret);
      secrets.add('service role SecurityToken', c.securityToken);
    }
    addSignatures();
    expect(signaturesSeen).toBeGreaterThan(10);
  });

  it('the scan sees each kind of secret (positive controls)', async () => {
    const c = await code();
    const res = await session({ authCode: c });
    expect(leaksIn(secrets, JSON.stringify(res.body))).toEqual(
      expect.arrayContaining(['sessionId', 'client credentials AccessKeySecret', 'client credentials SecurityToken']),
    );
    expect(leaksIn(secrets, `{"code":"${c}"}`)).toEqual(['authCode']);
    const keyBody = pemBody(cloud.keys.app.privateKeyPem);
    // (The private key holds the modulus, which is most of the public key: a piece of it is both.)
    for (const at of [0, 101, 203, keyBody.length - 40]) expect(leaksIn(secrets, keyBody.slice(at, at + 40))).toContain('app private key');
    expect(leaksIn(secrets, '{"x":"authusrB0123456789abcdef0123456789abcdef"}')).toEqual(['an Alipay token']);
    expect(leaksIn(secrets, '{"accessToken":"?"}')).toEqual(['an Alipay token field']);
    // Payments: a signature Alipay made, in full or in part; a public key; a buyer's ids.
    addSignatures();
    const sig = signatures.mock.results.find((r) => r.type === 'return')!.value as string;
    expect(leaksIn(secrets, `{"sign":"${sig}"}`)).toEqual(['a trade signature']);
    expect(leaksIn(secrets, sig.slice(100, 140))).toEqual(['a trade signature']);
    expect(leaksIn(secrets, pemBody(cloud.keys.gateway.publicKeyPem).slice(200, 240))).toContain('gateway public key');
    expect(leaksIn(secrets, pemBody(cloud.keys.gateway.publicKeyPem).slice(0, 40))).toEqual(['gateway public key']);
    expect(leaksIn(secrets, `{"buyer_open_id":"${buyerOpenId}"}`)).toEqual(["buyer's Alipay openId"]);
    expect(new Error('x').stack).toMatch(STACK_FRAME);
    expect(JSON.stringify({ stack: new Error('x').stack })).toMatch(STACK_FRAME);
  });

  it('no function log line carries a secret', () => {
    addSignatures();
    expect(cloud.functionLogs.length).toBeGreaterThanOrEqual(invocations);
    const leaks = cloud.functionLogs.flatMap((line) => leaksIn(secrets, line).map((s) => `${s}: ${line.slice(0, 200)}`));
    expect(leaks).toEqual([]);
  });

  it('no line of the local cloud (emulators included) carries a secret', () => {
    addSignatures();
    const leaks = allLines.flatMap((line) => leaksIn(secrets, line).map((s) => `${s}: ${line.slice(0, 200)}`));
    expect(leaks).toEqual([]);
  });

  it('every function request wrote exactly one JSON line with requestId, function, op, outcome and ms', () => {
    // Node's warnings (DEP0005 from tablestore 5.x) are local FC's own lines, reported once per
    // run (local/fc/runtime.js): none reaches the functions' lines.
    const parsed = cloud.functionLogs.map((line) => {
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
          function: expect.stringMatching(/^(session|db|pay|notify|reconcile)$/),
          op: expect.stringMatching(/^(login|refresh|logout|me|phoneNumber|put|get|list|update|remove|catalog|create|notify|reconcile|unknown)$/),
          outcome: expect.stringMatching(/^(ok|error)$/),
          ms: expect.any(Number),
        }),
      );
      // An error names its code; a refused notification (400) its reason instead.
      if (p.outcome === 'error' && p.function === 'notify' && p.status === 400) expect(p.reason).toEqual(expect.any(String));
      else if (p.outcome === 'error') expect(p.code).toEqual(expect.any(String));
    }
    // FC's own request log: requests that reached a function carry no FC error code.
    const fcLines = allLines
      .filter((l) => l.startsWith('{"service":"fc"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.service === 'fc' && l.kind !== 'warning');
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
    expect(byOutcome('pay', 'error')).toBeGreaterThanOrEqual(8);
    expect(byOutcome('notify', 'error')).toBeGreaterThanOrEqual(6);
    // Payment lines: the order they were about, a refused notification's reason, reconcile's counts.
    const payments = parsed.filter((p) => ['pay', 'notify', 'reconcile'].includes(String(p.function)));
    expect(payments.length).toBeGreaterThanOrEqual(30);
    for (const p of payments) expect(Object.keys(p).sort()).toEqual(expect.arrayContaining(['function', 'ms', 'op', 'outcome', 'requestId']));
    const notes = payments.filter((p) => p.function === 'notify');
    expect(
      notes
        .filter((p) => p.status === 400)
        .map((p) => p.reason)
        .sort(),
    ).toEqual(['amount', 'malformed', 'signature', 'signature', 'signature']);
    expect(notes.filter((p) => p.status === 200).every((p) => typeof p.transition === 'string' && typeof p.order === 'string')).toBe(true);
    expect(payments.filter((p) => p.function === 'reconcile')).toEqual([
      expect.objectContaining({ outcome: 'ok', counts: expect.objectContaining({ closed: 1 }) }),
    ]);
    expect(payments.filter((p) => p.function === 'pay' && p.code === 'UpstreamError')).toEqual([expect.objectContaining({ op: 'create' })]);
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
