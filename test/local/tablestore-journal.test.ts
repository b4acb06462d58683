/**
 * The local Tablestore's persistence (local/tablestore/store.ts, journal.ts): a write costs its
 * own size, is on disk (fsync) before it is answered, is undone and fails the request when it
 * cannot be persisted, and survives SIGKILL and a torn last line. Writes go through the real
 * SDK to an emulator in a process of its own (test/support/tablestore-process.ts) where the
 * process matters; the compaction and file-format cases drive the store directly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { TablestoreEmulator } from '../../local/tablestore';
import { StateFileError } from '../../local/tablestore/persistence';
import { Store } from '../../local/tablestore/store';
import type { TableSpec } from '../../local/tablestore/table';
import { CHILD_INSTANCE, CHILD_TABLE, startEmulator, type Endpoint } from '../support/tablestore-process';
import { TableStore, call, sdkClient } from '../support/tablestore-sdk';

const ROOT = resolve(__dirname, '..', '..');
const CHILD_SCRIPT = join(ROOT, 'test', 'support', 'tablestore-process.ts');
const SPEC: TableSpec = { name: CHILD_TABLE, primaryKey: [{ name: 'k', type: 'STRING' }], timeToLive: -1 };

const clientOf = (e: Endpoint): any => sdkClient(e.endpoint, CHILD_INSTANCE, e);

const put = (client: any, k: string, v: string): Promise<unknown> =>
  call(client, 'putRow', {
    tableName: CHILD_TABLE,
    condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
    primaryKey: [{ k }],
    attributeColumns: [{ v }],
  });

async function get(client: any, k: string): Promise<string | undefined> {
  const { row } = await call(client, 'getRow', { tableName: CHILD_TABLE, primaryKey: [{ k }] });
  return row?.attributes?.[0]?.columnValue;
}

/** Every key in the table, through GetRange pages. */
async function allKeys(client: any): Promise<Set<string>> {
  const keys = new Set<string>();
  let start: unknown[] = [{ k: TableStore.INF_MIN }];
  for (;;) {
    const page = await call(client, 'getRange', {
      tableName: CHILD_TABLE,
      direction: TableStore.Direction.FORWARD,
      inclusiveStartPrimaryKey: start,
      exclusiveEndPrimaryKey: [{ k: TableStore.INF_MAX }],
      maxVersions: 1,
    });
    for (const row of page.rows) keys.add(row.primaryKey[0].value);
    if (!page.nextStartPrimaryKey) return keys;
    start = page.nextStartPrimaryKey.map((c: any) => ({ [c.name]: c.value }));
  }
}

interface Child {
  proc: ChildProcess;
  client: any;
  exited: Promise<void>;
}

