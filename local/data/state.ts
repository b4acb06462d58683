/**
 * A state dir's tables, as local/data reads and writes them: read-only while `npm start` may be
 * writing, or opened for writing through the emulator's own Store (its lock, its journal, its fsync).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StateInUseError } from '../tablestore/journal';
import { load } from '../tablestore/persistence';
import { Store } from '../tablestore/store';
import { Table, type TableSpec } from '../tablestore/table';

/** The journal in a state dir (LocalCloud keeps it there under this name). */
export const journalFile = (stateDir: string): string => path.join(stateDir, 'tablestore.jsonl');
/** The single-document file before the journal; LocalCloud takes it over under the journal's name. */
const legacyFile = (stateDir: string): string => path.join(stateDir, 'tablestore.json');

/** Another process holds the state dir: the message names it and what to do. */
export class StateDirInUseError extends Error {
  constructor(
    readonly stateDir: string,
    readonly owner: number,
  ) {
    const command = commandOf(owner);
    super(
      `${stateDir} is in use by process ${owner}${command ? ` (${command})` : ''}, which holds ${path.basename(journalFile(stateDir))}.lock: ` +
        `an npm start on this state dir? Stop it (Ctrl-C), then try again, or give this command another state dir. Nothing was written.`,
    );
    this.name = 'StateDirInUseError';
  }
}

/** A process's command line, where the system shows it (Linux /proc); undefined elsewhere. */
function commandOf(pid: number): string | undefined {
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const text = args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
    return text.length > 160 ? `${text.slice(0, 157)}...` : text || undefined;
  } catch {
    return undefined;
  }
}

/** What a read-only look at a state dir found. */
export interface Snapshot {
  /** The stack's tables with their rows as the journal holds them (expired ones included until `liveRows`). */
  tables: Map<string, Table>;
  /** Tables the journal holds that the stack no longer declares. */
  notInStack: string[];
}

/** How many times a read is retried while the journal changes under it, before giving up. */
const SNAPSHOT_ATTEMPTS = 20;

type FileId = string | undefined;
function identity(file: string): FileId {
  try {
    const s = fs.statSync(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Reads the state dir's tables without its lock, so it works while `npm start` runs. The journal
 * is appended to one request at a time and compacted by renaming a new file over it; a read is
 * kept only if the file was the same (inode, size, mtime) before and after it, so it never holds
 * half of a request's rows. A torn last line (an append in progress) is left out, as at start.
 */
export function readSnapshot(stateDir: string, specs: readonly TableSpec[], now: () => number = Date.now): Snapshot {
  if (!fs.existsSync(stateDir)) throw new Error(`state dir ${stateDir} does not exist`);
  const journal = journalFile(stateDir);
  const file = fs.existsSync(journal) || !fs.existsSync(legacyFile(stateDir)) ? journal : legacyFile(stateDir);
  for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
    const before = identity(file);
    const tables = new Map(specs.map((s) => [s.name, new Table(s, now)]));
    const loaded = load(file, tables);
    if (identity(file) === before) return { tables, notInStack: [...loaded.orphans.keys()] };
  }
  throw new Error(`${file} kept changing while it was read (${SNAPSHOT_ATTEMPTS} attempts); try again`);
}

/**
 * Opens the state dir's tables for writing, as `npm start` does: locked (refused while another
 * process holds the state dir: StateDirInUseError), the journal replayed. Close it when done.
 */
export function openStore(stateDir: string, specs: readonly TableSpec[]): Store {
  const journal = journalFile(stateDir);
  // As LocalCloud does at start: the version-1 file is taken over under the journal's name.
  if (!fs.existsSync(journal) && fs.existsSync(legacyFile(stateDir))) fs.renameSync(legacyFile(stateDir), journal);
  try {
    return new Store([...specs], Date.now, { dataFile: journal });
  } catch (e) {
    if (e instanceof StateInUseError) throw new StateDirInUseError(stateDir, e.owner);
    throw e;
  }
}
