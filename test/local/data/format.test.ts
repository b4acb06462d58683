/**
 * The export format (local/data/format.ts) on the emulator's own Store: every Tablestore value
 * type written and read back exactly, the order and bytes of an export, and each way a file is
 * refused, by line, before anything is written.
 */
import fc from 'fast-check';
import { DataFileError, exportLoaded, exportText, parseDataFile, seedTables } from '../../../local/data';
import { MAX_ATTRIBUTE_VALUE_BYTES, MAX_PK_VALUE_BYTES } from '../../../local/tablestore';
import type { Value } from '../../../local/tablestore/plainbuffer';
import { Store } from '../../../local/tablestore/store';
import { B, D, I, KINDS, S, SHORT_LIVED, TEST_STACK, X, contents, putRows } from './support';

const NOW = 1_800_000_000_000;
const emptyStore = (now = () => NOW) => new Store([KINDS, SHORT_LIVED], now);
const exportOf = (store: Store, opts: { includeSessions?: boolean; only?: string[] } = {}) =>
  exportText(exportLoaded(store.tables, { stack: TEST_STACK, includeSessions: true, now: () => NOW, ...opts }));

/** The file read into a fresh store, and that store. */
function reimport(text: string): Store {
  const store = emptyStore();
  seedTables(store, text);
  return store;
}

const HEADER = '{"format":"miniapp-local-tables","version":1,"tables":["kinds","short_lived"]}';
const line = (l: string) => `${HEADER}\n${l}\n`;

/** The message a file is refused with. */
function refusal(text: string, specs = TEST_STACK.tables): string {
  try {
    parseDataFile(text, specs, 'test.jsonl');
  } catch (e) {
    expect(e).toBeInstanceOf(DataFileError);
    return (e as Error).message;
  }
  throw new Error('the file was accepted');
}

