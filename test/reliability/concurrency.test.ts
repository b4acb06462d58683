import type { LocalCloud } from '../../local/cloud';
import { type LoginAnswer, authCode, login, newUserId, postSession, startCloud } from '../support/local';
import { storedObject, tableRows } from '../functions/helpers';
import { dbCall, isErrorBody, report } from './support';

/** Races at volume: many requests at once on one object, one user or one collection. */
describe('concurrency', () => {
  let cloud: LocalCloud;
  let user: LoginAnswer & { userId: string };
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    cloud = await startCloud();
    user = await login(cloud);
  });
  afterAll(async () => {
    report('concurrency', figures);
    await cloud?.stop();
  });

  const call = async (event: Record<string, unknown>) => {
    const a = await dbCall(cloud, user, event);
    expect(a.status).toBe(200);
    expect(a.headers['x-fc-error-type']).toBeUndefined();
    return a.body;
  };
  const codes = (answers: any[]) => answers.filter((a) => isErrorBody(a)).map((a) => a.error.code);

  it('100 concurrent updates with the same ifVersion: exactly one wins, 99 Conflict, the winner stored', async () => {
    const start = await call({ op: 'put', obj: { id: 'race', n: -1, keep: 'me' } });
    expect(start.data.version).toBe(1);
    const answers = await Promise.all(Array.from({ length: 100 }, (_, n) => call({ op: 'update', obj: { id: 'race', n }, ifVersion: 1 })));
    const winners = answers.filter((a) => a.data);
    expect(winners).toHaveLength(1);
    expect(codes(answers)).toEqual(Array(99).fill('Conflict'));
    const won = winners[0].data;
    expect(won).toMatchObject({ version: 2, keep: 'me' });
    expect((await call({ op: 'get', id: 'race' })).data).toEqual(won);
    expect(await storedObject(cloud, user.accountId, 'race')).toEqual({ doc: { n: won.n, keep: 'me' }, version: 2 });
    figures.updatesSameVersion = { sent: 100, won: winners.length, conflicts: codes(answers).length };
  });

  it('100 concurrent puts of distinct ids: all 100 stored, listed once each', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `p${String(i).padStart(3, '0')}`);
    const answers = await Promise.all(ids.map((id, i) => call({ op: 'put', collection: 'bulk', obj: { id, i } })));
    expect(answers.every((a) => a.data?.version === 1)).toBe(true);
    const listed = [...(await call({ op: 'list', collection: 'bulk', limit: 100 })).data];
    expect(listed.map((o: { id: string; i: number }) => [o.id, o.i])).toEqual(ids.map((id, i) => [id, i]));
    const rows = (await tableRows(cloud, 'objects')).filter((r) => r.key.uid === user.accountId && r.key.collection === 'bulk');
    expect(rows).toHaveLength(100);
    figures.distinctPuts = { sent: 100, stored: rows.length };
  });

  it('50 concurrent put-creates of one id with ifVersion 0: exactly one wins', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => call({ op: 'put', obj: { id: 'once', n }, ifVersion: 0 })));
    const winners = answers.filter((a) => a.data);
    expect(winners).toHaveLength(1);
    expect(codes(answers)).toEqual(Array(49).fill('Conflict'));
    expect(await storedObject(cloud, user.accountId, 'once')).toEqual({ doc: { n: winners[0].data.n }, version: 1 });
    figures.createSameId = { sent: 50, won: winners.length };
  });

  it('50 concurrent updates without ifVersion: each success is one version, none lost; losers are Conflict', async () => {
    await call({ op: 'put', obj: { id: 'counter' } });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => call({ op: 'update', obj: { id: 'counter', [`f${n}`]: n } })));
    const ok = answers.filter((a) => a.data);
    // Under this much contention a writer that loses its read-modify-write race 3 times answers
    // Conflict (see ObjectStore MAX_RACES) rather than retrying forever; it wrote nothing.
    expect(codes(answers).every((c) => c === 'Conflict')).toBe(true);
    const versions = ok.map((a) => a.data.version).sort((x: number, y: number) => x - y);
    expect(versions).toEqual(Array.from({ length: ok.length }, (_, i) => i + 2));
    const final = await storedObject(cloud, user.accountId, 'counter');
    expect(final?.version).toBe(1 + ok.length);
    // Every acknowledged update's field is there; no refused one's is.
    answers.forEach((a, n) => expect([`f${n}`, `f${n}` in final!.doc]).toEqual([`f${n}`, Boolean(a.data)]));
    expect(ok.length).toBeGreaterThan(0);
    figures.unconditionalUpdates = { sent: 50, acknowledged: ok.length, conflicts: answers.length - ok.length, finalVersion: final?.version };
  });

  it('20 concurrent logins of one user: 20 distinct sessions of one account that all work', async () => {
    const userId = newUserId();
    const codesFor = await Promise.all(Array.from({ length: 20 }, () => authCode(cloud, userId)));
    const answers = await Promise.all(codesFor.map((c) => postSession(cloud, { authCode: c })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const sessions = answers.map((a) => ({ ...(a.body as LoginAnswer), userId }));
    expect(new Set(sessions.map((s) => s.sessionId)).size).toBe(20);
    // Racing first logins of one person still make one account.
    const accountId = sessions[0].accountId;
    expect(accountId).toMatch(/^acc_[A-Za-z0-9_-]{22}$/);
    expect(sessions.map((s) => s.accountId)).toEqual(Array(20).fill(accountId));
    const works = await Promise.all(sessions.map((s, i) => dbCall(cloud, s, { op: 'put', obj: { id: `from-${i}` } })));
    expect(works.every((w) => w.body.data?.uid === accountId)).toBe(true);
    const listed = await dbCall(cloud, sessions[0], { op: 'list' });
    expect(listed.body.data).toHaveLength(20);
    figures.concurrentLogins = {
      sent: 20,
      distinctSessions: new Set(sessions.map((s) => s.sessionId)).size,
      accounts: new Set(sessions.map((s) => s.accountId)).size,
    };
  });

  it('the same authCode sent 10 times at once logs in exactly once', async () => {
    const code = await authCode(cloud, newUserId());
    const answers = await Promise.all(Array.from({ length: 10 }, () => postSession(cloud, { authCode: code })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 401).map((a) => a.body.error.code)).toEqual(Array(9).fill('AuthCodeInvalid'));
  });
});
