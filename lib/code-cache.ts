import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A V8 code cache for each function bundle: a cold start that compiles a minified bundle spends
 * most of its load compiling it; with the cache V8 deserializes the functions instead (measured on
 * a local FC cold start: db's load 67 → 48 ms, session's 90 → 55 ms). The asset then holds:
 *
 * - `bundle.js`, the function's code (esbuild's output, lib/bundle.ts);
 * - `bundle.cache`, V8's code cache of it, made at synth by lib/code-cache-producer.js in a child
 *   `node` with the instance's V8 flags, after the bundle's top level ran;
 * - `index.js`, lib/code-cache-loader.js, which loads the bundle with the cache and falls back to a
 *   plain compile when the cache is missing or V8 rejects it. It reports how the load went on
 *   globalThis, under `Symbol.for('miniapp.codeCache')`: `{ status: 'accepted' | 'rejected'
 *   | 'absent', loadMs }`. The function's first log line carries it, and local/fc/runtime.js
 *   passes it on to the local FC and the bench.
 *
 * V8 rejects a cache unless the V8 version, the V8 flags and the source's length match. The cache
 * is made under the flags FC's runtime starts node with (lib/fc-runtime.ts); whether the real
 * nodejs20 runtime's Node minor matches ours is unknown: there the cache is either taken or costs
 * nothing but its bytes in the zip.
 *
 * The cache's bytes are not deterministic (two runs of the same bundle differ), so the asset's hash
 * is taken of everything else (fingerprint below): the same sources give the same template. A
 * store of made caches under node_modules/.cache, keyed by the bundle, the flags and the Node
 * version, makes synths after the first reuse one cache per bundle, so repeated synths are also
 * byte-identical and pay nothing for it.
 */
export const ENTRY_FILE = 'index.js';
export const BUNDLE_FILE = 'bundle.js';
export const CACHE_FILE = 'bundle.cache';

const LOADER = path.join(__dirname, 'code-cache-loader.js');
const PRODUCER = path.join(__dirname, 'code-cache-producer.js');
const STORE = path.resolve(__dirname, '..', 'node_modules', '.cache', 'miniapp', 'code-cache');
/** Caches kept in the store (about 0.2–0.6 MB each); the least recently used go first. */
const STORE_ENTRIES = 64;
/** Making a cache takes about 0.2 s; this only stops a bundle whose top level never ends. */
const PRODUCER_TIMEOUT_MS = 60_000;

const sha256 = (...parts: Array<string | Uint8Array>): string => {
  const hash = createHash('sha256');
  // Each part with its length, so no two lists of parts hash the same.
  for (const part of parts) hash.update(`${part.length}:`).update(part);
  return hash.digest('hex');
};

/** A function's code asset: the bundle's files and the loader, and how to write them with a cache. */
export class CodeCachedAsset {
  /** Every file but the cache, by name: the bundle's own (bundle.js, its LEGAL.txt) and the loader as index.js. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** The asset's hash: of all its files but the cache, and of what the cache is made by and for. */
  readonly fingerprint: string;

  /** `bundleFiles`: esbuild's output, by name relative to the asset; `flags`: those the cache is made for. */
  constructor(
    bundleFiles: ReadonlyMap<string, Uint8Array>,
    readonly flags: readonly string[],
  ) {
    if (!bundleFiles.has(BUNDLE_FILE)) throw new Error(`code cache: the bundle has no ${BUNDLE_FILE}`);
    if (bundleFiles.has(ENTRY_FILE) || bundleFiles.has(CACHE_FILE)) throw new Error(`code cache: ${ENTRY_FILE} and ${CACHE_FILE} are the loader's names`);
    // The loader reads the bundle as latin1, which is its text only if it is ASCII: esbuild's default
    // (charset 'ascii') escapes everything else.
    if (bundleFiles.get(BUNDLE_FILE)!.some((byte) => byte > 0x7f)) throw new Error(`code cache: ${BUNDLE_FILE} is not ASCII; the loader reads it as latin1`);
    this.files = new Map([...bundleFiles, [ENTRY_FILE, fs.readFileSync(LOADER)]]);
    const names = [...this.files.keys()].sort();
    this.fingerprint = sha256(...names.flatMap((name) => [name, this.files.get(name)!]), fs.readFileSync(PRODUCER), JSON.stringify(flags));
  }

