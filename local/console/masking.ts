/**
 * What the console never shows whole. The console is for looking at the stack's data, and a
 * screenshot or a screen share of it must not hand over a session or a credential:
 * - a session id (and the sessions table's key, its SHA-256) is cut to a short prefix (`ab12…`):
 *   enough to tell two rows apart, useless to log in with;
 * - secrets (STS AccessKeySecret and SecurityToken, refresh tokens, passwords, private keys, the
 *   app's AES key) are not shown at all.
 * Columns and log fields are judged by name first (COLUMN_RULES); every other string is scanned
 * for values with the shape of a secret (TEXT_RULES), so a secret in a column or a log line nobody
 * thought of is still caught.
 */
import type { Value } from '../tablestore';

/** Characters of a masked value that are shown. */
export const MASK_PREFIX_CHARS = 4;
export const REDACTED = '[redacted]';

export const maskId = (value: string): string => `${value.slice(0, MASK_PREFIX_CHARS)}…`;

/** How one column or log field is shown. */
export type Treatment = 'redact' | 'mask' | 'scan';

/** By name, first match wins. `scan` (the default) shows the value after TEXT_RULES. */
const COLUMN_RULES: { name: RegExp; treatment: Treatment; why: string }[] = [
  { name: /secret|token|passw(or)?d|private.?key|aes.?key|credential/i, treatment: 'redact', why: 'STS credentials, refresh tokens, keys' },
  { name: /^sid$|session/i, treatment: 'mask', why: 'session ids, session keys (lambda/shared/sessions.ts), their log fingerprints' },
  { name: /^access.?key.?id$/i, treatment: 'mask', why: 'names the STS credentials whose secret is redacted' },
];

/**
 * Secrets found by shape inside any string, in this order (a PEM block holds runs that the
 * session-id rule would otherwise cut mid-block).
 */
const TEXT_RULES: { pattern: RegExp; replace: (match: string) => string; why: string }[] = [
  {
    pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    replace: () => REDACTED,
    why: 'a private key in PEM (the app key is the PrivateKey parameter and the functions ALIPAY_PRIVATE_KEY)',
  },
  {
    // Alibaba Cloud STS tokens start with CAIS (local/credentials.ts issues them the same way).
    pattern: /CAIS[A-Za-z0-9+/=_-]{16,}/g,
    replace: () => REDACTED,
    why: 'an STS SecurityToken',
  },
  {
    // `"accessKeySecret":"…"`, `token=…` in a function's plain-text output.
    pattern: /(\w*(?:secret|token|passw(?:or)?d|private.?key)\w*)(["']?\s*[:=]\s*["']?)([^\s"',;&}]+)/gi,
    replace: (m) => m.replace(/([:=]\s*["']?)[^\s"',;&}]+$/, `$1${REDACTED}`),
    why: 'a secret assigned in plain text',
  },
  {
    // 256 bits in base64url: a session id (SESSION_ID_PATTERN in lambda/shared/sessions.ts, with the
    // account in front or, in the older form, without) or a sessions-table key (its SHA-256),
    // standing alone or inside a longer string. The whole id is one match, masked like a column.
    pattern: /(?<![A-Za-z0-9_-])(?:acc_[A-Za-z0-9_-]{22}\.)?[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g,
    replace: maskId,
    why: 'a session id',
  },
];

export function treatmentOf(name: string): Treatment {
  return COLUMN_RULES.find((r) => r.name.test(name))?.treatment ?? 'scan';
}

/** A cell as the console's JSON shows it. */
export type ShownValue = string | number | boolean | { int: string } | { binary: string; bytes: number } | { masked: string } | { redacted: true };

/** Binary values are shown as their first bytes, in base64. */
const BINARY_SHOWN_BYTES = 48;

export class Masker {
  private readonly known: string[];

  /**
   * @param knownSecrets exact values never to show (the dev keys, the AES key), wherever they
   *   appear; each also in its PEM body form, as an environment variable may hold it.
   */
  constructor(knownSecrets: string[]) {
    this.known = knownSecrets.flatMap((s) => [s, pemBody(s)]).filter((s) => s.length >= 16);
    // Longest first, so a PEM is redacted whole before its body would be.
    this.known.sort((a, b) => b.length - a.length);
  }

  /** A string with every known secret and every secret-shaped run replaced. */
  text(value: string): string {
    let out = value;
    for (const secret of this.known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    for (const rule of TEXT_RULES) out = out.replace(rule.pattern, rule.replace);
    return out;
  }

  /** Any JSON value with every string in it scanned (no field is judged by its name). */
  strings(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.strings(v));
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.strings(v)]));
    return value;
  }

  /** A stored value under a column of this name; `mask` forces masking (the sessions table's key). */
  cell(column: string, value: Value, mask = false): ShownValue {
    const treatment = mask ? 'mask' : treatmentOf(column);
    if (treatment === 'redact') return { redacted: true };
    if (treatment === 'mask') return { masked: maskId(rawText(value)) };
    switch (value.type) {
      case 'STRING':
        return this.text(value.value);
      case 'INTEGER':
        return Number.isSafeInteger(Number(value.value)) ? Number(value.value) : { int: value.value.toString() };
      case 'DOUBLE':
      case 'BOOLEAN':
        return value.value;
      case 'BINARY':
        return { binary: value.value.subarray(0, BINARY_SHOWN_BYTES).toString('base64'), bytes: value.value.length };
    }
  }

  /** A parsed JSON log line (or any JSON value), walked: each field treated by its name, strings scanned. */
  json(value: unknown, name = ''): unknown {
    const treatment = name ? treatmentOf(name) : 'scan';
    if (treatment === 'redact' && value !== null && value !== undefined) return REDACTED;
    if (Array.isArray(value)) return value.map((v) => this.json(v, name));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.json(v, k)]));
    }
    if (treatment === 'mask' && (typeof value === 'string' || typeof value === 'number')) return maskId(String(value));
    return typeof value === 'string' ? this.text(value) : value;
  }
}

/** The text a masked value's prefix is cut from. */
function rawText(value: Value): string {
  if (value.type === 'BINARY') return value.value.toString('hex');
  return String(value.value);
}

/** A PEM's base64 body on one line (how a key is often pasted into an environment variable). */
function pemBody(pem: string): string {
  if (!pem.includes('-----BEGIN')) return '';
  return pem.replace(/-----(BEGIN|END)[^-]*-----/g, '').replace(/\s+/g, '');
}
