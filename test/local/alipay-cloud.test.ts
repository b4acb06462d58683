import { AlipaySdk } from 'alipay-sdk';
import { NO_AES_KEY_ERROR, type PhoneNumberPayload } from '../../local/alipay';
import type { LocalCloud } from '../../local/cloud';
import { startCloud } from '../support/local';

/** The local cloud wires the stack's AesKey parameter to the Alipay emulator's my.getPhoneNumber stand-in. */

const MOBILE = '13912345678';

const postMobile = (cloud: LocalCloud) =>
  fetch(cloud.config.phoneNumberUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mobile: MOBILE }) });

describe('local cloud: AesKey and /dev/phone-number', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startCloud();
  });
  afterAll(() => cloud?.stop());

  it('deploys the development AES key as the AesKey parameter', () => {
    expect(cloud.deployment.parameters.AesKey).toBe(cloud.keys.aesKey);
  });

  it('gives clients phoneNumberUrl beside authCodeUrl', () => {
    // Served on the FC port too, so the URL stays the same from run to run.
    expect(cloud.config.phoneNumberUrl).toBe(`${cloud.fc.url}/dev/phone-number`);
    expect(new URL(cloud.config.phoneNumberUrl).origin).toBe(new URL(cloud.config.authCodeUrl).origin);
  });

  it("answers a payload the app's AES key and AlipayPublicKey open, with alipay-sdk", async () => {
    const res = await postMobile(cloud);
    expect(res.status).toBe(200);
    const { response, sign } = (await res.json()) as PhoneNumberPayload;
    const sdk = new AlipaySdk({
      appId: cloud.deployment.parameters.AppId,
      privateKey: cloud.deployment.parameters.PrivateKey,
      alipayPublicKey: cloud.deployment.parameters.AlipayPublicKey,
      encryptKey: cloud.deployment.parameters.AesKey,
    });
    expect(sdk.rsaCheck(`"${response}"`, sign, 'RSA2')).toBe(true);
    expect(JSON.parse(sdk.aesDecrypt(response))).toEqual({ code: '10000', msg: 'Success', mobile: MOBILE });
  });
});

describe('local cloud with an empty AesKey', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startCloud({ parameters: { AesKey: '' } });
  });
  afterAll(() => cloud?.stop());

  it('answers /dev/phone-number with 409 and why', async () => {
    const res = await postMobile(cloud);
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: NO_AES_KEY_ERROR });
  });
});
