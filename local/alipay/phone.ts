import { createCipheriv } from 'node:crypto';
import { rsa2Sign } from './signing';

/** A mainland mobile number as `my.getPhoneNumber` reveals it: 11 digits starting with 1. */
export const MOBILE_PATTERN = /^1\d{10}$/;

/** What `my.getPhoneNumber` hands the mini-program, and the mini-program posts to its server. */
export interface PhoneNumberPayload {
  /** base64 of AES-128-CBC (PKCS#7, zero IV) of `{"code":"10000","msg":"Success","mobile":"…"}`. */
  response: string;
  /** RSA2 by Alipay's key over the response wrapped in double quotes. */
  sign: string;
  sign_type: 'RSA2';
  encrypt_type: 'AES';
  charset: 'UTF-8';
}

/**
 * An app's AES key as the Alipay console shows it: base64 of 16 bytes (AES-128), so 24
 * characters ending in `==`. Checked strictly because both sides decode leniently: Node's base64
 * decoder skips what it can't read, and alipay-sdk (crypto-js) silently runs AES-192 or AES-256
 * for a key that decodes to 24 or 32 bytes, so a mangled key would fail only at decryption.
 */
export function isAesKey(key: string): boolean {
  const bytes = Buffer.from(key, 'base64');
  return bytes.length === 16 && bytes.toString('base64') === key;
}

/**
 * The payload Alipay would give `my.getPhoneNumber` for this number, for an app with this AES
 * key, signed with the gateway's (Alipay's) private key. The signature covers `"<response>"`,
 * quotes included, because that is what Alipay's guide (opendocs.alipay.com/common/02mse3) has
 * servers verify; alipay-sdk's `rsaCheck(content, sign)` verifies whatever string it is given, so
 * building the quoted string is the caller's job. The mobile is not checked here, so tests can
 * build what the `/dev/phone-number` route refuses.
 */
export function phoneNumberPayload(mobile: string, aesKey: string, gatewayPrivateKeyPem: string): PhoneNumberPayload {
  if (!isAesKey(aesKey)) throw new RangeError('phoneNumberPayload: the AES key must be base64 of 16 bytes (24 characters ending in ==)');
  const plain = JSON.stringify({ code: '10000', msg: 'Success', mobile });
  // aes-128-cbc pads with PKCS#7 by default; Alipay's IV is 16 zero bytes.
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(aesKey, 'base64'), Buffer.alloc(16));
  const response = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
  return { response, sign: rsa2Sign(`"${response}"`, gatewayPrivateKeyPem), sign_type: 'RSA2', encrypt_type: 'AES', charset: 'UTF-8' };
}
