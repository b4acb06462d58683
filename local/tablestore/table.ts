/**
 * One table's rows and the row-level semantics of the service: sorted primary keys, versioned
 * cells, max versions, TTL visibility, row-existence and column conditions, atomic counters and
 * what a write returns (the rules of the last two in counters.ts).
 *
 * Everything here runs synchronously inside one request, so each operation is atomic with
 * respect to other requests (Node is single-threaded), like a row transaction in the service.
 */
import { checkReturnColumns, counterColumns, incremented } from './counters';
import { conditionCheckFail, invalidPk, parameterInvalid } from './errors';
import { evaluate, type ColumnFilter, type VersionedValue } from './filter';
import { rowDataSize } from './limits';
import type { DecodedCell, KeyValue, OutputRow, PkColumn, PkValue, Value } from './plainbuffer';
import { ReturnType, RowExistence } from './proto';
import { compareKeys, variantName } from './values';

export interface TableSpec {
  name: string;
  primaryKey: { name: string; type: 'STRING' | 'INTEGER' | 'BINARY' }[];
  /** Seconds; -1 = never expire. */
  timeToLive: number;
  maxVersions?: number;
}

export interface StoredRow {
  key: KeyValue[];
  /** Column name → versions, newest first. */
  columns: Map<string, VersionedValue[]>;
  /**
   * Write time of a PutRow that carried no attribute columns. The service keeps such a row
   * (GetRow returns just its key); the marker lets it exist and expire with the TTL.
   */
  marker?: number;
}

export interface ReadOptions {
  columnsToGet: string[];
  maxVersions?: number;
  timeRange?: { start?: number; end?: number; specific?: number };
  filter?: ColumnFilter;
}

export interface WriteCondition {
  rowExistence: number;
  columnCondition?: ColumnFilter;
}

/** What a write returns when the request asked for return content. */
export interface ReturnSpec {
  type: number;
  columns: string[];
}

/** The rows a range scan has collected so far and their data size. */
interface Page {
  rows: OutputRow[];
  bytes: number;
}

const VT_OF = { STRING: 'VT_STRING', INTEGER: 'VT_INTEGER', BINARY: 'VT_BLOB' } as const;

/**
 * Told of every row a write is about to replace, insert or remove, with the row as it was
 * (undefined = absent), before the change: the store journals the row's new state and can undo
 * the change if the journal cannot be written. TTL expiry is not reported: it is recomputed on load.
 */
export type ChangeRecorder = (table: Table, key: KeyValue[], before: StoredRow | undefined) => void;

export class Table {
  /** Sorted by key. An array with binary search: simple, and fast enough for a local emulator. */
  rows: StoredRow[] = [];
  recorder?: ChangeRecorder;

  constructor(
    readonly spec: TableSpec,
    private readonly now: () => number,
  ) {}

  get maxVersions(): number {
    return this.spec.maxVersions ?? 1;
  }

  // ---- keys ----------------------------------------------------------------------------------

  /** Checks a request key against the schema with the service's messages. `allowInf` for range bounds. */
  validateKey(pk: PkColumn[], allowInf = false): PkValue[] {
    const schema = this.spec.primaryKey;
    if (pk.length !== schema.length) throw invalidPk(`Validate PK size fail. Input: ${pk.length}, Meta: ${schema.length}.`);
    return pk.map((col, i) => {
      const meta = schema[i];
      if (col.name !== meta.name) throw invalidPk(`Validate PK name fail. Input: ${col.name}, Meta: ${meta.name}.`);
      const t = col.value.type;
      if ((t === 'INF_MIN' || t === 'INF_MAX') && allowInf) return col.value;
      if (t !== meta.type) {
        throw invalidPk(`Validate PK type fail. Input: ${variantName(col.value)}, Meta: ${VT_OF[meta.type]}.`);
      }
      return col.value;
    });
  }

  keyColumns(key: KeyValue[]): PkColumn<KeyValue>[] {
    return key.map((value, i) => ({ name: this.spec.primaryKey[i].name, value }));
  }

  /** Binary search: index of the row with this key, or the insertion point. */
  private locate(key: readonly PkValue[]): { index: number; found: boolean } {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(this.rows[mid].key, key);
      if (c === 0) return { index: mid, found: true };
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return { index: lo, found: false };
  }

  // ---- visibility ----------------------------------------------------------------------------

  private cutoff(): number {
    return this.spec.timeToLive === -1 ? -Infinity : this.now() - this.spec.timeToLive * 1000;
  }

