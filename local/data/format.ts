/**
 * The local tables as a file: "miniapp-local-tables", version 1. What `npm run local:export`
 * writes and `npm run local:import` / `npm start -- --seed` read. JSON Lines, readable and diffable:
 *
 *   {"format":"miniapp-local-tables","version":1,"tables":["accounts","objects","orders"]}
 *   {"table":"accounts","key":{"key":"user_id:2088000000000001"},"columns":{"accountId":"acc_…","createdAt":1796164354048,"founding":true,"settled":true}}
 *   {"table":"objects","key":{"uid":"acc_…","collection":"default","id":"milk"},"columns":{"doc":"{\"text\":\"Buy milk\"}","version":3}}
 *
 * - Line 1 is the header. `tables` names the tables the file covers, with rows or without:
 *   `--replace` empties exactly those first. Optional in a file written by hand (then: the tables
 *   it has rows for). A row of a table the header does not name is refused.
 * - Then one row per line, sorted by table name, then by primary key in the table's own order
 *   (column by column: strings and binaries bytewise, integers numerically), which is the order
 *   GetRange returns. Two exports of the same data are byte-identical; a diff shows changed rows.
 * - `key`: the primary-key columns, in the table's order, exactly those. `columns`: the attribute
 *   columns, sorted by name (bytewise), each with its newest value. A row without attribute columns
 *   (PutRow keeps one) has `"columns":{}`.
 * - Every value says its Tablestore type:
 *     STRING   "text"                      a JSON string of well-formed Unicode (the service stores UTF-8,
 *                                          where a lone surrogate would become U+FFFD)
 *     INTEGER  42                          a bare number is always an INTEGER and is written as one: no
 *                                          fraction, no exponent;
 *              {"int":"9007199254740993"}  beyond ±(2^53-1), where a JSON number is not exact: the decimal
 *                                          digits of the int64 (also read for smaller values)
 *     DOUBLE   {"double":1}                always wrapped, so DOUBLE 1.0 and INTEGER 1 stay apart; the
 *                                          shortest decimal that reads back as the same double; -0 as -0
 *     BOOLEAN  true, false
 *     BINARY   {"binary":"AAEC"}           standard base64 with padding; "" is an empty binary
 *   null, arrays, other objects and NaN/Infinity are not Tablestore values (the service refuses
 *   NaN and Infinity), and are refused.
 * - Not kept: cell timestamps (versions). The stack's tables keep one version and nothing reads a
 *   cell's timestamp; an imported cell gets the time of the import, as a fresh PutRow would. In a
 *   TTL table (sessions) that restarts the row's TTL, but the functions refuse a session past its
 *   own `expiresAt` column, so no session lives longer for it. A table with MaxVersions > 1 would
 *   lose its older versions: the stack declares none.
 * - Blank lines are skipped; a trailing "\r" (a file edited on Windows) is ignored.
 */
import type { KeyValue, Value } from '../tablestore/plainbuffer';
import { MAX_ATTRIBUTE_VALUE_BYTES, MAX_PK_VALUE_BYTES } from '../tablestore/limits';
import { HEADER as JOURNAL_HEADER, keyId } from '../tablestore/records';
import type { StoredRow, TableSpec } from '../tablestore/table';

export const FORMAT = 'miniapp-local-tables';
export const FORMAT_VERSION = 1;

/** One row to write: its table, key in the table's column order, and attribute values. */
export interface DataRow {
  table: string;
  key: KeyValue[];
  columns: { name: string; value: Value }[];
  /** 1-based line of the file it came from. */
  line: number;
}

export interface DataFile {
  /** The tables the file covers: the header's `tables`, else those it has rows for; sorted. */
  tables: string[];
  rows: DataRow[];
}

export interface Problem {
  line: number;
  message: string;
}

/** Problems shown in one message; the count says how many there were. */
const MAX_SHOWN_PROBLEMS = 10;

