/**
 * JSON persistence of all tables. Values carry their type so Int64 (as a decimal string) and
 * binary (base64) round-trip exactly. Writes go to a temp file and are renamed over the
 * target, so a crash mid-write leaves the previous complete file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyValue, Value } from './plainbuffer';
import type { StoredRow, Table, TableSpec } from './table';
import { compareKeys } from './values';

type JsonValue = ['I', string] | ['D', number] | ['B', boolean] | ['S', string] | ['X', string];
interface JsonRow {
  key: JsonValue[];
  columns: Record<string, [number, JsonValue][]>;
  marker?: number;
}
interface JsonTable {
  primaryKey: TableSpec['primaryKey'];
  rows: JsonRow[];
}
export interface JsonFile {
  version: 1;
  tables: Record<string, JsonTable>;
}

function toJson(v: Value): JsonValue {
  switch (v.type) {
    case 'INTEGER':
      return ['I', v.value.toString()];
    case 'DOUBLE':
      return ['D', v.value];
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
      return { type: 'DOUBLE', value: v };
    case 'B':
      return { type: 'BOOLEAN', value: v };
    case 'S':
      return { type: 'STRING', value: v };
    case 'X':
      return { type: 'BINARY', value: Buffer.from(v, 'base64') };
  }
}

const rowJson = (r: StoredRow): string =>
  JSON.stringify({
    key: r.key.map(toJson),
    columns: Object.fromEntries([...r.columns].map(([n, vs]) => [n, vs.map((v) => [v.timestamp, toJson(v.value)])])),
    ...(r.marker !== undefined ? { marker: r.marker } : {}),
  } satisfies JsonRow);

/**
 * Serializes all tables into one JSON document. Each table's JSON is cached by its write
 * generation, so a write to one table does not re-serialize the others.
 */
export class Serializer {
  private readonly cache = new Map<string, { generation: number; json: string }>();
  /**
   * Writes replace row objects (never edit them in place, except TTL pruning, which only drops
   * invisible versions), so a row's JSON can be cached by identity: a write re-serializes one row.
   */
  private readonly rows = new WeakMap<StoredRow, string>();

  private tableJson(t: Table): string {
    const rows = t.rows.map((r) => {
      let json = this.rows.get(r);
      if (json === undefined) {
        json = rowJson(r);
        this.rows.set(r, json);
      }
      return json;
    });
    return `{"primaryKey":${JSON.stringify(t.spec.primaryKey)},"rows":[${rows.join(',')}]}`;
  }

  serialize(tables: Iterable<Table>, orphans: Record<string, JsonTable>): string {
    const parts = Object.entries(orphans).map(([name, jt]) => `${JSON.stringify(name)}:${JSON.stringify(jt)}`);
    for (const t of tables) {
      let hit = this.cache.get(t.spec.name);
      if (!hit || hit.generation !== t.generation) {
        hit = { generation: t.generation, json: this.tableJson(t) };
        this.cache.set(t.spec.name, hit);
      }
      parts.push(`${JSON.stringify(t.spec.name)}:${hit.json}`);
    }
    return `{"version":1,"tables":{${parts.join(',')}}}`;
  }
}

/**
 * Loads rows into the tables. Tables in the file but not in the spec are returned as orphans and
 * written back untouched (a table dropped from the config for a while keeps its data). A table
 * whose primary key changed cannot be read meaningfully: that is an error, not silent data loss.
 */
export function load(file: string, tables: Map<string, Table>): Record<string, JsonTable> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  const data = JSON.parse(text) as JsonFile;
  const orphans: Record<string, JsonTable> = {};
  for (const [name, jt] of Object.entries(data.tables ?? {})) {
    const table = tables.get(name);
    if (!table) {
      orphans[name] = jt;
      continue;
    }
    if (JSON.stringify(jt.primaryKey) !== JSON.stringify(table.spec.primaryKey)) {
      throw new Error(
        `tablestore emulator: ${file} holds table ${name} with primary key ${JSON.stringify(jt.primaryKey)}, ` +
          `but the spec says ${JSON.stringify(table.spec.primaryKey)}; delete the file or fix the spec`,
      );
    }
    table.rows = jt.rows.map(
      (r): StoredRow => ({
        key: r.key.map(fromJson) as KeyValue[],
        columns: new Map(Object.entries(r.columns).map(([n, vs]) => [n, vs.map(([timestamp, v]) => ({ timestamp, value: fromJson(v) }))])),
        ...(r.marker !== undefined ? { marker: r.marker } : {}),
      }),
    );
    // Saved sorted already; re-sorting keeps a hand-edited file usable.
    table.rows.sort((a, b) => compareKeys(a.key, b.key));
  }
  return orphans;
}

/** Atomic replace: readers (and a restart after a crash) see the old or the new file, never half. */
export function saveAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