describe('values', () => {
  const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const columns: Record<string, Value> = {
    str: S('plain'),
    empty: S(''),
    unicode: S('héllo 世界 🎉 e\u0301 \u2028 "quoted" \\ \n\t'),
    int1: I(1),
    double1: D(1),
    doubleNeg0: D(-0),
    doubleFrac: D(0.1),
    doubleTiny: D(5e-324),
    doubleMax: D(Number.MAX_VALUE),
    doubleBig: D(2 ** 60),
    intSafe: I(Number.MAX_SAFE_INTEGER),
    intSafeNeg: I(-Number.MAX_SAFE_INTEGER),
    int2p53: I(2n ** 53n),
    intMax: I(2n ** 63n - 1n),
    intMin: I(-(2n ** 63n)),
    yes: B(true),
    no: B(false),
    bytes: X(ALL_BYTES),
    noBytes: X(Buffer.alloc(0)),
  };

  test('each type is written as the format says', () => {
    const store = emptyStore();
    putRows(store, 'kinds', [{ key: [S('a'), I(2n ** 53n + 1n), X('AAE=')], columns }]);
    const [, row] = exportOf(store, { only: ['kinds'] }).split('\n');
    const parsed = JSON.parse(row);
    expect(parsed.key).toEqual({ s: 'a', i: { int: '9007199254740993' }, b: { binary: 'AAE=' } });
    expect(row).toContain('"double1":{"double":1}');
    expect(row).toContain('"int1":1,');
    expect(row).toContain('"doubleNeg0":{"double":-0}');
    expect(row).toContain('"doubleTiny":{"double":5e-324}');
    expect(row).toContain('"intSafe":9007199254740991,');
    expect(row).toContain('"intSafeNeg":-9007199254740991,');
    expect(row).toContain('"int2p53":{"int":"9007199254740992"}');
    expect(row).toContain('"intMax":{"int":"9223372036854775807"}');
    expect(row).toContain('"intMin":{"int":"-9223372036854775808"}');
    expect(row).toContain('"noBytes":{"binary":""}');
    expect(row).toContain('"empty":""');
    expect(row).toContain('"yes":true');
    // Readable: non-ASCII text as itself, not as \u escapes.
    expect(row).toContain('héllo 世界 🎉');
    // Columns sorted by name, bytewise (upper case before lower case).
    expect(Object.keys(parsed.columns)).toEqual(Object.keys(columns).sort());
  });

  test('every type reads back exactly: int64 past 2^53, DOUBLE 1.0 apart from INTEGER 1, -0, binary, empty, unicode', () => {
    const store = emptyStore();
    putRows(store, 'kinds', [
      { key: [S('a'), I(2n ** 53n + 1n), X('AAE=')], columns },
      { key: [S(''), I(-(2n ** 63n)), X('')], columns: {} },
      { key: [S('🎉'), I(2n ** 63n - 1n), X(ALL_BYTES.subarray(0, 200))], columns: { only: D(-1.5) } },
    ]);
    const text = exportOf(store);
    const back = reimport(text);
    expect(contents(back, 'kinds')).toEqual(contents(store, 'kinds'));
    const [row] = contents(back, 'kinds').filter((r) => r.key[0] === 'STRING "a"');
    expect(row.columns.double1).toBe('DOUBLE 1');
    expect(row.columns.int1).toBe('INTEGER 1');
    expect(row.columns.doubleNeg0).toBe('DOUBLE -0');
    expect(row.columns.intMin).toBe('INTEGER -9223372036854775808');
    expect(exportOf(back)).toBe(text);
  });

  test('a row without attribute columns is kept, as "columns":{}', () => {
    const store = emptyStore();
    putRows(store, 'kinds', [{ key: [S('k'), I(1), X('')], columns: {} }]);
    const text = exportOf(store, { only: ['kinds'] });
    expect(text.split('\n')[1]).toBe('{"table":"kinds","key":{"s":"k","i":1,"b":{"binary":""}},"columns":{}}');
    expect(reimport(text).table('kinds').rows).toHaveLength(1);
  });

  test('column names an object would reorder or drop ("10", "2", "__proto__") keep their bytewise order', () => {
    const store = emptyStore();
    putRows(store, 'kinds', [{ key: [S('k'), I(1), X('')], columns: { __proto__x: S('p'), ['__proto__']: S('proto'), '2': I(2), '10': I(10) } }]);
    const text = exportOf(store, { only: ['kinds'] });
    expect(text.split('\n')[1]).toBe(
      '{"table":"kinds","key":{"s":"k","i":1,"b":{"binary":""}},"columns":{"10":10,"2":2,"__proto__":"proto","__proto__x":"p"}}',
    );
    expect(contents(reimport(text), 'kinds')).toEqual(contents(store, 'kinds'));
  });

  test('any rows round-trip exactly (property)', () => {
    const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    const value: fc.Arbitrary<Value> = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }).map(S),
      int64.map(I),
      fc.integer().map(I),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(D),
      fc.integer().map(D),
      fc.boolean().map(B),
      fc.uint8Array({ maxLength: 16 }).map((a) => X(Buffer.from(a))),
    );
    const row = fc.record({
      key: fc.tuple(
        fc.string({ unit: 'binary', maxLength: 12 }).map(S),
        int64.map(I),
        fc.uint8Array({ maxLength: 8 }).map((a) => X(Buffer.from(a))),
      ),
      columns: fc.dictionary(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }).filter((n) => !['s', 'i', 'b'].includes(n)),
        value,
        { maxKeys: 6 },
      ),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 8 }), (rows) => {
        const store = emptyStore();
        putRows(store, 'kinds', rows);
        const text = exportOf(store);
        const back = reimport(text);
        expect(contents(back, 'kinds')).toEqual(contents(store, 'kinds'));
        expect(exportOf(back)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});

