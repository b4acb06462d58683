import { AlipaySdk } from 'alipay-sdk';
import { AlipayGatewayEmulator, generateKeyPair, type AlipayIds } from '../../local/alipay';

/**
 * `/dev/auth-code` in each id mode (user_id for older appIds, open_id for newer ones, both during
 * a migration, union_id beside either), driven through the real alipay-sdk with validateSign on.
 */

const APP_ID = '2021000000000001';
const USER = '2088000000000001';
// Real open_ids are about 46 alphanumerics; union_ids are not documented.
const OPEN = '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5';
const UNION = 'union_1a2B-3c';

const app = generateKeyPair();
const alipay = generateKeyPair();
const stranger = generateKeyPair();

const logs: Record<string, unknown>[] = [];
const emulator = new AlipayGatewayEmulator({
  appId: APP_ID,
  appPublicKeyPem: app.publicKeyPem,
  gatewayPrivateKeyPem: alipay.privateKeyPem,
  now: () => Date.parse('2026-06-01T00:00:00Z'),
  log: (line) => logs.push(line),
});

beforeAll(() => emulator.listen());
afterAll(() => emulator.close());
beforeEach(() => {
  logs.length = 0;
});

function sdk(alipayPublicKey = alipay.publicKeyPem): AlipaySdk {
  return new AlipaySdk({ appId: APP_ID, privateKey: app.privateKeyPem, alipayPublicKey, gateway: emulator.gatewayUrl, timeout: 2000 });
}

