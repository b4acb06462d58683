/**
 * The key parameters as Alipay will use them, checked before a deploy: ROS only checks their
 * pattern and length, and a key that doesn't parse would fail every login after a "successful"
 * deploy. Messages never include key material, nor crypto's errors (which may quote it).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** RSA2 (SHA256withRSA) is what Alipay signs and verifies with, on 2048-bit keys. */
const RSA2_BITS = 2048;

const isPem = (text: string): boolean => /-----BEGIN [A-Z ]+-----/.test(text);
const der = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'base64');

function firstThatParses(attempts: (() => KeyObject)[]): KeyObject | undefined {
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // try the next encoding
    }
  }
  return undefined;
}

/** Problems with the app private key (PKCS1 or PKCS8, PEM or bare base64, as the session function accepts it). */
export function privateKeyProblems(text: string): string[] {
  const key = firstThatParses(
    isPem(text)
      ? [() => createPrivateKey(text)]
      : [() => createPrivateKey({ key: der(text), format: 'der', type: 'pkcs8' }), () => createPrivateKey({ key: der(text), format: 'der', type: 'pkcs1' })],
  );
  if (!key)
    return [
      'PrivateKey does not parse as an RSA private key (PKCS1 or PKCS8, PEM or base64). Paste the application private key the Alipay key tool generated.',
    ];
  return rsa2Problems('PrivateKey', key);
}

/** Problems with Alipay's public key; empty is allowed (answers are then not verified) and reported as a warning by the caller. */
export function publicKeyProblems(text: string): string[] {
  if (text.trim() === '') return [];
  const key = firstThatParses(isPem(text) ? [() => createPublicKey(text)] : [() => createPublicKey({ key: der(text), format: 'der', type: 'spki' })]);
  if (!key)
    return [
      "AlipayPublicKey does not parse as an RSA public key. Paste Alipay's public key (支付宝公钥) from the open platform console, not the app public key.",
    ];
  return rsa2Problems('AlipayPublicKey', key);
}

function rsa2Problems(name: string, key: KeyObject): string[] {
  if (key.asymmetricKeyType !== 'rsa') return [`${name} is a ${key.asymmetricKeyType} key; Alipay's RSA2 needs an RSA key.`];
  const bits = key.asymmetricKeyDetails?.modulusLength;
  return bits === RSA2_BITS ? [] : [`${name} is an RSA ${bits}-bit key; Alipay's RSA2 uses ${RSA2_BITS}-bit keys.`];
}
