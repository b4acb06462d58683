import { createClient, fetchTransport, type Account, type Session } from '../../client';
import type { LocalCloud } from '../../local/cloud';
import { authCode, newOpenId, newUserId, startCloud } from '../support/local';
import { OFFLINE_CONFIG, SESSION_KEY, memoryStorage, fakeSessionFunction, getPhoneNumber, rejection, type FakeAnswer } from './support';

const STS = { AccessKeyId: 'STS.abc', AccessKeySecret: 'secret', SecurityToken: 'CAIStoken', Expiration: '2030-01-01T00:00:00Z' };
const SESSION: Session = { sessionId: 'A'.repeat(43), expiresAt: '2030-01-01T00:00:00.000Z', sts: STS };
const ACCOUNT: Account = { accountId: 'acc_0001', userId: '2088000000000001', createdAt: '2025-01-01T00:00:00.000Z' };

/** What Alipay's my.getPhoneNumber hands the mini-program, in its three forms. */
const PAYLOAD = { response: 'q8Y0T2kSzVb3nWx+fW1mXw==', sign: 'c2lnbmVkIGJ5IEFsaXBheQ==', sign_type: 'RSA2', encrypt_type: 'AES', charset: 'UTF-8' };
const PAYLOAD_TEXT = JSON.stringify(PAYLOAD);
const SUCCESS_RESULT = { response: PAYLOAD_TEXT };
const SENT = { action: 'phoneNumber', sessionId: SESSION.sessionId, response: PAYLOAD.response, sign: PAYLOAD.sign };

const sessionInvalid: FakeAnswer = {
  status: 401,
  body: { error: { code: 'SessionInvalid', message: 'The session is unknown, expired or logged out; log in again.' } },
};

/** A client already holding SESSION (as after a restart), on a fake session function. */
function loggedInClient(answer: Parameters<typeof fakeSessionFunction>[0]) {
  const transport = fakeSessionFunction(answer);
  const storage = memoryStorage({ [SESSION_KEY]: JSON.stringify(SESSION) });
  const changes: (Session | null)[] = [];
  const client = createClient(OFFLINE_CONFIG, transport, { storage, onChange: (s) => changes.push(s) });
  return { client, transport, storage, changes };
}

