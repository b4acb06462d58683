import { AlipayRequestError, AlipaySdk } from 'alipay-sdk';
import { AlipayGatewayEmulator, generateKeyPair, type AlipayFault } from '../../local/alipay';

const APP_ID = '2021000000000001';
const USER = '2088000000000001';
const OTHER_USER = '2088000000000002';
const TTL_MS = 5 * 60_000;

const app = generateKeyPair();
const alipay = generateKeyPair();
const stranger = generateKeyPair();

let clock = Date.parse('2026-06-01T00:00:00Z');
let fault: AlipayFault | undefined;
const logs: Record<string, unknown>[] = [];
const emulator = new AlipayGatewayEmulator({
  appId: APP_ID,
  appPublicKeyPem: app.publicKeyPem,
  gatewayPrivateKeyPem: alipay.privateKeyPem,
  now: () => clock,
  codeTtlMs: TTL_MS,
  fault: () => fault,
  log: (line) => logs.push(line),
});

beforeAll(() => emulator.listen());
afterAll(() => emulator.close());
beforeEach(() => {
  fault = undefined;
  logs.length = 0;
});

function sdk(over: { privateKey?: string; alipayPublicKey?: string; appId?: string } = {}): AlipaySdk {
  return new AlipaySdk({
    appId: over.appId ?? APP_ID,
    privateKey: over.privateKey ?? app.privateKeyPem,
    alipayPublicKey: over.alipayPublicKey ?? alipay.publicKeyPem,
    gateway: emulator.gatewayUrl,
    timeout: 300,
  });
}

