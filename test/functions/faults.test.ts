import type { AlipayFault } from '../../local/alipay';
import type { LocalCloud } from '../../local/cloud';
import type { StsFault } from '../../local/sts';
import type { FaultDecision } from '../../local/tablestore';
import { authCode, login, newUserId, postSession, startCloud } from '../support/local';
import { dbOp, errorCode, storedObject, tableRows } from './helpers';

type OtsFault = NonNullable<FaultDecision>;
const busy: OtsFault = { status: 503, code: 'OTSServerBusy', message: 'Server is busy.' };

/**
 * Upstream failures through the emulators' fault hooks. How each applies a fault:
 * - Tablestore: after authentication, before the request is applied: an error status, a reset
 *   connection or a delay leave nothing written; `lostAnswer` applies the request, then drops
 *   the connection (the client can't know its write landed).
 * - Alipay: before the request is looked at: http5xx and timeout leave the auth code unspent;
 *   badSignature answers normally (the code is spent) but signs other bytes.
 * - STS: before authentication; nothing is issued.
 */
describe('faults', () => {
  let cloud: LocalCloud;
  let otsFault: (op: string) => FaultDecision = () => undefined;
  let alipayFault: (method: string) => AlipayFault | undefined = () => undefined;
  let stsFault: (action: string) => StsFault | undefined = () => undefined;
  /** Requests the emulators saw while a test ran (every request consults the hook). */
  let seen: { ots: string[]; alipay: string[]; sts: string[] };
  /** Faults actually injected, per Tablestore operation. */
  let injected: Record<string, number>;

  beforeAll(async () => {
    cloud = await startCloud({
      tablestore: {
        fault: (op) => {
          seen.ots.push(op);
          const f = otsFault(op);
          if (f) injected[op] = (injected[op] ?? 0) + 1;
          return f;
        },
      },
      alipay: { fault: (m) => (seen.alipay.push(m), alipayFault(m)) },
      sts: { fault: (a) => (seen.sts.push(a), stsFault(a)) },
    });
  });
  afterAll(() => cloud.stop());
  beforeEach(() => {
    seen = { ots: [], alipay: [], sts: [] };
    injected = {};
  });
  afterEach(() => {
    otsFault = () => undefined;
    alipayFault = () => undefined;
    stsFault = () => undefined;
  });

  /** Fails the first `n` attempts of every request of each operation (calls of one op are sequential here). */
  const failFirst = (n: number, fault: OtsFault) => {
    const counts: Record<string, number> = {};
    return (op: string): FaultDecision => {
      const c = (counts[op] = (counts[op] ?? 0) + 1);
      return (c - 1) % (n + 1) < n ? fault : undefined;
    };
  };
  /** Loses the answer of the next request of `op` (once), after Tablestore applied it. */
  const loseNext = (op: string) => {
    let armed = true;
    return (o: string): FaultDecision => {
      if (o !== op || !armed) return undefined;
      armed = false;
      return { lostAnswer: true };
    };
  };
  /** Rows, read with faults off. */
  const sessionRows = async () => {
    const saved = otsFault;
    otsFault = () => undefined;
    try {
      return (await tableRows(cloud, 'sessions')).length;
    } finally {
      otsFault = saved;
    }
  };
  const stored = async (uid: string, id: string) => {
    const saved = otsFault;
    otsFault = () => undefined;
    try {
      return await storedObject(cloud, uid, id);
    } finally {
      otsFault = saved;
    }
  };

  describe('transient Tablestore failures are retried and the operation succeeds', () => {
    it.each<[string, OtsFault, number]>([
      ['503 OTSServerBusy, twice per request', busy, 2],
      ['connection reset', { reset: true }, 1],
      ['503 OTSPartitionUnavailable', { status: 503, code: 'OTSPartitionUnavailable', message: 'The partition is not available.' }, 1],
      ['500 OTSInternalServerError', { status: 500, code: 'OTSInternalServerError', message: 'Internal server error.' }, 1],
      ['403 OTSQuotaExhausted', { status: 403, code: 'OTSQuotaExhausted', message: 'Too frequent table operations.' }, 1],
      ['409 OTSRowOperationConflict', { status: 409, code: 'OTSRowOperationConflict', message: 'Data is being modified by the other request.' }, 1],
    ])('%s: login, refresh, every db op and logout', async (_name, fault, n) => {
      const userId = newUserId();
      const code = await authCode(cloud, userId);
      otsFault = failFirst(n, fault);

      const loginRes = await postSession(cloud, { authCode: code });
      expect(loginRes.status).toBe(200);
      const session = { ...loginRes.body, userId };
      const refreshed = await postSession(cloud, { action: 'refresh', sessionId: session.sessionId });
      expect(refreshed.status).toBe(200);
      expect(session.accountId).toMatch(/^acc_[A-Za-z0-9_-]{22}$/);
      expect(refreshed.body.accountId).toBe(session.accountId);

      expect((await dbOp(cloud, session, { op: 'put', obj: { id: 'a', n: 1 } })).data).toMatchObject({ n: 1, uid: session.accountId, version: 1 });
      expect((await dbOp(cloud, session, { op: 'get', id: 'a' })).data).toMatchObject({ n: 1, version: 1 });
      expect((await dbOp(cloud, session, { op: 'update', obj: { id: 'a', n: 2 }, ifVersion: 1 })).data).toMatchObject({ n: 2, version: 2 });
      expect((await dbOp(cloud, session, { op: 'put', obj: { id: 'b' }, ifVersion: 0 })).data).toMatchObject({ version: 1 });
      expect((await dbOp(cloud, session, { op: 'remove', id: 'b', ifVersion: 1 })).data).toBeNull();
      const list = await dbOp(cloud, session, { op: 'list' });
      expect(list.data.map((o: { id: string; version: number }) => [o.id, o.version])).toEqual([['a', 2]]);
      expect((await postSession(cloud, { action: 'logout', sessionId: session.sessionId })).body).toEqual({ ok: true });

      // Each kind of request was failed and retried; each write landed exactly once.
      for (const op of ['PutRow', 'GetRow', 'UpdateRow', 'DeleteRow', 'GetRange']) expect(injected[op]).toBeGreaterThanOrEqual(n);
      expect(await stored(session.accountId, 'a')).toEqual({ doc: { n: 2 }, version: 2 });
      expect(await stored(session.accountId, 'b')).toBeUndefined();
      expect((await postSession(cloud, { action: 'refresh', sessionId: session.sessionId })).status).toBe(401);
    });
  });

  describe('Tablestore failing for good', () => {
    it('db answers Unavailable for every op, after a bounded number of attempts', async () => {
      const session = await login(cloud);
      await dbOp(cloud, session, { op: 'put', obj: { id: 'kept', n: 1 } });
      otsFault = () => busy;
      // The session is cached by db for 10 s: every op reaches the objects table itself.
      for (const event of [
        { op: 'put', obj: { id: 'kept', n: 2 } },
        { op: 'put', obj: { id: 'new' } },
        { op: 'get', id: 'kept' },
        { op: 'list' },
        { op: 'update', obj: { id: 'kept', n: 3 } },
        { op: 'remove', id: 'kept' },
      ]) {
        const started = Date.now();
        seen.ots = [];
        expect(errorCode(await dbOp(cloud, session, event))).toBe('Unavailable');
        expect(Date.now() - started).toBeLessThan(4700); // inside the 5 s function timeout
        expect(seen.ots.length).toBeGreaterThan(1); // retried
        expect(seen.ots.length).toBeLessThanOrEqual(4); // but not forever
      }
      otsFault = () => undefined;
      expect(await stored(session.accountId, 'kept')).toEqual({ doc: { n: 1 }, version: 1 });
      expect(await stored(session.accountId, 'new')).toBeUndefined();
    });

    it('db answers Unavailable for a session it must look up', async () => {
      const session = await login(cloud);
      otsFault = () => ({ reset: true });
      expect(errorCode(await dbOp(cloud, session, { op: 'list' }))).toBe('Unavailable');
      otsFault = () => undefined;
      // Not a SessionInvalid: the session still works once Tablestore is back.
      expect((await dbOp(cloud, session, { op: 'list' })).data).toEqual([]);
    });

    it('session answers 503 Unavailable for login, refresh and logout, and writes no session', async () => {
      const session = await login(cloud);
      const before = await sessionRows();
      const code = await authCode(cloud, newUserId());
      otsFault = () => busy;
      for (const body of [{ authCode: code }, { action: 'refresh', sessionId: session.sessionId }, { action: 'logout', sessionId: session.sessionId }]) {
        const res = await postSession(cloud, body);
        expect({ status: res.status, code: errorCode(res.body) }).toEqual({ status: 503, code: 'Unavailable' });
      }
      otsFault = () => undefined;
      expect(await sessionRows()).toBe(before);
      // The failed logout left the session alive; the failed login left none behind.
      expect((await postSession(cloud, { action: 'refresh', sessionId: session.sessionId })).status).toBe(200);
    });

    it('a non-transient Tablestore error is not retried and answers a structured Internal error', async () => {
      const session = await login(cloud);
      await dbOp(cloud, session, { op: 'list' }); // cache the session
      seen.ots = [];
      otsFault = () => ({ status: 403, code: 'OTSNoPermissionAccess', message: 'You have no permission to access the requested resource.' });
      expect(errorCode(await dbOp(cloud, session, { op: 'get', id: 'x' }))).toBe('Internal');
      expect(seen.ots).toEqual(['GetRow']);
      const res = await postSession(cloud, { authCode: await authCode(cloud, newUserId()) });
      expect({ status: res.status, code: errorCode(res.body) }).toEqual({ status: 500, code: 'Internal' });
    });
  });

  describe('Alipay failures', () => {
    const attempt = async (fault: AlipayFault['kind']) => {
      const before = await sessionRows();
      const code = await authCode(cloud, newUserId());
      alipayFault = () => ({ kind: fault });
      const res = await postSession(cloud, { authCode: code });
      alipayFault = () => undefined;
      // No credentials were asked for and no session row was written.
      expect(seen.sts).toEqual([]);
      expect(seen.ots.filter((op) => op === 'PutRow')).toEqual([]);
      expect(await sessionRows()).toBe(before);
      expect(res.body.sessionId).toBeUndefined();
      expect(res.body.sts).toBeUndefined();
      return { res, code };
    };

    it('an HTTP 5xx from Alipay is 502 UpstreamError; the unspent code works on retry', async () => {
      const { res, code } = await attempt('http5xx');
      expect({ status: res.status, code: errorCode(res.body) }).toEqual({ status: 502, code: 'UpstreamError' });
      expect(seen.alipay).toEqual(['alipay.system.oauth.token']); // not retried: a code is single-use
      const retry = await postSession(cloud, { authCode: code });
      expect(retry.status).toBe(200);
    });

    it('an answer with a bad signature is 502 UpstreamError (and Alipay spent the code)', async () => {
      const { res, code } = await attempt('badSignature');
      expect({ status: res.status, code: errorCode(res.body) }).toEqual({ status: 502, code: 'UpstreamError' });
      const retry = await postSession(cloud, { authCode: code });
      expect({ status: retry.status, code: errorCode(retry.body) }).toEqual({ status: 401, code: 'AuthCodeInvalid' });
    });

    it('Alipay not answering is 503 Unavailable within the function timeout', async () => {
      const started = Date.now();
      const { res } = await attempt('timeout');
      expect({ status: res.status, code: errorCode(res.body) }).toEqual({ status: 503, code: 'Unavailable' });
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });

  describe('STS failures', () => {
    it.each<[string, StsFault]>([
      ['503 ServiceUnavailable', { status: 503, code: 'ServiceUnavailable', message: 'The request has failed due to a temporary failure of the server.' }],
      ['500 InternalError', { status: 500, code: 'InternalError', message: 'STS Server Internal Error happened.' }],
      ['connection reset', { reset: true }],
    ])('%s on every attempt: login is 503 Unavailable and leaves no session', async (_name, fault) => {
      // A returning user: the account exists, so the login's only Tablestore writes are its session row's.
      const userId = newUserId();
      const { accountId } = await login(cloud, userId);
      const before = await sessionRows();
      const code = await authCode(cloud, userId);
      seen = { ots: [], alipay: [], sts: [] };
      stsFault = () => fault;
      const res = await postSession(cloud, { authCode: code });
      expect({ status: res.status, code: errorCode(res.body) }).toEqual({ status: 503, code: 'Unavailable' });
      expect(res.body.sessionId).toBeUndefined();
      expect(seen.sts.length).toBeGreaterThan(1); // retried
      expect(seen.sts.length).toBeLessThanOrEqual(4);
      // The row written alongside the credentials is removed again once STS has failed.
      expect(seen.ots.filter((op) => op === 'PutRow' || op === 'DeleteRow')).toEqual(['PutRow', 'DeleteRow']);
      expect(await sessionRows()).toBe(before);
      // Once STS is back the same person logs in to the same account.
      stsFault = () => undefined;
      expect((await login(cloud, userId)).accountId).toBe(accountId);
    });

    it('one transient STS failure is retried and the login succeeds', async () => {
      let first = true;
      stsFault = () => (first ? ((first = false), { status: 503, code: 'ServiceUnavailable', message: 'busy' }) : undefined);
      const res = await postSession(cloud, { authCode: await authCode(cloud, newUserId()) });
      expect(res.status).toBe(200);
      expect(seen.sts).toEqual(['AssumeRole', 'AssumeRole']);
      expect((await dbOp(cloud, { ...res.body }, { op: 'list' })).data).toEqual([]);
    });

    it('refresh during an STS outage is 503, and the session survives it', async () => {
      const session = await login(cloud);
      stsFault = () => ({ status: 503, code: 'ServiceUnavailable', message: 'busy' });
      const res = await postSession(cloud, { action: 'refresh', sessionId: session.sessionId });
      expect({ status: res.status, code: errorCode(res.body) }).toEqual({ status: 503, code: 'Unavailable' });
      stsFault = () => undefined;
      expect((await postSession(cloud, { action: 'refresh', sessionId: session.sessionId })).status).toBe(200);
    });
  });

  /**
   * Tablestore applies the write, then the answer is lost; the function's retry finds the
   * condition failed by its own write. The result must be exactly the intended state and
   * version, answered as a success.
   */
  describe('lost answers of applied writes', () => {
    let session: Awaited<ReturnType<typeof login>>;
    beforeEach(async () => {
      session = await login(cloud);
    });
    const op = (event: Record<string, unknown>) => dbOp(cloud, session, event);

    it('put of a new object: version 1, stored once', async () => {
      otsFault = loseNext('PutRow');
      const put = await op({ op: 'put', obj: { id: 'a', n: 1 } });
      expect(injected.PutRow).toBe(1);
      expect(put.data).toMatchObject({ id: 'a', n: 1, version: 1 });
      expect(await stored(session.accountId, 'a')).toEqual({ doc: { n: 1 }, version: 1 });
      expect((await op({ op: 'get', id: 'a' })).data).toEqual(put.data);
    });

    it('put with ifVersion 0: version 1, not a Conflict with itself', async () => {
      otsFault = loseNext('PutRow');
      expect((await op({ op: 'put', obj: { id: 'a', n: 1 }, ifVersion: 0 })).data).toMatchObject({ version: 1 });
      expect(injected.PutRow).toBe(1);
      expect(await stored(session.accountId, 'a')).toEqual({ doc: { n: 1 }, version: 1 });
    });

    it('put over an existing object: one version more', async () => {
      const created = (await op({ op: 'put', obj: { id: 'a', n: 1 } })).data;
      otsFault = loseNext('UpdateRow');
      const put = (await op({ op: 'put', obj: { id: 'a', n: 2 } })).data;
      expect(injected.UpdateRow).toBe(1);
      expect(put).toMatchObject({ n: 2, version: 2, createdAt: created.createdAt });
      expect(await stored(session.accountId, 'a')).toEqual({ doc: { n: 2 }, version: 2 });
    });

    it('put with ifVersion: one version more, not a Conflict with itself', async () => {
      await op({ op: 'put', obj: { id: 'a', n: 1 } });
      otsFault = loseNext('UpdateRow');
      expect((await op({ op: 'put', obj: { id: 'a', n: 2 }, ifVersion: 1 })).data).toMatchObject({ n: 2, version: 2 });
      expect(await stored(session.accountId, 'a')).toEqual({ doc: { n: 2 }, version: 2 });
    });

    it('update, with and without ifVersion: one version more each (no double increment)', async () => {
      await op({ op: 'put', obj: { id: 'a', n: 1, keep: true } });
      otsFault = loseNext('UpdateRow');
      expect((await op({ op: 'update', obj: { id: 'a', n: 2 } })).data).toMatchObject({ n: 2, keep: true, version: 2 });
      expect(await stored(session.accountId, 'a')).toEqual({ doc: { n: 2, keep: true }, version: 2 });
      otsFault = loseNext('UpdateRow');
      expect((await op({ op: 'update', obj: { id: 'a', n: 3 }, ifVersion: 2 })).data).toMatchObject({ n: 3, version: 3 });
      expect(await stored(session.accountId, 'a')).toEqual({ doc: { n: 3, keep: true }, version: 3 });
      expect(injected.UpdateRow).toBe(2);
    });

    it('remove: gone, answered {data: null}', async () => {
      await op({ op: 'put', obj: { id: 'a' } });
      otsFault = loseNext('DeleteRow');
      expect(await op({ op: 'remove', id: 'a' })).toEqual({ data: null });
      expect(injected.DeleteRow).toBe(1);
      expect(await stored(session.accountId, 'a')).toBeUndefined();
    });

    it('remove with ifVersion: gone, answered {data: null}, not a Conflict with itself', async () => {
      await op({ op: 'put', obj: { id: 'a' } });
      otsFault = loseNext('DeleteRow');
      expect(await op({ op: 'remove', id: 'a', ifVersion: 1 })).toEqual({ data: null });
      expect(injected.DeleteRow).toBe(1);
      expect(await stored(session.accountId, 'a')).toBeUndefined();
    });

    it('login: the session row written once and usable', async () => {
      const userId = newUserId();
      // A first login's first PutRow claims the person's account (the alias row): its answer lost,
      // the login still succeeds, with one session row more.
      let before = await sessionRows();
      otsFault = loseNext('PutRow');
      const first = await postSession(cloud, { authCode: await authCode(cloud, userId) });
      expect(first.status).toBe(200);
      expect(injected.PutRow).toBe(1);
      expect(await sessionRows()).toBe(before + 1);
      expect(first.body.accountId).toMatch(/^acc_[A-Za-z0-9_-]{22}$/);
      // Once the account exists, a login's only PutRow is its session row's: lose that answer.
      before = await sessionRows();
      injected = {};
      seen.ots = [];
      otsFault = loseNext('PutRow');
      const res = await postSession(cloud, { authCode: await authCode(cloud, userId) });
      expect(res.status).toBe(200);
      expect(injected.PutRow).toBe(1);
      expect(seen.ots.filter((op) => op === 'PutRow' || op === 'DeleteRow')).toEqual(['PutRow', 'PutRow']); // lost, retried
      expect(await sessionRows()).toBe(before + 1);
      expect(res.body.accountId).toBe(first.body.accountId);
      expect((await dbOp(cloud, { ...res.body }, { op: 'put', obj: { id: 'x' } })).data).toMatchObject({ uid: res.body.accountId });
    });

    it('logout: answered ok, session gone', async () => {
      otsFault = loseNext('DeleteRow');
      expect((await postSession(cloud, { action: 'logout', sessionId: session.sessionId })).body).toEqual({ ok: true });
      expect(injected.DeleteRow).toBe(1);
      expect((await postSession(cloud, { action: 'refresh', sessionId: session.sessionId })).status).toBe(401);
    });
  });
});
