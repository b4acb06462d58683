/**
 * The Tablestore emulator driven by the real `tablestore` SDK over HTTP on 127.0.0.1.
 * Errors reach the caller the way the SDK mangles them (numeric HTTP status as `code`, the raw
 * protobuf Error bytes as `message`), so assertions match on code + message substrings.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialStore, type IssuedCredentials, type Principal } from '../../local/credentials';
import { TablestoreEmulator, type TableSpec, type TablestoreOptions } from '../../local/tablestore';
import { TableStore, call, failure, sdkClient } from '../support/tablestore-sdk';

const REGION = 'cn-hangzhou';
const ACCOUNT = '1234567890';
const INSTANCE = 'testinst';
const tableArn = (t: string): string => `acs:ots:${REGION}:${ACCOUNT}:instance/${INSTANCE}/table/${t}`;

const TABLES: TableSpec[] = [
  {
    name: 'todo',
    primaryKey: [
      { name: 'uid', type: 'STRING' },
      { name: 'id', type: 'INTEGER' },
    ],
    timeToLive: -1,
  },
  { name: 'events', primaryKey: [{ name: 'id', type: 'STRING' }], timeToLive: 60, maxVersions: 3 },
  { name: 'blobs', primaryKey: [{ name: 'k', type: 'BINARY' }], timeToLive: -1 },
  // Exists, but the test principal's policy does not cover it.
  { name: 'secret', primaryKey: [{ name: 'id', type: 'STRING' }], timeToLive: -1 },
];

const principal: Principal = {
  roleArn: `acs:ram::${ACCOUNT}:role/test-fc`,
  sessionName: 'test',
  rolePolicies: [
    {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'ots:*', Resource: [tableArn('todo'), tableArn('events'), tableArn('blobs')] },
        { Effect: 'Allow', Action: 'ots:ListTable', Resource: `acs:ots:${REGION}:${ACCOUNT}:instance/${INSTANCE}` },
      ],
    },
  ],
};

type Clock = { t: number };

interface Harness {
  emulator: TablestoreEmulator;
  endpoint: string;
  creds: IssuedCredentials;
  store: CredentialStore;
  credClock: Clock;
  ttlClock: Clock;
  logs: Record<string, unknown>[];
  client(overrides?: Record<string, unknown>): any;
}

async function start(extra: Partial<TablestoreOptions> = {}): Promise<Harness> {
  const credClock = { t: Date.now() };
  const ttlClock = { t: Date.now() };
  const store = new CredentialStore(() => credClock.t);
  const creds = store.issue(principal, 3600);
  const logs: Record<string, unknown>[] = [];
  const emulator = new TablestoreEmulator({
    instanceName: INSTANCE,
    tables: TABLES,
    credentials: store,
    region: REGION,
    accountId: ACCOUNT,
    now: () => ttlClock.t,
    log: (l) => logs.push(l),
    ...extra,
  });
  const endpoint = await emulator.listen();
  const client = (overrides: Record<string, unknown> = {}): any => sdkClient(endpoint, INSTANCE, creds, overrides);
  return { emulator, endpoint, creds, store, credClock, ttlClock, logs, client };
}

const Long = TableStore.Long;
const attrs = (row: any): Record<string, any> => Object.fromEntries((row.attributes ?? []).map((a: any) => [a.columnName, a.columnValue]));
const str = (v: any): string => (typeof v === 'object' && v !== null && !Buffer.isBuffer(v) ? v.toString(10) : String(v));

describe('tablestore emulator with the real SDK', () => {
  let h: Harness;
  let c: any;
  beforeEach(async () => {
    h = await start();
    c = h.client();
  });
  afterEach(async () => {
    await h.emulator.close();
  });

  test('put/get round-trips every type, Int64 beyond 2^53 exactly', async () => {
    const big = '9007199254740993'; // 2^53 + 1: not representable as a double
    const neg = '-9223372036854775808';
    await call(c, 'putRow', {
      tableName: 'todo',
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ uid: 'u1' }, { id: Long.fromString(big) }],
      attributeColumns: [{ s: 'héllo 世界' }, { i: Long.fromString(neg) }, { d: 3.25 }, { b: true }, { f: false }, { x: Buffer.from([0, 1, 2, 255]) }],
    });
    const got = await call(c, 'getRow', { tableName: 'todo', primaryKey: [{ uid: 'u1' }, { id: Long.fromString(big) }] });
    expect(got.row.primaryKey.map((p: any) => [p.name, str(p.value)])).toEqual([
      ['uid', 'u1'],
      ['id', big],
    ]);
    const a = attrs(got.row);
    expect(a.s).toBe('héllo 世界');
    expect(str(a.i)).toBe(neg);
    expect(a.d).toBe(3.25);
    expect(a.b).toBe(true);
    expect(a.f).toBe(false);
    expect(Buffer.compare(a.x, Buffer.from([0, 1, 2, 255]))).toBe(0);
    expect(typeof got.row.attributes[0].timestamp.toNumber()).toBe('number');
    expect(got.consumed.capacityUnit.read).toBe(1);

    // Binary primary keys too.
    await call(c, 'putRow', {
      tableName: 'blobs',
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ k: Buffer.from([9, 8, 7]) }],
      attributeColumns: [{ v: 'x' }],
    });
    const blob = await call(c, 'getRow', { tableName: 'blobs', primaryKey: [{ k: Buffer.from([9, 8, 7]) }] });
    expect(attrs(blob.row).v).toBe('x');

    // A missing row comes back as an empty row object.
    const missing = await call(c, 'getRow', { tableName: 'todo', primaryKey: [{ uid: 'nobody' }, { id: Long.fromNumber(1) }] });
    expect(missing.row).toEqual({});
  });

  test('PutRow replaces the whole row', async () => {
    const pk = [{ uid: 'r' }, { id: Long.fromNumber(1) }];
    const cond = new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null);
    await call(c, 'putRow', { tableName: 'todo', condition: cond, primaryKey: pk, attributeColumns: [{ a: '1' }, { b: '2' }] });
    await call(c, 'putRow', { tableName: 'todo', condition: cond, primaryKey: pk, attributeColumns: [{ c: '3' }] });
    const got = await call(c, 'getRow', { tableName: 'todo', primaryKey: pk });
    expect(attrs(got.row)).toEqual({ c: '3' });
  });

  test('EXPECT_NOT_EXIST on an existing row fails with 403 OTSConditionCheckFail and changes nothing', async () => {
    const pk = [{ uid: 'u' }, { id: Long.fromNumber(7) }];
    const put = (v: string) =>
      call(c, 'putRow', {
        tableName: 'todo',
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null),
        primaryKey: pk,
        attributeColumns: [{ v }],
      });
    await put('first');
    const err = await failure(put('second'));
    expect(err.code).toBe(403);
    expect(err.message).toContain('OTSConditionCheckFail');
    expect(err.message).toContain('Condition check failed.');
    const got = await call(c, 'getRow', { tableName: 'todo', primaryKey: pk });
    expect(attrs(got.row).v).toBe('first');

    // EXPECT_EXIST on a missing row fails the same way.
    const err2 = await failure(
      call(c, 'updateRow', {
        tableName: 'todo',
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_EXIST, null),
        primaryKey: [{ uid: 'u' }, { id: Long.fromNumber(8) }],
        updateOfAttributeColumns: [{ PUT: [{ v: 'x' }] }],
      }),
    );
    expect(err2.code).toBe(403);
    expect(err2.message).toContain('OTSConditionCheckFail');
  });

  test('column conditions on UpdateRow: single, composite, pass_if_missing', async () => {
    const pk = [{ uid: 'cc' }, { id: Long.fromNumber(1) }];
    await call(c, 'putRow', {
      tableName: 'todo',
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: pk,
      attributeColumns: [{ version: Long.fromNumber(1) }, { state: 'open' }],
    });
    const update = (columnCondition: unknown, version: number) =>
      call(c, 'updateRow', {
        tableName: 'todo',
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_EXIST, columnCondition),
        primaryKey: pk,
        updateOfAttributeColumns: [{ PUT: [{ version: Long.fromNumber(version) }] }],
      });
    const eq = (v: number) => new TableStore.SingleColumnCondition('version', Long.fromNumber(v), TableStore.ComparatorType.EQUAL);

    await update(eq(1), 2); // optimistic lock passes
    const stale = await failure(update(eq(1), 3)); // same expectation again: version is 2 now
    expect(stale.code).toBe(403);
    expect(stale.message).toContain('OTSConditionCheckFail');

    const gt = new TableStore.SingleColumnCondition('version', Long.fromNumber(1), TableStore.ComparatorType.GREATER_THAN);
    const stateOpen = new TableStore.SingleColumnCondition('state', 'open', TableStore.ComparatorType.EQUAL);
    const and = new TableStore.CompositeCondition(TableStore.LogicalOperator.AND);
    and.addSubCondition(gt);
    and.addSubCondition(stateOpen);
    await update(and, 3);

    const not = new TableStore.CompositeCondition(TableStore.LogicalOperator.NOT);
    not.addSubCondition(stateOpen);
    expect((await failure(update(not, 4))).message).toContain('OTSConditionCheckFail');

    const or = new TableStore.CompositeCondition(TableStore.LogicalOperator.OR);
    or.addSubCondition(eq(99));
    or.addSubCondition(new TableStore.SingleColumnCondition('state', 'closed', TableStore.ComparatorType.NOT_EQUAL));
    await update(or, 5);

    // Missing column: passes by default, fails with passIfMissing=false.
    await update(new TableStore.SingleColumnCondition('nope', 'x', TableStore.ComparatorType.EQUAL), 6);
    const strict = new TableStore.SingleColumnCondition('nope', 'x', TableStore.ComparatorType.EQUAL, false);
    expect((await failure(update(strict, 7))).message).toContain('OTSConditionCheckFail');

    const got = await call(c, 'getRow', { tableName: 'todo', primaryKey: pk });
    expect(str(attrs(got.row).version)).toBe('6');
  });

  test('UpdateRow PUT, DELETE (one version) and DELETE_ALL; max versions kept', async () => {
    const pk = [{ id: 'v' }];
    const ignore = new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null);
    const now = h.ttlClock.t;
    await call(c, 'updateRow', {
      tableName: 'events',
      condition: ignore,
      primaryKey: pk,
      updateOfAttributeColumns: [{ PUT: [{ a: 'a1', timestamp: now - 3000 }, { b: 'keep' }, { c: 'gone' }] }],
    });
    await call(c, 'updateRow', {
      tableName: 'events',
      condition: ignore,
      primaryKey: pk,
      updateOfAttributeColumns: [{ PUT: [{ a: 'a2', timestamp: now - 2000 }] }],
    });
    await call(c, 'updateRow', {
      tableName: 'events',
      condition: ignore,
      primaryKey: pk,
      updateOfAttributeColumns: [{ PUT: [{ a: 'a3', timestamp: now - 1000 }] }],
    });
    await call(c, 'updateRow', { tableName: 'events', condition: ignore, primaryKey: pk, updateOfAttributeColumns: [{ PUT: [{ a: 'a4', timestamp: now }] }] });

    // maxVersions 3: the oldest version is gone.
    let got = await call(c, 'getRow', { tableName: 'events', primaryKey: pk, maxVersions: 10, columnsToGet: ['a'] });
    expect(got.row.attributes.map((x: any) => x.columnValue)).toEqual(['a4', 'a3', 'a2']);

    await call(c, 'updateRow', {
      tableName: 'events',
      condition: ignore,
      primaryKey: pk,
      updateOfAttributeColumns: [{ DELETE: [{ a: Long.fromNumber(now - 1000) }] }, { DELETE_ALL: ['c'] }],
    });
    got = await call(c, 'getRow', { tableName: 'events', primaryKey: pk, maxVersions: 10 });
    expect(got.row.attributes.map((x: any) => [x.columnName, x.columnValue])).toEqual([
      ['a', 'a4'],
      ['a', 'a2'],
      ['b', 'keep'],
    ]);
    // Default read: latest version only.
    got = await call(c, 'getRow', { tableName: 'events', primaryKey: pk });
    expect(attrs(got.row)).toEqual({ a: 'a4', b: 'keep' });
  });

  test('DeleteRow removes the row; with EXPECT_EXIST on a missing row it fails', async () => {
    const pk = [{ uid: 'd' }, { id: Long.fromNumber(1) }];
    await call(c, 'putRow', {
      tableName: 'todo',
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: pk,
      attributeColumns: [{ v: 1.5 }],
    });
    const del = () =>
      call(c, 'deleteRow', {
        tableName: 'todo',
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_EXIST, null),
        primaryKey: pk,
      });
    const res = await del();
    expect(res.consumed.capacityUnit.write).toBe(1);
    expect((await call(c, 'getRow', { tableName: 'todo', primaryKey: pk })).row).toEqual({});
    expect((await failure(del())).message).toContain('OTSConditionCheckFail');
  });

  describe('GetRange', () => {
    const ids = Array.from({ length: 25 }, (_, i) => i * 3 - 20); // negative and positive ids: numeric order matters
    beforeEach(async () => {
      const rows = [...ids.map((id) => ({ uid: 'u1', id })), { uid: 'u0', id: 5 }, { uid: 'u2', id: -100 }];
      // Written in shuffled order; the table keeps them sorted.
      for (const r of rows.sort(() => Math.random() - 0.5)) {
        await call(c, 'putRow', {
          tableName: 'todo',
          condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
          primaryKey: [{ uid: r.uid }, { id: Long.fromNumber(r.id) }],
          attributeColumns: [{ n: Long.fromNumber(r.id) }, { extra: 'x' }],
        });
      }
    });

    async function pages(direction: 'FORWARD' | 'BACKWARD', limit: number): Promise<{ ids: number[]; pageSizes: number[] }> {
      const [lo, hi] = [TableStore.INF_MIN, TableStore.INF_MAX];
      let start: unknown = [{ uid: 'u1' }, { id: direction === 'FORWARD' ? lo : hi }];
      const end = [{ uid: 'u1' }, { id: direction === 'FORWARD' ? hi : lo }];
      const seen: number[] = [];
      const pageSizes: number[] = [];
      for (let guard = 0; guard < 10 && start; guard++) {
        const res = await call(c, 'getRange', {
          tableName: 'todo',
          direction: TableStore.Direction[direction],
          inclusiveStartPrimaryKey: start,
          exclusiveEndPrimaryKey: end,
          limit,
          columnsToGet: ['n'],
        });
        pageSizes.push(res.rows.length);
        for (const r of res.rows) {
          expect(r.primaryKey[0].value).toBe('u1');
          expect(r.attributes.map((a: any) => a.columnName)).toEqual(['n']);
          seen.push(r.primaryKey[1].value.toNumber());
        }
        start = res.nextStartPrimaryKey ? res.nextStartPrimaryKey.map((p: any) => ({ [p.name]: p.value })) : null;
      }
      return { ids: seen, pageSizes };
    }

    test('forward pages through a PK prefix with limit and nextStartPrimaryKey', async () => {
      const { ids: got, pageSizes } = await pages('FORWARD', 10);
      expect(pageSizes).toEqual([10, 10, 5]);
      expect(got).toEqual([...ids].sort((a, b) => a - b));
    });

    test('backward pages in descending order', async () => {
      const { ids: got, pageSizes } = await pages('BACKWARD', 10);
      expect(pageSizes).toEqual([10, 10, 5]);
      expect(got).toEqual([...ids].sort((a, b) => b - a));
    });

    test('exact start is inclusive, end exclusive; the last full page has no continuation', async () => {
      const res = await call(c, 'getRange', {
        tableName: 'todo',
        direction: TableStore.Direction.FORWARD,
        inclusiveStartPrimaryKey: [{ uid: 'u1' }, { id: Long.fromNumber(-20) }],
        exclusiveEndPrimaryKey: [{ uid: 'u1' }, { id: Long.fromNumber(-11) }],
        limit: 3,
      });
      expect(res.rows.map((r: any) => r.primaryKey[1].value.toNumber())).toEqual([-20, -17, -14]);
      expect(res.nextStartPrimaryKey).toBeNull();
    });

    test('whole table from INF_MIN to INF_MAX crosses prefixes', async () => {
      const res = await call(c, 'getRange', {
        tableName: 'todo',
        direction: TableStore.Direction.FORWARD,
        inclusiveStartPrimaryKey: [{ uid: TableStore.INF_MIN }, { id: TableStore.INF_MIN }],
        exclusiveEndPrimaryKey: [{ uid: TableStore.INF_MAX }, { id: TableStore.INF_MAX }],
      });
      expect(res.rows).toHaveLength(27);
      expect(res.rows[0].primaryKey[0].value).toBe('u0');
      expect(res.rows[26].primaryKey[0].value).toBe('u2');
    });
  });

  test('BatchWriteRow with per-row results and errors, then BatchGetRow', async () => {
    const ignore = new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null);
    const notExist = new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null);
    await call(c, 'putRow', { tableName: 'events', condition: ignore, primaryKey: [{ id: 'taken' }], attributeColumns: [{ v: 'old' }] });
    await call(c, 'putRow', { tableName: 'events', condition: ignore, primaryKey: [{ id: 'doomed' }], attributeColumns: [{ v: 'x' }] });

    const res = await call(c, 'batchWriteRow', {
      tables: [
        {
          tableName: 'todo',
          rows: [
            { type: 'PUT', condition: ignore, primaryKey: [{ uid: 'b' }, { id: Long.fromNumber(1) }], attributeColumns: [{ v: 'one' }] },
            { type: 'UPDATE', condition: ignore, primaryKey: [{ uid: 'b' }, { id: Long.fromNumber(2) }], attributeColumns: [{ PUT: [{ v: 'two' }] }] },
          ],
        },
        {
          tableName: 'events',
          rows: [
            { type: 'PUT', condition: notExist, primaryKey: [{ id: 'taken' }], attributeColumns: [{ v: 'new' }] },
            { type: 'DELETE', condition: ignore, primaryKey: [{ id: 'doomed' }] },
            { type: 'PUT', condition: ignore, primaryKey: [{ id: Long.fromNumber(1) }], attributeColumns: [{ v: 'bad pk type' }] },
          ],
        },
      ],
    });
    expect(res.tables.map((r: any) => [r.tableName, r.isOk, r.errorCode])).toEqual([
      ['todo', true, null],
      ['todo', true, null],
      ['events', false, 'OTSConditionCheckFail'],
      ['events', true, null],
      ['events', false, 'OTSInvalidPK'],
    ]);
    expect(res.tables[2].errorMessage).toBe('Condition check failed.');
    expect(res.tables[4].errorMessage).toBe('Validate PK type fail. Input: VT_INTEGER, Meta: VT_STRING.');

    const got = await call(c, 'batchGetRow', {
      tables: [
        {
          tableName: 'todo',
          primaryKey: [
            [{ uid: 'b' }, { id: Long.fromNumber(1) }],
            [{ uid: 'b' }, { id: Long.fromNumber(2) }],
            [{ uid: 'b' }, { id: Long.fromNumber(3) }],
          ],
        },
        { tableName: 'events', primaryKey: [[{ id: 'taken' }], [{ id: 'doomed' }], [{ id: 'a' }, { id: 'b' }]] },
      ],
    });
    const todo = got.tables[0];
    const events = got.tables[1];
    expect(todo.map((r: any) => r.isOk)).toEqual([true, true, true]);
    expect(attrs(todo[0]).v).toBe('one');
    expect(attrs(todo[1]).v).toBe('two');
    expect(todo[2].primaryKey).toBeNull(); // missing row
    expect(attrs(events[0]).v).toBe('old'); // the failed conditional put did not apply
    expect(events[1].primaryKey).toBeNull(); // deleted
    expect([events[2].isOk, events[2].errorCode]).toEqual([false, 'OTSInvalidPK']);
  });

  test('TTL: cells older than now - timeToLive are invisible and the row disappears', async () => {
    const ignore = new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null);
    await call(c, 'putRow', { tableName: 'events', condition: ignore, primaryKey: [{ id: 'old' }], attributeColumns: [{ v: 'o' }] });
    h.ttlClock.t += 30_000;
    await call(c, 'putRow', { tableName: 'events', condition: ignore, primaryKey: [{ id: 'young' }], attributeColumns: [{ v: 'y' }] });
    await call(c, 'updateRow', { tableName: 'events', condition: ignore, primaryKey: [{ id: 'old' }], updateOfAttributeColumns: [{ PUT: [{ w: 'later' }] }] });
    h.ttlClock.t += 31_000; // 'old'.v is 61 s old, the rest 31 s

    let got = await call(c, 'getRow', { tableName: 'events', primaryKey: [{ id: 'old' }] });
    expect(attrs(got.row)).toEqual({ w: 'later' });
    h.ttlClock.t += 30_000;
    got = await call(c, 'getRow', { tableName: 'events', primaryKey: [{ id: 'old' }] });
    expect(got.row).toEqual({});
    // An expired row counts as absent for conditions too.
    await call(c, 'putRow', {
      tableName: 'events',
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null),
      primaryKey: [{ id: 'young' }],
      attributeColumns: [{ v: 'reborn' }],
    });
    const range = await call(c, 'getRange', {
      tableName: 'events',
      direction: TableStore.Direction.FORWARD,
      inclusiveStartPrimaryKey: [{ id: TableStore.INF_MIN }],
      exclusiveEndPrimaryKey: [{ id: TableStore.INF_MAX }],
    });
    expect(range.rows.map((r: any) => [r.primaryKey[0].value, attrs(r).v])).toEqual([['young', 'reborn']]);
  });

  test('ListTable and DescribeTable', async () => {
    const list = await call(c, 'listTable', {});
    expect(list.tableNames).toEqual(['todo', 'events', 'blobs', 'secret']);
    const d = await call(c, 'describeTable', { tableName: 'events' });
    expect(d.tableMeta.tableName).toBe('events');
    expect(d.tableMeta.primaryKey).toEqual([expect.objectContaining({ name: 'id', type: 2 })]);
    expect(d.tableOptions.timeToLive).toBe(60);
    expect(d.tableOptions.maxVersions).toBe(3);
  });

  test('service errors: missing table, PK schema mismatch, unsupported operation', async () => {
    const e1 = await failure(call(c, 'getRow', { tableName: 'nope', primaryKey: [{ id: 'x' }] }));
    // 'nope' is outside the policy, so RAM denies before existence is checked, as the service does.
    expect(e1.code).toBe(403);
    expect(e1.message).toContain('OTSNoPermissionAccess');

    const e2 = await failure(call(c, 'getRow', { tableName: 'todo', primaryKey: [{ uid: 'x' }] }));
    expect(e2.code).toBe(400);
    expect(e2.message).toContain('OTSInvalidPK');
    expect(e2.message).toContain('Validate PK size fail. Input: 1, Meta: 2.');

    const e3 = await failure(call(c, 'getRow', { tableName: 'todo', primaryKey: [{ uid: 'x' }, { id: 'not-an-int' }] }));
    expect(e3.message).toContain('Validate PK type fail. Input: VT_STRING, Meta: VT_INTEGER.');

    const e4 = await failure(call(c, 'deleteTable', { tableName: 'todo' }));
    expect(e4.code).toBe(400);
    expect(e4.message).toContain("Unsupported operation: 'DeleteTable'.");
  });

  test('a table missing from the spec but allowed by policy is OTSObjectNotExist 404', async () => {
    await h.emulator.close();
    h = await start({ tables: TABLES.filter((t) => t.name !== 'blobs') });
    const err = await failure(call(h.client(), 'getRow', { tableName: 'blobs', primaryKey: [{ k: Buffer.from('a') }] }));
    expect(err.code).toBe(404);
    expect(err.message).toContain('OTSObjectNotExist');
    expect(err.message).toContain('Requested table does not exist.');
  });

  describe('authentication and authorization', () => {
    const get = (client: any, tableName = 'todo') => call(client, 'getRow', { tableName, primaryKey: [{ uid: 'a' }, { id: Long.fromNumber(1) }] });

    test('wrong secret → 403 OTSAuthFailed Signature mismatch', async () => {
      const err = await failure(get(h.client({ secretAccessKey: 'wrong' })));
      expect(err.code).toBe(403);
      expect(err.message).toContain('OTSAuthFailed');
      expect(err.message).toContain('Signature mismatch.');
    });

    test('unknown key, wrong token, expired credentials → 403 OTSAuthFailed', async () => {
      const unknown = await failure(get(h.client({ accessKeyId: 'STS.nope' })));
      expect(unknown.code).toBe(403);
      expect(unknown.message).toContain('The AccessKeyID does not exist.');

      const badToken = await failure(get(h.client({ stsToken: 'CAISforged' })));
      expect(badToken.message).toContain('OTSAuthFailed');

      await get(c); // still valid
      h.credClock.t += 3601_000;
      const expired = await failure(get(c));
      expect(expired.code).toBe(403);
      expect(expired.message).toContain('OTSAuthFailed');
      expect(expired.message).toContain('expired');
    });

    test('wrong instance name → 403 OTSAuthFailed', async () => {
      const err = await failure(get(h.client({ instancename: 'otherinst' })));
      expect(err.code).toBe(403);
      expect(err.message).toContain('The instance is not found.');
    });

    test('policy without the table → 403 OTSNoPermissionAccess, also inside a batch', async () => {
      const err = await failure(get(c, 'secret'));
      expect(err.code).toBe(403);
      expect(err.message).toContain('OTSNoPermissionAccess');

      const batch = await failure(
        call(c, 'batchGetRow', {
          tables: [
            { tableName: 'todo', primaryKey: [[{ uid: 'a' }, { id: Long.fromNumber(1) }]] },
            { tableName: 'secret', primaryKey: [[{ id: 'x' }]] },
          ],
        }),
      );
      expect(batch.message).toContain('OTSNoPermissionAccess');

      // A session policy narrows the role's policies: read-only on todo.
      const narrowed = h.store.issue(
        { ...principal, sessionPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'ots:GetRow', Resource: tableArn('todo') }] } },
        900,
      );
      const ro = h.client({ accessKeyId: narrowed.accessKeyId, secretAccessKey: narrowed.accessKeySecret, stsToken: narrowed.securityToken });
      await get(ro);
      const write = await failure(
        call(ro, 'putRow', {
          tableName: 'todo',
          condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
          primaryKey: [{ uid: 'a' }, { id: Long.fromNumber(1) }],
          attributeColumns: [{ v: 1.0 }],
        }),
      );
      expect(write.message).toContain('OTSNoPermissionAccess');
    });
  });

  describe('fault hook, counters and log', () => {
    test('an injected fault is answered with its status and code', async () => {
      await h.emulator.close();
      let fail = true;
      h = await start({ fault: (op) => (op === 'PutRow' && fail ? { status: 503, code: 'OTSServerBusy', message: 'Server is busy.' } : undefined) });
      c = h.client();
      const put = () =>
        call(c, 'putRow', {
          tableName: 'todo',
          condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
          primaryKey: [{ uid: 'f' }, { id: Long.fromNumber(1) }],
          attributeColumns: [{ v: 'x' }],
        });
      const err = await failure(put());
      expect(err.code).toBe(503);
      expect(err.message).toContain('OTSServerBusy');
      expect((await call(c, 'getRow', { tableName: 'todo', primaryKey: [{ uid: 'f' }, { id: Long.fromNumber(1) }] })).row).toEqual({});
      fail = false;
      await put();
      expect(h.logs.filter((l) => l.op === 'PutRow').map((l) => [l.status, l.code])).toEqual([
        [503, 'OTSServerBusy'],
        [200, undefined],
      ]);
    });

    test('delay and reset decisions', async () => {
      await h.emulator.close();
      let decision: { delayMs: number } | { reset: true } | undefined = { delayMs: 150 };
      h = await start({ fault: () => decision });
      c = h.client();
      const t0 = Date.now();
      await call(c, 'listTable', {});
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
      decision = { reset: true };
      const err = await failure(call(c, 'listTable', {}));
      expect(String(err.code)).toMatch(/ECONNRESET|NetworkingError|socket hang up/);
    });

    test('a reset happens before the write, a lost answer after it', async () => {
      await h.emulator.close();
      let decision: { reset: true } | { lostAnswer: true } | undefined = { reset: true };
      h = await start({ fault: (op) => (op === 'PutRow' ? decision : undefined) });
      c = h.client();
      const put = (v: string) =>
        call(c, 'putRow', {
          tableName: 'todo',
          condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
          primaryKey: [{ uid: 'lost' }, { id: Long.fromNumber(1) }],
          attributeColumns: [{ v }],
        });
      const read = async () => (await call(c, 'getRow', { tableName: 'todo', primaryKey: [{ uid: 'lost' }, { id: Long.fromNumber(1) }] })).row;
      await failure(put('reset'));
      expect(await read()).toEqual({});
      decision = { lostAnswer: true };
      const err = await failure(put('lost'));
      expect(String(err.code)).toMatch(/ECONNRESET|NetworkingError|socket hang up/);
      expect((await read()).attributes[0]).toMatchObject({ columnName: 'v', columnValue: 'lost' });
    });

    test('counters count requests per operation and reset; log is called once per request', async () => {
      const pk = [{ uid: 'n' }, { id: Long.fromNumber(1) }];
      h.emulator.resetCounters();
      h.logs.length = 0;
      await call(c, 'getRow', { tableName: 'todo', primaryKey: pk });
      await call(c, 'getRow', { tableName: 'todo', primaryKey: pk });
      await call(c, 'putRow', {
        tableName: 'todo',
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
        primaryKey: pk,
        attributeColumns: [{ v: 'x' }],
      });
      await failure(call(c, 'getRow', { tableName: 'secret', primaryKey: [{ id: 'x' }] }));
      expect(h.emulator.counters).toEqual({ GetRow: 3, PutRow: 1 });
      expect(h.logs).toHaveLength(4);
      expect(h.logs[0]).toEqual({ service: 'tablestore', op: 'GetRow', status: 200, ms: expect.any(Number) });
      expect(h.logs[3]).toMatchObject({ op: 'GetRow', status: 403, code: 'OTSNoPermissionAccess' });
      h.emulator.resetCounters();
      expect(h.emulator.counters).toEqual({});
    });
  });
});

describe('persistence', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ots-emu-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('rows, Int64 and binary survive close and a new instance on the same file', async () => {
    const dataFile = join(dir, 'nested', 'tablestore.json');
    const a = await start({ dataFile });
    const ca = a.client();
    await call(ca, 'putRow', {
      tableName: 'todo',
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ uid: 'p' }, { id: Long.fromString('9223372036854775807') }],
      attributeColumns: [{ big: Long.fromString('-9007199254740993') }, { bin: Buffer.from([0xde, 0xad, 0xbe, 0xef]) }, { d: 0.1 }, { t: true }],
    });
    // (That it is on disk before the answer, through SIGKILL, is test/local/tablestore-journal.test.ts.)
    expect(statSync(dataFile).size).toBeGreaterThan(0);
    await a.emulator.close();
    const b = await start({ dataFile });
    const got = await call(b.client(), 'getRow', { tableName: 'todo', primaryKey: [{ uid: 'p' }, { id: Long.fromString('9223372036854775807') }] });
    await b.emulator.close();
    const v = attrs(got.row);
    expect(str(v.big)).toBe('-9007199254740993');
    expect(Buffer.compare(v.bin, Buffer.from([0xde, 0xad, 0xbe, 0xef]))).toBe(0);
    expect(v.d).toBe(0.1);
    expect(v.t).toBe(true);
  });

  test('a file whose table key differs from the spec is refused', async () => {
    const dataFile = join(dir, 't.json');
    const a = await start({ dataFile });
    await call(a.client(), 'putRow', {
      tableName: 'events',
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ id: 'x' }],
      attributeColumns: [{ v: 'x' }],
    });
    await a.emulator.close();
    const changed = TABLES.map((t) => (t.name === 'events' ? { ...t, primaryKey: [{ name: 'id', type: 'INTEGER' as const }] } : t));
    await expect(start({ dataFile, tables: changed })).rejects.toThrow(/primary key/);
  });
});
