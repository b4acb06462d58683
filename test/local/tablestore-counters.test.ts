/**
 * Atomic counters (UpdateRow INCREMENT) and return content, driven by the real SDK against the
 * emulator. Each rule's source is in local/tablestore/counters.ts: the counter usage notes, the
 * ReturnType reference, and the Java SDK's function test against the service (IncrementRequest.java).
 */
import { CredentialStore, type Principal } from '../../local/credentials';
import { TablestoreEmulator } from '../../local/tablestore';
import { TableStore, call, failure, sdkClient } from '../support/tablestore-sdk';

const REGION = 'cn-hangzhou';
const ACCOUNT = '1234567890';
const INSTANCE = 'testinst';

const principal: Principal = {
  roleArn: `acs:ram::${ACCOUNT}:role/test-fc`,
  sessionName: 'test',
  rolePolicies: [{ Version: '1', Statement: [{ Effect: 'Allow', Action: 'ots:*', Resource: `acs:ots:${REGION}:${ACCOUNT}:instance/${INSTANCE}/table/*` }] }],
};

const Long = TableStore.Long;
const { IGNORE, EXPECT_EXIST } = TableStore.RowExistenceExpectation;
const AFTER_MODIFY = TableStore.ReturnType.AfterModify;
const INT64_MAX = '9223372036854775807';

/** Attribute columns of a row, Int64 (the SDK's Int64 objects) as decimal strings. */
const plain = (v: unknown): unknown =>
  typeof v === 'object' && v !== null && !Buffer.isBuffer(v) ? (v as { toString(radix: number): string }).toString(10) : v;
const attrs = (row: any): Record<string, unknown> => Object.fromEntries((row.attributes ?? []).map((a: any) => [a.columnName, plain(a.columnValue)]));

