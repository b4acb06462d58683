import { AlipaySdk } from 'alipay-sdk';
import { AlipayGatewayEmulator, generateAesKey, generateKeyPair, NO_AES_KEY_ERROR, phoneNumberPayload, type PhoneNumberPayload } from '../../local/alipay';

/**
 * `/dev/phone-number`, the local `my.getPhoneNumber`: its payload must be what alipay-sdk 4.14.0's
 * own `rsaCheck` and `aesDecrypt` accept, as a server following Alipay's guide uses them.
 */

const APP_ID = '2021000000000001';
const MOBILE = '13800138000';

const app = generateKeyPair();
const alipay = generateKeyPair();
const stranger = generateKeyPair();
const aesKey = generateAesKey();
const otherAppAesKey = generateAesKey();

const logs: Record<string, unknown>[] = [];
const emulator = new AlipayGatewayEmulator({
  appId: APP_ID,
  appPublicKeyPem: app.publicKeyPem,
  gatewayPrivateKeyPem: alipay.privateKeyPem,
  aesKey,
  log: (line) => logs.push(line),
});
const keyless = new AlipayGatewayEmulator({ appId: APP_ID, appPublicKeyPem: app.publicKeyPem, gatewayPrivateKeyPem: alipay.privateKeyPem });
const emptyKey = new AlipayGatewayEmulator({ appId: APP_ID, appPublicKeyPem: app.publicKeyPem, gatewayPrivateKeyPem: alipay.privateKeyPem, aesKey: '' });

beforeAll(() => Promise.all([emulator.listen(), keyless.listen(), emptyKey.listen()]));
afterAll(() => Promise.all([emulator.close(), keyless.close(), emptyKey.close()]));
beforeEach(() => {
  logs.length = 0;
});

/** The app server's SDK, configured as a deployer would: its AES key as `encryptKey`. */
function sdk(encryptKey = aesKey, alipayPublicKey = alipay.publicKeyPem): AlipaySdk {
  return new AlipaySdk({ appId: APP_ID, privateKey: app.privateKeyPem, alipayPublicKey, encryptKey, gateway: emulator.gatewayUrl });
}

const post = (body: string, url = emulator.phoneNumberUrl) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

async function phoneNumber(mobile: string): Promise<PhoneNumberPayload> {
  const res = await post(JSON.stringify({ mobile }));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as PhoneNumberPayload;
}

/** What a server following Alipay's guide ends up with: the mobile, or undefined if anything fails. */
function decryptedMobile(client: AlipaySdk, response: string): unknown {
  try {
    return (JSON.parse(client.aesDecrypt(response)) as { mobile?: unknown } | null)?.mobile;
  } catch {
    return undefined;
  }
}