async function authCode(userId: string = USER): Promise<string> {
  const res = await fetch(emulator.authCodeUrl, { method: 'POST', body: JSON.stringify({ userId }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { authCode: string }).authCode;
}

const exchange = (client: AlipaySdk, code: string) =>
  client.exec('alipay.system.oauth.token', { grant_type: 'authorization_code', code }, { validateSign: true });

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/**
 * What the session function has to do with a `验签失败` error: alipay-sdk 4.14.0 only looks for
 * `<method>_response` when verifying, so a *signed* `error_response` always fails its check.
 * `checkResponseSign(raw, 'error_response', sign)` verifies it properly; an authentic error yields
 * its sub_code, anything else is a forged/garbled answer.
 */
function authenticErrorSubCode(client: AlipaySdk, err: unknown): string | undefined {
  if (!(err instanceof AlipayRequestError) || !err.responseDataRaw) return undefined;
  const body = JSON.parse(err.responseDataRaw) as { error_response?: { sub_code?: string }; sign?: string };
  if (!body.error_response || !body.sign) return undefined;
  try {
    client.checkResponseSign(err.responseDataRaw, 'error_response', body.sign, err.traceId ?? '');
  } catch {
    return undefined;
  }
  return body.error_response.sub_code;
}

describe('alipay-sdk under ts-jest (CommonJS)', () => {
  it('loads the CJS build', () => {
    const mod = require('alipay-sdk') as { AlipaySdk: unknown };
    expect(typeof mod.AlipaySdk).toBe('function');
  });
});

describe('alipay.system.oauth.token with validateSign:true', () => {
  it('exchanges a valid code for the user id and tokens', async () => {
    const result = await exchange(sdk(), await authCode());
    expect(result).toMatchObject({
      userId: USER,
      expiresIn: 1296000,
      reExpiresIn: 2592000,
      authStart: '2026-06-01 08:00:00', // Beijing time
    });
    expect(result.accessToken).toMatch(/^authusrB[0-9a-f]{32}$/);
    expect(result.refreshToken).toMatch(/^authusrB[0-9a-f]{32}$/);
    expect(result.traceId).toEqual(expect.any(String));
  });

  it('maps each user to a stable user_id', async () => {
    const a1 = await exchange(sdk(), await authCode(USER));
    const b = await exchange(sdk(), await authCode(OTHER_USER));
    const a2 = await exchange(sdk(), await authCode(USER));
    expect([a1.userId, b.userId, a2.userId]).toEqual([USER, OTHER_USER, USER]);
    expect(a2.accessToken).not.toBe(a1.accessToken);
  });

  it('refuses a reused code with a signed isv.code-invalid error_response (SDK: 验签失败)', async () => {
    const client = sdk();
    const code = await authCode();
    await exchange(client, code);
    const err = await rejection(exchange(client, code));
    expect(err).toBeInstanceOf(AlipayRequestError);
    expect((err as Error).message).toMatch(/^验签失败/);
    const raw = JSON.parse((err as AlipayRequestError).responseDataRaw!);
    expect(raw.error_response).toEqual({
      code: '40002',
      msg: 'Invalid Arguments',
      sub_code: 'isv.code-invalid',
      sub_msg: '授权码code无效',
    });
    expect(authenticErrorSubCode(client, err)).toBe('isv.code-invalid');
  });

  it('resolves the error when validateSign is off', async () => {
    const code = await authCode();
    await exchange(sdk(), code);
    const result = await sdk().exec('alipay.system.oauth.token', { grant_type: 'authorization_code', code });
    expect(result).toMatchObject({ code: '40002', subCode: 'isv.code-invalid' });
  });

  it('refuses an unknown code', async () => {
    const client = sdk();
    const err = await rejection(exchange(client, 'c0ffee00c0ffee00c0ffee00c0ffee00'));
    expect(authenticErrorSubCode(client, err)).toBe('isv.code-invalid');
  });

  it('expires codes after codeTtlMs', async () => {
    const client = sdk();
    const fresh = await authCode();
    const stale = await authCode();
    clock += TTL_MS - 1;
    await expect(exchange(client, fresh)).resolves.toMatchObject({ userId: USER });
    clock += 1;
    const err = await rejection(exchange(client, stale));
    expect(authenticErrorSubCode(client, err)).toBe('isv.code-invalid');
  });

  it('refuses a request signed with the wrong app key (isv.invalid-signature)', async () => {
    const client = sdk({ privateKey: stranger.privateKeyPem });
    const code = await authCode();
    const err = await rejection(exchange(client, code));
    expect(authenticErrorSubCode(client, err)).toBe('isv.invalid-signature');
    // The refused code is still unused.
    await expect(exchange(sdk(), code)).resolves.toMatchObject({ userId: USER });
  });

  it('answers an unknown app_id unsigned, which the SDK turns into a TypeError', async () => {
    const err = await rejection(exchange(sdk({ appId: '2021000000009999' }), await authCode()));
    // node:crypto's TypeError comes from another realm under jest, so match by name and code.
    expect(err).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    expect((err as Error).message).toMatch(/"signature" argument/);
  });

  it('signs answers with the gateway key: an SDK holding another alipayPublicKey rejects them', async () => {
    const client = sdk({ alipayPublicKey: stranger.publicKeyPem });
    const err = await rejection(exchange(client, await authCode()));
    expect(err).toBeInstanceOf(AlipayRequestError);
    expect((err as Error).message).toMatch(/^验签失败/);
    expect((err as AlipayRequestError).responseDataRaw).toContain('"alipay_system_oauth_token_response":{"user_id"');
    expect(authenticErrorSubCode(client, err)).toBeUndefined();
  });

  it('supports grant_type=refresh_token once per refresh token', async () => {
    const client = sdk();
    const first = await exchange(client, await authCode());
    const refresh = (token: string) => client.exec('alipay.system.oauth.token', { grant_type: 'refresh_token', refresh_token: token }, { validateSign: true });
    const second = await refresh(first.refreshToken);
    expect(second).toMatchObject({ userId: USER });
    expect(second.accessToken).not.toBe(first.accessToken);
    const err = await rejection(refresh(first.refreshToken));
    expect(authenticErrorSubCode(client, err)).toBe('isv.refresh-token-invalid');
  });

  it('answers an unknown method with isv.invalid-method', async () => {
    const result = await sdk().exec('alipay.no.such.method', {});
    expect(result).toMatchObject({ code: '40002', subCode: 'isv.invalid-method' });
  });
});

describe('faults', () => {
  it('http5xx: an HTML 502 → AlipayRequestError "HTTP 请求错误, status: 502"', async () => {
    fault = { kind: 'http5xx' };
    const err = await rejection(exchange(sdk(), await authCode()));
    expect(err).toBeInstanceOf(AlipayRequestError);
    expect((err as Error).message).toMatch(/^HTTP 请求错误, status: 502/);
    expect(logs).toContainEqual(expect.objectContaining({ method: 'alipay.system.oauth.token', outcome: 'fault:http5xx' }));
  });

  it('timeout: the request is held past the client timeout → AlipayRequestError with HttpClientRequestTimeoutError cause', async () => {
    fault = { kind: 'timeout' };
    const started = Date.now();
    const err = await rejection(exchange(sdk(), await authCode()));
    expect(err).toBeInstanceOf(AlipayRequestError);
    expect((err as Error).message).toMatch(/^HttpClient Request error: Request timeout for 300 ms/);
    expect(((err as Error).cause as Error).name).toBe('HttpClientRequestTimeoutError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('badSignature: a well-formed answer with a wrong sign → 验签失败', async () => {
    fault = { kind: 'badSignature' };
    const client = sdk();
    const err = await rejection(exchange(client, await authCode()));
    expect(err).toBeInstanceOf(AlipayRequestError);
    expect((err as Error).message).toMatch(/^验签失败/);
    expect(authenticErrorSubCode(client, err)).toBeUndefined();
  });

  it('close() releases requests held by a timeout fault', async () => {
    const held = new AlipayGatewayEmulator({
      appId: APP_ID,
      appPublicKeyPem: app.publicKeyPem,
      gatewayPrivateKeyPem: alipay.privateKeyPem,
      fault: () => ({ kind: 'timeout' }),
    });
    await held.listen();
    const client = new AlipaySdk({
      appId: APP_ID,
      privateKey: app.privateKeyPem,
      alipayPublicKey: alipay.publicKeyPem,
      gateway: held.gatewayUrl,
      timeout: 20_000,
    });
    const pending = rejection(exchange(client, 'x'));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await held.close();
    const err = await pending;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(AlipayRequestError);
    expect((err as Error).message).toMatch(/^HttpClient Request error/);
  });
});

describe('/dev/auth-code', () => {
  it.each([[{}], [{ userId: '2088123' }], [{ userId: '1088000000000001' }], [{ userId: 2088000000000001 }]])('rejects %j with 400', async (body) => {
    const res = await fetch(emulator.authCodeUrl, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: expect.any(String) });
  });

  it('issues distinct one-time codes', async () => {
    const [a, b] = [await authCode(), await authCode()];
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(b).not.toBe(a);
  });
});

describe('logging', () => {
  it('logs one line per request without codes or tokens', async () => {
    const code = await authCode();
    const result = await exchange(sdk(), code);
    expect(logs).toEqual([
      { service: 'alipay', method: 'dev.auth-code', outcome: 'ok', ms: expect.any(Number) },
      { service: 'alipay', method: 'alipay.system.oauth.token', outcome: 'ok', ms: expect.any(Number) },
    ]);
    const text = JSON.stringify(logs);
    for (const secret of [code, result.accessToken, result.refreshToken]) expect(text).not.toContain(secret);
  });
});
