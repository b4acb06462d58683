/**
 * The journal file on disk: append whole lines and fsync before a write is acknowledged, or
 * rewrite it (compaction) through a temp file renamed over it. One process at a time: a lock
 * file holds the owner's pid, so a second `npm start` on the same state dir is refused instead
 * of interleaving with the first.
 */
import * as fs from 'node:fs';
import { dirname } from 'node:path';

const WRITE_CHUNK_BYTES = 1 << 20;

/** Files held open by this process: a second open in the same process is refused too. */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The journal is locked by a live process (or already open in this one): a second npm start on the
 * same state dir, or a tool that writes to it (local/import.ts) while npm start runs. `owner` is
 * the pid in the lock file, so a tool can say which process to stop.
 */
export class StateInUseError extends Error {
  constructor(
    readonly file: string,
    readonly owner: number,
  ) {
    super(
      `local Tablestore state ${file} is in use by process ${owner} (another npm start on the same state directory?). ` +
        `Stop it, or give this one another state directory.`,
    );
    this.name = 'StateInUseError';
  }
}

function lock(file: string): string {
  const lockFile = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      heldHere.add(file);
      return lockFile;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10);
    if (heldHere.has(file) || (owner !== process.pid && Number.isInteger(owner) && isAlive(owner))) throw new StateInUseError(file, owner);
    fs.rmSync(lockFile, { force: true }); // left by a process that died: take it over
  }
  throw new Error(`local Tablestore state ${file}: could not take the lock ${lockFile}`);
}

/** fsync a directory so a file created or renamed in it survives a power loss, not just a process crash. */
function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

export class Journal {
  private fd: number;
  private readonly lockFile: string;
  /** Bytes in the file: where the next append starts, and where a failed append is cut back to. */
  private size: number;
  /** Set when a failed append could not be cut back: the file's end is unknown, so no write is safe. */
  private broken?: Error;

  /** Locks and opens the journal, creating it and its directory. */
  constructor(readonly file: string) {
    fs.mkdirSync(dirname(file), { recursive: true });
    this.lockFile = lock(file);
    try {
      this.fd = fs.openSync(file, 'a+');
      this.size = fs.fstatSync(this.fd).size;
    } catch (e) {
      this.releaseLock();
      throw e;
    }
  }

  /** Cuts the file to `bytes` (a torn last line, or everything for a reset), durably. */
  truncate(bytes: number): void {
    if (bytes >= this.size) return;
    fs.ftruncateSync(this.fd, bytes);
    fs.fdatasyncSync(this.fd);
    this.size = bytes;
  }

  get bytes(): number {
    return this.size;
  }

  /**
   * Appends and fsyncs. If either fails, the file is cut back to where it was, so a write the
   * caller reports as failed never reappears after a restart; then the error propagates.
   */
  append(text: string): void {
    if (this.broken) throw this.broken;
    const bytes = Buffer.from(text, 'utf8');
    try {
      writeAll(this.fd, bytes);
      fs.fdatasyncSync(this.fd);
      this.size += bytes.length;
    } catch (e) {
      try {
        fs.ftruncateSync(this.fd, this.size);
      } catch {
        this.broken = new Error(`local Tablestore state ${this.file}: a failed write could not be undone (${(e as Error).message}); restart to recover`);
      }
      throw e;
    }
  }

  /** Replaces the whole file with `lines` (written in chunks, never as one string), durably. */
  rewrite(lines: Iterable<string>): void {
    const tmp = `${this.file}.${process.pid}.compact`;
    const fd = fs.openSync(tmp, 'w');
    let size = 0;
    try {
      let pending: string[] = [];
      let pendingBytes = 0;
      const drain = () => {
        const bytes = Buffer.from(pending.join(''), 'utf8');
        writeAll(fd, bytes);
        size += bytes.length;
        pending = [];
        pendingBytes = 0;
      };
      for (const line of lines) {
        pending.push(line);
        pendingBytes += line.length;
        if (pendingBytes >= WRITE_CHUNK_BYTES) drain();
      }
      drain();
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, this.file);
    syncDir(dirname(this.file));
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a+');
    this.size = size;
    this.broken = undefined;
  }

  close(): void {
    fs.closeSync(this.fd);
    this.releaseLock();
  }

  private releaseLock(): void {
    heldHere.delete(this.file);
    fs.rmSync(this.lockFile, { force: true });
  }
}
