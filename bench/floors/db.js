/**
 * The db function's warm floor: for each op, exactly the Tablestore request lambda/db/objects.ts
 * sends in its common case, made raw with the same SDK, from a function instance of the local FC
 * invoked the same way (fc2 InvokeFunction, the same event). Like the function it keeps one
 * module-scope client per credentials, configured as lambda/shared/ots.ts configures it, and it
 * remembers the rows it wrote (as the db function's row cache does), so a write can name the
 * row's state in its condition without reading it. No session check: on a warm db instance that is
 * a cache hit, with no round trip. Nothing else: no parsing beyond JSON, no checks, a bare answer.
 *
 * The rows are the floor's own (account FLOOR_ACCOUNT), so the floor and the function never race
 * on a row. Any failure throws: a floor that failed fast would look fast.
 */
const { randomBytes } = require('node:crypto');
const TableStore = require('tablestore');

// As lambda/shared/ots.ts: the SDK never retries.
TableStore.DefaultRetryPolicy.maxRetryTimes = 0;

const { EXPECT_EXIST, EXPECT_NOT_EXIST, IGNORE } = TableStore.RowExistenceExpectation;
const TABLE = process.env.OBJECTS_TABLE;
const ACCOUNT = process.env.FLOOR_ACCOUNT;
const COLLECTION = 'default';

let cached;
/** One client per instance, rebuilt only when the credentials change (lambda/shared/ots.ts otsClient). */
function client(credentials) {
  const key = `${credentials.accessKeyId}\n${credentials.securityToken}`;
  if (cached?.key !== key) {
    const ots = new TableStore.Client({
      endpoint: process.env.OTS_ENDPOINT,
      instancename: process.env.OTS_INSTANCE,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.accessKeySecret,
      stsToken: credentials.securityToken,
      maxRetries: 0,
      httpOptions: { timeout: 2000 },
    });
    cached = { key, ots };
  }
  return cached.ots;
}

/** id → { fields, version, writeId } of each row this instance wrote. */
const written = new Map();

const key = (id) => [{ uid: ACCOUNT }, { collection: COLLECTION }, { id }];
const int64 = (n) => TableStore.Long.fromNumber(n);
const toNumber = (v) => (typeof v === 'number' ? v : Number(v?.toNumber?.() ?? v));
const newWriteId = () => randomBytes(12).toString('base64url');
const fieldsOf = ({ id: _id, ...fields }) => fields;
const column = (name, value, comparator) => new TableStore.SingleColumnCondition(name, value, comparator, false);

const OPS = {
  get: (ots, e) => ots.getRow({ tableName: TABLE, primaryKey: key(e.id), maxVersions: 1 }),

  list: (ots, e) =>
    ots.getRange({
      tableName: TABLE,
      direction: TableStore.Direction.FORWARD,
      inclusiveStartPrimaryKey: [{ uid: ACCOUNT }, { collection: COLLECTION }, { id: TableStore.INF_MIN }],
      exclusiveEndPrimaryKey: [{ uid: ACCOUNT }, { collection: COLLECTION }, { id: TableStore.INF_MAX }],
      limit: e.limit,
      maxVersions: 1,
    }),

  /** A new id: PutRow if absent. An id this instance wrote: replace it whatever its version (last writer wins). */
  put: async (ots, e) => {
    const id = e.obj.id;
    const fields = fieldsOf(e.obj);
    const doc = JSON.stringify(fields);
    const writeId = newWriteId();
    const now = Date.now();
    if (!written.has(id)) {
      await ots.putRow({
        tableName: TABLE,
        primaryKey: key(id),
        condition: new TableStore.Condition(EXPECT_NOT_EXIST, null),
        attributeColumns: [{ doc }, { version: int64(1) }, { createdAt: int64(now) }, { updatedAt: int64(now) }, { writeId }],
      });
      written.set(id, { fields, version: 1, writeId });
      return;
    }
    // The row's version and createdAt are the server's: incremented (by 1 and by 0) and read back in the same request.
    const { row } = await ots.updateRow({
      tableName: TABLE,
      primaryKey: key(id),
      condition: new TableStore.Condition(EXPECT_EXIST, new TableStore.SingleColumnCondition('writeId', writeId, TableStore.ComparatorType.NOT_EQUAL, true)),
      updateOfAttributeColumns: [{ PUT: [{ doc }, { updatedAt: int64(now) }, { writeId }] }, { INCREMENT: [{ version: int64(1) }, { createdAt: int64(0) }] }],
      returnContent: { returnType: TableStore.ReturnType.AfterModify, returnColumns: ['version', 'createdAt'] },
    });
    const version = toNumber(row?.attributes?.find((a) => a.columnName === 'version')?.columnValue);
    written.set(id, { fields, version, writeId });
  },

  /** The fields merged over the row as this instance wrote it, on condition that the row is still exactly that. */
  update: async (ots, e) => {
    const id = e.obj.id;
    const known = written.get(id);
    if (!known) throw new Error(`db floor: update of ${id}, a row this instance has not written (the floor covers the common case only)`);
    const fields = { ...known.fields, ...fieldsOf(e.obj) };
    const writeId = newWriteId();
    const condition = new TableStore.CompositeCondition(TableStore.LogicalOperator.AND);
    condition.addSubCondition(column('version', int64(known.version), TableStore.ComparatorType.EQUAL));
    condition.addSubCondition(column('writeId', known.writeId, TableStore.ComparatorType.EQUAL));
    await ots.updateRow({
      tableName: TABLE,
      primaryKey: key(id),
      condition: new TableStore.Condition(EXPECT_EXIST, condition),
      updateOfAttributeColumns: [
        { PUT: [{ doc: JSON.stringify(fields) }, { version: int64(known.version + 1) }, { updatedAt: int64(Date.now()) }, { writeId }] },
      ],
    });
    written.set(id, { fields, version: known.version + 1, writeId });
  },

  remove: async (ots, e) => {
    await ots.deleteRow({ tableName: TABLE, primaryKey: key(e.id), condition: new TableStore.Condition(IGNORE, null) });
    written.delete(e.id);
  },
};

exports.handler = async (event, context) => {
  const e = JSON.parse(event.toString());
  await OPS[e.op](client(context.credentials), e);
  return { data: null };
};