  /** Whether `dir` holds an asset writeTo finished writing (the cache aside: an asset may lack it). */
  static isWrittenIn(dir: string): boolean {
    const names = fs.readdirSync(dir);
    return names.includes(ENTRY_FILE) && names.includes(BUNDLE_FILE) && !names.some((name) => name.endsWith(TMP_SUFFIX));
  }

  /**
   * Writes the asset into `dir` (ROS CDK's bundling directory, which becomes cdk.out/asset.<hash>).
   * The cache comes last and only if it could be made: a function without one still loads, so a
   * failure to make it is a warning, not a failed synth. Each file is written whole or not at all.
   */
  writeTo(dir: string, name: string): void {
    // The loader last of the files it needs: an interrupted write leaves no index.js to run.
    for (const [file, contents] of [...this.files].sort(([a], [b]) => Number(a === ENTRY_FILE) - Number(b === ENTRY_FILE))) {
      writeWhole(path.join(dir, file), contents);
    }
    try {
      writeWhole(path.join(dir, CACHE_FILE), codeCacheOf(path.join(dir, BUNDLE_FILE), this.flags));
    } catch (e) {
      process.stderr.write(`code cache of ${name} not made, it will load without one: ${(e as Error).message.split('\n')[0]}\n`);
    }
  }
}

const TMP_SUFFIX = '.tmp';

function writeWhole(file: string, contents: Uint8Array): void {
  const tmp = `${file}.${process.pid}${TMP_SUFFIX}`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

/**
 * The code cache of the bundle at `bundleFile` for instances started with `flags`: from the store
 * when this Node made one for the same bundle and flags before, else made now (and stored). The
 * first cache stored for a key is the one every later synth gets, however many race to make it.
 */
export function codeCacheOf(bundleFile: string, flags: readonly string[]): Buffer {
  const key = sha256(fs.readFileSync(bundleFile), JSON.stringify(flags), process.version, process.arch, fs.readFileSync(PRODUCER));
  const stored = path.join(STORE, `${key}.cache`);
  const hit = readIfPresent(stored);
  if (hit) {
    touch(stored);
    return hit;
  }
  fs.mkdirSync(STORE, { recursive: true });
  const tmp = path.join(STORE, `${key}.${process.pid}.tmp`);
  try {
    produce(bundleFile, flags, tmp);
    try {
      fs.linkSync(tmp, stored);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    pruneStore();
    return readIfPresent(stored) ?? fs.readFileSync(tmp);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Marks a store entry used (pruning goes by modification time). */
function touch(file: string): void {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    // Pruned meanwhile by another synth: this one has read it already.
  }
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Runs lib/code-cache-producer.js on the bundle: the same node, the instance's flags, no environment. */
export function produce(bundleFile: string, flags: readonly string[], out: string): { topLevel: string } {
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, [...flags, PRODUCER, bundleFile, out], {
      // Empty: no NODE_OPTIONS (its V8 flags would change the cache's), no function config.
      env: {},
      cwd: path.dirname(bundleFile),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: PRODUCER_TIMEOUT_MS,
    });
  } catch (e) {
    const { stderr, signal } = e as { stderr?: string; signal?: string };
    // Node's report of an uncaught error: the source line (the whole minified bundle), the stack, its version.
    const said = (stderr ?? '')
      .split('\n')
      .filter((l) => l.trim() && l.length < 500 && !/^Node\.js v/.test(l) && !/^\s+at /.test(l))
      .slice(-1)[0];
    throw new Error(`the producer failed${signal ? ` (${signal})` : ''}: ${said ?? (e as Error).message}`, { cause: e });
  }
  if (!fs.existsSync(out) || fs.statSync(out).size === 0) throw new Error('the producer wrote no cache');
  return JSON.parse(stdout.trim().split('\n').slice(-1)[0] ?? '{}') as { topLevel: string };
}

function pruneStore(): void {
  try {
    const entries = fs
      .readdirSync(STORE)
      .filter((f) => f.endsWith('.cache'))
      .map((f) => ({ file: path.join(STORE, f), mtime: fs.statSync(path.join(STORE, f)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const { file } of entries.slice(STORE_ENTRIES)) fs.rmSync(file, { force: true });
  } catch {
    // Another synth pruning at the same time; the store is only a cache.
  }
}
