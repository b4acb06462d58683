/**
 * Export and import on a state dir (local/data/transfer.ts): an import goes through the
 * emulator's Store (lock, journal, fsync) whole or not at all, and an export only reads, so it
 * works beside a running emulator and never sees half of a request's writes.
 */
import * as fs from 'node:fs';
// The module object itself, which journal.ts calls through (an `import * as` binding is a copy of its getters).
import nodeFs from 'node:fs';
import { join } from 'node:path';
import { DataFileError, StateDirInUseError, exportTables, exportText, importTables, journalFile, stackTables, type StackTables } from '../../../local/data';
import { openStore } from '../../../local/data/state';
import * as persistence from '../../../local/tablestore/persistence';
import { Store } from '../../../local/tablestore/store';
import { CHILD_INSTANCE, CHILD_TABLE, startEmulator } from '../../support/tablestore-process';
import { TableStore, call, sdkClient } from '../../support/tablestore-sdk';
import { OUTDIR, ROOT, contents, tempDir } from './support';

const DEMO_SEED = fs.readFileSync(join(ROOT, 'demo', 'seed.jsonl'), 'utf8');
let stack: StackTables;
let dir: string;
beforeAll(() => {
  stack = stackTables(OUTDIR);
});
beforeEach(() => {
  dir = tempDir('local-data-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const exported = (stateDir: string, opts: { includeSessions?: boolean } = {}) => exportText(exportTables(stateDir, { stack, ...opts }));

/** A file with rows in every table of the stack, in no particular order. */
function mixedFile(): string {
  const rows = [
    '{"table":"orders","key":{"orderId":"o-2"},"columns":{"amount":{"double":9.9},"status":"paid"}}',
    '{"table":"accounts","key":{"key":"user_id:2088000000000002"},"columns":{"accountId":"acc_x","createdAt":1,"founding":true,"settled":true}}',
    '{"table":"objects","key":{"uid":"acc_x","collection":"default","id":"b"},"columns":{"doc":"{}","version":{"int":"9007199254740993"}}}',
    '{"table":"objects","key":{"uid":"acc_x","collection":"default","id":"a"},"columns":{"doc":"{\\"text\\":\\"été\\"}","version":1}}',
    '{"table":"sessions","key":{"sid":"abc"},"columns":{"accountId":"acc_x","expiresAt":{"int":"99999999999999"}}}',
    '{"table":"orders","key":{"orderId":"o-1"},"columns":{"blob":{"binary":"3q2+7w=="}}}',
  ];
  return `{"format":"miniapp-local-tables","version":1}\n${rows.join('\n')}\n`;
}

describe('the stack', () => {
  test('its tables as LocalCloud runs them, and which one holds sessions', () => {
    expect(stack.sessionsTable).toBe('sessions');
    expect(stack.tables.map((t) => [t.name, t.primaryKey.map((k) => `${k.name}:${k.type}`).join(','), t.timeToLive])).toEqual(
      expect.arrayContaining([
        ['objects', 'uid:STRING,collection:STRING,id:STRING', -1],
        ['accounts', 'key:STRING', -1],
        ['orders', 'orderId:STRING', -1],
        ['sessions', 'sid:STRING', 604800],
      ]),
    );
  });
});

describe('import, then export', () => {
  test('into an empty state dir, an export is the file again, byte for byte', () => {
    const state = join(dir, 'state'); // not there yet: import creates it
    const result = importTables(state, DEMO_SEED, stack, { source: 'demo/seed.jsonl' });
    expect(result.tables).toEqual([
      { table: 'accounts', rows: 2 },
      { table: 'objects', rows: 6 },
      { table: 'orders', rows: 0 },
    ]);
    expect(exported(state)).toBe(DEMO_SEED);
  });

  test('two exports of the same data are byte-identical and sorted by table, then key', () => {
    importTables(dir, mixedFile(), stack);
    const first = exported(dir, { includeSessions: true });
    expect(exported(dir, { includeSessions: true })).toBe(first);
    const rows = first.trim().split('\n').slice(1);
    const order = rows.map((l) => JSON.parse(l)).map((r) => `${r.table} ${Object.values(r.key).join(' ')}`);
    expect(order).toEqual([
      'accounts user_id:2088000000000002',
      'objects acc_x default a',
      'objects acc_x default b',
      'orders o-1',
      'orders o-2',
      'sessions abc',
    ]);
    // Without --include-sessions the session row stays home.
    expect(exported(dir)).not.toContain('"sessions"');
    // And the canonical file imports into a fresh dir and exports as itself.
    const again = join(dir, 'again');
    importTables(again, first, stack);
    expect(exported(again, { includeSessions: true })).toBe(first);
  });

  test('the rows are in the journal (fsynced) when import returns, and npm start reads them', () => {
    const real = nodeFs.fdatasyncSync;
    let syncs = 0;
    const spy = jest.spyOn(nodeFs, 'fdatasyncSync').mockImplementation((fd) => {
      syncs++;
      real(fd);
    });
    try {
      importTables(dir, mixedFile(), stack);
    } finally {
      spy.mockRestore();
    }
    expect(syncs).toBeGreaterThanOrEqual(1);
    const store = new Store(stack.tables, Date.now, { dataFile: journalFile(dir) });
    try {
      expect(contents(store, 'orders').map((r) => r.key[0])).toEqual(['STRING "o-1"', 'STRING "o-2"']);
      expect(contents(store, 'objects')[1].columns.version).toBe('INTEGER 9007199254740993');
    } finally {
      store.close();
    }
  });

  test('upsert keeps other rows; --replace empties the tables the file covers first', () => {
    importTables(dir, mixedFile(), stack);
    const one = '{"format":"miniapp-local-tables","version":1,"tables":["orders"]}\n{"table":"orders","key":{"orderId":"o-3"},"columns":{}}\n';
    importTables(dir, one, stack);
    expect(exported(dir).match(/"orderId"/g)).toHaveLength(3);
    const result = importTables(dir, one, stack, { replace: true });
    expect(result.replaced).toEqual(['orders']);
    const after = exported(dir);
    expect(after.match(/"orderId":"[^"]+"/g)).toEqual(['"orderId":"o-3"']);
    expect(after).toContain('"id":"a"'); // objects not named: untouched
  });
});

describe('an import that is refused writes nothing', () => {
  test('a bad file: the journal is byte-for-byte what it was', () => {
    importTables(dir, DEMO_SEED, stack);
    const before = fs.readFileSync(journalFile(dir));
    const bad = DEMO_SEED.replace('"version":2', '"version":2.0').replace('"table":"objects"', '"table":"object"');
    let error: unknown;
    try {
      importTables(dir, `${bad}{"table":"accounts"\n`, stack, { source: 'bad.jsonl', replace: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataFileError);
    expect((error as DataFileError).problems.map((p) => p.line)).toEqual([4, 6, 10]);
    expect((error as Error).message).toContain('line 4: unknown table "object"');
    expect((error as Error).message).toContain('line 6: "version": 2.0 is a bare number with a fraction');
    expect((error as Error).message).toContain('line 10: not JSON');
    expect(fs.readFileSync(journalFile(dir)).equals(before)).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['tablestore.jsonl']);
  });

  test('while another holder (npm start) has the state dir: the error names the process', () => {
    importTables(dir, DEMO_SEED, stack);
    const holder = openStore(dir, stack.tables);
    const before = fs.readFileSync(journalFile(dir));
    try {
      let error: unknown;
      try {
        importTables(dir, mixedFile(), stack);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StateDirInUseError);
      expect((error as StateDirInUseError).owner).toBe(process.pid);
      expect((error as Error).message).toContain(`${dir} is in use by process ${process.pid} (`);
      expect((error as Error).message).toContain('Nothing was written.');
      // An export still works, read-only, beside the holder.
      expect(exported(dir)).toBe(DEMO_SEED);
    } finally {
      holder.close();
    }
    expect(fs.readFileSync(journalFile(dir)).equals(before)).toBe(true);
    // Once it is gone, the import goes through.
    importTables(dir, mixedFile(), stack);
  });
});

describe('export beside a running emulator', () => {
  test('sees what it has written, and never half of a request', async () => {
    const dataFile = journalFile(dir);
    const { emulator, endpoint } = await startEmulator(dataFile);
    const kv: StackTables = { tables: [{ name: CHILD_TABLE, primaryKey: [{ name: 'k', type: 'STRING' }], timeToLive: -1, maxVersions: 1 }] };
    const client: any = sdkClient(endpoint.endpoint, CHILD_INSTANCE, endpoint);
    // Each BatchWriteRow writes rows a and b with the same value: one request, one journal append.
    const pair = (n: number) =>
      call(client, 'batchWriteRow', {
        tables: [
          {
            tableName: CHILD_TABLE,
            rows: ['a', 'b'].map((k) => ({
              type: 'PUT',
              condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
              primaryKey: [{ k }],
              attributeColumns: [{ n: TableStore.Long.fromNumber(n) }, { pad: 'x'.repeat(64 * 1024) }],
            })),
          },
        ],
      });
    try {
      await pair(0);
      let stop = false;
      let written = 0;
      const writers = Array.from({ length: 4 }, async () => {
        while (!stop) await pair(++written);
      });
      const seen = new Set<number>();
      const until = Date.now() + 1000;
      while (Date.now() < until) {
        const rows = exportText(exportTables(dir, { stack: kv }))
          .split('\n')
          .slice(1, -1)
          .map((l) => JSON.parse(l));
        expect(rows.map((r: any) => r.key.k)).toEqual(['a', 'b']);
        expect(rows[0].columns.n).toBe(rows[1].columns.n);
        seen.add(rows[0].columns.n);
        await new Promise((r) => setImmediate(r));
      }
      stop = true;
      await Promise.all(writers);
      expect(seen.size).toBeGreaterThan(1);
    } finally {
      await emulator.close();
    }
  });

  // The race above is rare on a real disk; here the writer's append lands during the read, every time.
  test('a read the journal changed under is read again', () => {
    importTables(dir, DEMO_SEED, stack);
    const late = `{"table":"orders","key":[["S","late"]],"columns":{"v":[[1,["S","x"]]]}}\n`;
    const real = persistence.load;
    let reads = 0;
    const spy = jest.spyOn(persistence, 'load').mockImplementation((file, tables) => {
      const loaded = real(file, tables);
      if (++reads === 1) fs.appendFileSync(file, `{"schema":"orders","primaryKey":[{"name":"orderId","type":"STRING"}]}\n${late}`);
      return loaded;
    });
    try {
      const text = exported(dir);
      expect(reads).toBe(2);
      expect(text).toContain('{"table":"orders","key":{"orderId":"late"},"columns":{"v":"x"}}');
      // A journal that never holds still: given up on, with a message.
      spy.mockImplementation((file, tables) => {
        const loaded = real(file, tables);
        fs.appendFileSync(file, late);
        return loaded;
      });
      expect(() => exported(dir)).toThrow(/kept changing while it was read \(20 attempts\); try again/);
    } finally {
      spy.mockRestore();
    }
  });
});
