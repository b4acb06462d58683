/**
 * Reading a journal back at start: a header line, schema records, then row records, replayed so
 * the last record per key wins. The file is read in chunks, line by line, so its size is bounded
 * by the disk, not by V8's ~512 MB string limit.
 *
 * A journal is appended to in whole lines and fsynced before a write is acknowledged, so only the
 * last line can be incomplete (the process died mid-append): that line was never acknowledged and
 * is dropped. Anything else that cannot be read is corruption, and start is refused with a
 * message that names the file, the line and the choices (`StateFileError`).
 */
import * as fs from 'node:fs';
import { classify, rowFromRecord, type DataRecord, type RowRecord } from './records';
import type { StoredRow, Table } from './table';
import { compareKeys } from './values';

/** Start is refused: the state file cannot be read. The message tells the developer what to do. */
export class StateFileError extends Error {
  constructor(file: string, problem: string) {
    super(
      `local Tablestore state ${file}: ${problem}. ` +
        `To keep it for inspection, move it aside (mv '${file}' '${file}.bad') and start again; ` +
        `to discard all local data and start fresh, run npm start -- --reset.`,
    );
    this.name = 'StateFileError';
  }
}

/** Tables the file holds but the stack no longer declares: kept verbatim and written back at compaction. */
export interface Orphan {
  schemaLine: string;
  /** keyId → the row's latest record line. */
  rows: Map<string, string>;
}

export interface Loaded {
  /** Tables that have a schema record in the file (a new table gets one before its first row). */
  described: Set<string>;
  orphans: Map<string, Orphan>;
  /** Bytes up to the end of the last complete line: a torn tail beyond it is cut off. */
  validBytes: number;
  /** Bytes of the records that are still current (what compaction would write). */
  liveBytes: number;
  /** The file was the version-1 single JSON document: it must be rewritten as a journal. */
  legacy: boolean;
}

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/** Each complete line with its 1-based number and the offset just past its newline; `tail` = bytes after the last newline. */
function* lines(fd: number): Generator<{ text: string; number: number; end: number } | { tail: number }> {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let carry: Buffer[] = [];
  let carried = 0;
  let offset = 0;
  let number = 0;
  for (;;) {
    const n = fs.readSync(fd, chunk, 0, CHUNK_BYTES, offset);
    if (n === 0) break;
    let start = 0;
    for (let i = chunk.indexOf(NEWLINE, 0); i !== -1 && i < n; i = chunk.indexOf(NEWLINE, i + 1)) {
      const piece = chunk.subarray(start, i);
      const text = carried > 0 ? Buffer.concat([...carry, piece]).toString('utf8') : piece.toString('utf8');
      carry = [];
      carried = 0;
      number++;
      yield { text, number, end: offset + i + 1 };
      start = i + 1;
    }
    if (start < n) {
      carry.push(Buffer.from(chunk.subarray(start, n)));
      carried += n - start;
    }
    offset += n;
  }
  yield { tail: carried };
}

function parseLine(file: string, text: string, number: number): ReturnType<typeof classify> {
  try {
    return classify(JSON.parse(text));
  } catch (e) {
    throw new StateFileError(file, `line ${number} is not a valid record (${(e as Error).message})`);
  }
}

