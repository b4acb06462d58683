/** An object's row as Tablestore holds it: the client's fields as JSON (`doc`) and the columns the server keeps. */
export interface Row {
  doc: string;
  version: number;
  createdAt: number;
  updatedAt: number;
  /** The id of the write that produced this state; '' for rows written before writes carried one. */
  writeId: string;
}

/** Rows one instance remembers at most, and the memory their docs may take (well inside a 256 MB instance). */
export const ROW_CACHE_ENTRIES = 1000;
export const ROW_CACHE_BYTES = 8 * 1024 * 1024;

/**
 * The rows this instance last read or wrote, so a write can be conditioned on the row's exact
 * state without reading it first (ObjectStore). Only a hint: another instance may have changed a
 * row since, and then the conditional write fails and the row is read, one round trip more.
 *
 * The key starts with the owner's uid: a request only ever names its own account, so it can only
 * ever be given its own rows. Docs are kept as the JSON string read or written (not parsed), so the
 * byte bound is exact and no request can change another's copy. Bounded by entries and by bytes,
 * the least recently used out first (a Map iterates in insertion order; a hit is moved to the end).
 */
export class RowCache {
  private readonly rows = new Map<string, { row: Row; bytes: number }>();
  private total = 0;

  constructor(
    private readonly maxEntries = ROW_CACHE_ENTRIES,
    private readonly maxBytes = ROW_CACHE_BYTES,
  ) {}

  get(uid: string, collection: string, id: string): Row | undefined {
    const key = keyOf(uid, collection, id);
    const hit = this.rows.get(key);
    if (!hit) return undefined;
    this.rows.delete(key);
    this.rows.set(key, hit);
    return hit.row;
  }

  set(uid: string, collection: string, id: string, row: Row): void {
    const key = keyOf(uid, collection, id);
    this.drop(key);
    // V8 holds a string in one or two bytes per UTF-16 unit: two bounds the memory held.
    const bytes = 2 * (key.length + row.doc.length);
    if (bytes > this.maxBytes) return;
    this.rows.set(key, { row, bytes });
    this.total += bytes;
    while (this.rows.size > this.maxEntries || this.total > this.maxBytes) this.drop(this.rows.keys().next().value as string);
  }

  delete(uid: string, collection: string, id: string): void {
    this.drop(keyOf(uid, collection, id));
  }

  /** Entries and bytes held (for tests). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.rows.size, bytes: this.total };
  }

  private drop(key: string): void {
    const hit = this.rows.get(key);
    if (!hit) return;
    this.rows.delete(key);
    this.total -= hit.bytes;
  }
}

/** Unambiguous whatever the parts hold (ids are free text). */
const keyOf = (uid: string, collection: string, id: string): string => JSON.stringify([uid, collection, id]);
