/**
 * The instance's tables and their persistence to a journal (journal.ts, records.ts).
 *
 * A request's writes are applied in memory, journaled as one append of the changed rows' new
 * states, and fsynced before the request is answered; if the append fails, the writes are
 * undone in memory and the request fails. So what a client was told is stored is on disk, and
 * nothing is visible that is not. A write costs the size of the rows it changes; the whole file
 * is rewritten only at compaction, once the journal has grown by at least the size of the live
 * data (so the cost of compaction per write stays proportional to the write).
 */
import { tableNotExist } from './errors';
import { Journal } from './journal';
import { load, type Orphan } from './persistence';
import { HEADER, keyId, recordLine, schemaLine } from './records';
import { Table, type StoredRow, type TableSpec } from './table';
import type { KeyValue } from './plainbuffer';

/** Journal growth that never triggers a compaction on its own: small stores are not rewritten over and over. */
const MIN_COMPACTION_BYTES = 64 * 1024 * 1024;

interface Change {
  table: Table;
  key: KeyValue[];
  before: StoredRow | undefined;
}

export interface StoreOptions {
  /** Journal path; undefined = in memory only. */
  dataFile?: string;
  /** Discard the saved data and start empty (`npm start -- --reset`). */
  reset?: boolean;
  /** Journal growth below which no compaction happens (tests lower it). */
  compactionFloorBytes?: number;
}

export class Store {
  readonly tables = new Map<string, Table>();
  private readonly journal?: Journal;
  private orphans = new Map<string, Orphan>();
  private readonly described = new Set<string>();
  /** This request's changes, in order; the first one per key holds the row as it was before the request. */
  private pending: Change[] = [];
  private liveBytes = 0;
  private readonly compactionFloor: number;

  constructor(specs: TableSpec[], now: () => number, opts: StoreOptions = {}) {
    this.compactionFloor = opts.compactionFloorBytes ?? MIN_COMPACTION_BYTES;
    for (const spec of specs) {
      const table = new Table(spec, now);
      table.recorder = (t, key, before) => this.pending.push({ table: t, key, before });
      this.tables.set(spec.name, table);
    }
    if (!opts.dataFile) return;
    // Locked before anything is read or discarded: another process's state is never touched.
    const journal = new Journal(opts.dataFile);
    try {
      if (opts.reset) journal.truncate(0);
      const loaded = load(opts.dataFile, this.tables);
      if (!loaded.legacy) journal.truncate(loaded.validBytes);
      this.orphans = loaded.orphans;
      for (const name of loaded.described) this.described.add(name);
      this.liveBytes = loaded.liveBytes;
      this.journal = journal;
      if (loaded.legacy || journal.bytes === 0 || this.compactionDue()) this.compact();
    } catch (e) {
      journal.close();
      throw e;
    }
  }

  table(name: string): Table {
    const t = this.tables.get(name);
    if (!t) throw tableNotExist();
    return t;
  }

  /**
   * Runs one request's work, then makes its writes durable. If the work throws, or the journal
   * cannot be written, every write it made is undone and the error propagates.
   */
  transaction<T>(work: () => T): T {
    let result: T;
    try {
      result = work();
      this.commit();
    } catch (e) {
      this.rollback();
      throw e;
    }
    return result;
  }

  /** Closes the journal (and releases its lock); the store must not be used after. */
  close(): void {
    this.journal?.close();
  }

  private commit(): void {
    const changes = this.pending;
    if (changes.length === 0) return;
    if (this.journal) {
      const seen = new Set<string>();
      // A table's first write in this journal is preceded by its schema record.
      const newlyDescribed = new Set<string>();
      let text = '';
      for (const { table, key } of changes) {
        const { name } = table.spec;
        const id = `${name}\n${keyId(key)}`;
        if (seen.has(id)) continue;
        seen.add(id);
        if (!this.described.has(name) && !newlyDescribed.has(name)) {
          text += schemaLine(table.spec);
          newlyDescribed.add(name);
        }
        text += recordLine(name, key, table.peek(key));
      }
      this.journal.append(text);
      for (const name of newlyDescribed) this.described.add(name);
    }
    this.pending = [];
    // After the writes are durable and acknowledged-to-be: a failed compaction leaves the journal as it was.
    if (this.journal && this.compactionDue()) {
      try {
        this.compact();
      } catch {
        // The journal is still complete; the next write tries again.
      }
    }
  }

  /** Once the journal holds more than twice the live data (plus a floor), rewriting it pays for itself. */
  private compactionDue(): boolean {
    return (this.journal as Journal).bytes > 2 * this.liveBytes + this.compactionFloor;
  }

  private rollback(): void {
    for (const { table, key, before } of this.pending.reverse()) table.restore(key, before);
    this.pending = [];
  }

  /** Rewrites the journal as just the live rows (expired ones dropped) and the orphaned tables. */
  private compact(): void {
    const journal = this.journal as Journal;
    let live = 0;
    const tables = this.tables;
    const orphans = this.orphans;
    function* lines(): Generator<string> {
      yield `${JSON.stringify(HEADER)}\n`;
      for (const table of tables.values()) {
        yield schemaLine(table.spec);
        for (const row of table.liveRows()) {
          const line = recordLine(table.spec.name, row.key, row);
          live += line.length;
          yield line;
        }
      }
      for (const orphan of orphans.values()) {
        yield orphan.schemaLine;
        for (const line of orphan.rows.values()) yield line;
      }
    }
    journal.rewrite(lines());
    for (const name of this.tables.keys()) this.described.add(name);
    this.liveBytes = live;
  }
}
