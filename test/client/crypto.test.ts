import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { hmacSha256, md5, sha256, toBase64, toHex, utf8Encode } from '../../client/crypto';

/** Random strings over the whole UTF-16 range, lone surrogates included (they must encode as U+FFFD, as Node does). */
function randomString(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const pick = randomInt(4);
    if (pick === 0) s += String.fromCharCode(randomInt(0x80));
    else if (pick === 1) s += String.fromCharCode(randomInt(0x10000));
    else if (pick === 2) s += String.fromCodePoint(0x10000 + randomInt(0x100000));
    else s += String.fromCharCode(0xd800 + randomInt(0x800));
  }
  return s;
}

// Lengths around every padding edge (55/56/64 bytes) and a few multi-block sizes.
const lengths = [0, 1, 2, 3, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4097];
const samples = (): Buffer[] => [...lengths.map((n) => randomBytes(n)), ...Array.from({ length: 300 }, () => randomBytes(randomInt(300)))];

describe('pure-JS primitives against node:crypto', () => {
  it('MD5', () => {
    for (const b of samples()) expect(toHex(md5(b))).toBe(createHash('md5').update(b).digest('hex'));
  });

  it('SHA-256', () => {
    for (const b of samples()) expect(toHex(sha256(b))).toBe(createHash('sha256').update(b).digest('hex'));
  });

  it('HMAC-SHA256, keys shorter and longer than the block', () => {
    for (const b of samples()) {
      const key = randomBytes(randomInt(2) ? randomInt(64) : 64 + randomInt(200));
      expect(toBase64(hmacSha256(key, b))).toBe(createHmac('sha256', key).update(b).digest('base64'));
    }
  });

  it('base64 and hex', () => {
    for (const b of samples()) {
      expect(toBase64(b)).toBe(b.toString('base64'));
      expect(toHex(b)).toBe(b.toString('hex'));
    }
  });

  it('UTF-8, including astral characters and lone surrogates', () => {
    for (let i = 0; i < 500; i++) {
      const s = randomString(randomInt(64));
      expect(Buffer.from(utf8Encode(s)).equals(Buffer.from(s, 'utf8'))).toBe(true);
    }
  });

  it('known vectors', () => {
    expect(toHex(md5(utf8Encode('abc')))).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(toHex(sha256(utf8Encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // RFC 4231 test case 2
    expect(toHex(hmacSha256(utf8Encode('Jefe'), utf8Encode('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});
