import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateKeyPair } from './alipay';

export interface KeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}
/** The app's key pair (its private half is the PrivateKey parameter) and the Alipay emulator's (its public half is AlipayPublicKey). */
export interface DevKeys {
  app: KeyPair;
  gateway: KeyPair;
}

/**
 * Development keys: generated once and kept under the state dir (git-ignored .local/), so a
 * restart keeps working sessions; fresh in memory when there is no state dir (tests).
 */
export function devKeys(stateDir?: string): DevKeys {
  if (!stateDir) return { app: generateKeyPair(), gateway: generateKeyPair() };
  const file = path.join(stateDir, 'dev-keys.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as DevKeys;
  const keys = { app: generateKeyPair(), gateway: generateKeyPair() };
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}