/** Replays the journal into the tables (their `rows` are replaced). A missing or empty file is an empty store. */
export function load(file: string, tables: Map<string, Table>): Loaded {
  const loaded: Loaded = { described: new Set(), orphans: new Map(), validBytes: 0, liveBytes: 0, legacy: false };
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return loaded;
    throw e;
  }
  // Per table: keyId → the key's latest record and that record's size.
  const latest = new Map<string, Map<string, { record: DataRecord; bytes: number }>>();
  try {
    for (const item of lines(fd)) {
      if ('tail' in item) {
        // No newline yet: an append the process did not finish, never acknowledged (see above).
        if (item.tail > 0 && loaded.validBytes === 0 && isLegacy(fd)) return loadLegacy(file, tables, loaded);
        break;
      }
      const { text, number, end } = item;
      if (number === 1) {
        const first = parseLine(file, text, number);
        if (!('header' in first)) throw new StateFileError(file, 'line 1 is not the journal header');
        loaded.validBytes = end;
        continue;
      }
      const parsed = parseLine(file, text, number);
      if ('header' in parsed) throw new StateFileError(file, `line ${number} is a second header`);
      if ('schema' in parsed) {
        const { schema, primaryKey } = parsed.schema;
        const table = tables.get(schema);
        if (table && JSON.stringify(primaryKey) !== JSON.stringify(table.spec.primaryKey)) {
          throw new StateFileError(
            file,
            `it holds table ${schema} with primary key ${JSON.stringify(primaryKey)}, but the stack declares ${JSON.stringify(table.spec.primaryKey)}`,
          );
        }
        loaded.described.add(schema);
        if (!table) loaded.orphans.set(schema, { schemaLine: `${text}\n`, rows: loaded.orphans.get(schema)?.rows ?? new Map() });
      } else {
        const record = parsed.data;
        if (!loaded.described.has(record.table)) throw new StateFileError(file, `line ${number} writes table ${record.table} before its schema record`);
        const id = JSON.stringify(record.key);
        const orphan = loaded.orphans.get(record.table);
        if (orphan) {
          if ('deleted' in record) orphan.rows.delete(id);
          else orphan.rows.set(id, `${text}\n`);
        } else {
          let rows = latest.get(record.table);
          if (!rows) latest.set(record.table, (rows = new Map()));
          rows.set(id, { record, bytes: end - loaded.validBytes });
        }
      }
      loaded.validBytes = end;
    }
  } finally {
    fs.closeSync(fd);
  }
  for (const [name, rows] of latest) {
    const table = tables.get(name) as Table;
    const stored: StoredRow[] = [];
    for (const [, { record, bytes }] of rows) {
      if ('deleted' in record) continue;
      try {
        stored.push(rowFromRecord(record as RowRecord));
      } catch (e) {
        throw new StateFileError(file, `a row of table ${name} cannot be read (${(e as Error).message})`);
      }
      loaded.liveBytes += bytes;
    }
    table.rows = stored.sort((a, b) => compareKeys(a.key, b.key));
  }
  for (const o of loaded.orphans.values()) for (const line of o.rows.values()) loaded.liveBytes += Buffer.byteLength(line);
  return loaded;
}

const LEGACY_START = '{"version":1,';

/** A version-1 file is one JSON document with no newline, which begins like this (JSON.stringify's key order). */
function isLegacy(fd: number): boolean {
  const head = Buffer.alloc(LEGACY_START.length);
  fs.readSync(fd, head, 0, head.length, 0);
  return head.toString('utf8') === LEGACY_START;
}

interface LegacyFile {
  version: 1;
  tables: Record<string, { primaryKey: unknown; rows: Omit<RowRecord, 'table'>[] }>;
}

/**
 * The format before the journal: one JSON document, rewritten whole on every write. Read once
 * (it was always written atomically, so it is never torn), then the store rewrites it as a journal.
 */
function loadLegacy(file: string, tables: Map<string, Table>, loaded: Loaded): Loaded {
  let data: LegacyFile;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8')) as LegacyFile;
    if (data?.version !== 1 || typeof data.tables !== 'object') throw new Error('neither a journal nor a version-1 state file');
  } catch (e) {
    throw new StateFileError(file, `it cannot be read (${(e as Error).message})`);
  }
  for (const [name, jt] of Object.entries(data.tables)) {
    const table = tables.get(name);
    if (table && JSON.stringify(jt.primaryKey) !== JSON.stringify(table.spec.primaryKey)) {
      throw new StateFileError(
        file,
        `it holds table ${name} with primary key ${JSON.stringify(jt.primaryKey)}, but the stack declares ${JSON.stringify(table.spec.primaryKey)}`,
      );
    }
    if (!table) {
      const rows = new Map(jt.rows.map((r) => [JSON.stringify(r.key), `${JSON.stringify({ table: name, ...r })}\n`]));
      loaded.orphans.set(name, { schemaLine: `${JSON.stringify({ schema: name, primaryKey: jt.primaryKey })}\n`, rows });
      continue;
    }
    table.rows = jt.rows.map((r) => rowFromRecord({ table: name, ...r })).sort((a, b) => compareKeys(a.key, b.key));
  }
  return { ...loaded, legacy: true };
}