  /** Drops versions older than the TTL. Returns false when nothing visible remains. */
  private prune(row: StoredRow): boolean {
    const cutoff = this.cutoff();
    if (cutoff !== -Infinity) {
      for (const [name, versions] of row.columns) {
        const kept = versions.filter((v) => v.timestamp >= cutoff);
        if (kept.length === 0) row.columns.delete(name);
        else if (kept.length !== versions.length) row.columns.set(name, kept);
      }
      if (row.marker !== undefined && row.marker < cutoff) row.marker = undefined;
    }
    return row.columns.size > 0 || row.marker !== undefined;
  }

  /** The live row for a key, purging it lazily when everything in it has expired. */
  private live(key: readonly PkValue[]): { row?: StoredRow; index: number } {
    const { index, found } = this.locate(key);
    if (!found) return { index };
    const row = this.rows[index];
    if (this.prune(row)) return { row, index };
    this.rows.splice(index, 1);
    return { index };
  }

  /** The stored row for a key as it is, expired or not (what the journal records). */
  peek(key: readonly PkValue[]): StoredRow | undefined {
    const { index, found } = this.locate(key);
    return found ? this.rows[index] : undefined;
  }

  /** Puts a key back as it was before a write (undefined = absent): the store's undo when a write cannot be persisted. */
  restore(key: readonly PkValue[], row: StoredRow | undefined): void {
    const { index, found } = this.locate(key);
    if (found && row) this.rows[index] = row;
    else if (found) this.rows.splice(index, 1);
    else if (row) this.rows.splice(index, 0, row);
  }

  /** Drops every expired version and row, then returns the rows that remain (what compaction writes). */
  liveRows(): StoredRow[] {
    this.rows = this.rows.filter((r) => this.prune(r));
    return this.rows;
  }

  // ---- reads ---------------------------------------------------------------------------------

  /** Shapes a row for output per columns_to_get / max_versions / time_range / filter; undefined = not returned. */
  private project(row: StoredRow, opts: ReadOptions): OutputRow | undefined {
    if (opts.filter && !evaluate(opts.filter, row.columns)) return undefined;
    const wanted = opts.columnsToGet.length > 0 ? new Set(opts.columnsToGet) : undefined;
    const pkNames = this.spec.primaryKey.map((p) => p.name);
    const names = [...row.columns.keys()].filter((n) => !wanted || wanted.has(n));
    names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const { timeRange } = opts;
    const cells: OutputRow['cells'] = [];
    const perColumn: [string, VersionedValue[]][] = [];
    for (const name of names) {
      let versions = row.columns.get(name) ?? [];
      if (timeRange?.specific !== undefined) versions = versions.filter((v) => v.timestamp === timeRange.specific);
      else if (timeRange) {
        versions = versions.filter(
          (v) => (timeRange.start === undefined || v.timestamp >= timeRange.start) && (timeRange.end === undefined || v.timestamp < timeRange.end),
        );
      }
      if (opts.maxVersions !== undefined) versions = versions.slice(0, opts.maxVersions);
      if (versions.length > 0) perColumn.push([name, versions]);
    }
    let selected = perColumn;
    if (opts.filter?.kind === 'pagination') selected = perColumn.slice(opts.filter.offset, opts.filter.offset + opts.filter.limit);
    for (const [name, versions] of selected) {
      for (const v of versions) cells.push({ name, value: v.value, timestamp: v.timestamp });
    }
    // Asking only for columns the row lacks yields no row, unless a key column was asked for.
    if (cells.length === 0 && wanted && !pkNames.some((n) => wanted.has(n))) return undefined;
    return { primaryKey: this.keyColumns(row.key), cells };
  }

  get(key: KeyValue[], opts: ReadOptions): OutputRow | undefined {
    const { row } = this.live(key);
    return row && this.project(row, opts);
  }

