import { randomBytes } from 'node:crypto';
import { AppError } from '../shared/errors';
import { OtsSession, TableStore, columnsOf, int64, isConditionFailed, toNumber } from '../shared/ots';
import { encodeCursor } from './cursor';
import { type Fields, checkStorable } from './request';

/** An object as clients see it: their fields plus the ones the server keeps. */
export interface StoredObject {
  id: string;
  /** The owning account's id (the 2020 client's name for the owner). */
  uid: string;
  [field: string]: unknown;
  createdAt: string;
  updatedAt: string;
  version: number;
}

interface Row {
  fields: Fields;
  version: number;
  createdAt: number;
  updatedAt: number;
  writeId: string;
}

/** A conditional write's outcome: done, or the row as it stands after the condition failed. */
type Attempt = { done: StoredObject } | { current: Row | undefined };

/**
 * Attempts of an unconditional read-modify-write that keeps losing races to other writers of the
 * same object, with a short jittered pause between them, before it gives up with Conflict.
 */
const MAX_RACES = 6;
const racePause = (race: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 5 * 2 ** race)));

const conflict = () => new AppError('Conflict', 'The object changed since the given version; read it again and retry.');
const contended = () => new AppError('Conflict', 'Other requests kept changing the object at the same time; retry.');
const { EXPECT_EXIST, EXPECT_NOT_EXIST, IGNORE } = TableStore.RowExistenceExpectation;
const versionIs = (v: number) =>
  new TableStore.Condition(EXPECT_EXIST, new TableStore.SingleColumnCondition('version', int64(v), TableStore.ComparatorType.EQUAL, false));

/**
 * One account's objects in one collection. Rows are (uid, collection, id) → doc (the fields as JSON),
 * version, createdAt, updatedAt, writeId. Every write carries a fresh writeId, so when a retried
 * write's condition fails because the first attempt landed, the row itself says it was ours.
 */
export class ObjectStore {
  constructor(
    private readonly ots: OtsSession,
    private readonly table: string,
    private readonly uid: string,
    private readonly collection: string,
  ) {}

  async get(id: string): Promise<StoredObject | null> {
    const row = await this.read(id);
    return row ? this.present(id, row) : null;
  }

  /** Ascending by id, from `startId` (the id a cursor holds, request.ts) or the first. */
  async list(limit: number, startId?: string): Promise<{ data: StoredObject[]; cursor: string | null }> {
    const start = startId ?? TableStore.INF_MIN;
    const { rows, nextStartPrimaryKey } = await this.ots.call((c) =>
      c.getRange({
        tableName: this.table,
        direction: TableStore.Direction.FORWARD,
        inclusiveStartPrimaryKey: [{ uid: this.uid }, { collection: this.collection }, { id: start }],
        exclusiveEndPrimaryKey: [{ uid: this.uid }, { collection: this.collection }, { id: TableStore.INF_MAX }],
        limit,
        maxVersions: 1,
      }),
    );
    const data = rows.flatMap((r) => {
      const row = parseRow(columnsOf(r));
      const id = r.primaryKey.find((k) => k.name === 'id')?.value;
      return row && typeof id === 'string' ? [this.present(id, row)] : [];
    });
    const next = nextStartPrimaryKey?.find((k) => k.name === 'id')?.value;
    return { data, cursor: typeof next === 'string' ? encodeCursor(this.collection, next) : null };
  }

  /**
   * Replaces the object's fields. `ifVersion` 0: only if it doesn't exist; n: only if it is at
   * version n. Without it the last writer wins, but createdAt and version stay right.
   * A new object is created optimistically: one round trip in the common case.
   */
  async put(id: string, fields: Fields, ifVersion?: number): Promise<StoredObject> {
    const writeId = newWriteId();
    const first = ifVersion === undefined || ifVersion === 0 ? await this.tryCreate(id, fields, writeId) : { current: await this.read(id) };
    return this.settle(id, first, ifVersion, (current) => (current ? this.tryReplace(id, current, fields, writeId) : this.tryCreate(id, fields, writeId)));
  }

  /**
   * Changes only the given fields; the others keep their values. The object limits are checked on
   * the merged object, against the row as read; the write is conditional on that row's version, so
   * what lands is exactly what was checked (a row changed meanwhile is read and checked again).
   * That costs no round trip: update always read the row (GetRow + conditional UpdateRow).
   */
  async update(id: string, changes: Fields, ifVersion?: number): Promise<StoredObject> {
    const writeId = newWriteId();
    const current = await this.read(id);
    if (!current) throw new AppError('NotFound', 'No object has this id; create it with put.');
    return this.settle(id, { current }, ifVersion, (now) => {
      if (!now) throw new AppError('NotFound', 'The object was removed meanwhile.');
      const merged = { ...now.fields, ...changes };
      checkStorable(merged, true);
      return this.tryReplace(id, now, merged, writeId);
    });
  }