/** The emulator in its own process on `dataFile`; `fileSizeKb` = `ulimit -f` (writes past it fail with EFBIG). */
async function startChild(dataFile: string, fileSizeKb?: number): Promise<Child> {
  const limit = fileSizeKb ? `ulimit -f ${fileSizeKb}; ` : '';
  const proc = spawn('bash', ['-c', `${limit}exec "${process.execPath}" -r ts-node/register/transpile-only "${CHILD_SCRIPT}" "${dataFile}"`], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((done) => proc.once('exit', () => done()));
  let stderr = '';
  proc.stderr?.on('data', (d) => (stderr += d));
  const line = await new Promise<string>((ok, fail) => {
    createInterface({ input: proc.stdout! }).once('line', ok);
    proc.once('exit', (code) => fail(new Error(`child exited ${code}: ${stderr}`)));
  });
  return { proc, client: clientOf(JSON.parse(line) as Endpoint), exited };
}

async function kill(child: Child, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  child.proc.kill(signal);
  await child.exited;
}

/** Bytes this process has written (files and sockets), from /proc/self/io. */
const bytesWritten = (): number => Number(/^wchar: (\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'))![1]);

let dir: string;
let dataFile: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'ots-journal-'));
  dataFile = join(dir, 'tablestore.jsonl');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('what a write costs', () => {
  async function inProcess(): Promise<{ emulator: TablestoreEmulator; client: any }> {
    const { emulator, endpoint } = await startEmulator(dataFile);
    return { emulator, client: clientOf(endpoint) };
  }

  test('a 1 KB put next to 5 MB of data appends about its own size and rewrites nothing', async () => {
    const { emulator, client } = await inProcess();
    for (let i = 0; i < 50; i++) await put(client, `big-${i}`, 'b'.repeat(100 * 1024));
    const before = fs.statSync(dataFile);
    const written = bytesWritten();
    await put(client, 'small', 's'.repeat(1024));
    const spent = bytesWritten() - written;
    const after = fs.statSync(dataFile);
    await emulator.close();
    expect(after.ino).toBe(before.ino); // appended, not replaced
    expect(after.size - before.size).toBeGreaterThan(1024);
    expect(after.size - before.size).toBeLessThan(1024 + 200);
    // The journal line plus the HTTP request and answer: nowhere near the 5 MB a whole-file rewrite costs.
    expect(spent).toBeLessThan(8 * 1024);
  });

  test('each write is fsynced before it is answered', async () => {
    const { emulator, client } = await inProcess();
    const events: string[] = [];
    // The module object itself (an `import * as` binding is a copy of its getters): journal.ts calls through it.
    const nodeFs: typeof fs = require('node:fs');
    const real = nodeFs.fdatasyncSync;
    const spy = jest.spyOn(nodeFs, 'fdatasyncSync').mockImplementation((fd) => {
      events.push('fsync');
      real(fd);
    });
    try {
      for (let i = 0; i < 3; i++) {
        await put(client, `k${i}`, 'v');
        events.push('answered');
      }
    } finally {
      spy.mockRestore();
      await emulator.close();
    }
    expect(events).toEqual(['fsync', 'answered', 'fsync', 'answered', 'fsync', 'answered']);
  });
});

describe('durability', () => {
  test('every write answered before a SIGKILL is there after a restart', async () => {
    const child = await startChild(dataFile);
    const acknowledged: string[] = [];
    let killed = false;
    // Eight writers at once, so the kill lands with requests in flight.
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !killed; i++) {
        const k = `w${w}-${i}`;
        try {
          await put(child.client, k, `value of ${k} `.repeat(100));
          acknowledged.push(k);
        } catch {
          return;
        }
        if (acknowledged.length >= 400 && !killed) {
          killed = true;
          child.proc.kill('SIGKILL');
        }
      }
    });
    await Promise.all(writers);
    await child.exited;

    const again = await startChild(dataFile);
    try {
      const stored = await allKeys(again.client);
      expect(acknowledged.length).toBeGreaterThanOrEqual(400);
      expect(acknowledged.filter((k) => !stored.has(k))).toEqual([]);
      expect(await get(again.client, acknowledged[acknowledged.length - 1])).toContain('value of');
    } finally {
      await kill(again);
    }
  }, 60_000);

  test('a write that cannot be persisted fails, is not visible, and leaves the journal clean', async () => {
    // 64 KB file-size limit: EFBIG part-way through an append, after some bytes of it reached the file.
    const child = await startChild(dataFile, 64);
    const acknowledged: string[] = [];
    let failure: any;
    for (let i = 0; i < 40 && !failure; i++) {
      try {
        await put(child.client, `k${i}`, 'x'.repeat(4000));
        acknowledged.push(`k${i}`);
      } catch (e) {
        failure = { key: `k${i}`, error: e };
      }
    }
    expect(failure).toBeDefined();
    expect(failure.error.code).toBe(500);
    expect(acknowledged.length).toBeGreaterThan(5);
    // Not applied in memory: the failed key is absent, the others are there.
    expect(await get(child.client, failure.key)).toBeUndefined();
    expect(await get(child.client, acknowledged[0])).toBe('x'.repeat(4000));
    // The half-written record was cut off: a small write still fits and lands after a clean line end.
    await put(child.client, 'small', 'fits');
    await kill(child);

    const again = await startChild(dataFile);
    try {
      const stored = await allKeys(again.client);
      expect([...stored].sort()).toEqual([...acknowledged, 'small'].sort());
    } finally {
      await kill(again);
    }
  }, 60_000);
});

