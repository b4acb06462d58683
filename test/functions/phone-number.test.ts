import type { LocalCloud } from '../../local/cloud';
import { generateAesKey, generateKeyPair, phoneNumberPayload as signedPayload } from '../../local/alipay';
import { type LoginAnswer, login, phoneNumberPayload, postSession, startCloud } from '../support/local';
import { allRows } from '../support/tables';

const share = (cloud: LocalCloud, s: LoginAnswer, payload: { response: string; sign: string }) =>
  postSession(cloud, { action: 'phoneNumber', sessionId: s.sessionId, response: payload.response, sign: payload.sign });
const storedMobile = async (cloud: LocalCloud, accountId: string) =>
  (await allRows(cloud, 'accounts', ['key'])).find((r) => r.key.key === `account:${accountId}`)?.columns.mobile;

describe('phone numbers from my.getPhoneNumber', () => {
  let cloud: LocalCloud;
  const lines: string[] = [];
  beforeAll(async () => {
    cloud = await startCloud({ log: (line) => lines.push(line) });
  });
  afterAll(() => cloud.stop());

  it('verifies, decrypts and stores the number; me shows it', async () => {
    const s = await login(cloud);
    expect((await postSession(cloud, { action: 'me', sessionId: s.sessionId })).body.mobile).toBeUndefined();
    const res = await share(cloud, s, await phoneNumberPayload(cloud, '13812345678'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ mobile: '13812345678' });
    expect((await postSession(cloud, { action: 'me', sessionId: s.sessionId })).body).toMatchObject({ accountId: s.accountId, mobile: '13812345678' });
    // A new number replaces the old one.
    await share(cloud, s, await phoneNumberPayload(cloud, '13900000001'));
    expect(await storedMobile(cloud, s.accountId)).toBe('13900000001');
  });

  describe('refuses what Alipay did not vouch for, and stores nothing', () => {
    let s: LoginAnswer;
    let genuine: { response: string; sign: string };
    beforeAll(async () => {
      s = await login(cloud);
      genuine = await phoneNumberPayload(cloud, '13700000000');
    });
    afterEach(async () => expect(await storedMobile(cloud, s.accountId)).toBeUndefined());

    const gatewayKey = () => cloud.keys.gateway.privateKeyPem;
    const cases: [string, number, string, () => { response: string; sign: string }][] = [
      ['a signature by another key', 401, 'SignatureInvalid', () => signedPayload('13700000000', cloud.keys.aesKey, generateKeyPair().privateKeyPem)],
      [
        'a signature of other content',
        401,
        'SignatureInvalid',
        () => ({ ...genuine, sign: signedPayload('13700000001', cloud.keys.aesKey, gatewayKey()).sign }),
      ],
      [
        'a signature over the response without its quotes',
        401,
        'SignatureInvalid',
        () => ({ ...genuine, sign: require('node:crypto').createSign('RSA-SHA256').update(genuine.response).sign(gatewayKey(), 'base64') }),
      ],
      ['a tampered ciphertext', 401, 'SignatureInvalid', () => ({ ...genuine, response: genuine.response.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })],
      ['another app’s payload (its own AES key), signed by Alipay', 400, 'BadRequest', () => signedPayload('13700000000', generateAesKey(), gatewayKey())],
      ['a truncated ciphertext, signed by Alipay', 400, 'BadRequest', () => resigned(genuine.response.slice(0, 24))],
      ['a ciphertext cut mid-block, signed by Alipay', 400, 'BadRequest', () => resigned(genuine.response.slice(0, 30))],
      ['a response that is not a ciphertext at all, signed by Alipay', 400, 'BadRequest', () => resigned('bm90IGEgY2lwaGVydGV4dA==')],
      ['no sign', 400, 'BadRequest', () => ({ response: genuine.response, sign: '' })],
      ['a sign that is not base64', 400, 'BadRequest', () => ({ response: genuine.response, sign: 'not base64!' })],
      ['a response over 2,048 characters', 400, 'BadRequest', () => resigned('A'.repeat(2049))],
    ];
    const resigned = (response: string) => ({
      response,
      sign: require('node:crypto').createSign('RSA-SHA256').update(`"${response}"`).sign(gatewayKey(), 'base64') as string,
    });

    it.each(cases)('%s → %i %s', async (_name, status, code, payload) => {
      const res = await share(cloud, s, payload());
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
    });

    it('refuses a genuine payload with an unknown session', async () => {
      const res = await share(cloud, { ...s, sessionId: 'A'.repeat(43) }, genuine);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('SessionInvalid');
    });
  });

  it('never writes the number to a log line', async () => {
    const s = await login(cloud);
    await share(cloud, s, await phoneNumberPayload(cloud, '13698765432'));
    await share(cloud, s, signedPayload('13698765433', generateAesKey(), cloud.keys.gateway.privateKeyPem));
    const all = [...lines, ...cloud.functionLogs].join('\n');
    expect(all).toContain('"op":"phoneNumber"');
    expect(all).not.toMatch(/1369876543/);
  });
});

describe('phone numbers without an AES key', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startCloud({ parameters: { AesKey: '' } });
  });
  afterAll(() => cloud.stop());

  it('answers NotConfigured, with a message that names the parameter', async () => {
    const s = await login(cloud);
    const payload = signedPayload('13700000000', generateAesKey(), cloud.keys.gateway.privateKeyPem);
    const res = await share(cloud, s, payload);
    expect(res.status).toBe(501);
    expect(res.body.error).toEqual({ code: 'NotConfigured', message: expect.stringContaining('AesKey') });
  });
});