describe('order and selection', () => {
  test('rows are sorted by table, then key in the table order (integers numerically, strings bytewise); two exports are byte-identical', () => {
    const store = emptyStore();
    putRows(store, 'short_lived', [{ key: [S('z')], columns: { v: I(1) } }]);
    putRows(store, 'kinds', [
      { key: [S('b'), I(10), X('')], columns: {} },
      { key: [S('b'), I(-5), X('')], columns: {} },
      { key: [S('a'), I(2), X('AQ==')], columns: {} },
      { key: [S('b'), I(2), X('')], columns: {} },
      { key: [S('Z'), I(0), X('')], columns: {} },
      { key: [S('é'), I(0), X('')], columns: {} },
    ]);
    const text = exportOf(store);
    const keys = text
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l))
      .map(
        (r) =>
          `${r.table}:${Object.values(r.key)
            .map((v) => JSON.stringify(v))
            .join('/')}`,
      );
    expect(keys).toEqual([
      'kinds:"Z"/0/{"binary":""}',
      'kinds:"a"/2/{"binary":"AQ=="}',
      'kinds:"b"/-5/{"binary":""}',
      'kinds:"b"/2/{"binary":""}',
      'kinds:"b"/10/{"binary":""}',
      'kinds:"é"/0/{"binary":""}',
      'short_lived:"z"',
    ]);
    expect(exportOf(store)).toBe(text);
  });

  test('the sessions table is left out unless asked for; expired rows never go out', () => {
    let now = NOW;
    const store = emptyStore(() => now);
    putRows(store, 'short_lived', [{ key: [S('old')], columns: { v: I(1) } }]);
    now += 30_000;
    putRows(store, 'short_lived', [{ key: [S('new')], columns: { v: I(2) } }]);
    now += 40_000; // 'old' is 70 s old: past the 60 s TTL
    const withSessions = exportLoaded(store.tables, { stack: TEST_STACK, includeSessions: true });
    expect(withSessions.tables).toEqual([
      { table: 'kinds', rows: 0 },
      { table: 'short_lived', rows: 1 },
    ]);
    expect(exportText(withSessions)).toContain('"k":"new"');
    expect(exportText(withSessions)).not.toContain('"k":"old"');

    const without = exportLoaded(store.tables, { stack: TEST_STACK });
    expect(exportText(without)).toBe('{"format":"miniapp-local-tables","version":1,"tables":["kinds"]}\n');
    expect(without.leftOut).toEqual([{ table: 'short_lived', reason: expect.stringContaining('--include-sessions') }]);
    expect(() => exportLoaded(store.tables, { stack: TEST_STACK, only: ['nope'] })).toThrow(/unknown table nope/);
  });
});

describe('import semantics', () => {
  test('rows are upserted: a stored row with the same key is replaced whole, others stay', () => {
    const store = emptyStore();
    putRows(store, 'kinds', [
      { key: [S('a'), I(1), X('')], columns: { old: S('x'), kept: S('y') } },
      { key: [S('b'), I(1), X('')], columns: { other: S('stays') } },
    ]);
    seedTables(store, line('{"table":"kinds","key":{"s":"a","i":1,"b":{"binary":""}},"columns":{"new":true}}'));
    expect(contents(store, 'kinds')).toEqual([
      { key: ['STRING "a"', 'INTEGER 1', 'BINARY '], columns: { new: 'BOOLEAN true' } },
      { key: ['STRING "b"', 'INTEGER 1', 'BINARY '], columns: { other: 'STRING "stays"' } },
    ]);
  });

  test('replace empties the tables the header names, with rows in the file or not, and no other', () => {
    const store = emptyStore();
    putRows(store, 'kinds', [{ key: [S('a'), I(1), X('')], columns: {} }]);
    putRows(store, 'short_lived', [{ key: [S('s')], columns: {} }]);
    const result = seedTables(store, '{"format":"miniapp-local-tables","version":1,"tables":["kinds"]}\n', { replace: true });
    expect(result).toEqual({ tables: [{ table: 'kinds', rows: 0 }], replaced: ['kinds'] });
    expect(store.table('kinds').rows).toHaveLength(0);
    expect(store.table('short_lived').rows).toHaveLength(1);
  });

  test('blank lines, CRLF line ends and a byte-order mark are accepted; the key columns may come in any order', () => {
    const store = emptyStore();
    seedTables(store, `\uFEFF${HEADER}\r\n\r\n{"table":"kinds","key":{"b":{"binary":""},"i":1,"s":"a"},"columns":{}}\r\n\n`);
    expect(store.table('kinds').rows).toHaveLength(1);
  });

  test('a file without "tables" in its header covers the tables it has rows for', () => {
    const file = parseDataFile('{"format":"miniapp-local-tables","version":1}\n{"table":"short_lived","key":{"k":"a"},"columns":{}}\n', TEST_STACK.tables);
    expect(file.tables).toEqual(['short_lived']);
  });
});

