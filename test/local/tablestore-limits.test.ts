/**
 * The documented limits the Tablestore emulator enforces, driven through the real `tablestore`
 * SDK over HTTP: primary-key values (1 KB), attribute values (2 MB), GetRange pages (5,000 rows /
 * 4 MB of row data), the request body (5 MB) and the instance's network ACL. Each limit is sent
 * one past it (refused with the service's exact status, code and message, nothing changed) and
 * exactly at it (accepted). Sources are cited next to the constants in local/tablestore/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCursor } from '../../lambda/db/cursor';
import { ObjectStore } from '../../lambda/db/objects';
import { OtsSession } from '../../lambda/shared/ots';
import { CredentialStore, type Principal } from '../../local/credentials';
import {
  DEFAULT_NETWORK_TYPE_ACL,
  MAX_ATTRIBUTE_VALUE_BYTES,
  MAX_PK_VALUE_BYTES,
  MAX_RANGE_BYTES,
  MAX_RANGE_ROWS,
  TablestoreEmulator,
  type TableSpec,
  type TablestoreOptions,
} from '../../local/tablestore';
import { TableStore, call, sdkClient } from '../support/tablestore-sdk';

// The SDK ships no typings; this test talks to it through a deliberately loose surface.

const proto: any = require('tablestore/lib/protocol/tablestore_compiled_proto.js');

const REGION = 'cn-hangzhou';
const ACCOUNT = '1234567890';
const INSTANCE = 'testinst';
const tableArn = (t: string): string => `acs:ots:${REGION}:${ACCOUNT}:instance/${INSTANCE}/table/${t}`;

const TABLES: TableSpec[] = [
  { name: 'keys', primaryKey: [{ name: 'k', type: 'STRING' }], timeToLive: -1 },
  { name: 'bkeys', primaryKey: [{ name: 'k', type: 'BINARY' }], timeToLive: -1 },
  { name: 'items', primaryKey: [{ name: 'id', type: 'INTEGER' }], timeToLive: -1 },
  {
    name: 'objects',
    primaryKey: [
      { name: 'uid', type: 'STRING' },
      { name: 'collection', type: 'STRING' },
      { name: 'id', type: 'STRING' },
    ],
    timeToLive: -1,
  },
  // Exists, but the test principal's policy does not cover it.
  { name: 'secret', primaryKey: [{ name: 'k', type: 'STRING' }], timeToLive: -1 },
];

const principal: Principal = {
  roleArn: `acs:ram::${ACCOUNT}:role/test-fc`,
  sessionName: 'test',
  rolePolicies: [
    {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'ots:*', Resource: ['keys', 'bkeys', 'items', 'objects'].map(tableArn) },
        { Effect: 'Allow', Action: 'ots:ListTable', Resource: `acs:ots:${REGION}:${ACCOUNT}:instance/${INSTANCE}` },
      ],
    },
  ],
};

interface Harness {
  emulator: TablestoreEmulator;
  client(overrides?: Record<string, unknown>): any;
}

async function start(extra: Partial<TablestoreOptions> = {}): Promise<Harness> {
  const store = new CredentialStore(() => Date.now());
  const creds = store.issue(principal, 3600);
  const emulator = new TablestoreEmulator({ instanceName: INSTANCE, tables: TABLES, credentials: store, region: REGION, accountId: ACCOUNT, ...extra });
  const endpoint = await emulator.listen();
  const client = (overrides: Record<string, unknown> = {}): any => sdkClient(endpoint, INSTANCE, creds, overrides);
  return { emulator, client };
}

/**
 * The service error a failing call carries. The SDK hands back the HTTP status as `code` and the
 * raw protobuf `Error` bytes as `message` (plus " requestId:…"); our messages are ASCII, so the
 * bytes survive its UTF-8 round trip and decode exactly.
 */
async function failure(p: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: unknown; message: string };
    const raw = String(err.message).replace(/ requestId:.*$/s, '');
    const decoded = proto.main.proto.Error.decode(Buffer.from(raw, 'utf8'));
    return { status: err.code as number, code: decoded.code, message: decoded.message };
  }
  throw new Error('expected the call to fail');
}