/** The file cannot be read as data for these tables. Nothing was written. */
export class DataFileError extends Error {
  constructor(
    readonly problems: Problem[],
    readonly source = 'the file',
  ) {
    const shown = problems.slice(0, MAX_SHOWN_PROBLEMS).map((p) => `  line ${p.line}: ${p.message}`);
    if (problems.length > shown.length) shown.push(`  … and ${problems.length - shown.length} more`);
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${source}: ${count}, nothing was written:\n${shown.join('\n')}`);
    this.name = 'DataFileError';
  }
}

// ---- writing -----------------------------------------------------------------------------------

const INT53 = BigInt(Number.MAX_SAFE_INTEGER);

/** One value as JSON text. Written by hand: JSON.stringify would write -0 as 0. */
export function encodeValue(v: Value): string {
  switch (v.type) {
    case 'STRING':
      return JSON.stringify(v.value);
    case 'INTEGER':
      return v.value >= -INT53 && v.value <= INT53 ? v.value.toString() : `{"int":"${v.value}"}`;
    case 'DOUBLE':
      return `{"double":${Object.is(v.value, -0) ? '-0' : JSON.stringify(v.value)}}`;
    case 'BOOLEAN':
      return v.value ? 'true' : 'false';
    case 'BINARY':
      return `{"binary":"${v.value.toString('base64')}"}`;
  }
}

/**
 * A JSON object from entries in the given order. Written by hand: an object literal would put
 * integer-like names ("10", "2") first whatever their order, and "__proto__" would be lost.
 */
const object = (entries: [string, string][]): string => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;

const bytewise = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export const headerLine = (tables: readonly string[]): string =>
  `${object([
    ['format', JSON.stringify(FORMAT)],
    ['version', String(FORMAT_VERSION)],
    ['tables', JSON.stringify([...tables].sort(bytewise))],
  ])}\n`;

/** One stored row as a line, newline included: the newest version of each column. */
export function rowLine(spec: TableSpec, row: StoredRow): string {
  const key = spec.primaryKey.map((col, i): [string, string] => [col.name, encodeValue(row.key[i])]);
  const names = [...row.columns.keys()].sort(bytewise);
  const columns = names.flatMap((name): [string, string][] => {
    const newest = row.columns.get(name)?.[0];
    return newest ? [[name, encodeValue(newest.value)]] : [];
  });
  return `${object([
    ['table', JSON.stringify(spec.name)],
    ['key', object(key)],
    ['columns', object(columns)],
  ])}\n`;
}

export const sortTableNames = (names: Iterable<string>): string[] => [...names].sort(bytewise);

// ---- reading -----------------------------------------------------------------------------------

/** A value that cannot be read: the reason, without the line (the caller adds it). */
class ValueError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const LONE_SURROGATE = /\p{Cs}/u;
const INT64_DIGITS = /^(0|-?[1-9][0-9]*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const describe = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'an array'
      : typeof v === 'object'
        ? `an object with ${
            Object.keys(v as object)
              .map((k) => JSON.stringify(k))
              .join(', ') || 'no fields'
          }`
        : `${typeof v} ${JSON.stringify(v)}`;

function readString(v: string, limit: number): Value {
  if (LONE_SURROGATE.test(v)) throw new ValueError('the string is not well-formed Unicode (a lone surrogate \\ud800-\\udfff): Tablestore stores UTF-8');
  const bytes = Buffer.byteLength(v, 'utf8');
  if (bytes > limit) throw new ValueError(`the string is ${bytes} bytes of UTF-8; Tablestore allows at most ${limit} here`);
  return { type: 'STRING', value: v };
}

function readInt(v: unknown): Value {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) {
      throw new ValueError(
        `${v} is not an exact integer: a bare number is an INTEGER within ±(2^53-1); write {"double":${v}} for a DOUBLE, or {"int":"<digits>"} for a larger INTEGER`,
      );
    }
    return { type: 'INTEGER', value: BigInt(v) };
  }
  if (typeof v !== 'string' || !INT64_DIGITS.test(v))
    throw new ValueError(`{"int": …} takes the decimal digits of an int64 as a string, like {"int":"-9223372036854775808"}; got ${describe(v)}`);
  const n = BigInt(v);
  if (n < INT64_MIN || n > INT64_MAX) throw new ValueError(`${v} is outside the int64 range`);
  return { type: 'INTEGER', value: n };
}

function readBinary(v: unknown, limit: number): Value {
  if (typeof v !== 'string' || !BASE64.test(v)) throw new ValueError(`{"binary": …} takes standard base64 with padding; got ${describe(v)}`);
  const bytes = Buffer.from(v, 'base64');
  if (bytes.length > limit) throw new ValueError(`the binary is ${bytes.length} bytes; Tablestore allows at most ${limit} here`);
  return { type: 'BINARY', value: bytes };
}

const WRAPPERS = ['int', 'double', 'binary'] as const;

/** An attribute value in its JSON form (see the table at the top). */
function readValue(v: unknown): Value {
  if (typeof v === 'string') return readString(v, MAX_ATTRIBUTE_VALUE_BYTES);
  if (typeof v === 'boolean') return { type: 'BOOLEAN', value: v };
  if (typeof v === 'number') return readInt(v);
  if (isObject(v)) {
    const keys = Object.keys(v);
    const wrapper = keys.length === 1 ? WRAPPERS.find((w) => w === keys[0]) : undefined;
    if (wrapper === 'int') return readInt(v.int);
    if (wrapper === 'binary') return readBinary(v.binary, MAX_ATTRIBUTE_VALUE_BYTES);
    if (wrapper === 'double') {
      if (typeof v.double !== 'number')
        throw new ValueError(`{"double": …} takes a JSON number; got ${describe(v.double)} (NaN and Infinity are not stored by Tablestore)`);
      return { type: 'DOUBLE', value: v.double };
    }
  }
  throw new ValueError(
    `${describe(v)} is not a Tablestore value: use a string, a whole number, true/false, {"int":"…"}, {"double":n} or {"binary":"<base64>"}`,
  );
}

/** A primary-key value of the type the table declares for that column. */
function readKeyValue(v: unknown, type: TableSpec['primaryKey'][number]['type']): KeyValue {
  switch (type) {
    case 'STRING':
      if (typeof v !== 'string') throw new ValueError(`a STRING (a JSON string) is needed; got ${describe(v)}`);
      return readString(v, MAX_PK_VALUE_BYTES) as KeyValue;
    case 'INTEGER':
      if (typeof v !== 'number' && !(isObject(v) && Object.keys(v).length === 1 && 'int' in v)) {
        throw new ValueError(`an INTEGER (a whole number, or {"int":"…"}) is needed; got ${describe(v)}`);
      }
      return readInt(typeof v === 'number' ? v : v.int) as KeyValue;
    case 'BINARY':
      if (!(isObject(v) && Object.keys(v).length === 1 && 'binary' in v))
        throw new ValueError(`a BINARY ({"binary":"<base64>"}) is needed; got ${describe(v)}`);
      return readBinary(v.binary, MAX_PK_VALUE_BYTES) as KeyValue;
  }
}

/**
 * The first number written with a fraction or an exponent directly inside `key` or `columns` (at
 * depth 2), where a number is an INTEGER. JSON.parse reads 1.0 as 1, so only the text can tell
 * that the writer meant a DOUBLE. Runs on text JSON.parse accepted, so every string is closed.
 */
function fractionalBareNumber(text: string): { name: string; literal: string } | undefined {
  const number = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
  let depth = 0;
  let name = '';
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      // At depth 2 the string before a number is that number's member name.
      if (depth === 2) name = JSON.parse(text.slice(i, j + 1)) as string;
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      number.lastIndex = i;
      const m = number.exec(text) as RegExpExecArray;
      if (depth === 2 && (m[1] || m[2])) return { name, literal: m[0] };
      i += m[0].length;
    } else {
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') depth--;
      i++;
    }
  }
  return undefined;
}

/** The header line's `tables`, checked against the stack. */
function readHeader(v: Record<string, unknown>, specs: ReadonlyMap<string, TableSpec>): string[] | undefined {
  if (v.format === JOURNAL_HEADER.format) {
    throw new ValueError('this is a local Tablestore journal (tablestore.jsonl), not an export: npm run local:export -- FILE writes one');
  }
  if (v.format !== FORMAT) throw new ValueError(`the first line must be the header {"format":"${FORMAT}","version":${FORMAT_VERSION},…}; got ${describe(v)}`);
  if (v.version !== FORMAT_VERSION) throw new ValueError(`format version ${JSON.stringify(v.version)}: this tool reads version ${FORMAT_VERSION}`);
  const extra = Object.keys(v).filter((k) => !['format', 'version', 'tables'].includes(k));
  if (extra.length > 0) throw new ValueError(`unknown header field ${JSON.stringify(extra[0])} (a header has "format", "version" and "tables")`);
  if (v.tables === undefined) return undefined;
  if (!Array.isArray(v.tables) || !v.tables.every((t) => typeof t === 'string'))
    throw new ValueError(`"tables" must be a list of table names; got ${describe(v.tables)}`);
  const unknown = v.tables.find((t) => !specs.has(t as string));
  if (unknown !== undefined) throw new ValueError(`unknown table ${JSON.stringify(unknown)} (the stack's tables: ${sortTableNames(specs.keys()).join(', ')})`);
  return v.tables as string[];
}

function readRow(v: Record<string, unknown>, line: number, specs: ReadonlyMap<string, TableSpec>, covered: string[] | undefined): DataRow {
  if ('format' in v) throw new ValueError('a second header: a file has one, on its first line');
  const extra = Object.keys(v).filter((k) => !['table', 'key', 'columns'].includes(k));
  if (extra.length > 0) throw new ValueError(`unknown field ${JSON.stringify(extra[0])} (a row has "table", "key" and "columns")`);
  if (typeof v.table !== 'string') throw new ValueError(`"table" must be a table name; got ${describe(v.table)}`);
  const spec = specs.get(v.table);
  if (!spec) throw new ValueError(`unknown table ${JSON.stringify(v.table)} (the stack's tables: ${sortTableNames(specs.keys()).join(', ')})`);
  if (covered && !covered.includes(spec.name)) throw new ValueError(`table ${spec.name} is not in the header's "tables"`);
  const expected = spec.primaryKey.map((c) => `${c.name} (${c.type})`).join(', ');
  if (!isObject(v.key)) throw new ValueError(`"key" must be an object with the primary key of ${spec.name}: ${expected}; got ${describe(v.key)}`);
  const key = v.key;
  const names = Object.keys(key);
  const pkNames = spec.primaryKey.map((c) => c.name);
  if (names.length !== pkNames.length || !pkNames.every((n) => Object.hasOwn(key, n))) {
    throw new ValueError(`the primary key of ${spec.name} is ${expected}; the key has ${names.map((n) => JSON.stringify(n)).join(', ') || 'no columns'}`);
  }
  const keyValues = spec.primaryKey.map((col) => {
    try {
      return readKeyValue(key[col.name], col.type);
    } catch (e) {
      throw new ValueError(`key column ${JSON.stringify(col.name)} of ${spec.name}: ${(e as Error).message}`);
    }
  });
  if (!isObject(v.columns)) throw new ValueError(`"columns" must be an object of attribute columns ({} for none); got ${describe(v.columns)}`);
  const columns = Object.entries(v.columns).map(([name, raw]) => {
    if (name === '') throw new ValueError('a column name is empty');
    if (pkNames.includes(name)) throw new ValueError(`column ${JSON.stringify(name)} is a primary-key column of ${spec.name}; it belongs in "key"`);
    try {
      return { name, value: readValue(raw) };
    } catch (e) {
      throw new ValueError(`column ${JSON.stringify(name)}: ${(e as Error).message}`);
    }
  });
  return { table: spec.name, key: keyValues, columns, line };
}

/**
 * Reads a whole file against the stack's tables: every line is checked, and every problem is
 * reported with its line, before the caller writes anything. Throws DataFileError.
 */
export function parseDataFile(text: string, tables: readonly TableSpec[], source?: string): DataFile {
  const specs = new Map(tables.map((t) => [t.name, t]));
  const problems: Problem[] = [];
  const rows: DataRow[] = [];
  /** table → keyId → the line that had it. */
  const seen = new Map<string, Map<string, number>>();
  let covered: string[] | undefined;
  let header = false;
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (raw.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      problems.push({ line, message: `not JSON (${(e as Error).message})` });
      if (!header) break; // not a data file at all: one message says so
      continue;
    }
    try {
      if (!isObject(parsed)) throw new ValueError(`not a JSON object but ${describe(parsed)}`);
      if (!header) {
        covered = readHeader(parsed, specs);
        header = true;
        continue;
      }
      const fractional = fractionalBareNumber(raw);
      if (fractional) {
        throw new ValueError(
          `${JSON.stringify(fractional.name)}: ${fractional.literal} is a bare number with a fraction or exponent, but a bare number is an INTEGER: write {"double":${fractional.literal}} for a DOUBLE`,
        );
      }
      const row = readRow(parsed, line, specs, covered);
      let keys = seen.get(row.table);
      if (!keys) seen.set(row.table, (keys = new Map()));
      const id = keyId(row.key);
      const earlier = keys.get(id);
      if (earlier !== undefined) throw new ValueError(`the same ${row.table} key as line ${earlier}: a file holds each row once`);
      keys.set(id, line);
      rows.push(row);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      problems.push({ line, message: e.message });
      if (!header) break;
    }
  }
  if (!header && problems.length === 0)
    problems.push({ line: 1, message: `the file is empty: it needs at least the header {"format":"${FORMAT}","version":${FORMAT_VERSION}}` });
  if (problems.length > 0) throw new DataFileError(problems, source);
  return { tables: sortTableNames(covered ?? new Set(rows.map((r) => r.table))), rows };
}
