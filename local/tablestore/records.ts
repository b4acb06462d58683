/**
 * The journal's records, one JSON object per line. Values carry their type so Int64 (as a decimal
 * string) and binary (base64) round-trip exactly. A row record is the row's whole new state, so
 * replaying a journal is "last record per key wins", and a line stays readable and diffable.
 */
import type { KeyValue, Value } from './plainbuffer';
import type { StoredRow, TableSpec } from './table';

/** A double JSON cannot hold as a number (-0, NaN, ±Infinity: JSON.stringify gives 0 or null) is kept as its string. */
type JsonValue = ['I', string] | ['D', number | string] | ['B', boolean] | ['S', string] | ['X', string];

/** First line of every journal: what the file is, so a stray file is never read as data. */
export const HEADER = { format: 'local-tablestore-journal', version: 2 } as const;

export interface SchemaRecord {
  schema: string;
  primaryKey: TableSpec['primaryKey'];
}
export interface RowRecord {
  table: string;
  key: JsonValue[];
  columns: Record<string, [number, JsonValue][]>;
  marker?: number;
}
export interface DeleteRecord {
  table: string;
  key: JsonValue[];
  deleted: true;
}
export type DataRecord = RowRecord | DeleteRecord;

function toJson(v: Value): JsonValue {
  switch (v.type) {
    case 'INTEGER':
      return ['I', v.value.toString()];
    case 'DOUBLE':
      return ['D', Object.is(v.value, -0) ? '-0' : Number.isFinite(v.value) ? v.value : String(v.value)];
    case 'BOOLEAN':
      return ['B', v.value];
    case 'STRING':
      return ['S', v.value];
    case 'BINARY':
      return ['X', v.value.toString('base64')];
  }
}

function fromJson([t, v]: JsonValue): Value {
  switch (t) {
    case 'I':
      return { type: 'INTEGER', value: BigInt(v) };
    case 'D':
      return { type: 'DOUBLE', value: Number(v) };
    case 'B':
      return { type: 'BOOLEAN', value: v };
    case 'S':
      return { type: 'STRING', value: v };
    case 'X':
      return { type: 'BINARY', value: Buffer.from(v, 'base64') };
    default:
      throw new Error(`unknown value type ${JSON.stringify(t)}`);
  }
}

/** The identity of a key inside one table: its exact JSON (types included). */
export const keyId = (key: readonly KeyValue[]): string => JSON.stringify(key.map(toJson));

/** One line, newline included: the row's state, or its deletion when `row` is undefined. */
export function recordLine(table: string, key: KeyValue[], row: StoredRow | undefined): string {
  const json = key.map(toJson);
  if (!row) return `${JSON.stringify({ table, key: json, deleted: true } satisfies DeleteRecord)}\n`;
  const record: RowRecord = {
    table,
    key: json,
    columns: Object.fromEntries([...row.columns].map(([n, vs]) => [n, vs.map((v): [number, JsonValue] => [v.timestamp, toJson(v.value)])])),
    ...(row.marker !== undefined ? { marker: row.marker } : {}),
  };
  return `${JSON.stringify(record)}\n`;
}

export const schemaLine = (spec: TableSpec): string => `${JSON.stringify({ schema: spec.name, primaryKey: spec.primaryKey } satisfies SchemaRecord)}\n`;

/** A row record back into a stored row; throws on a value it cannot read. */
export function rowFromRecord(r: RowRecord): StoredRow {
  return {
    key: r.key.map(fromJson) as KeyValue[],
    columns: new Map(Object.entries(r.columns).map(([n, vs]) => [n, vs.map(([timestamp, v]) => ({ timestamp, value: fromJson(v) }))])),
    ...(r.marker !== undefined ? { marker: r.marker } : {}),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What one parsed line is; throws with the reason when it is none of the record kinds. */
export function classify(v: unknown): { header: true } | { schema: SchemaRecord } | { data: DataRecord } {
  if (!isObject(v)) throw new Error('not a JSON object');
  if (v.format !== undefined) {
    if (v.format !== HEADER.format || v.version !== HEADER.version)
      throw new Error(`unsupported format ${JSON.stringify(v.format)} version ${JSON.stringify(v.version)}`);
    return { header: true };
  }
  if (typeof v.schema === 'string' && Array.isArray(v.primaryKey)) return { schema: v as unknown as SchemaRecord };
  if (typeof v.table === 'string' && Array.isArray(v.key) && (v.deleted === true || isObject(v.columns))) return { data: v as unknown as DataRecord };
  throw new Error('neither a schema nor a row record');
}