  /**
   * Repeats a conditional write against the row as it now stands until it lands: Conflict as
   * soon as the row is not at `ifVersion` (0 = absent), or after MAX_RACES lost races.
   */
  private async settle(
    id: string,
    attempt: Attempt,
    ifVersion: number | undefined,
    write: (current: Row | undefined) => Promise<Attempt>,
  ): Promise<StoredObject> {
    for (let race = 0; race < MAX_RACES; race++) {
      if ('done' in attempt) return attempt.done;
      let { current } = attempt;
      if (race > 0) {
        // Lost a race to another writer: wait a little, then work from a fresh read.
        await racePause(race);
        current = await this.read(id);
      }
      if (ifVersion !== undefined && (current?.version ?? 0) !== ifVersion) throw conflict();
      attempt = await write(current);
    }
    if ('done' in attempt) return attempt.done;
    throw contended();
  }

  /** Removing a missing object is not an error (so a retried remove answers the same). */
  async remove(id: string, ifVersion?: number): Promise<void> {
    const before = this.ots.roundTrips;
    try {
      await this.ots.call((c) =>
        c.deleteRow({
          tableName: this.table,
          primaryKey: this.key(id),
          condition: ifVersion === undefined ? new TableStore.Condition(IGNORE, null) : versionIs(ifVersion),
        }),
      );
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      // A retried conditional delete finds no row when its first attempt landed and only the
      // answer was lost: the object is gone as asked, so that is not a Conflict.
      if (this.ots.roundTrips - before > 1 && !(await this.read(id))) return;
      throw conflict();
    }
  }

  private key(id: string) {
    return [{ uid: this.uid }, { collection: this.collection }, { id }];
  }

  private async read(id: string): Promise<Row | undefined> {
    const { row } = await this.ots.call((c) => c.getRow({ tableName: this.table, primaryKey: this.key(id), maxVersions: 1 }));
    return parseRow(columnsOf(row));
  }

  /** PutRow only if absent. */
  private async tryCreate(id: string, fields: Fields, writeId: string): Promise<Attempt> {
    const now = Date.now();
    const row: Row = { fields, version: 1, createdAt: now, updatedAt: now, writeId };
    try {
      await this.ots.call((c) =>
        c.putRow({
          tableName: this.table,
          primaryKey: this.key(id),
          condition: new TableStore.Condition(EXPECT_NOT_EXIST, null),
          attributeColumns: columnsFor(row),
        }),
      );
      return { done: this.present(id, row) };
    } catch (e) {
      return this.afterConditionFailed(e, id, writeId);
    }
  }

  /** Writes the next version if the row is still at `current.version`. */
  private async tryReplace(id: string, current: Row, fields: Fields, writeId: string): Promise<Attempt> {
    const next: Row = { fields, version: current.version + 1, createdAt: current.createdAt, updatedAt: Date.now(), writeId };
    try {
      await this.ots.call((c) =>
        c.updateRow({
          tableName: this.table,
          primaryKey: this.key(id),
          condition: versionIs(current.version),
          updateOfAttributeColumns: [{ PUT: columnsFor(next).filter((col) => !('createdAt' in col)) }],
        }),
      );
      return { done: this.present(id, next) };
    } catch (e) {
      return this.afterConditionFailed(e, id, writeId);
    }
  }

  /**
   * A write's condition failed: either another writer got there first, or our own earlier attempt
   * landed and only its answer was lost (the row then carries our writeId). The row as read is
   * handed back so the next attempt needs no second read.
   */
  private async afterConditionFailed(e: unknown, id: string, writeId: string): Promise<Attempt> {
    if (!isConditionFailed(e)) throw e;
    const now = await this.read(id);
    return now?.writeId === writeId ? { done: this.present(id, now) } : { current: now };
  }

  private present(id: string, row: Row): StoredObject {
    return {
      ...row.fields,
      id,
      uid: this.uid,
      createdAt: new Date(row.createdAt).toISOString(),
      updatedAt: new Date(row.updatedAt).toISOString(),
      version: row.version,
    };
  }
}

const newWriteId = (): string => randomBytes(12).toString('base64url');

function columnsFor(row: Row): Record<string, unknown>[] {
  return [
    { doc: JSON.stringify(row.fields) },
    { version: int64(row.version) },
    { createdAt: int64(row.createdAt) },
    { updatedAt: int64(row.updatedAt) },
    { writeId: row.writeId },
  ];
}

function parseRow(cols: Record<string, unknown> | undefined): Row | undefined {
  if (!cols || typeof cols.doc !== 'string') return undefined;
  return {
    fields: JSON.parse(cols.doc) as Fields,
    version: toNumber(cols.version),
    createdAt: toNumber(cols.createdAt),
    updatedAt: toNumber(cols.updatedAt),
    writeId: typeof cols.writeId === 'string' ? cols.writeId : '',
  };
}