describe('POST /dev/phone-number {"mobile"}', () => {
  it('answers exactly what my.getPhoneNumber gives the client', async () => {
    const payload = await phoneNumber(MOBILE);
    // (toEqual plus the key list: fetch's JSON objects come from another realm under jest, which toStrictEqual refuses.)
    expect(Object.keys(payload)).toEqual(['response', 'sign', 'sign_type', 'encrypt_type', 'charset']);
    expect(payload).toEqual({
      response: expect.stringMatching(/^[A-Za-z0-9+/]+={0,2}$/),
      sign: expect.stringMatching(/^[A-Za-z0-9+/]+={0,2}$/),
      sign_type: 'RSA2',
      encrypt_type: 'AES',
      charset: 'UTF-8',
    });
    // 55 bytes of JSON → 4 AES blocks after PKCS#7 padding.
    expect(Buffer.from(payload.response, 'base64')).toHaveLength(64);
  });

  it("round-trips through alipay-sdk's own rsaCheck (over the quoted response) and aesDecrypt", async () => {
    const { response, sign, sign_type } = await phoneNumber(MOBILE);
    const client = sdk();
    expect(client.rsaCheck(`"${response}"`, sign, sign_type)).toBe(true);
    expect(JSON.parse(client.aesDecrypt(response))).toEqual({ code: '10000', msg: 'Success', mobile: MOBILE });
    expect(client.aesDecrypt(response)).toBe(`{"code":"10000","msg":"Success","mobile":"${MOBILE}"}`);
  });

  it('signs the quoted response only: the bare response does not verify', async () => {
    const { response, sign } = await phoneNumber(MOBILE);
    expect(sdk().rsaCheck(response, sign, 'RSA2')).toBe(false);
  });

  it("signs with the gateway's key: an SDK holding another alipayPublicKey rejects the payload", async () => {
    const { response, sign } = await phoneNumber(MOBILE);
    expect(sdk(aesKey, stranger.publicKeyPem).rsaCheck(`"${response}"`, sign, 'RSA2')).toBe(false);
  });

  it("is encrypted with the app's AES key: another app's key does not decrypt it", async () => {
    const { response } = await phoneNumber(MOBILE);
    expect(decryptedMobile(sdk(), response)).toBe(MOBILE);
    expect(decryptedMobile(sdk(otherAppAesKey), response)).toBeUndefined();
  });

  it('encrypts each number so only it decrypts (same number, same ciphertext: the IV is fixed)', async () => {
    const a = await phoneNumber('13800000001');
    const b = await phoneNumber('13800000002');
    const a2 = await phoneNumber('13800000001');
    expect([decryptedMobile(sdk(), a.response), decryptedMobile(sdk(), b.response)]).toEqual(['13800000001', '13800000002']);
    expect(a2.response).toBe(a.response);
  });

  it.each([
    ['10 digits', '1380013800'],
    ['12 digits', '138001380001'],
    ['not starting with 1', '23800138000'],
    ['with a country code', '+8613800138000'],
    ['with a space', '138 0013 8000'],
    ['with full-width digits', '１３８００１３８０００'],
    ['with a trailing newline', '13800138000\n'],
  ])('refuses a mobile %s with 400', async (_case, mobile) => {
    const res = await post(JSON.stringify({ mobile }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: expect.any(String) });
  });

  it('accepts 11 digits (the limit), refuses 12 and 10', async () => {
    expect((await post(JSON.stringify({ mobile: '1'.repeat(11) }))).status).toBe(200);
    expect((await post(JSON.stringify({ mobile: '1'.repeat(12) }))).status).toBe(400);
    expect((await post(JSON.stringify({ mobile: '1'.repeat(10) }))).status).toBe(400);
  });

  it.each([
    ['a number', JSON.stringify({ mobile: 13800138000 })],
    ['an unknown key beside it', JSON.stringify({ mobile: MOBILE, userId: '2088000000000001' })],
    ['no mobile', JSON.stringify({})],
    ['a JSON array', JSON.stringify([MOBILE])],
    ['JSON null', 'null'],
    ['a JSON string', JSON.stringify(MOBILE)],
    ['not JSON', `mobile=${MOBILE}`],
    ['an empty body', ''],
  ])('refuses %s with 400', async (_case, body) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: expect.any(String) });
  });

  it('answers 409 with the reason when no AES key is configured (absent or empty)', async () => {
    for (const url of [keyless.phoneNumberUrl, emptyKey.phoneNumberUrl]) {
      const res = await post(JSON.stringify({ mobile: MOBILE }), url);
      expect(res.status).toBe(409);
      expect(await res.json()).toEqual({ error: NO_AES_KEY_ERROR });
    }
    expect(NO_AES_KEY_ERROR).toBe("no AES key is configured: the stack's AesKey parameter is empty");
  });

  it('answers preflights and any origin, as /dev/auth-code does; other methods get the front-door 404', async () => {
    const preflight = await fetch(emulator.phoneNumberUrl, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:9000' } });
    expect(preflight.status).toBe(204);
    expect(Object.fromEntries(preflight.headers)).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '600',
    });
    const res = await post(JSON.stringify({ mobile: MOBILE }));
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const get = await fetch(emulator.phoneNumberUrl);
    expect(get.status).toBe(404);
    expect(await get.text()).toContain('Tengine');
  });

  it('is served beside /dev/auth-code', () => {
    expect(new URL(emulator.phoneNumberUrl).origin).toBe(new URL(emulator.authCodeUrl).origin);
    expect(new URL(emulator.phoneNumberUrl).pathname).toBe('/dev/phone-number');
  });

  it('logs one line per request, never the mobile', async () => {
    await phoneNumber(MOBILE);
    await post(JSON.stringify({ mobile: `${MOBILE}9` }));
    expect(logs).toEqual([
      { service: 'alipay', method: 'dev.phone-number', outcome: 'ok', ms: expect.any(Number) },
      { service: 'alipay', method: 'dev.phone-number', outcome: 'bad-request', ms: expect.any(Number) },
    ]);
    expect(JSON.stringify(logs)).not.toContain(MOBILE);
  });
});

