import { createClient, fetchTransport, type HttpRequest, type HttpResponse, type Session, type SessionStorage } from '../../client';
import type { LocalCloud } from '../../local/cloud';
import { authCode, startCloud } from '../support/local';
import { OFFLINE_CONFIG, SESSION_KEY, memoryStorage, rejection } from './support';

const GOOD: Session = {
  sessionId: 'A'.repeat(43),
  expiresAt: '2030-01-01T00:00:00.000Z',
  sts: { AccessKeyId: 'STS.abc', AccessKeySecret: 'secret', SecurityToken: 'CAIStoken', Expiration: '2030-01-01T00:00:00Z' },
};

/** A transport that answers every request with `answer` (JSON) and records what was sent. */
function scripted(answer: (req: HttpRequest) => unknown = () => ({ error: { code: 'Unexpected', message: 'no request expected' } })) {
  const requests: HttpRequest[] = [];
  const transport = async (req: HttpRequest): Promise<HttpResponse> => {
    requests.push(req);
    return { status: 200, headers: { 'content-type': 'application/json' }, text: JSON.stringify(answer(req)) };
  };
  return Object.assign(transport, { requests });
}

describe('a stored session of the wrong shape', () => {
  const { sts: _noSts, ...noSts } = GOOD;
  it.each([
    ['{}', '{}'],
    ['[]', '[]'],
    ['no sts', JSON.stringify(noSts)],
    ['sts: null', JSON.stringify({ ...GOOD, sts: null })],
    ['sts an array', JSON.stringify({ ...GOOD, sts: [] })],
    ['sts without SecurityToken', JSON.stringify({ ...GOOD, sts: { ...GOOD.sts, SecurityToken: undefined } })],
    ['an unreadable Expiration', JSON.stringify({ ...GOOD, sts: { ...GOOD.sts, Expiration: 'soon' } })],
    ['a numeric sessionId', JSON.stringify({ ...GOOD, sessionId: 42 })],
    ['no expiresAt', JSON.stringify({ sessionId: GOOD.sessionId, sts: GOOD.sts })],
    ['null', 'null'],
    ['a string', '"session"'],
  ])('%s: is cleared, and every call that needs a session answers NotLoggedIn without a request', async (_what, stored) => {
    const storage = memoryStorage({ [SESSION_KEY]: stored });
    const transport = scripted();
    const changes: (Session | null)[] = [];
    const client = createClient(OFFLINE_CONFIG, transport, { storage, onChange: (s) => changes.push(s) });

    expect(client.session).toBeNull();
    expect(storage.data.has(SESSION_KEY)).toBe(false);
    for (const call of [client.list(), client.get('a'), client.put({ id: 'a' }), client.update({ id: 'a' }), client.remove('a'), client.refresh()]) {
      expect(await rejection(call)).toMatchObject({ name: 'ClientError', code: 'NotLoggedIn' });
    }
    await expect(client.logout()).resolves.toBeUndefined();
    expect(transport.requests).toEqual([]);
    // It was never a session the app saw, so there is no change to report.
    expect(changes).toEqual([]);
  });

  it('keeps a well-formed one (extra keys, empty expiresAt); text that is not JSON or storage that throws means logged out', async () => {
    const stored = { ...GOOD, expiresAt: '', extra: 'from a later version' };
    const storage = memoryStorage({ [SESSION_KEY]: JSON.stringify(stored) });
    const client = createClient(OFFLINE_CONFIG, scripted(), { storage });
    expect(client.session).toEqual(stored);
    expect(storage.data.get(SESSION_KEY)).toBe(JSON.stringify(stored));

    const notJson = memoryStorage({ [SESSION_KEY]: '{"sessionId":' });
    expect(createClient(OFFLINE_CONFIG, scripted(), { storage: notJson }).session).toBeNull();
    expect(notJson.data.has(SESSION_KEY)).toBe(false);

    // A storage that throws (my.getStorageSync failing) leaves the client logged out rather than broken.
    const broken: SessionStorage = {
      getItem: () => {
        throw new Error('storage unavailable');
      },
      setItem: () => undefined,
      removeItem: () => undefined,
    };
    const offline = createClient(OFFLINE_CONFIG, scripted(), { storage: broken });
    expect(offline.session).toBeNull();
    expect(await rejection(offline.list())).toMatchObject({ code: 'NotLoggedIn' });
  });
});

describe('answers of the wrong shape are not stored', () => {
  it('a login answer without expiresAt or sts is BadResponse and leaves the client logged out', async () => {
    for (const answer of [{ sessionId: GOOD.sessionId, sts: GOOD.sts }, { sessionId: GOOD.sessionId, expiresAt: GOOD.expiresAt }, []]) {
      const storage = memoryStorage();
      const client = createClient(
        OFFLINE_CONFIG,
        scripted(() => answer),
        { storage },
      );
      expect(await rejection(client.login('code'))).toMatchObject({ code: 'BadResponse' });
      expect(client.session).toBeNull();
      expect(storage.data.size).toBe(0);
    }
  });

  it('a refresh answer without sts is BadResponse and keeps the session it had', async () => {
    const storage = memoryStorage({ [SESSION_KEY]: JSON.stringify(GOOD) });
    const client = createClient(
      OFFLINE_CONFIG,
      scripted(() => ({ sessionId: GOOD.sessionId, expiresAt: GOOD.expiresAt, sts: { AccessKeyId: 'STS.new' } })),
      { storage },
    );
    expect(await rejection(client.refresh())).toMatchObject({ code: 'BadResponse' });
    expect(client.session).toEqual(GOOD);
    expect(storage.data.get(SESSION_KEY)).toBe(JSON.stringify(GOOD));
  });
});

describe('against local mode', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startCloud();
  });
  afterAll(() => cloud.stop());

  it('an app restarted with a corrupted stored session is logged out, logs in again and works', async () => {
    const storage = memoryStorage({ [SESSION_KEY]: JSON.stringify({ sessionId: 'left-over', sts: 'not an object' }) });
    const client = createClient(cloud.config, fetchTransport(fetch), { storage });
    expect(client.session).toBeNull();
    expect(await rejection(client.put({ id: 'a' }))).toMatchObject({ code: 'NotLoggedIn' });

    await client.login(await authCode(cloud, '2088000000000077'));
    expect(await client.put({ id: 'a' })).toMatchObject({ id: 'a', version: 1 });
    expect(JSON.parse(storage.data.get(SESSION_KEY)!)).toEqual(client.session);
  });
});