const Long = TableStore.Long;
const ignore = () => new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null);
const attrs = (row: any): Record<string, any> => Object.fromEntries((row.attributes ?? []).map((a: any) => [a.columnName, a.columnValue]));
const range = (c: any, tableName: string, start: unknown, end: unknown, extra: Record<string, unknown> = {}) =>
  call(c, 'getRange', {
    tableName,
    direction: TableStore.Direction.FORWARD,
    inclusiveStartPrimaryKey: start,
    exclusiveEndPrimaryKey: end,
    ...extra,
  });
const allKeys = async (c: any, tableName: string): Promise<unknown[]> =>
  (await range(c, tableName, [{ k: TableStore.INF_MIN }], [{ k: TableStore.INF_MAX }])).rows.map((r: any) => r.primaryKey[0].value);

/** A string of exactly `bytes` UTF-8 bytes with multi-byte characters in it: limits count bytes, not characters. */
const utf8OfBytes = (bytes: number): string => '世'.repeat(Math.floor(bytes / 3)) + 'a'.repeat(bytes % 3);

describe('tablestore emulator limits', () => {
  let h: Harness;
  let c: any;
  beforeEach(async () => {
    h = await start();
    c = h.client();
  });
  afterEach(async () => {
    await h.emulator.close();
  });

  describe('primary-key column value: at most 1 KB', () => {
    const tooLong = (n: number) => ({
      status: 400,
      code: 'OTSParameterInvalid',
      message: `The length of primary key column: 'k' exceeds the MaxLength:1024 with CurrentLength:${n}.`,
    });

    test('one past it: every operation that carries a key is refused whole and changes nothing', async () => {
      expect(MAX_PK_VALUE_BYTES).toBe(1024);
      const long = utf8OfBytes(1025); // 341 three-byte characters and two ASCII: 343 characters, 1025 bytes
      const pk = [{ k: long }];
      const ops: [string, Record<string, unknown>][] = [
        ['putRow', { tableName: 'keys', condition: ignore(), primaryKey: pk, attributeColumns: [{ v: 'x' }] }],
        ['updateRow', { tableName: 'keys', condition: ignore(), primaryKey: pk, updateOfAttributeColumns: [{ PUT: [{ v: 'x' }] }] }],
        ['deleteRow', { tableName: 'keys', condition: ignore(), primaryKey: pk }],
        ['getRow', { tableName: 'keys', primaryKey: pk }],
        [
          'getRange',
          { tableName: 'keys', direction: TableStore.Direction.FORWARD, inclusiveStartPrimaryKey: pk, exclusiveEndPrimaryKey: [{ k: TableStore.INF_MAX }] },
        ],
        [
          'getRange',
          { tableName: 'keys', direction: TableStore.Direction.FORWARD, inclusiveStartPrimaryKey: [{ k: TableStore.INF_MIN }], exclusiveEndPrimaryKey: pk },
        ],
        // A valid row beside the long one: the whole batch fails, the valid row is not written.
        [
          'batchWriteRow',
          {
            tables: [
              {
                tableName: 'keys',
                rows: [
                  { type: 'PUT', condition: ignore(), primaryKey: [{ k: 'fine' }], attributeColumns: [{ v: 'x' }] },
                  { type: 'PUT', condition: ignore(), primaryKey: pk, attributeColumns: [{ v: 'x' }] },
                ],
              },
            ],
          },
        ],
        ['batchGetRow', { tables: [{ tableName: 'keys', primaryKey: [[{ k: 'fine' }], pk] }] }],
      ];
      for (const [method, params] of ops) {
        expect([method, await failure(call(c, method, params))]).toEqual([method, tooLong(1025)]);
      }
      // Binary keys are held to the same 1024 bytes.
      const err = await failure(
        call(c, 'putRow', { tableName: 'bkeys', condition: ignore(), primaryKey: [{ k: Buffer.alloc(1025, 1) }], attributeColumns: [{ v: 'x' }] }),
      );
      expect(err).toEqual(tooLong(1025));
      expect(await allKeys(c, 'keys')).toEqual([]);
      expect(await allKeys(c, 'bkeys')).toEqual([]);
    });

    test('exactly at it: every operation accepts the key', async () => {
      const at = utf8OfBytes(1024);
      const pk = [{ k: at }];
      await call(c, 'putRow', { tableName: 'keys', condition: ignore(), primaryKey: pk, attributeColumns: [{ v: 'put' }] });
      await call(c, 'updateRow', { tableName: 'keys', condition: ignore(), primaryKey: pk, updateOfAttributeColumns: [{ PUT: [{ w: 'updated' }] }] });
      expect(attrs((await call(c, 'getRow', { tableName: 'keys', primaryKey: pk })).row)).toEqual({ v: 'put', w: 'updated' });
      const fromKey = await range(c, 'keys', pk, [{ k: TableStore.INF_MAX }]);
      expect(fromKey.rows.map((r: any) => r.primaryKey[0].value)).toEqual([at]);
      const toKey = await range(c, 'keys', [{ k: TableStore.INF_MIN }], pk);
      expect(toKey.rows).toEqual([]);
      const batchGet = await call(c, 'batchGetRow', { tables: [{ tableName: 'keys', primaryKey: [pk] }] });
      expect(attrs(batchGet.tables[0][0]).v).toBe('put');
      await call(c, 'deleteRow', { tableName: 'keys', condition: ignore(), primaryKey: pk });
      const batchWrite = await call(c, 'batchWriteRow', {
        tables: [{ tableName: 'keys', rows: [{ type: 'PUT', condition: ignore(), primaryKey: pk, attributeColumns: [{ v: 'batched' }] }] }],
      });
      expect(batchWrite.tables[0].isOk).toBe(true);
      expect(await allKeys(c, 'keys')).toEqual([at]);

      const bin = Buffer.alloc(1024, 7);
      await call(c, 'putRow', { tableName: 'bkeys', condition: ignore(), primaryKey: [{ k: bin }], attributeColumns: [{ v: 'x' }] });
      expect(attrs((await call(c, 'getRow', { tableName: 'bkeys', primaryKey: [{ k: bin }] })).row).v).toBe('x');
    });
  });

  describe('attribute column value: at most 2 MB', () => {
    const tooLong = (column: string, n: number) => ({
      status: 400,
      code: 'OTSParameterInvalid',
      message: `The length of attribute column: '${column}' exceeds the MaxLength:2097152 with CurrentLength:${n}.`,
    });

    test('one past it: PutRow, UpdateRow, BatchWriteRow and a filter value are refused, nothing changes', async () => {
      expect(MAX_ATTRIBUTE_VALUE_BYTES).toBe(2_097_152);
      const past = utf8OfBytes(2_097_153);
      const pk = [{ k: 'row' }];
      await call(c, 'putRow', { tableName: 'keys', condition: ignore(), primaryKey: pk, attributeColumns: [{ v: 'before' }] });

      expect(
        await failure(call(c, 'putRow', { tableName: 'keys', condition: ignore(), primaryKey: pk, attributeColumns: [{ small: 'x' }, { v: past }] })),
      ).toEqual(tooLong('v', 2_097_153));
      expect(
        await failure(
          call(c, 'updateRow', {
            tableName: 'keys',
            condition: ignore(),
            primaryKey: pk,
            updateOfAttributeColumns: [{ PUT: [{ v: Buffer.alloc(2_097_153) }] }],
          }),
        ),
      ).toEqual(tooLong('v', 2_097_153));
      const batch = await failure(
        call(c, 'batchWriteRow', {
          tables: [
            {
              tableName: 'keys',
              rows: [
                { type: 'PUT', condition: ignore(), primaryKey: [{ k: 'other' }], attributeColumns: [{ v: 'x' }] },
                { type: 'UPDATE', condition: ignore(), primaryKey: pk, attributeColumns: [{ PUT: [{ big: past }] }] },
              ],
            },
          ],
        }),
      );
      expect(batch).toEqual(tooLong('big', 2_097_153));
      // A column filter compares against a value held to the same limit.
      const filter = new TableStore.SingleColumnCondition('v', past, TableStore.ComparatorType.EQUAL);
      expect(await failure(call(c, 'getRow', { tableName: 'keys', primaryKey: pk, columnFilter: filter }))).toEqual(tooLong('v', 2_097_153));

      expect(await allKeys(c, 'keys')).toEqual(['row']);
      expect(attrs((await call(c, 'getRow', { tableName: 'keys', primaryKey: pk })).row)).toEqual({ v: 'before' });
    });

    test('exactly at it: a 2 MB string and a 2 MB binary are stored and read back whole', async () => {
      const at = utf8OfBytes(2_097_152);
      const bin = Buffer.alloc(2_097_152, 0xab);
      await call(c, 'putRow', { tableName: 'keys', condition: ignore(), primaryKey: [{ k: 's' }], attributeColumns: [{ v: at }] });
      await call(c, 'updateRow', { tableName: 'keys', condition: ignore(), primaryKey: [{ k: 'b' }], updateOfAttributeColumns: [{ PUT: [{ v: bin }] }] });
      const s = attrs((await call(c, 'getRow', { tableName: 'keys', primaryKey: [{ k: 's' }] })).row).v;
      const b = attrs((await call(c, 'getRow', { tableName: 'keys', primaryKey: [{ k: 'b' }] })).row).v;
      expect(s === at).toBe(true); // not toBe: a failure would print 2 MB
      expect(Buffer.compare(b, bin)).toBe(0);
    });
  });

  describe('GetRange: at most 5,000 rows and 4 MB of row data per call', () => {
    /**
     * Row data size as limits.ts counts it: key name + 8 for the Integer key, plus name + bytes + 8
     * for the version of the one binary cell: 'id' (2) + 8 + 'v' (1) + bytes + 8 = bytes + 19.
     */
    const valueFor = (rowBytes: number) => Buffer.alloc(rowBytes - 19, 0x5a);
    const putItems = async (sizes: number[]) => {
      for (const [id, size] of sizes.entries()) {
        await call(c, 'putRow', {
          tableName: 'items',
          condition: ignore(),
          primaryKey: [{ id: Long.fromNumber(id) }],
          attributeColumns: [{ v: valueFor(size) }],
        });
      }
    };
    const bounds = (direction: 'FORWARD' | 'BACKWARD') =>
      direction === 'FORWARD' ? [[{ id: TableStore.INF_MIN }], [{ id: TableStore.INF_MAX }]] : [[{ id: TableStore.INF_MAX }], [{ id: TableStore.INF_MIN }]];
    /** Follows nextStartPrimaryKey to the end: the ids of each page. */
    async function pages(direction: 'FORWARD' | 'BACKWARD' = 'FORWARD', columnsToGet?: string[]): Promise<number[][]> {
      const [first, end] = bounds(direction);
      let start: unknown = first;
      const out: number[][] = [];
      while (start) {
        const res = await call(c, 'getRange', {
          tableName: 'items',
          direction: TableStore.Direction[direction],
          inclusiveStartPrimaryKey: start,
          exclusiveEndPrimaryKey: end,
          ...(columnsToGet ? { columnsToGet } : {}),
        });
        out.push(res.rows.map((r: any) => r.primaryKey[0].value.toNumber()));
        start = res.nextStartPrimaryKey ? res.nextStartPrimaryKey.map((p: any) => ({ [p.name]: p.value })) : null;
        if (out.length > 100) throw new Error('no end of range');
      }
      return out;
    }
    const MB = 1024 * 1024;

    test('exactly 4 MB of rows comes back in one call, with no next key', async () => {
      expect(MAX_RANGE_BYTES).toBe(4 * MB);
      await putItems([MB, MB, MB, MB]);
      const res = await range(c, 'items', [{ id: TableStore.INF_MIN }], [{ id: TableStore.INF_MAX }]);
      expect(res.rows).toHaveLength(4);
      expect(res.rows.every((r: any) => r.attributes[0].columnValue.length === MB - 19)).toBe(true);
      expect(res.nextStartPrimaryKey).toBeNull();
    });

    test('one byte past 4 MB: the page stops before the row that does not fit, the next key resumes at it', async () => {
      await putItems([MB, MB, MB, MB + 1]);
      const res = await range(c, 'items', [{ id: TableStore.INF_MIN }], [{ id: TableStore.INF_MAX }]);
      expect(res.rows.map((r: any) => r.primaryKey[0].value.toNumber())).toEqual([0, 1, 2]);
      expect(res.nextStartPrimaryKey.map((p: any) => [p.name, p.value.toNumber()])).toEqual([['id', 3]]);
      expect(await pages()).toEqual([[0, 1, 2], [3]]);
      // Backward the big row comes first: 3, 2, 1 fit, row 0 would pass 4 MB by one byte.
      expect(await pages('BACKWARD')).toEqual([[3, 2, 1], [0]]);
      // The cap counts what is returned: with only the key asked for, everything fits in one page.
      expect(await pages('FORWARD', ['id'])).toEqual([[0, 1, 2, 3]]);
    });

    test('paging through more than 4 MB returns every row exactly once', async () => {
      await putItems(Array.from({ length: 10 }, (_, i) => MB - 1000 * i)); // ~9.96 MB of rows, sizes varying
      const got = await pages();
      expect(got.map((p) => p.length)).toEqual([4, 4, 2]);
      expect(got.flat()).toEqual(Array.from({ length: 10 }, (_, i) => i));
    });

    test('a single row larger than 4 MB still comes back, alone', async () => {
      // Rows are not size-limited (only their values and each write are): three 2 MB cells, one
      // UpdateRow each, make a 6 MB row.
      const two = Buffer.alloc(2 * MB);
      for (const col of ['a', 'b', 'c']) {
        await call(c, 'updateRow', {
          tableName: 'items',
          condition: ignore(),
          primaryKey: [{ id: Long.fromNumber(0) }],
          updateOfAttributeColumns: [{ PUT: [{ [col]: two }] }],
        });
      }
      await call(c, 'putRow', { tableName: 'items', condition: ignore(), primaryKey: [{ id: Long.fromNumber(1) }], attributeColumns: [{ v: 'small' }] });
      expect(await pages()).toEqual([[0], [1]]);
    });

    test('5,000 rows come back in one call; one more row makes a second page', async () => {
      expect(MAX_RANGE_ROWS).toBe(5000);
      const write = async (from: number, to: number) => {
        for (let id = from; id < to; id += 200) {
          const rows = [];
          for (let i = id; i < Math.min(id + 200, to); i++)
            rows.push({ type: 'PUT', condition: ignore(), primaryKey: [{ id: Long.fromNumber(i) }], attributeColumns: [{ n: 'x' }] });
          const res = await call(c, 'batchWriteRow', { tables: [{ tableName: 'items', rows }] });
          expect(res.tables.every((r: any) => r.isOk)).toBe(true);
        }
      };
      await write(0, 5000);
      let got = await pages();
      expect(got.map((p) => p.length)).toEqual([5000]);
      await write(5000, 5001);
      got = await pages();
      expect(got.map((p) => p.length)).toEqual([5000, 1]);
      expect(got[1]).toEqual([5000]);
    });

    test("the db function's list cursor survives a page cut short by 4 MB: every object once, in order", async () => {
      // 100 objects of ~60 KB: one list(100) page would be ~6 MB, so the service stops at ~4 MB.
      const session = new OtsSession(h.client(), Date.now() + 60_000);
      const store = new ObjectStore(session, 'objects', 'u1', 'notes');
      const body = 'x'.repeat(60 * 1024);
      const ids = Array.from({ length: 100 }, (_, i) => `n${String(i).padStart(3, '0')}`);
      for (const id of ids) await store.put(id, { body });
      const first = await store.list(100);
      expect(first.data.length).toBeGreaterThan(50);
      expect(first.data.length).toBeLessThan(100);
      expect(first.cursor).toEqual(expect.any(String));
      // The handler decodes the client's cursor (request.ts) and lists from the id it holds.
      const second = await store.list(100, decodeCursor(first.cursor as string, 'notes'));
      expect(second.cursor).toBeNull();
      expect([...first.data, ...second.data].map((o) => o.id)).toEqual(ids);
      expect(second.data[0].body).toBe(body);
    });
  });

  describe('request body: at most 5 MB', () => {
    /** Bytes of the protobuf body the SDK sends for these params. */
    const bodySize = (op: string, params: Record<string, unknown>): number => {
      const msg = TableStore.encoder.encode(op, params);
      return Object.getPrototypeOf(msg).constructor.encode(msg).finish().length;
    };
    /** A GetRow whose OR filter carries three long strings (each within the 2 MB value limit), `pad` extra bytes in the last. */
    const bigRead = (pad: number) => {
      const or = new TableStore.CompositeCondition(TableStore.LogicalOperator.OR);
      for (const [i, n] of [1_700_000, 1_700_000, 1_700_000 + pad].entries()) {
        or.addSubCondition(new TableStore.SingleColumnCondition(`f${i}`, 'y'.repeat(n), TableStore.ComparatorType.EQUAL));
      }
      return { tableName: 'keys', primaryKey: [{ k: 'absent' }], columnFilter: or };
    };

    test('one byte past 5 MB → 413 OTSRequestBodyTooLarge; exactly 5 MB is read', async () => {
      const limit = 5 * 1024 * 1024;
      // Aim the padding so the body is exactly the limit (varint lengths do not change in this range).
      const pad = limit - bodySize('getRow', bigRead(0));
      expect(bodySize('getRow', bigRead(pad))).toBe(limit);
      expect((await call(c, 'getRow', bigRead(pad))).row).toEqual({});
      expect(await failure(call(c, 'getRow', bigRead(pad + 1)))).toEqual({
        status: 413,
        code: 'OTSRequestBodyTooLarge',
        message: 'The size of POST data is too large.',
      });
    });
  });
});

