import { generateKeyPairSync, randomBytes } from 'node:crypto';

/**
 * An RSA-2048 key pair in the PEM flavours alipay-sdk 4.14.0 accepts as bare strings with its
 * defaults: the SDK's `formatKey` strips the first/last PEM line only if it contains
 * 'RSA PRIVATE KEY' (default keyType PKCS1) or 'PUBLIC KEY', then re-wraps the body under that
 * label. So the private key must be PKCS#1 (a PKCS#8 'PRIVATE KEY' would only work with
 * keyType:'PKCS8') and the public key must be SPKI ('BEGIN PUBLIC KEY'; a PKCS#1 'RSA PUBLIC KEY'
 * body would be re-labelled as SPKI and fail to parse).
 */
export function generateKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** A fresh AES-128 key in the form the Alipay console gives an app: base64 of 16 random bytes. */
export function generateAesKey(): string {
  return randomBytes(16).toString('base64');
}