  /**
   * Range scan: inclusive start, exclusive end, in `backward` order when asked. Stops before the
   * row that would pass `limit.rows` rows or `limit.bytes` of row data (limits.ts `rowDataSize`),
   * cutting at a row boundary; `next` is then that row's key, so the next call (inclusive start)
   * returns it first: nothing is lost or repeated. At least one row is always returned, so a row
   * larger than the byte budget on its own still makes progress.
   */
  range(
    start: PkValue[],
    end: PkValue[],
    backward: boolean,
    limit: { rows: number; bytes: number },
    opts: ReadOptions,
  ): { rows: OutputRow[]; next?: KeyValue[] } {
    const c = compareKeys(start, end);
    if (!backward && c >= 0) throw parameterInvalid('Begin key must less than end key in FORWARD.');
    if (backward && c <= 0) throw parameterInvalid('Begin key must more than end key in BACKWARD.');
    const page: Page = { rows: [], bytes: 0 };
    const dead: number[] = [];
    let next: KeyValue[] | undefined;
    if (!backward) {
      const from = this.locate(start).index;
      for (let i = from; i < this.rows.length && compareKeys(this.rows[i].key, end) < 0; i++) {
        if (this.visit(i, dead, page, limit, opts) === 'full') {
          next = this.rows[i].key;
          break;
        }
      }
    } else {
      const s = this.locate(start);
      for (let i = s.found ? s.index : s.index - 1; i >= 0 && compareKeys(this.rows[i].key, end) > 0; i--) {
        if (this.visit(i, dead, page, limit, opts) === 'full') {
          next = this.rows[i].key;
          break;
        }
      }
    }
    // Purge expired rows found on the way (descending indexes keep the others valid).
    for (const i of dead.sort((a, b) => b - a)) this.rows.splice(i, 1);
    return { rows: page.rows, next };
  }

  private visit(i: number, dead: number[], page: Page, limit: { rows: number; bytes: number }, opts: ReadOptions): 'full' | 'more' {
    const row = this.rows[i];
    if (!this.prune(row)) {
      dead.push(i);
      return 'more';
    }
    if (page.rows.length >= limit.rows) return 'full';
    const projected = this.project(row, opts);
    if (!projected) return 'more';
    const size = rowDataSize(projected);
    if (page.rows.length > 0 && page.bytes + size > limit.bytes) return 'full';
    page.rows.push(projected);
    page.bytes += size;
    return 'more';
  }

  // ---- writes --------------------------------------------------------------------------------

  private check(row: StoredRow | undefined, cond: WriteCondition): void {
    if (cond.rowExistence === RowExistence.EXPECT_EXIST && !row) throw conditionCheckFail();
    if (cond.rowExistence === RowExistence.EXPECT_NOT_EXIST && row) throw conditionCheckFail();
    if (cond.columnCondition && !evaluate(cond.columnCondition, row?.columns ?? new Map())) throw conditionCheckFail();
  }

  private checkCells(cells: DecodedCell[]): void {
    const pkNames = new Set(this.spec.primaryKey.map((p) => p.name));
    for (const c of cells) {
      if (c.name === '') throw parameterInvalid('invalid name of column: empty name.');
      if (pkNames.has(c.name)) throw parameterInvalid(`Duplicated attribute column name with primary key column: ${c.name}.`);
      if (c.value?.type === 'DOUBLE' && !Number.isFinite(c.value.value)) {
        throw parameterInvalid(Number.isNaN(c.value.value) ? "NaN can't be set to double value." : "Infinity can't be set to double value.");
      }
      if (c.timestamp !== undefined && c.timestamp < 0) throw parameterInvalid(`Invalid cell timestamp: ${c.timestamp}.`);
    }
  }

  /**
   * The row a write returns: none (RT_NONE), its key (RT_PK), or its key and the new values of the
   * counters it incremented and named (RT_AFTER_MODIFY; checkReturnColumns allowed no other name).
   */
  private returned(key: KeyValue[], ret: ReturnSpec | undefined, counters?: ReadonlyMap<string, VersionedValue>): OutputRow | undefined {
    if (!ret || ret.type === ReturnType.RT_NONE) return undefined;
    const primaryKey = this.keyColumns(key);
    if (ret.type !== ReturnType.RT_AFTER_MODIFY) return { primaryKey, cells: [] };
    const cells = ret.columns.flatMap((name) => {
      const v = counters?.get(name);
      return v ? [{ name, value: v.value, timestamp: v.timestamp }] : [];
    });
    return { primaryKey, cells };
  }

  private addVersion(row: StoredRow, name: string, value: Value, timestamp: number): void {
    const versions = (row.columns.get(name) ?? []).filter((v) => v.timestamp !== timestamp);
    versions.push({ timestamp, value });
    versions.sort((a, b) => b.timestamp - a.timestamp);
    row.columns.set(name, versions.slice(0, this.maxVersions));
  }

  private store(row: StoredRow, index: number, existed: boolean): void {
    const exists = row.columns.size > 0 || row.marker !== undefined;
    if (existed && !exists) this.rows.splice(index, 1);
    else if (!existed && exists) this.rows.splice(index, 0, row);
  }

