import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateAesKey, generateKeyPair } from './alipay';

export interface KeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}
/**
 * The app's key pair (its private half is the PrivateKey parameter), the Alipay emulator's (its
 * public half is AlipayPublicKey), and the app's AES key (the AesKey parameter), with which the
 * emulator encrypts phone numbers for my.getPhoneNumber's stand-in.
 */
export interface DevKeys {
  app: KeyPair;
  gateway: KeyPair;
  /** base64 of 16 bytes, as the Alipay console shows an app's AES key. */
  aesKey: string;
}

const freshKeys = (): DevKeys => ({ app: generateKeyPair(), gateway: generateKeyPair(), aesKey: generateAesKey() });

/**
 * Development keys: generated once and kept under the state dir (git-ignored .local/), so a
 * restart keeps working sessions; fresh in memory when there is no state dir (tests). A file from
 * before the AES key existed gets one added, keeping its RSA keys (and so the sessions and
 * configured clients that rely on them).
 */
export function devKeys(stateDir?: string): DevKeys {
  if (!stateDir) return freshKeys();
  const file = path.join(stateDir, 'dev-keys.json');
  if (!fs.existsSync(file)) {
    const keys = freshKeys();
    fs.mkdirSync(stateDir, { recursive: true });
    writeKeys(file, keys);
    return keys;
  }
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Omit<DevKeys, 'aesKey'> & { aesKey?: unknown };
  if (typeof stored.aesKey === 'string') return stored as DevKeys;
  const keys: DevKeys = { ...stored, aesKey: generateAesKey() };
  writeKeys(file, keys);
  return keys;
}

/**
 * Private keys: readable by the owner only. Written beside the target and renamed over it, so an
 * interrupted rewrite never leaves a half-written file in place of the RSA keys.
 */
function writeKeys(file: string, keys: DevKeys): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(keys), { mode: 0o600 });
  // The mode above applies only when the file is created, and the umask may clear bits, never add them.
  fs.chmodSync(temp, 0o600);
  fs.renameSync(temp, file);
}