describe('phoneNumberPayload (payloads for another app)', () => {
  it("builds a payload that only that app's AES key decrypts", () => {
    const payload = phoneNumberPayload(MOBILE, otherAppAesKey, alipay.privateKeyPem);
    expect(sdk(otherAppAesKey).rsaCheck(`"${payload.response}"`, payload.sign, 'RSA2')).toBe(true);
    expect(decryptedMobile(sdk(otherAppAesKey), payload.response)).toBe(MOBILE);
    expect(decryptedMobile(sdk(aesKey), payload.response)).toBeUndefined();
  });

  it.each([
    ['too short', Buffer.alloc(15).toString('base64')],
    ['AES-256 sized', Buffer.alloc(32).toString('base64')],
    ['hex', Buffer.alloc(16).toString('hex')],
    ['unpadded base64', Buffer.alloc(16).toString('base64').replace(/=+$/, '')],
    ['empty', ''],
  ])('refuses an AES key that is %s, and so does the emulator', (_case, key) => {
    expect(() => phoneNumberPayload(MOBILE, key, alipay.privateKeyPem)).toThrow(RangeError);
    if (key) {
      expect(
        () => new AlipayGatewayEmulator({ appId: APP_ID, appPublicKeyPem: app.publicKeyPem, gatewayPrivateKeyPem: alipay.privateKeyPem, aesKey: key }),
      ).toThrow(/aesKey must be base64 of 16 bytes/);
    }
  });
});

/**
 * What alipay-sdk 4.14.0's `aesDecrypt` (crypto-js AES, no padding check) does with bad input, so
 * the session function knows what to guard: it returns a string, usually empty, instead of
 * failing, so only `JSON.parse` and a check of the result catch a bad payload.
 */
describe('alipay-sdk 4.14.0 aesDecrypt on bad input', () => {
  let response: string;
  beforeAll(async () => {
    ({ response } = await phoneNumber(MOBILE));
  });

  it('returns "" for the empty string, without throwing', () => {
    expect(sdk().aesDecrypt('')).toBe('');
  });

  // What these decrypt to depends on the key (a fresh one per run), so crypto-js's UTF-8 decoding of
  // the garbage may also fail: either way, no mobile comes out.
  it.each([
    ['non-base64 text', () => '!!!not base64***'],
    ['the ciphertext without its last block', () => Buffer.from(response, 'base64').subarray(0, 48).toString('base64')],
    ['the ciphertext cut to one block', () => Buffer.from(response, 'base64').subarray(0, 16).toString('base64')],
  ])('returns "" (or throws "Malformed UTF-8 data") for %s, and never the mobile', (_case, input) => {
    let out: string;
    try {
      out = sdk().aesDecrypt(input());
    } catch (e) {
      expect((e as Error).message).toBe('Malformed UTF-8 data');
      return;
    }
    expect(out).toBe('');
  });

  it('with a wrong key returns "" or garbage, or throws "Malformed UTF-8 data", and never the mobile', () => {
    for (let i = 0; i < 50; i++) {
      const client = sdk(generateAesKey());
      let outcome: string;
      try {
        outcome = client.aesDecrypt(response);
      } catch (e) {
        expect((e as Error).message).toBe('Malformed UTF-8 data');
        continue;
      }
      expect(outcome).not.toContain(MOBILE);
    }
  });

  it('with no encryptKey throws a TypeError', () => {
    const client = new AlipaySdk({ appId: APP_ID, privateKey: app.privateKeyPem, alipayPublicKey: alipay.publicKeyPem });
    expect(() => client.aesDecrypt(response)).toThrow(expect.objectContaining({ name: 'TypeError' }));
  });
});