  put(key: KeyValue[], cells: DecodedCell[], cond: WriteCondition, ret?: ReturnSpec): OutputRow | undefined {
    this.checkCells(cells);
    for (const c of cells) {
      if (c.op !== 'PUT') throw parameterInvalid(`OpType cannot be given for column name:${c.name} in PutRow.`);
      if (!c.value) throw parameterInvalid('Invalid request of put row: find cells without values.');
    }
    checkReturnColumns(ret, new Set());
    const { row: old, index } = this.live(key);
    this.check(old, cond);
    this.recorder?.(this, key, old);
    // PutRow replaces the whole row: every old column and version goes.
    const now = this.now();
    const row: StoredRow = { key, columns: new Map() };
    for (const c of cells) this.addVersion(row, c.name, c.value as Value, c.timestamp ?? now);
    if (cells.length === 0) row.marker = now;
    if (old) this.rows[index] = row;
    else this.rows.splice(index, 0, row);
    return this.returned(key, ret);
  }

  update(key: KeyValue[], cells: DecodedCell[], cond: WriteCondition, ret?: ReturnSpec): OutputRow | undefined {
    if (cells.length === 0) throw parameterInvalid('Invalid update row request: missing cells in request.');
    this.checkCells(cells);
    for (const c of cells) {
      if ((c.op === 'DELETE_ONE' || c.op === 'DELETE_ALL') && c.value) {
        throw parameterInvalid('Column value cannot be given when type is DELETE_ONE_VERSION,DELETE_ALL_VERSION.');
      }
      if (c.op === 'DELETE_ONE' && c.timestamp === undefined) throw parameterInvalid('Timestamp must be given when type is DELETE_ONE_VERSION.');
      if (c.op === 'DELETE_ALL' && c.timestamp !== undefined) throw parameterInvalid('Timestamp cannot be given when type is DELETE_ALL_VERSION.');
      if ((c.op === 'PUT' || c.op === 'INCREMENT') && !c.value) throw parameterInvalid(`Invalid cell: ${c.name}. Reason: missing value.`);
      if (c.op === 'INCREMENT' && c.value?.type !== 'INTEGER') throw parameterInvalid(`Invalid column type: ${variantName(c.value as Value)}.`);
    }
    checkReturnColumns(ret, counterColumns(cells));
    const { row: old, index } = this.live(key);
    this.check(old, cond);
    const now = this.now();
    // Work on a copy so a failure half-way (increment of a non-integer) leaves the row untouched.
    const row: StoredRow = old
      ? { key: old.key, columns: new Map([...old.columns].map(([n, v]) => [n, [...v]])), marker: old.marker }
      : { key, columns: new Map() };
    const counters = new Map<string, VersionedValue>();
    for (const c of cells) {
      if (c.op === 'PUT') this.addVersion(row, c.name, c.value as Value, c.timestamp ?? now);
      else if (c.op === 'DELETE_ALL') row.columns.delete(c.name);
      else if (c.op === 'DELETE_ONE') {
        const kept = (row.columns.get(c.name) ?? []).filter((v) => v.timestamp !== c.timestamp);
        if (kept.length > 0) row.columns.set(c.name, kept);
        else row.columns.delete(c.name);
      } else {
        const current = row.columns.get(c.name)?.[0]?.value ?? { type: 'INTEGER', value: 0n };
        if (current.type !== 'INTEGER') throw parameterInvalid(`Invalid column type: ${variantName(current)}.`);
        const delta = (c.value as Extract<Value, { type: 'INTEGER' }>).value;
        const counter: VersionedValue = { timestamp: c.timestamp ?? now, value: { type: 'INTEGER', value: incremented(current.value, delta) } };
        this.addVersion(row, c.name, counter.value, counter.timestamp);
        counters.set(c.name, counter);
      }
    }
    this.recorder?.(this, key, old);
    if (old) {
      this.rows[index] = row;
      this.store(row, index, true);
    } else this.store(row, index, false);
    return this.returned(key, ret, counters);
  }

  delete(key: KeyValue[], cond: WriteCondition, ret?: ReturnSpec): OutputRow | undefined {
    checkReturnColumns(ret, new Set());
    const { row: old, index } = this.live(key);
    this.check(old, cond);
    if (old) {
      this.recorder?.(this, key, old);
      this.rows.splice(index, 1);
    }
    return this.returned(key, ret);
  }
}
