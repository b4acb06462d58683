import { createPrivateKey } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { coldTrace } from './cold-trace';
import { requireEnv } from './config';

export interface AlipayConfig {
  appId: string;
  privateKey: string;
  /** Empty: answers can't be verified (the deployer gave no AlipayPublicKey). */
  alipayPublicKey: string;
  /** The app's AES key (base64); empty: phone numbers can't be decrypted (the AesKey parameter is empty). */
  aesKey?: string;
  gateway: string;
  timeoutMs: number;
}

/** The Alipay settings the template gives every function that calls Alipay (APP_ID, keys, gateway). */
export function alipayConfigFromEnv(): AlipayConfig {
  return {
    appId: requireEnv('APP_ID'),
    privateKey: requireEnv('ALIPAY_PRIVATE_KEY'),
    alipayPublicKey: process.env.ALIPAY_PUBLIC_KEY ?? '',
    aesKey: process.env.ALIPAY_AES_KEY ?? '',
    gateway: requireEnv('ALIPAY_GATEWAY'),
    // Well inside each function's timeout, leaving room for a retry and the Tablestore writes after.
    timeoutMs: 3000,
  };
}

let sdk: AlipaySdk | undefined;

/**
 * One alipay-sdk client per instance, built on first use. The SDK itself is imported at load, not
 * on first use as before: the code cache made at synth (lib/code-cache.ts) then covers its
 * compilation, which made a cold login about 15-50 ms faster locally, at the price of loading it on
 * the rarer cold starts that never call Alipay (a refresh or a logout).
 */
export function alipaySdk(config: AlipayConfig): AlipaySdk {
  sdk ??= coldTrace.client(
    () =>
      new AlipaySdk({
        appId: config.appId,
        privateKey: config.privateKey,
        keyType: privateKeyType(config.privateKey),
        alipayPublicKey: config.alipayPublicKey || undefined,
        encryptKey: config.aesKey || undefined,
        gateway: config.gateway,
        timeout: config.timeoutMs,
        signType: 'RSA2',
      }),
  );
  return sdk;
}

/**
 * Alipay's key tool writes PKCS1 for most languages and PKCS8 for Java; accept either, PEM or bare
 * base64, instead of failing every call with an opaque signing error.
 */
export function privateKeyType(key: string): 'PKCS1' | 'PKCS8' {
  if (/BEGIN\s+PRIVATE\s+KEY/.test(key)) return 'PKCS8';
  if (/BEGIN\s+RSA\s+PRIVATE\s+KEY/.test(key)) return 'PKCS1';
  try {
    createPrivateKey({ key: Buffer.from(key.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'pkcs8' });
    return 'PKCS8';
  } catch {
    return 'PKCS1';
  }
}
