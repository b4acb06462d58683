import type { LocalCloud } from '../../local/cloud';
import { authCode, login, newUserId, postSession, startCloud } from '../support/local';
import { dbOp, errorCode, tableRows } from './helpers';

const SESSION_ID = /^acc_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;

/** An account id: `acc_` + 128 random bits, base64url. */
const ACCOUNT_ID = /^acc_[A-Za-z0-9_-]{22}$/;

/** The session function through its HTTP trigger, as the mini-program reaches it. */
describe('session function', () => {
  let cloud: LocalCloud;
  // The Alipay emulator's clock, to let auth codes expire.
  let alipayOffsetMs = 0;
  beforeAll(async () => {
    cloud = await startCloud({ alipay: { now: () => Date.now() + alipayOffsetMs } });
  });
  afterAll(() => cloud.stop());

  const expectError = (res: { status: number; body: any }, status: number, code: string) => {
    expect({ status: res.status, code: errorCode(res.body) }).toEqual({ status, code });
  };

  describe('login', () => {
    it('answers a sessionId, its expiry, STS credentials that work on db and the account id', async () => {
      const userId = newUserId();
      const before = Date.now();
      const res = await postSession(cloud, { authCode: await authCode(cloud, userId) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(Object.keys(res.body).sort()).toEqual(['accountId', 'expiresAt', 'sessionId', 'sts']);
      expect(res.body.accountId).toMatch(ACCOUNT_ID);
      expect(res.body.accountId).not.toContain(userId);
      expect(Object.keys(res.body.sts).sort()).toEqual(['AccessKeyId', 'AccessKeySecret', 'Expiration', 'SecurityToken']);
      for (const v of Object.values(res.body.sts)) expect(v).toEqual(expect.any(String));
      // Sessions last the sessions table's TTL (7 days); the credentials 15 minutes.
      const expiresAt = Date.parse(res.body.expiresAt);
      expect(new Date(expiresAt).toISOString()).toBe(res.body.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 7 * 86400_000 - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 7 * 86400_000 + 1000);
      expect(Date.parse(res.body.sts.Expiration)).toBeGreaterThan(Date.now() + 800_000);

      const put = await dbOp(cloud, res.body, { op: 'put', obj: { id: 'first', n: 1 } });
      expect(put.data).toMatchObject({ id: 'first', n: 1, uid: res.body.accountId, version: 1 });
    });

    it('gives every login of one Alipay user the same accountId, and different users different ones', async () => {
      const userId = newUserId();
      const first = await login(cloud, userId);
      const again = await login(cloud, userId);
      const [x, y] = await Promise.all([login(cloud, userId), login(cloud, userId)]);
      expect(first.accountId).toMatch(ACCOUNT_ID);
      expect([again.accountId, x.accountId, y.accountId]).toEqual([first.accountId, first.accountId, first.accountId]);
      expect(again.sessionId).not.toBe(first.sessionId);
      const others = await Promise.all([login(cloud), login(cloud)]);
      for (const o of others) expect(o.accountId).toMatch(ACCOUNT_ID);
      expect(new Set([first.accountId, ...others.map((o) => o.accountId)]).size).toBe(3);
      // A refresh answers the session's own account.
      const refreshed = await postSession(cloud, { action: 'refresh', sessionId: others[0].sessionId });
      expect(refreshed.body.accountId).toBe(others[0].accountId);
    });

    it('gives a sessionId of 256 random bits, different at every login of the same user', async () => {
      const userId = newUserId();
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const { sessionId, accountId } = await login(cloud, userId);
        // The account, a dot, then the secret (lambda/shared/sessions.ts).
        expect(sessionId).toMatch(/^acc_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
        expect(sessionId.startsWith(`${accountId}.`)).toBe(true);
        expect(Buffer.from(sessionId.split('.')[1], 'base64url')).toHaveLength(32); // >= 128 bits
        ids.add(sessionId);
      }
      expect(ids.size).toBe(5);
    });

    it('gives concurrent logins of one user distinct sessions that all work', async () => {
      const userId = newUserId();
      const sessions = await Promise.all(Array.from({ length: 6 }, () => login(cloud, userId)));
      expect(new Set(sessions.map((s) => s.sessionId)).size).toBe(6);
      expect(new Set(sessions.map((s) => s.sts.AccessKeyId)).size).toBe(6);
      await dbOp(cloud, sessions[0], { op: 'put', obj: { id: 'shared', by: 0 } });
      // All are the same user: one account, and each sees what the first wrote.
      expect(sessions[0].accountId).toMatch(ACCOUNT_ID);
      expect(new Set(sessions.map((s) => s.accountId))).toEqual(new Set([sessions[0].accountId]));
      for (const s of sessions) expect((await dbOp(cloud, s, { op: 'get', id: 'shared' })).data).toMatchObject({ by: 0, uid: sessions[0].accountId });
    });

    it('also logs in with a form-encoded body (my.request default content type)', async () => {
      const userId = newUserId();
      const code = await authCode(cloud, userId);
      const res = await postSession(cloud, `authCode=${encodeURIComponent(code)}`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(200);
      expect(res.body.sessionId).toMatch(SESSION_ID);
      expect((await dbOp(cloud, res.body, { op: 'list' })).data).toEqual([]);
      // The same for refresh.
      const refreshed = await postSession(cloud, `action=refresh&sessionId=${res.body.sessionId}`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.sessionId).toBe(res.body.sessionId);
    });

    it('refuses an unknown authCode with 401 AuthCodeInvalid', async () => {
      expectError(await postSession(cloud, { authCode: '0123456789abcdef0123456789abcdef' }), 401, 'AuthCodeInvalid');
    });

    it('refuses a used authCode with 401 AuthCodeInvalid', async () => {
      const code = await authCode(cloud, newUserId());
      expect((await postSession(cloud, { authCode: code })).status).toBe(200);
      expectError(await postSession(cloud, { authCode: code }), 401, 'AuthCodeInvalid');
    });

    it('refuses an expired authCode with 401 AuthCodeInvalid', async () => {
      const code = await authCode(cloud, newUserId());
      alipayOffsetMs = 5 * 60_000 + 1000; // codes live 5 minutes
      try {
        expectError(await postSession(cloud, { authCode: code }), 401, 'AuthCodeInvalid');
      } finally {
        alipayOffsetMs = 0;
      }
    });
  });

  describe('refresh and logout', () => {
    it('refresh keeps the session and its expiry and issues new credentials that work', async () => {
      const session = await login(cloud);
      await dbOp(cloud, session, { op: 'put', obj: { id: 'x', v: 1 } });
      const res = await postSession(cloud, { action: 'refresh', sessionId: session.sessionId });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['accountId', 'expiresAt', 'sessionId', 'sts']);
      expect(res.body.sessionId).toBe(session.sessionId);
      expect(res.body.accountId).toBe(session.accountId);
      // Refresh never extends a session: it ends when the login's did.
      expect(res.body.expiresAt).toBe(session.expiresAt);
      expect(res.body.sts.AccessKeyId).not.toBe(session.sts.AccessKeyId);
      expect(res.body.sts.AccessKeySecret).not.toBe(session.sts.AccessKeySecret);
      expect(res.body.sts.SecurityToken).not.toBe(session.sts.SecurityToken);
      const fresh = { ...session, sts: res.body.sts };
      expect((await dbOp(cloud, fresh, { op: 'get', id: 'x' })).data).toMatchObject({ v: 1, uid: session.accountId });
    });

    it('logout answers {ok:true}; afterwards refresh is 401 SessionInvalid and db refuses the session', async () => {
      const session = await login(cloud);
      const res = await postSession(cloud, { action: 'logout', sessionId: session.sessionId });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true });
      expectError(await postSession(cloud, { action: 'refresh', sessionId: session.sessionId }), 401, 'SessionInvalid');
      // Never used on db before, so no instance has it cached.
      expect(errorCode(await dbOp(cloud, session, { op: 'list' }))).toBe('SessionInvalid');
      // Logging out again (a retry) answers the same.
      expect((await postSession(cloud, { action: 'logout', sessionId: session.sessionId })).body).toEqual({ ok: true });
    });

    it('logout ends only that session, not the same user’s others', async () => {
      const userId = newUserId();
      const a = await login(cloud, userId);
      const b = await login(cloud, userId);
      await postSession(cloud, { action: 'logout', sessionId: a.sessionId });
      expect((await postSession(cloud, { action: 'refresh', sessionId: b.sessionId })).status).toBe(200);
      expect((await dbOp(cloud, b, { op: 'list' })).data).toEqual([]);
    });

    it('refresh of an unknown or malformed-but-plausible session is 401 SessionInvalid', async () => {
      expectError(await postSession(cloud, { action: 'refresh', sessionId: 'A'.repeat(43) }), 401, 'SessionInvalid');
      expectError(await postSession(cloud, { action: 'refresh', sessionId: 'short' }), 401, 'SessionInvalid');
      const session = await login(cloud);
      const tampered = session.sessionId.slice(0, -1) + (session.sessionId.endsWith('A') ? 'B' : 'A');
      expectError(await postSession(cloud, { action: 'refresh', sessionId: tampered }), 401, 'SessionInvalid');
    });
  });

  describe('bad requests', () => {
    it.each<[string, string]>([
      ['malformed JSON', '{"authCode": "abc"'],
      ['empty body', ''],
      ['JSON array', '["abc"]'],
      ['JSON string', '"abc"'],
      ['JSON null', 'null'],
      ['no authCode', '{}'],
      ['authCode not a string', '{"authCode": 12345}'],
      ['empty authCode', '{"authCode": ""}'],
      ['authCode with spaces', '{"authCode": "a b"}'],
      ['authCode too long', JSON.stringify({ authCode: 'a'.repeat(129) })],
      ['unknown action', '{"action": "delete", "sessionId": "x"}'],
      ['action not a string', '{"action": 1, "authCode": "abc"}'],
      ['refresh without sessionId', '{"action": "refresh"}'],
      ['refresh with numeric sessionId', '{"action": "refresh", "sessionId": 42}'],
      ['logout without sessionId', '{"action": "logout"}'],
      ['logout with sessionId containing spaces', '{"action": "logout", "sessionId": "a b c"}'],
    ])('%s → 400 BadRequest', async (_name, body) => {
      const res = await postSession(cloud, body);
      expectError(res, 400, 'BadRequest');
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('a bad request writes no session row', async () => {
      const before = (await tableRows(cloud, 'sessions')).length;
      expect(before).toBeGreaterThan(0); // the logins above
      await postSession(cloud, '{"authCode": 1}');
      await postSession(cloud, '{"action": "nope"}');
      expect((await tableRows(cloud, 'sessions')).length).toBe(before);
    });

    it('refuses a body over 8 KB with 413 PayloadTooLarge, and takes one of exactly 8 KB', async () => {
      const code = await authCode(cloud, newUserId());
      const padded = (size: number) => {
        const base = JSON.stringify({ authCode: code, pad: '' });
        return JSON.stringify({ authCode: code, pad: 'x'.repeat(size - base.length) });
      };
      expect(Buffer.byteLength(padded(8193))).toBe(8193);
      expectError(await postSession(cloud, padded(8193)), 413, 'PayloadTooLarge');
      expectError(await postSession(cloud, padded(64 * 1024)), 413, 'PayloadTooLarge');
      // The code was not spent by the refused requests: it still logs in, from a body of exactly 8 KB.
      const ok = await postSession(cloud, padded(8192));
      expect(ok.status).toBe(200);
      expect(ok.body.sessionId).toMatch(SESSION_ID);
    });

    it.each(['GET', 'PUT', 'DELETE', 'PATCH'])('%s is answered 405 (the trigger allows POST only)', async (method) => {
      const res = await fetch(cloud.config.SessionUrl, { method, ...(method === 'GET' ? {} : { body: '{}' }) });
      expect(res.status).toBe(405);
      const body = (await res.json()) as Record<string, unknown>;
      // FC's own error shape: the request never reaches the function.
      expect(body).toEqual({ ErrorCode: 'MethodNotAllowed', ErrorMessage: expect.any(String) });
    });
  });
});

/**
 * Sessions end with the sessions table's TTL (7 days): the row disappears and with it the
 * session. Tablestore's clock is moved; the functions' own clocks are not touched.
 */
describe('session expiry', () => {
  let cloud: LocalCloud;
  let tablestoreOffsetMs = 0;
  beforeAll(async () => {
    cloud = await startCloud({ tablestore: { now: () => Date.now() + tablestoreOffsetMs } });
  });
  afterAll(() => cloud.stop());

  it('a session older than the TTL is refused by refresh (401) and by db (SessionInvalid)', async () => {
    const expiring = await login(cloud);
    const sixDays = 6 * 86400_000;
    tablestoreOffsetMs = sixDays;
    // Still alive a day before the end.
    expect((await postSession(cloud, { action: 'refresh', sessionId: expiring.sessionId })).status).toBe(200);

    tablestoreOffsetMs = 7 * 86400_000 + 60_000;
    const refreshed = await postSession(cloud, { action: 'refresh', sessionId: expiring.sessionId });
    expect({ status: refreshed.status, code: errorCode(refreshed.body) }).toEqual({ status: 401, code: 'SessionInvalid' });
    // Never used on db, so db has nothing cached and must ask the table.
    expect(errorCode(await dbOp(cloud, expiring, { op: 'list' }))).toBe('SessionInvalid');
    expect(errorCode(await dbOp(cloud, expiring, { op: 'put', obj: { id: 'late' } }))).toBe('SessionInvalid');
    expect(await tableRows(cloud, 'sessions')).toEqual([]);

    // A login now starts a new full-length session on the same clock.
    const fresh = await login(cloud);
    expect((await dbOp(cloud, fresh, { op: 'list' })).data).toEqual([]);
  });
});
