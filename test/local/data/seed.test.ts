/**
 * Seed data end to end: demo/seed.jsonl (made by local/data/make-demo-seed.ts) imported into a
 * state dir, or seeded into a running emulator as `npm start -- --seed` will, then the local cloud
 * used as a client uses it: the demo person logs in with a fresh auth code and finds their
 * account and todos. And every value type through the real SDK, out of one cloud and into another.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { LocalCloud } from '../../../local/cloud';
import { exportLoaded, exportTables, exportText, importTables, parseDataFile, seedTablesFromFile, stackTables, type StackTables } from '../../../local/data';
import { DEMO_TODOS, DEMO_USER_ID, makeDemoSeed } from '../../../local/data/make-demo-seed';
import { db, login, startCloud } from '../../support/local';
import { operatorClient } from '../../support/tables';
import { TableStore, call } from '../../support/tablestore-sdk';
import { OUTDIR, ROOT, tempDir } from './support';

jest.setTimeout(120_000);

const SEED_FILE = join(ROOT, 'demo', 'seed.jsonl');
const SEED = fs.readFileSync(SEED_FILE, 'utf8');
const seedRows = SEED.trim()
  .split('\n')
  .slice(1)
  .map((l) => JSON.parse(l));

let stack: StackTables;
let dir: string;
beforeAll(() => {
  stack = stackTables(OUTDIR);
});
beforeEach(() => {
  dir = tempDir('local-data-seed-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The account the seed links the demo person's user id to. */
const seededAccountId = (rows = seedRows): string => rows.find((r) => r.table === 'accounts' && r.key.key === `user_id:${DEMO_USER_ID}`).columns.accountId;

/** The todos as db's list answers them, from the seed's rows. */
const seededTodos = () =>
  seedRows
    .filter((r) => r.table === 'objects')
    .map((r) => ({
      id: r.key.id,
      ...JSON.parse(r.columns.doc),
      uid: r.key.uid,
      version: r.columns.version,
      createdAt: new Date(r.columns.createdAt).toISOString(),
      updatedAt: new Date(r.columns.updatedAt).toISOString(),
    }));

/** Logs in as the demo person with a fresh auth code; answers the account id and the listed todos. */
async function demoPerson(cloud: LocalCloud): Promise<{ accountId: string; todos: any[] }> {
  const session = await login(cloud, DEMO_USER_ID);
  const { data } = await db(cloud, session, { op: 'list' });
  return { accountId: session.accountId, todos: data };
}

describe('demo/seed.jsonl', () => {
  test('is a current export: the demo person, their account, and the todos', () => {
    const file = parseDataFile(SEED, stack.tables, SEED_FILE);
    expect(file.tables).toEqual(['accounts', 'objects', 'orders']);
    const accountId = seededAccountId();
    expect(accountId).toMatch(/^acc_[A-Za-z0-9_-]{22}$/);
    expect(seedRows.find((r) => r.key.key === `account:${accountId}`)?.columns.userId).toBe(DEMO_USER_ID);
    expect(seededTodos().map(({ id, text, done }) => ({ id, text, done }))).toEqual(DEMO_TODOS);
    expect(seedRows.some((r) => r.table === 'sessions')).toBe(false);
  });

  test('imported into a state dir: the demo person logs in to the same account and lists the todos', async () => {
    importTables(dir, SEED, stack, { source: SEED_FILE });
    const cloud = await LocalCloud.start({ outdir: OUTDIR, stateDir: dir });
    try {
      const { accountId, todos } = await demoPerson(cloud);
      expect(accountId).toBe(seededAccountId());
      expect(todos).toEqual(seededTodos());
    } finally {
      await cloud.stop();
    }
    // The login added a session and changed no account row.
    const after = exportText(exportTables(dir, { stack }));
    expect(after).toBe(SEED);
  });

  test('seeded into a running emulator (npm start -- --seed): the same', async () => {
    const cloud = await startCloud();
    try {
      const result = seedTablesFromFile(cloud.tablestore, SEED_FILE);
      expect(result.tables).toEqual([
        { table: 'accounts', rows: 2 },
        { table: 'objects', rows: 6 },
        { table: 'orders', rows: 0 },
      ]);
      const { accountId, todos } = await demoPerson(cloud);
      expect(accountId).toBe(seededAccountId());
      expect(todos).toEqual(seededTodos());
    } finally {
      await cloud.stop();
    }
  });

  test('a bad seed names the file and the line, and the emulator keeps its rows', async () => {
    const cloud = await startCloud();
    try {
      const bad = join(dir, 'bad.jsonl');
      fs.writeFileSync(bad, SEED.replace('"table":"objects"', '"table":"todos"'));
      expect(() => seedTablesFromFile(cloud.tablestore, bad)).toThrow(`${bad}: 1 problem, nothing was written:\n  line 4: unknown table "todos"`);
      expect(() => seedTablesFromFile(cloud.tablestore, join(dir, 'none.jsonl'))).toThrow(/^seed .*none\.jsonl: ENOENT/);
      expect(exportText(exportLoaded(cloud.tablestore.data.tables, { stack }))).toBe(
        '{"format":"miniapp-local-tables","version":1,"tables":["accounts","objects","orders"]}\n',
      );
    } finally {
      await cloud.stop();
    }
  });

  test('make-demo-seed.ts makes it by running the cloud: a fresh account each time, the same shape', async () => {
    const made = await makeDemoSeed(OUTDIR);
    const rows = made
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l));
    parseDataFile(made, stack.tables);
    expect(seededAccountId(rows)).not.toBe(seededAccountId());
    const shape = (rs: any[]) => rs.map((r) => `${r.table} ${Object.keys(r.columns).join(',')}`);
    expect(shape(rows)).toEqual(shape(seedRows));
  });
});

