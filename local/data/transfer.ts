/**
 * Data in and out of the local cloud, in the format of format.ts: export a state dir's tables
 * (read-only, also while `npm start` runs), import a file into a state dir (refused while it runs),
 * seed a running emulator's tables (`npm start -- --seed FILE`). Every write is one transaction
 * of the emulator's Store: checked completely first, then journaled with one append and fsynced,
 * so a file goes in whole or not at all.
 */
import * as fs from 'node:fs';
import type { TablestoreEmulator } from '../tablestore';
import { RowExistence } from '../tablestore/proto';
import type { Store } from '../tablestore/store';
import type { Table, TableSpec } from '../tablestore/table';
import { type DataFile, headerLine, parseDataFile, rowLine, sortTableNames } from './format';
import type { StackTables } from './stack';
import { openStore, readSnapshot } from './state';

/** Rows per table, in file order. */
export type TableCounts = { table: string; rows: number }[];

export interface ExportOptions {
  /** The stack's tables (stackTables(cdk.out)). */
  stack: StackTables;
  /** Also export the sessions table: live sessions, never for a file that is shared (see stack.ts). */
  includeSessions?: boolean;
  /** Only these tables (default: every table of the stack, sessions only with includeSessions). */
  only?: string[];
  /** Clock for TTL: rows past their table's TTL are not exported (tests pin it). */
  now?: () => number;
}

export interface TableExport {
  /** The tables exported, in file order, with their row counts. */
  tables: TableCounts;
  /** Tables not exported, and why. */
  leftOut: { table: string; reason: string }[];
  /** The file: the header, then one line per row, each with its newline. */
  lines(): Generator<string>;
}

/** The file as one string (small exports, tests). */
export const exportText = (e: TableExport): string => [...e.lines()].join('');

/** Which of the stack's tables an export covers, and why the others are left out. */
function selectTables(opts: ExportOptions): { names: string[]; leftOut: TableExport['leftOut'] } {
  const { stack } = opts;
  const known = new Set(stack.tables.map((t) => t.name));
  const unknown = (opts.only ?? []).filter((n) => !known.has(n));
  if (unknown.length > 0) throw new Error(`unknown table ${unknown.join(', ')} (the stack's tables: ${sortTableNames(known).join(', ')})`);
  const leftOut: TableExport['leftOut'] = [];
  const names = sortTableNames(known).filter((name) => {
    if (opts.only) return opts.only.includes(name);
    if (name === stack.sessionsTable && !opts.includeSessions) {
      leftOut.push({ table: name, reason: 'live sessions, short-lived and tied to the clients that hold their ids; --include-sessions exports them' });
      return false;
    }
    return true;
  });
  return { names, leftOut };
}

/** The export of tables already in memory (a snapshot, or a running emulator's Store). */
export function exportLoaded(tables: ReadonlyMap<string, Table>, opts: ExportOptions): TableExport {
  const { names, leftOut } = selectTables(opts);
  // Expired rows are dropped now, so the counts and the lines agree.
  const selected = names.map((name) => {
    const table = tables.get(name);
    if (!table) throw new Error(`table ${name} is not in the store`);
    return { table, rows: [...table.liveRows()] };
  });
  return {
    tables: selected.map(({ table, rows }) => ({ table: table.spec.name, rows: rows.length })),
    leftOut,
    *lines() {
      yield headerLine(names);
      for (const { table, rows } of selected) for (const row of rows) yield rowLine(table.spec, row);
    },
  };
}

/**
 * A state dir's tables as a file. Reads the journal without taking its lock, so it works while
 * `npm start` runs (state.ts `readSnapshot`); tables the journal holds but the stack no longer
 * declares are left out (an import could not take them back).
 */
export function exportTables(stateDir: string, opts: ExportOptions): TableExport {
  const now = opts.now ?? Date.now;
  const snapshot = readSnapshot(stateDir, opts.stack.tables, now);
  const result = exportLoaded(snapshot.tables, opts);
  for (const table of snapshot.notInStack) result.leftOut.push({ table, reason: 'in the journal, but the stack no longer declares it' });
  return result;
}

export interface ImportOptions {
  /** First empty the tables the file covers (its header's "tables"); otherwise rows are upserted. */
  replace?: boolean;
  /** The file's name, for messages. */
  source?: string;
}

export interface ImportResult {
  /** Rows written per table, in file order. */
  tables: TableCounts;
  /** Tables emptied first (replace). */
  replaced: string[];
}

/** Writes a checked file as one transaction: one journal append, fsynced, or nothing. */
function apply(store: Store, file: DataFile, replace: boolean): ImportResult {
  const ignore = { rowExistence: RowExistence.IGNORE };
  store.transaction(() => {
    if (replace) {
      for (const name of file.tables) {
        const table = store.table(name);
        for (const row of [...table.rows]) table.delete(row.key, ignore);
      }
    }
    // PutRow: the row is replaced whole, and its cells get the time of this write.
    for (const row of file.rows)
      store.table(row.table).put(
        row.key,
        row.columns.map((c) => ({ ...c, op: 'PUT' as const })),
        ignore,
      );
  });
  const counts = new Map(file.tables.map((t) => [t, 0]));
  for (const row of file.rows) counts.set(row.table, (counts.get(row.table) ?? 0) + 1);
  return { tables: [...counts].map(([table, rows]) => ({ table, rows })), replaced: replace ? file.tables : [] };
}

/**
 * Imports a file into a state dir: the whole file is checked against the stack's tables first
 * (DataFileError, every problem with its line), then written through the emulator's own Store.
 * Refused while another process (an `npm start`) holds the state dir: StateDirInUseError.
 */
export function importTables(stateDir: string, text: string, stack: StackTables, opts: ImportOptions = {}): ImportResult {
  const file = parseDataFile(text, stack.tables, opts.source);
  const store = openStore(stateDir, stack.tables);
  try {
    return apply(store, file, opts.replace ?? false);
  } finally {
    store.close();
  }
}

/**
 * Seeds the tables of an emulator (or a Store) in this process: `npm start -- --seed FILE` calls
 * it once the tables are loaded and before the emulator listens. The same checks as an import,
 * against the tables the emulator runs; rows are upserted (replace: the file's tables emptied first).
 */
export function seedTables(target: TablestoreEmulator | Store, text: string, opts: ImportOptions = {}): ImportResult {
  const store = 'data' in target ? target.data : target;
  const specs: TableSpec[] = [...store.tables.values()].map((t) => t.spec);
  return apply(store, parseDataFile(text, specs, opts.source), opts.replace ?? false);
}

/** seedTables from a file, its name in every message. */
export function seedTablesFromFile(target: TablestoreEmulator | Store, file: string, opts: Omit<ImportOptions, 'source'> = {}): ImportResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`seed ${file}: ${(e as Error).message}`, { cause: e });
  }
  return seedTables(target, text, { ...opts, source: file });
}

/** "accounts 3, objects 9": a summary for messages. */
export const describeCounts = (counts: TableCounts): string => counts.map((c) => `${c.table} ${c.rows}`).join(', ') || 'no tables';
