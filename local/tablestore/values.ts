/** Ordering and equality of Tablestore values, shared by row sorting, ranges and conditions. */
import type { KeyValue, PkValue, Value } from './plainbuffer';

/** Wire type names as the service prints them in messages ("Validate PK type fail. Input: VT_STRING, ..."). */
export function variantName(v: PkValue | Value): string {
  switch (v.type) {
    case 'INTEGER':
      return 'VT_INTEGER';
    case 'DOUBLE':
      return 'VT_DOUBLE';
    case 'BOOLEAN':
      return 'VT_BOOLEAN';
    case 'STRING':
      return 'VT_STRING';
    case 'BINARY':
      return 'VT_BLOB';
    case 'INF_MIN':
      return 'VT_INF_MIN';
    case 'INF_MAX':
      return 'VT_INF_MAX';
    case 'AUTO_INCREMENT':
      return 'VT_AUTO_INCREMENT';
  }
}

const cmp = <T extends number | bigint>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Compares two values of the same type: INTEGER numerically, STRING and BINARY bytewise
 * (UTF-8 bytes, which is how the service orders strings), DOUBLE numerically, false < true.
 * Returns undefined when the types differ (not comparable).
 */
export function compareValues(a: Value, b: Value): number | undefined {
  if (a.type !== b.type) return undefined;
  switch (a.type) {
    case 'INTEGER':
      return cmp(a.value, (b as typeof a).value);
    case 'DOUBLE':
      return cmp(a.value, (b as typeof a).value);
    case 'BOOLEAN':
      return cmp(Number(a.value), Number((b as typeof a).value));
    case 'STRING':
      return Buffer.compare(Buffer.from(a.value, 'utf8'), Buffer.from((b as typeof a).value, 'utf8'));
    case 'BINARY':
      return Buffer.compare(a.value, (b as typeof a).value);
  }
}

/** One primary-key column, with INF_MIN/INF_MAX below/above everything. Types are validated beforehand. */
function compareKeyColumn(a: PkValue, b: PkValue): number {
  const rank = (v: PkValue): number => (v.type === 'INF_MIN' ? -1 : v.type === 'INF_MAX' ? 1 : 0);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== 0 || rb !== 0) return ra - rb;
  return compareValues(a as KeyValue, b as KeyValue) ?? 0;
}

/** Lexicographic order of full primary keys (column by column). */
export function compareKeys(a: readonly PkValue[], b: readonly PkValue[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareKeyColumn(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}