describe('every value type through the real SDK', () => {
  test('out of one cloud and into another, exactly', async () => {
    const first = await LocalCloud.start({ outdir: OUTDIR, stateDir: join(dir, 'first') });
    const columns = {
      text: 'héllo 世界 🎉',
      empty: '',
      int1: TableStore.Long.fromNumber(1),
      double1: 1, // a JS number is a DOUBLE to the SDK
      half: 0.5,
      past53: TableStore.Long.fromString('9007199254740993'),
      min: TableStore.Long.fromString('-9223372036854775808'),
      yes: true,
      bytes: Buffer.from([0, 1, 254, 255]),
      noBytes: Buffer.alloc(0),
    };
    let text: string;
    try {
      await call(operatorClient(first, ['ots:PutRow']), 'putRow', {
        tableName: 'orders',
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
        primaryKey: [{ orderId: 'every-type' }],
        attributeColumns: Object.entries(columns).map(([k, v]) => ({ [k]: v })),
      });
      // Exported while the cloud runs.
      text = exportText(exportTables(join(dir, 'first'), { stack, only: ['orders'] }));
    } finally {
      await first.stop();
    }
    expect(text.split('\n')[1]).toBe(
      '{"table":"orders","key":{"orderId":"every-type"},"columns":{"bytes":{"binary":"AAH+/w=="},"double1":{"double":1},"empty":"","half":{"double":0.5},' +
        '"int1":1,"min":{"int":"-9223372036854775808"},"noBytes":{"binary":""},"past53":{"int":"9007199254740993"},"text":"héllo 世界 🎉","yes":true}}',
    );

    importTables(join(dir, 'second'), text, stack);
    const second = await LocalCloud.start({ outdir: OUTDIR, stateDir: join(dir, 'second') });
    try {
      const { row } = await call(operatorClient(second, ['ots:GetRow']), 'getRow', {
        tableName: 'orders',
        primaryKey: [{ orderId: 'every-type' }],
        maxVersions: 1,
      });
      const read = Object.fromEntries(row.attributes.map((a: any) => [a.columnName, a.columnValue]));
      // The SDK's INTEGER is an Int64 (TableStore.Long), its DOUBLE a JS number.
      const typed = (v: any) =>
        Buffer.isBuffer(v) ? `bin ${v.toString('hex')}` : v?.constructor?.name === 'Int64' ? `int ${v.toString()}` : `${typeof v} ${v}`;
      const expected = Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, typed(v)]));
      expect(Object.fromEntries(Object.entries(read).map(([k, v]) => [k, typed(v)]))).toEqual(expected);
    } finally {
      await second.stop();
    }
  });
});
