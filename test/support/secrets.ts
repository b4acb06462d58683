import type { StsCredentials } from './local';

// Secret scanning for the tests that check logs and answers: every secret a run handled is
// recorded, then each text is searched for it (keys in overlapping pieces, so partial leaks count).

/** A JavaScript stack frame as Node prints it, also inside a JSON string (newline escaped as `\n`). */
export const STACK_FRAME = /(?:\n|\\n)\s+at \S|\bat (?:async )?[\w$.<>[\] ]*\((?:\/|node:|file:)[^)\s]*:\d+:\d+\)/;

/** The base64 body of a PEM key, whitespace removed. */
export const pemBody = (pem: string): string => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
/** 32-character pieces, 8 apart: any 40 characters of the secret contain a whole piece. */
const chunks = (s: string): string[] => {
  const out: string[] = [];
  for (let i = 0; i + 32 <= s.length; i += 8) out.push(s.slice(i, i + 32));
  return out;
};
/** Alipay access/refresh tokens as the emulator issues them. */
export const ALIPAY_TOKEN = /authusr[A-Za-z0-9]{20,}/;

/** Every secret a run handled, to look for in answers and logs. */
export class Secrets {
  private readonly items = new Map<string, string>();
  add(name: string, value: string | undefined): void {
    if (value) this.items.set(value, name);
  }
  addKey(name: string, pem: string): void {
    for (const c of chunks(pemBody(pem))) this.items.set(c, name);
  }
  addSts(name: string, sts: StsCredentials | undefined): void {
    this.add(`${name} AccessKeySecret`, sts?.AccessKeySecret);
    this.add(`${name} SecurityToken`, sts?.SecurityToken);
  }
  addSession(s: { sessionId?: string; sts?: StsCredentials } | undefined): void {
    this.add('sessionId', s?.sessionId);
    this.addSts('client credentials', s?.sts);
  }
  get size(): number {
    return this.items.size;
  }
  /** Names of the secrets found in a text (and Alipay tokens). */
  foundIn(text: string): string[] {
    const found = new Set<string>();
    for (const [value, name] of this.items) if (text.includes(value)) found.add(name);
    if (ALIPAY_TOKEN.test(text)) found.add('an Alipay token');
    return [...found];
  }
}