describe('me()', () => {
  it('posts {action: "me", sessionId} as JSON to SessionUrl and answers the account', async () => {
    const { client, transport } = loggedInClient(() => ({ body: ACCOUNT }));
    expect(await client.me()).toEqual(ACCOUNT);
    expect(transport.requests).toHaveLength(1);
    expect(transport.requests[0]).toMatchObject({ url: OFFLINE_CONFIG.SessionUrl, method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(transport.bodies()).toEqual([{ action: 'me', sessionId: SESSION.sessionId }]);
  });

  it('keeps every id the account has, and an open-id-only account has no userId', async () => {
    const full: Account = {
      accountId: 'acc_2',
      userId: '2088000000000002',
      openId: '074a1CcTG1Lelx',
      unionId: 'union_1',
      mobile: '13800000000',
      createdAt: ACCOUNT.createdAt,
    };
    expect(await loggedInClient(() => ({ body: full })).client.me()).toEqual(full);
    const openOnly = { accountId: 'acc_3', openId: '074a1CcTG1Lelx', createdAt: ACCOUNT.createdAt };
    const me = await loggedInClient(() => ({ body: openOnly })).client.me();
    expect(me).toEqual(openOnly);
    expect(me.userId).toBeUndefined();
  });

  it('an answer without accountId or createdAt, or with a non-string id, is BadResponse', async () => {
    for (const body of [{ createdAt: ACCOUNT.createdAt }, { accountId: 'acc_1' }, { ...ACCOUNT, userId: 2088 }, [], null]) {
      const { client } = loggedInClient(() => ({ body }));
      expect(await rejection(client.me())).toMatchObject({ code: 'BadResponse' });
      expect(client.session).toEqual(SESSION);
    }
  });

  it('logged out: NotLoggedIn without a request', async () => {
    const transport = fakeSessionFunction();
    const client = createClient(OFFLINE_CONFIG, transport);
    expect(await rejection(client.me())).toMatchObject({ name: 'ClientError', code: 'NotLoggedIn' });
    expect(transport.requests).toEqual([]);
  });

  it('SessionInvalid clears the session (storage and onChange too); the next call needs no request to know', async () => {
    const { client, transport, storage, changes } = loggedInClient(() => sessionInvalid);
    expect(await rejection(client.me())).toMatchObject({ code: 'SessionInvalid', status: 401 });
    expect(client.session).toBeNull();
    expect(storage.data.has(SESSION_KEY)).toBe(false);
    expect(changes).toEqual([null]);
    expect(await rejection(client.me())).toMatchObject({ code: 'NotLoggedIn' });
    expect(transport.requests).toHaveLength(1);
  });

  it('other errors keep the session', async () => {
    const { client } = loggedInClient(() => ({ status: 503, body: { error: { code: 'Unavailable', message: 'Tablestore is busy' } } }));
    expect(await rejection(client.me())).toMatchObject({ code: 'Unavailable', status: 503 });
    expect(client.session).toEqual(SESSION);
  });

  it('a SessionInvalid for a session replaced by a login meanwhile leaves the new one alone', async () => {
    let refuse!: () => void;
    const held = new Promise<void>((resolve) => (refuse = resolve));
    const fresh = { ...SESSION, sessionId: 'B'.repeat(43), accountId: 'acc_0001' };
    const { client } = loggedInClient(async (body) => {
      if (body.action === 'me') {
        await held;
        return sessionInvalid;
      }
      return { body: fresh };
    });
    const me = client.me();
    await client.login('code');
    refuse();
    expect(await rejection(me)).toMatchObject({ code: 'SessionInvalid' });
    expect(client.session).toEqual(fresh);
  });
});

describe('phoneNumber(result)', () => {
  it.each([
    ["my.getPhoneNumber's success result (response is JSON text)", SUCCESS_RESULT],
    ['that JSON text', PAYLOAD_TEXT],
    ['the payload parsed', PAYLOAD],
    ['the payload with only response and sign', { response: PAYLOAD.response, sign: PAYLOAD.sign }],
  ])('takes %s: posts exactly {action, sessionId, response, sign} and resolves with the mobile', async (_form, result) => {
    const { client, transport } = loggedInClient(() => ({ body: { mobile: '13800000000' } }));
    await expect(client.phoneNumber(result)).resolves.toBe('13800000000');
    expect(transport.bodies()).toEqual([SENT]);
    expect(transport.requests[0]).toMatchObject({ url: OFFLINE_CONFIG.SessionUrl, headers: { 'content-type': 'application/json' } });
  });

  it('passes response and sign on byte for byte (the signature covers them exactly)', async () => {
    const odd = { response: ' a/b+c==\n', sign: 'x"y\\z' };
    const { client, transport } = loggedInClient(() => ({ body: { mobile: '13800000000' } }));
    await client.phoneNumber({ response: JSON.stringify(odd) });
    expect(transport.bodies()[0]).toMatchObject(odd);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an empty object', {}],
    ['response without sign (ciphertext, not JSON)', { response: PAYLOAD.response }],
    ['sign without response', { sign: PAYLOAD.sign }],
    ['an empty sign', { ...PAYLOAD, sign: '' }],
    ['a numeric sign', { ...PAYLOAD, sign: 7 }],
    ['text that is not JSON', 'not json'],
    ['JSON text without sign', JSON.stringify({ response: PAYLOAD.response })],
    ['a success result whose payload lacks sign', { response: JSON.stringify({ response: PAYLOAD.response }) }],
    ['a success result whose response is cut off', { response: PAYLOAD_TEXT.slice(0, 20) }],
    ["my.getPhoneNumber's fail result", { error: 11, errorMessage: 'user cancelled' }],
    ['an array', [PAYLOAD]],
  ])('%s: BadRequest without a request', async (_what, result) => {
    const { client, transport } = loggedInClient(() => ({ body: { mobile: '13800000000' } }));
    expect(await rejection(client.phoneNumber(result as never))).toMatchObject({ name: 'ClientError', code: 'BadRequest' });
    expect(transport.requests).toEqual([]);
    expect(client.session).toEqual(SESSION);
  });

  it('logged out: NotLoggedIn without a request (malformed input is BadRequest first, as the server checks it first)', async () => {
    const transport = fakeSessionFunction();
    const client = createClient(OFFLINE_CONFIG, transport);
    expect(await rejection(client.phoneNumber(SUCCESS_RESULT))).toMatchObject({ code: 'NotLoggedIn' });
    expect(await rejection(client.phoneNumber({ response: 'x' }))).toMatchObject({ code: 'BadRequest' });
    expect(transport.requests).toEqual([]);
  });

  it('SessionInvalid clears the session', async () => {
    const { client, storage, changes } = loggedInClient(() => sessionInvalid);
    expect(await rejection(client.phoneNumber(SUCCESS_RESULT))).toMatchObject({ code: 'SessionInvalid', status: 401 });
    expect(client.session).toBeNull();
    expect(storage.data.has(SESSION_KEY)).toBe(false);
    expect(changes).toEqual([null]);
  });

  it.each([
    [401, 'SignatureInvalid'],
    [400, 'BadRequest'],
    [501, 'NotConfigured'],
  ])('%i %s comes through as a ClientError and keeps the session', async (status, code) => {
    const { client } = loggedInClient(() => ({ status, body: { error: { code, message: code } } }));
    expect(await rejection(client.phoneNumber(PAYLOAD))).toMatchObject({ code, status });
    expect(client.session).toEqual(SESSION);
  });

  it('an answer without mobile is BadResponse', async () => {
    for (const body of [{}, { mobile: '' }, { mobile: 13800000000 }, { ok: true }]) {
      expect(await rejection(loggedInClient(() => ({ body })).client.phoneNumber(PAYLOAD))).toMatchObject({ code: 'BadResponse' });
    }
  });
});

describe('login answers with and without accountId', () => {
  it('keeps accountId when the server sends it: in session, in storage, and across a refresh that omits it', async () => {
    const storage = memoryStorage();
    const transport = fakeSessionFunction((body) =>
      body.action === 'refresh' ? { body: { ...SESSION, sts: { ...STS, AccessKeyId: 'STS.new' } } } : { body: { ...SESSION, accountId: 'acc_0001' } },
    );
    const client = createClient(OFFLINE_CONFIG, transport, { storage });
    expect(await client.login('code')).toEqual({ ...SESSION, accountId: 'acc_0001' });
    expect(client.session?.accountId).toBe('acc_0001');
    expect(JSON.parse(storage.data.get(SESSION_KEY)!).accountId).toBe('acc_0001');
    await client.refresh();
    expect(client.session).toMatchObject({ accountId: 'acc_0001', sts: { AccessKeyId: 'STS.new' } });
    // A restarted app reads it back.
    expect(createClient(OFFLINE_CONFIG, fakeSessionFunction(), { storage }).session?.accountId).toBe('acc_0001');
  });

  it('accepts an older server without accountId', async () => {
    const storage = memoryStorage();
    const client = createClient(
      OFFLINE_CONFIG,
      fakeSessionFunction(() => ({ body: SESSION })),
      { storage },
    );
    expect(await client.login('code')).toEqual(SESSION);
    expect(client.session?.accountId).toBeUndefined();
    expect(createClient(OFFLINE_CONFIG, fakeSessionFunction(), { storage }).session).toEqual(SESSION);
  });
});

/** These need the session function's `me` and `phoneNumber` actions and the emulator's phoneNumberUrl. */
describe('against local mode', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startCloud();
  });
  afterAll(() => cloud.stop());

  it('after a user-id login, me() has the login answer accountId and the user id', async () => {
    const userId = newUserId();
    const client = createClient(cloud.config, fetchTransport(fetch));
    const session = await client.login(await authCode(cloud, { userId }));
    expect(session.accountId).toMatch(/^acc_/);
    const me = await client.me();
    expect(me).toMatchObject({ accountId: session.accountId, userId });
    expect(me.openId).toBeUndefined();
    expect(me.mobile).toBeUndefined();
    expect(Number.isFinite(Date.parse(me.createdAt))).toBe(true);

    // The same person logging in again is the same account.
    const again = createClient(cloud.config, fetchTransport(fetch));
    await again.login(await authCode(cloud, { userId }));
    expect((await again.me()).accountId).toBe(me.accountId);
  });

  it('after an open-id login, me() has the open id and no user id; after a login with both, both', async () => {
    const openId = newOpenId();
    const client = createClient(cloud.config, fetchTransport(fetch));
    await client.login(await authCode(cloud, { openId }));
    const me = await client.me();
    expect(me).toMatchObject({ accountId: expect.stringMatching(/^acc_/), openId });
    expect(me.userId).toBeUndefined();

    // An app under migration: Alipay gives both ids (and here a union id), and the account keeps them all.
    const userId = newUserId();
    const both = createClient(cloud.config, fetchTransport(fetch));
    await both.login(await authCode(cloud, { userId, openId: newOpenId(), unionId: 'union_demo_1' }));
    expect(await both.me()).toMatchObject({ userId, openId: expect.any(String), unionId: 'union_demo_1' });
  });

  it("phoneNumber with my.getPhoneNumber's result from the emulator answers the mobile, and me() then shows it", async () => {
    const client = createClient(cloud.config, fetchTransport(fetch));
    await client.login(await authCode(cloud, { userId: newUserId() }));
    const result = await getPhoneNumber(cloud, '13800000000');
    expect(JSON.parse(result.response)).toMatchObject({
      response: expect.any(String),
      sign: expect.any(String),
      sign_type: 'RSA2',
      encrypt_type: 'AES',
      charset: 'UTF-8',
    });
    await expect(client.phoneNumber(result)).resolves.toBe('13800000000');
    expect((await client.me()).mobile).toBe('13800000000');

    // The parsed payload works as well; a forged signature does not, and keeps the session.
    const other = JSON.parse((await getPhoneNumber(cloud, '13900000001')).response);
    await expect(client.phoneNumber(other)).resolves.toBe('13900000001');
    const forged = JSON.parse((await getPhoneNumber(cloud, '13900000002')).response);
    expect(await rejection(client.phoneNumber({ ...forged, sign: other.sign }))).toMatchObject({ code: 'SignatureInvalid', status: 401 });
    expect(client.session).not.toBeNull();
    expect((await client.me()).mobile).toBe('13900000001');
  });

  it('a logged-out session: me() and phoneNumber() answer SessionInvalid and the client forgets it', async () => {
    const first = createClient(cloud.config, fetchTransport(fetch));
    await first.login(await authCode(cloud, { userId: newUserId() }));
    const stored = JSON.stringify(first.session);
    await first.logout();

    const stale = createClient(cloud.config, fetchTransport(fetch), { storage: memoryStorage({ [SESSION_KEY]: stored }) });
    expect(await rejection(stale.me())).toMatchObject({ code: 'SessionInvalid', status: 401 });
    expect(stale.session).toBeNull();
    const again = createClient(cloud.config, fetchTransport(fetch), { storage: memoryStorage({ [SESSION_KEY]: stored }) });
    expect(await rejection(again.phoneNumber(await getPhoneNumber(cloud, '13800000000')))).toMatchObject({ code: 'SessionInvalid', status: 401 });
    expect(again.session).toBeNull();
  });
});
