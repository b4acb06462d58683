import { AppError } from '../shared/errors';
import { type AlipayConfig, alipaySdk } from '../shared/alipay-sdk';

/** A mobile number as Alipay gives it: digits, optionally with a country prefix. */
const MOBILE = /^\+?[0-9-]{5,20}$/;

/**
 * The phone number in a `my.getPhoneNumber` payload, trusted only as far as Alipay vouches for it:
 * `sign` must be Alipay's RSA2 signature over the ciphertext in double quotes, and the ciphertext
 * must decrypt under this app's AES key (AES-128-CBC, zero IV) to `{"code":"10000", "mobile"}`.
 * alipay-sdk's own `rsaCheck` and `aesDecrypt` do the work. A payload of another app is signed by
 * Alipay just the same, but does not decrypt under this app's key.
 */
export function phoneNumberOf(config: AlipayConfig, response: string, sign: string): string {
  if (!config.aesKey) throw new AppError('NotConfigured', "Phone numbers are off: the deployment has no AesKey (the app's AES key from the Alipay console).");
  if (!config.alipayPublicKey) {
    throw new AppError('NotConfigured', "Phone numbers are off: the deployment has no AlipayPublicKey, so Alipay's signature can't be checked.");
  }
  const sdk = alipaySdk(config);
  let authentic: boolean;
  try {
    authentic = sdk.rsaCheck(`"${response}"`, sign, 'RSA2');
  } catch {
    authentic = false; // a signature that is not even well-formed
  }
  if (!authentic) throw new AppError('SignatureInvalid', "The payload is not signed by Alipay; pass my.getPhoneNumber's response unchanged.");

  let answer: { code?: unknown; mobile?: unknown } | null;
  try {
    // crypto-js never throws on a wrong key: it yields bytes that are not UTF-8 (a throw here) or not JSON.
    answer = JSON.parse(sdk.aesDecrypt(response)) as { code?: unknown; mobile?: unknown } | null;
  } catch {
    answer = null;
  }
  if (answer === null || typeof answer !== 'object') {
    throw new AppError('BadRequest', "The payload does not decrypt with this app's AES key: it is garbled or from another app.");
  }
  if (answer.code !== '10000')
    throw new AppError('BadRequest', 'Alipay did not share the phone number (the user refused, or the app lacks the phone number product).');
  if (typeof answer.mobile !== 'string' || !MOBILE.test(answer.mobile)) throw new AppError('BadRequest', 'The payload holds no phone number.');
  return answer.mobile;
}
