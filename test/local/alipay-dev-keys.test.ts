import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isAesKey } from '../../local/alipay';
import { devKeys } from '../../local/keys';

/** The development keys a state dir keeps across restarts, including the AES key added later. */

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-keys-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const file = () => path.join(dir, 'dev-keys.json');
const mode = () => fs.statSync(file()).mode & 0o777;

describe('devKeys', () => {
  it('without a state dir: fresh keys each time, with an AES key of 16 bytes', () => {
    const [a, b] = [devKeys(), devKeys()];
    expect(isAesKey(a.aesKey)).toBe(true);
    expect(Buffer.from(a.aesKey, 'base64')).toHaveLength(16);
    expect(b.aesKey).not.toBe(a.aesKey);
  });

  it('writes new keys owner-only and reads the same keys back', () => {
    const first = devKeys(path.join(dir, 'state'));
    const stored = path.join(dir, 'state', 'dev-keys.json');
    expect(fs.statSync(stored).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(stored, 'utf8'))).toEqual(first);
    expect(devKeys(path.join(dir, 'state'))).toEqual(first);
    expect(isAesKey(first.aesKey)).toBe(true);
  });

  it('adds an AES key to a file from before it existed, keeping the RSA keys, and rewrites it owner-only', () => {
    const old = devKeys();
    const legacy = { app: old.app, gateway: old.gateway };
    fs.writeFileSync(file(), JSON.stringify(legacy), { mode: 0o644 });
    fs.chmodSync(file(), 0o644);

    const upgraded = devKeys(dir);
    expect(upgraded.app).toEqual(old.app);
    expect(upgraded.gateway).toEqual(old.gateway);
    expect(isAesKey(upgraded.aesKey)).toBe(true);
    expect(JSON.parse(fs.readFileSync(file(), 'utf8'))).toEqual(upgraded);
    expect(mode()).toBe(0o600);
    // Only the keys file is left: the rewrite goes through a temporary file renamed over it.
    expect(fs.readdirSync(dir)).toEqual(['dev-keys.json']);
    // Stable from then on.
    expect(devKeys(dir)).toEqual(upgraded);
  });

  it('leaves a file that has an AES key untouched', () => {
    const keys = devKeys(dir);
    const before = fs.statSync(file()).mtimeMs;
    const text = fs.readFileSync(file(), 'utf8');
    expect(devKeys(dir)).toEqual(keys);
    expect(fs.readFileSync(file(), 'utf8')).toBe(text);
    expect(fs.statSync(file()).mtimeMs).toBe(before);
  });
});