describe('atomic counters and return content', () => {
  let emulator: TablestoreEmulator;
  let c: any;
  beforeEach(async () => {
    const credentials = new CredentialStore(() => Date.now());
    emulator = new TablestoreEmulator({
      instanceName: INSTANCE,
      tables: [{ name: 'counters', primaryKey: [{ name: 'id', type: 'STRING' }], timeToLive: -1 }],
      credentials,
      region: REGION,
      accountId: ACCOUNT,
    });
    c = sdkClient(await emulator.listen(), INSTANCE, credentials.issue(principal, 3600));
  });
  afterEach(() => emulator.close());

  const pk = (id: string) => [{ id }];
  const put = (id: string, columns: Record<string, unknown>[]) =>
    call(c, 'putRow', { tableName: 'counters', condition: new TableStore.Condition(IGNORE, null), primaryKey: pk(id), attributeColumns: columns });
  const update = (id: string, updateOfAttributeColumns: unknown[], returnContent?: unknown, condition = new TableStore.Condition(IGNORE, null)) =>
    call(c, 'updateRow', { tableName: 'counters', condition, primaryKey: pk(id), updateOfAttributeColumns, ...(returnContent ? { returnContent } : {}) });
  const stored = async (id: string) => attrs((await call(c, 'getRow', { tableName: 'counters', primaryKey: pk(id), maxVersions: 1 })).row);
  const invalid = async (p: Promise<unknown>) => {
    const e = await failure(p);
    expect(e.code).toBe(400);
    expect(e.message).toContain('OTSParameterInvalid');
  };

  test('RT_AFTER_MODIFY returns the post-increment value of the named counters only; an absent counter starts at 0', async () => {
    const first = await update('a', [{ INCREMENT: [{ price: Long.fromNumber(10) }, { other: Long.fromNumber(100) }] }], {
      returnType: AFTER_MODIFY,
      returnColumns: ['price'],
    });
    expect(attrs(first.row)).toEqual({ price: '10' });
    const second = await update('a', [{ INCREMENT: [{ price: Long.fromNumber(-3) }, { other: Long.fromNumber(100) }] }], {
      returnType: AFTER_MODIFY,
      returnColumns: ['price', 'other'],
    });
    expect(attrs(second.row)).toEqual({ price: '7', other: '200' });
    expect(await stored('a')).toEqual({ price: '7', other: '200' });
    // Without return content, or with RT_PK, no counter comes back.
    expect((await update('a', [{ INCREMENT: [{ price: Long.fromNumber(1) }] }])).row).toEqual({});
    const pkOnly = await update('a', [{ INCREMENT: [{ price: Long.fromNumber(1) }] }], { returnType: TableStore.ReturnType.Primarykey });
    expect(pkOnly.row.primaryKey).toEqual([{ name: 'id', value: 'a' }]);
    expect(attrs(pkOnly.row)).toEqual({});
  });

  test('an increment by 0 reads a counter back in the write, unchanged, beside PUT columns and a row condition (what the db function does)', async () => {
    await put('r', [{ createdAt: Long.fromNumber(1234) }, { version: Long.fromNumber(4) }, { doc: 'old' }]);
    const res = await update(
      'r',
      [{ PUT: [{ doc: 'new' }] }, { INCREMENT: [{ version: Long.fromNumber(1) }, { createdAt: Long.fromNumber(0) }] }],
      { returnType: AFTER_MODIFY, returnColumns: ['version', 'createdAt'] },
      new TableStore.Condition(EXPECT_EXIST, new TableStore.SingleColumnCondition('doc', 'old', TableStore.ComparatorType.EQUAL, false)),
    );
    expect(attrs(res.row)).toEqual({ version: '5', createdAt: '1234' });
    expect(await stored('r')).toEqual({ createdAt: '1234', version: '5', doc: 'new' });
    // A failed condition increments nothing.
    const e = await failure(
      update(
        'r',
        [{ INCREMENT: [{ version: Long.fromNumber(1) }] }],
        undefined,
        new TableStore.Condition(EXPECT_EXIST, new TableStore.SingleColumnCondition('doc', 'old', TableStore.ComparatorType.EQUAL, false)),
      ),
    );
    expect(e.message).toContain('OTSConditionCheckFail');
    expect((await stored('r')).version).toBe('5');
  });

  test('naming a column the request does not increment fails the request and writes nothing', async () => {
    await put('n', [{ price: Long.fromNumber(20) }]);
    // A column it PUTs.
    await invalid(
      update('n', [{ INCREMENT: [{ price: Long.fromNumber(10) }] }, { PUT: [{ label: 'x' }] }], {
        returnType: AFTER_MODIFY,
        returnColumns: ['price', 'label'],
      }),
    );
    // A column it does not touch.
    await invalid(update('n', [{ INCREMENT: [{ price: Long.fromNumber(10) }] }], { returnType: AFTER_MODIFY, returnColumns: ['price', 'untouched'] }));
    // Any column with RT_PK.
    await invalid(update('n', [{ PUT: [{ label: 'y' }] }], { returnType: TableStore.ReturnType.Primarykey, returnColumns: ['label'] }));
    expect(await stored('n')).toEqual({ price: '20' });
  });

  test('a column cannot be a counter and be put or deleted in the same request', async () => {
    await put('s', [{ n: Long.fromNumber(1) }]);
    await invalid(update('s', [{ INCREMENT: [{ n: Long.fromNumber(1) }] }, { PUT: [{ n: Long.fromNumber(5) }] }]));
    await invalid(update('s', [{ PUT: [{ n: Long.fromNumber(5) }] }, { INCREMENT: [{ n: Long.fromNumber(1) }] }]));
    await invalid(update('s', [{ INCREMENT: [{ n: Long.fromNumber(1) }] }, { DELETE_ALL: ['n'] }]));
    expect(await stored('s')).toEqual({ n: '1' });
    // Other columns beside a counter are fine.
    await update('s', [{ INCREMENT: [{ n: Long.fromNumber(1) }] }, { PUT: [{ m: 'ok' }] }]);
    expect(await stored('s')).toEqual({ m: 'ok', n: '2' });
  });

  test('counters are INTEGER only: a DOUBLE increment or a non-integer column is OTSParameterInvalid', async () => {
    await put('t', [{ s: 'text' }, { n: Long.fromNumber(1) }]);
    await invalid(update('t', [{ INCREMENT: [{ s: Long.fromNumber(1) }] }]));
    await invalid(update('t', [{ INCREMENT: [{ n: 1.5 }] }])); // a JS number is sent as DOUBLE
    expect(await stored('t')).toEqual({ n: '1', s: 'text' });
  });

  test('an Int64 overflow is OTSParameterInvalid, not a wrap-around: one past the maximum refused, the maximum reached', async () => {
    await put('o', [{ n: Long.fromString('9223372036854775806') }]);
    const at = await update('o', [{ INCREMENT: [{ n: Long.fromNumber(1) }] }], { returnType: AFTER_MODIFY, returnColumns: ['n'] });
    expect(attrs(at.row)).toEqual({ n: INT64_MAX });
    await invalid(update('o', [{ INCREMENT: [{ n: Long.fromNumber(1) }] }]));
    expect(await stored('o')).toEqual({ n: INT64_MAX });
    await put('u', [{ n: Long.fromString('-9223372036854775808') }]);
    await invalid(update('u', [{ INCREMENT: [{ n: Long.fromNumber(-1) }] }]));
    expect(await stored('u')).toEqual({ n: '-9223372036854775808' });
  });

  test('BatchWriteRow rows follow the same rules, row by row', async () => {
    const row = (id: string, returnColumns: string[]) => ({
      type: 'UPDATE',
      condition: new TableStore.Condition(IGNORE, null),
      primaryKey: pk(id),
      attributeColumns: [{ INCREMENT: [{ hits: Long.fromNumber(2) }] }],
      returnContent: { returnType: AFTER_MODIFY, returnColumns },
    });
    const res = await call(c, 'batchWriteRow', { tables: [{ tableName: 'counters', rows: [row('b1', ['hits']), row('b2', ['nope'])] }] });
    const [ok, refused] = res.tables;
    expect(ok.isOk).toBe(true);
    expect(attrs(ok)).toEqual({ hits: '2' });
    expect(refused.isOk).toBe(false);
    expect(refused.errorCode).toBe('OTSParameterInvalid');
    expect(await stored('b2')).toEqual({});
  });
});