describe('a file is refused, by line, before anything is written', () => {
  const KEY = '"key":{"s":"a","i":1,"b":{"binary":""}}';
  const row = (columns: string, key = KEY, table = 'kinds') => `{"table":"${table}",${key},"columns":${columns}}`;

  test.each([
    ['not JSON', '{"table":', 'line 2: not JSON ('],
    ['not an object', '[1,2]', 'line 2: not a JSON object but an array'],
    ['an unknown table', row('{}', '"key":{"k":"a"}', 'nope'), 'line 2: unknown table "nope" (the stack\'s tables: kinds, short_lived)'],
    ['an unknown field', '{"table":"kinds",' + KEY + ',"columns":{},"version":3}', 'line 2: unknown field "version"'],
    [
      'a missing key column',
      row('{}', '"key":{"s":"a","i":1}'),
      'line 2: the primary key of kinds is s (STRING), i (INTEGER), b (BINARY); the key has "s", "i"',
    ],
    ['an extra key column', row('{}', '"key":{"s":"a","i":1,"b":{"binary":""},"c":1}'), 'the key has "s", "i", "b", "c"'],
    [
      'a key of the wrong type',
      row('{}', '"key":{"s":1,"i":1,"b":{"binary":""}}'),
      'line 2: key column "s" of kinds: a STRING (a JSON string) is needed; got number 1',
    ],
    [
      'an INTEGER key given as a string',
      row('{}', '"key":{"s":"a","i":"1","b":{"binary":""}}'),
      'key column "i" of kinds: an INTEGER (a whole number, or {"int":"…"}) is needed; got string "1"',
    ],
    [
      'a BINARY key given as a string',
      row('{}', '"key":{"s":"a","i":1,"b":"AA=="}'),
      'key column "b" of kinds: a BINARY ({"binary":"<base64>"}) is needed; got string "AA=="',
    ],
    [
      'a fraction where an INTEGER is',
      row('{"n":1.0}'),
      'line 2: "n": 1.0 is a bare number with a fraction or exponent, but a bare number is an INTEGER: write {"double":1.0} for a DOUBLE',
    ],
    ['an exponent where an INTEGER is', row('{"n":1e3}'), '"n": 1e3 is a bare number with a fraction or exponent'],
    ['an inexact bare number', row('{"n":9007199254740993}'), 'line 2: column "n": 9007199254740992 is not an exact integer'],
    ['an int beyond int64', row('{"n":{"int":"9223372036854775808"}}'), 'column "n": 9223372036854775808 is outside the int64 range'],
    ['an int that is not digits', row('{"n":{"int":"0x10"}}'), 'column "n": {"int": …} takes the decimal digits'],
    ['a double that is a string', row('{"n":{"double":"NaN"}}'), 'column "n": {"double": …} takes a JSON number'],
    ['base64 that is not', row('{"n":{"binary":"AAE"}}'), 'column "n": {"binary": …} takes standard base64 with padding'],
    ['null', row('{"n":null}'), 'column "n": null is not a Tablestore value'],
    ['an array', row('{"n":[1]}'), 'column "n": an array is not a Tablestore value'],
    ['an unknown wrapper', row('{"n":{"float":1}}'), 'column "n": an object with "float" is not a Tablestore value'],
    ['a lone surrogate', row('{"n":"\\ud800"}'), 'column "n": the string is not well-formed Unicode'],
    ['an empty column name', row('{"":1}'), 'line 2: a column name is empty'],
    ['a key column as an attribute', row('{"s":"x"}'), 'line 2: column "s" is a primary-key column of kinds'],
    ['a second header', '{"format":"miniapp-local-tables","version":1}', 'line 2: a second header'],
  ])('%s', (_what, bad, message) => {
    expect(refusal(line(bad))).toContain(message);
  });

  test('the first line must be the header; a journal is recognized', () => {
    expect(refusal('')).toContain('line 1: the file is empty');
    expect(refusal(`${row('{}')}\n`)).toContain('line 1: the first line must be the header {"format":"miniapp-local-tables","version":1,…}');
    expect(refusal('{"format":"local-tablestore-journal","version":2}\n{"schema":"kinds"}\n')).toContain(
      'line 1: this is a local Tablestore journal (tablestore.jsonl), not an export',
    );
    expect(refusal('{"format":"miniapp-local-tables","version":2}\n')).toContain('line 1: format version 2: this tool reads version 1');
    expect(refusal('{"format":"miniapp-local-tables","version":1,"tables":["kinds","nope"]}\n')).toContain('line 1: unknown table "nope"');
    expect(refusal('garbage\n{"also":"garbage"}\n')).toMatch(/^test\.jsonl: 1 problem, nothing was written:\n {2}line 1: not JSON/);
  });

  test('a row of a table the header does not name', () => {
    expect(refusal(`{"format":"miniapp-local-tables","version":1,"tables":["kinds"]}\n{"table":"short_lived","key":{"k":"a"},"columns":{}}\n`)).toContain(
      'line 2: table short_lived is not in the header\'s "tables"',
    );
  });

  test('the same key twice names both lines', () => {
    expect(refusal(`${HEADER}\n${row('{}')}\n${row('{"x":1}', '"key":{"i":1,"b":{"binary":""},"s":"a"}')}\n`)).toContain(
      'line 3: the same kinds key as line 2',
    );
  });

  test(`a key value at ${MAX_PK_VALUE_BYTES} bytes is taken, one past it refused; likewise ${MAX_ATTRIBUTE_VALUE_BYTES} bytes for an attribute`, () => {
    const at = 'é'.repeat(MAX_PK_VALUE_BYTES / 2);
    const keyed = (s: string) => `"key":{"s":${JSON.stringify(s)},"i":1,"b":{"binary":""}}`;
    expect(() => parseDataFile(line(row('{}', keyed(at))), TEST_STACK.tables)).not.toThrow();
    expect(refusal(line(row('{}', keyed(`${at}x`))))).toContain(
      `key column "s" of kinds: the string is ${MAX_PK_VALUE_BYTES + 1} bytes of UTF-8; Tablestore allows at most ${MAX_PK_VALUE_BYTES} here`,
    );
    const bin = (n: number) => `"key":{"s":"a","i":1,"b":{"binary":"${Buffer.alloc(n).toString('base64')}"}}`;
    expect(() => parseDataFile(line(row('{}', bin(MAX_PK_VALUE_BYTES))), TEST_STACK.tables)).not.toThrow();
    expect(refusal(line(row('{}', bin(MAX_PK_VALUE_BYTES + 1))))).toContain(`the binary is ${MAX_PK_VALUE_BYTES + 1} bytes`);
    const big = 'a'.repeat(MAX_ATTRIBUTE_VALUE_BYTES);
    expect(() => parseDataFile(line(row(`{"v":"${big}"}`)), TEST_STACK.tables)).not.toThrow();
    expect(refusal(line(row(`{"v":"${big}a"}`)))).toContain(`column "v": the string is ${MAX_ATTRIBUTE_VALUE_BYTES + 1} bytes of UTF-8`);
  });

  test('every problem is listed with its line (the first ten, then a count), and the store is untouched', () => {
    const store = emptyStore();
    putRows(store, 'kinds', [{ key: [S('keep'), I(1), X('')], columns: { v: S('before') } }]);
    const before = contents(store, 'kinds');
    const bad = [HEADER, row('{"v":"fine"}'), ...Array.from({ length: 12 }, (_, i) => row(`{"n":${i}.5}`, `"key":{"s":"r${i}","i":1,"b":{"binary":""}}`))].join(
      '\n',
    );
    let message = '';
    try {
      seedTables(store, bad, { source: 'many.jsonl' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'many.jsonl: 12 problems, nothing was written:',
      ...Array.from({ length: 10 }, (_, i) => expect.stringMatching(new RegExp(`^ {2}line ${i + 3}: "n": ${i}\\.5 is a bare number`))),
      '  … and 2 more',
    ]);
    expect(contents(store, 'kinds')).toEqual(before);
  });
});