describe('network ACL (the emulator is the instance public endpoint)', () => {
  const denied = { status: 403, code: 'OTSAuthFailed', message: 'Request denied by instance ACL policies.' };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ots-acl-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('without INTERNET every call is refused with 403 and changes nothing', async () => {
    expect(DEFAULT_NETWORK_TYPE_ACL).toEqual(['VPC', 'CLASSIC']);
    const dataFile = join(dir, 'ots.json');
    const closed = await start({ networkTypeAcl: [...DEFAULT_NETWORK_TYPE_ACL], dataFile });
    const c = closed.client();
    const pk = [{ k: 'a' }];
    expect(await failure(call(c, 'putRow', { tableName: 'keys', condition: ignore(), primaryKey: pk, attributeColumns: [{ v: 'x' }] }))).toEqual(denied);
    expect(await failure(call(c, 'getRow', { tableName: 'keys', primaryKey: pk }))).toEqual(denied);
    expect(await failure(call(c, 'listTable', {}))).toEqual(denied);
    expect(
      await failure(
        call(c, 'batchWriteRow', {
          tables: [{ tableName: 'keys', rows: [{ type: 'PUT', condition: ignore(), primaryKey: pk, attributeColumns: [{ v: 'x' }] }] }],
        }),
      ),
    ).toEqual(denied);
    // The ACL is checked after the signature and before RAM: a bad signature is still "Signature mismatch.",
    // a table outside the caller's policy is still the ACL refusal.
    expect(await failure(call(closed.client({ secretAccessKey: 'wrong' }), 'getRow', { tableName: 'keys', primaryKey: pk }))).toEqual({
      status: 403,
      code: 'OTSAuthFailed',
      message: 'Signature mismatch.',
    });
    expect(await failure(call(c, 'getRow', { tableName: 'secret', primaryKey: pk }))).toEqual(denied);
    await closed.emulator.close();

    // The same data opened with Internet access: the refused PutRow wrote nothing.
    const open = await start({ networkTypeAcl: ['VPC', 'INTERNET'], dataFile });
    expect(await allKeys(open.client(), 'keys')).toEqual([]);
    await open.emulator.close();
  });

  test('with INTERNET (or no ACL given) calls work', async () => {
    for (const networkTypeAcl of [['INTERNET'], ['VPC', 'CLASSIC', 'INTERNET'], undefined]) {
      const h = await start({ networkTypeAcl });
      const c = h.client();
      await call(c, 'putRow', { tableName: 'keys', condition: ignore(), primaryKey: [{ k: 'a' }], attributeColumns: [{ v: 'x' }] });
      expect(attrs((await call(c, 'getRow', { tableName: 'keys', primaryKey: [{ k: 'a' }] })).row)).toEqual({ v: 'x' });
      await h.emulator.close();
    }
  });
});