const postAuthCode = (body: string) => fetch(emulator.authCodeUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

async function authCode(ids: AlipayIds): Promise<string> {
  const res = await postAuthCode(JSON.stringify(ids));
  expect(res.status).toBe(200);
  return ((await res.json()) as { authCode: string }).authCode;
}

const exchange = (client: AlipaySdk, code: string) =>
  client.exec('alipay.system.oauth.token', { grant_type: 'authorization_code', code }, { validateSign: true });
const refresh = (client: AlipaySdk, token: string) =>
  client.exec('alipay.system.oauth.token', { grant_type: 'refresh_token', refresh_token: token }, { validateSign: true });

/** The whole answer as alipay-sdk gives it: the wire fields camel-cased, plus traceId. toStrictEqual: no extra keys. */
const answer = (ids: AlipayIds, reExpiresIn = 2592000) => ({
  ...ids,
  accessToken: expect.stringMatching(/^authusrB[0-9a-f]{32}$/),
  expiresIn: 1296000,
  refreshToken: expect.stringMatching(/^authusrB[0-9a-f]{32}$/),
  reExpiresIn,
  authStart: '2026-06-01 08:00:00',
  traceId: expect.any(String),
});

const MODES: [string, AlipayIds][] = [
  ['userId (older appIds)', { userId: USER }],
  ['openId (newer appIds)', { openId: OPEN }],
  ['userId + openId (an app being migrated)', { userId: USER, openId: OPEN }],
  ['userId + unionId', { userId: USER, unionId: UNION }],
  ['openId + unionId', { openId: OPEN, unionId: UNION }],
  ['userId + openId + unionId', { userId: USER, openId: OPEN, unionId: UNION }],
];

describe('alipay.system.oauth.token carries exactly the ids the code was issued for', () => {
  it.each(MODES)('%s', async (_mode, ids) => {
    const result = await exchange(sdk(), await authCode(ids));
    expect(result).toStrictEqual(answer(ids));
  });

  it.each(MODES)('%s: the refresh_token grant keeps the same ids', async (_mode, ids) => {
    const client = sdk();
    const first = await exchange(client, await authCode(ids));
    const second = await refresh(client, first.refreshToken);
    expect(second).toStrictEqual(answer(ids));
    const third = await refresh(client, second.refreshToken);
    expect(third).toStrictEqual(answer(ids));
  });

  it('signs the open_id answer with the gateway key: an SDK holding another alipayPublicKey rejects it', async () => {
    await expect(exchange(sdk(stranger.publicKeyPem), await authCode({ openId: OPEN }))).rejects.toThrow(/^验签失败/);
  });

  it('puts the snake_case ids on the wire, ids first', async () => {
    const code = await authCode({ userId: USER, openId: OPEN, unionId: UNION });
    const raw = await sdk().exec('alipay.system.oauth.token', { grant_type: 'authorization_code', code }, { validateSign: true });
    expect(raw).toMatchObject({ userId: USER, openId: OPEN, unionId: UNION });
    // Without camelcase, the SDK shows the wire names.
    const plain = new AlipaySdk({
      appId: APP_ID,
      privateKey: app.privateKeyPem,
      alipayPublicKey: alipay.publicKeyPem,
      gateway: emulator.gatewayUrl,
      camelcase: false,
    });
    const wire = await plain.exec(
      'alipay.system.oauth.token',
      { grant_type: 'authorization_code', code: await authCode({ openId: OPEN, unionId: UNION }) },
      { validateSign: true },
    );
    expect(Object.keys(wire)).toEqual(['open_id', 'union_id', 'access_token', 'expires_in', 'refresh_token', 're_expires_in', 'auth_start', 'traceId']);
  });
});

describe('/dev/auth-code id limits', () => {
  const at = (n: number) => 'a'.repeat(n);

  it.each([
    ['openId', 64],
    ['unionId', 64],
  ])('%s: %i characters are accepted, one more is refused', async (key, max) => {
    const base: AlipayIds = key === 'unionId' ? { openId: OPEN } : {};
    const ok = await authCode({ ...base, [key]: at(max) });
    expect(await exchange(sdk(), ok)).toMatchObject({ [key]: at(max) });
    const res = await postAuthCode(JSON.stringify({ ...base, [key]: at(max + 1) }));
    expect(res.status).toBe(400);
  });

  it('accepts one character and every character of [0-9A-Za-z_-]', async () => {
    const all = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-';
    expect(all).toHaveLength(64);
    for (const openId of ['x', all]) {
      expect(await exchange(sdk(), await authCode({ openId }))).toMatchObject({ openId });
    }
  });
});

describe('/dev/auth-code refuses bad bodies with 400 and a JSON error', () => {
  it.each([
    ['openId too long', JSON.stringify({ openId: 'a'.repeat(65) })],
    ['openId empty', JSON.stringify({ openId: '' })],
    ['openId with a space', JSON.stringify({ openId: 'abc def' })],
    ['openId with a dot', JSON.stringify({ openId: 'abc.def' })],
    ['openId with a non-ASCII letter', JSON.stringify({ openId: 'abcé' })],
    ['openId with a trailing newline', JSON.stringify({ openId: 'abc\n' })],
    ['openId a number', JSON.stringify({ openId: 12345 })],
    ['openId null', JSON.stringify({ openId: null })],
    ['unionId too long', JSON.stringify({ openId: OPEN, unionId: 'u'.repeat(65) })],
    ['unionId with a slash', JSON.stringify({ userId: USER, unionId: 'a/b' })],
    ['unionId alone', JSON.stringify({ unionId: UNION })],
    ['neither id', JSON.stringify({})],
    ['a bad userId beside a good openId', JSON.stringify({ userId: '2088123', openId: OPEN })],
    ['userId as an array', JSON.stringify({ userId: [USER] })],
    ['an unknown key', JSON.stringify({ userId: USER, openid: OPEN })],
    ['a JSON array', JSON.stringify([{ userId: USER }])],
    ['JSON null', 'null'],
    ['a JSON string', JSON.stringify(USER)],
    ['a JSON number', '2088000000000001'],
    ['not JSON', 'userId=2088000000000001'],
    ['an empty body', ''],
  ])('%s', async (_case, body) => {
    const res = await postAuthCode(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: expect.any(String) });
  });

  it('does not echo the ids it refuses', async () => {
    const res = await postAuthCode(JSON.stringify({ openId: `${OPEN}!` }));
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain(OPEN);
  });
});

describe('logging', () => {
  it('never logs ids, codes or tokens', async () => {
    const ids = { userId: '2088000000000777', openId: 'openIdThatMustNotBeLogged0123456789', unionId: 'unionIdThatMustNotBeLogged' };
    const code = await authCode(ids);
    const first = await exchange(sdk(), code);
    const second = await refresh(sdk(), first.refreshToken);
    await postAuthCode(JSON.stringify({ ...ids, openId: `${ids.openId}.` }));
    expect(logs).toEqual([
      { service: 'alipay', method: 'dev.auth-code', outcome: 'ok', ms: expect.any(Number) },
      { service: 'alipay', method: 'alipay.system.oauth.token', outcome: 'ok', ms: expect.any(Number) },
      { service: 'alipay', method: 'alipay.system.oauth.token', outcome: 'ok', ms: expect.any(Number) },
      { service: 'alipay', method: 'dev.auth-code', outcome: 'bad-request', ms: expect.any(Number) },
    ]);
    const text = JSON.stringify(logs);
    for (const secret of [...Object.values(ids), code, first.accessToken, first.refreshToken, second.accessToken, second.refreshToken]) {
      expect(text).not.toContain(secret);
    }
  });
});