describe('the journal file', () => {
  const cell = (v: string) => [{ name: 'v', value: { type: 'STRING' as const, value: v }, op: 'PUT' as const }];
  const key = (k: string) => [{ type: 'STRING' as const, value: k }];
  const IGNORE = { rowExistence: 0 };
  const open = (opts: { reset?: boolean; compactionFloorBytes?: number } = {}) => new Store([SPEC], Date.now, { dataFile, ...opts });
  const write = (store: Store, k: string, v: string) => store.transaction(() => store.table(CHILD_TABLE).put(key(k), cell(v), IGNORE));
  const read = (store: Store, k: string) => {
    const row = store.table(CHILD_TABLE).get(key(k), { columnsToGet: [], maxVersions: 1 });
    return row?.cells[0]?.value.value;
  };

  test('a torn last line (a crash mid-append) is dropped and cut off; everything before it loads', () => {
    const a = open();
    write(a, 'a', '1');
    write(a, 'b', '2');
    a.close();
    const whole = fs.statSync(dataFile).size;
    fs.appendFileSync(dataFile, '{"table":"kv","key":[["S","c"]],"colu');
    const b = open();
    expect(read(b, 'a')).toBe('1');
    expect(read(b, 'b')).toBe('2');
    expect(read(b, 'c')).toBeUndefined();
    expect(fs.statSync(dataFile).size).toBe(whole);
    write(b, 'c', '3');
    b.close();
    const c = open();
    expect(read(c, 'c')).toBe('3');
    c.close();
  });

  test('a corrupt line in the middle refuses start, naming the file, the line and the choices', () => {
    const a = open();
    write(a, 'a', '1');
    write(a, 'b', '2');
    a.close();
    const lines = fs.readFileSync(dataFile, 'utf8').split('\n');
    lines[2] = '{"table":"kv",'; // the first row record, cut short
    fs.writeFileSync(dataFile, lines.join('\n'));
    let error: unknown;
    try {
      open();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateFileError);
    const message = (error as Error).message;
    expect(message).toContain(dataFile);
    expect(message).toMatch(/line 3 is not a valid record \(.+\)/);
    expect(message).toContain(`mv '${dataFile}' '${dataFile}.bad'`);
    expect(message).toContain('npm start -- --reset');
    // Refusing released the lock: after a reset the same file opens empty.
    const fresh = open({ reset: true });
    expect(read(fresh, 'a')).toBeUndefined();
    fresh.close();
  });

  test('compaction keeps the file near the live data, and nothing is lost', () => {
    const a = open({ compactionFloorBytes: 16 * 1024 });
    for (let i = 0; i < 2000; i++) write(a, `k${i % 10}`, `${i}:${'v'.repeat(100)}`);
    // 2000 records of ~130 bytes were appended; ten are live.
    expect(fs.statSync(dataFile).size).toBeLessThan(2 * 10 * 150 + 16 * 1024 + 200);
    a.close();
    const b = open();
    for (let i = 0; i < 10; i++) expect(read(b, `k${i}`)).toBe(`${1990 + i}:${'v'.repeat(100)}`);
    b.close();
  });

  test('a state file of the format before the journal is taken over and rewritten as a journal', () => {
    const legacy = {
      version: 1,
      tables: {
        kv: { primaryKey: SPEC.primaryKey, rows: [{ key: [['S', 'old']], columns: { v: [[1700000000000, ['S', 'kept']]] } }] },
        gone: { primaryKey: [{ name: 'id', type: 'STRING' }], rows: [{ key: [['S', 'x']], columns: { v: [[1, ['I', '7']]] } }] },
      },
    };
    fs.writeFileSync(dataFile, JSON.stringify(legacy));
    const a = open();
    expect(read(a, 'old')).toBe('kept');
    a.close();
    const text = fs.readFileSync(dataFile, 'utf8');
    expect(JSON.parse(text.split('\n')[0])).toEqual({ format: 'local-tablestore-journal', version: 2 });
    // A table the stack no longer declares is carried along, not dropped.
    expect(text).toContain('{"schema":"gone"');
    expect(text).toContain('{"table":"gone","key":[["S","x"]]');
    const b = open();
    expect(read(b, 'old')).toBe('kept');
    b.close();
  });

  test('one process at a time: a second open is refused while the first holds the file; a dead holder is taken over', () => {
    const a = open();
    expect(() => open()).toThrow(/is in use by process \d+/);
    a.close();
    fs.writeFileSync(`${dataFile}.lock`, '999999999\n'); // a pid that is not running
    const b = open();
    b.close();
    expect(fs.existsSync(`${dataFile}.lock`)).toBe(false);
  });

  test('--reset starts empty', () => {
    const a = open();
    write(a, 'a', '1');
    a.close();
    const b = open({ reset: true });
    expect(read(b, 'a')).toBeUndefined();
    b.close();
    const c = open();
    expect(read(c, 'a')).toBeUndefined();
    c.close();
  });
});
