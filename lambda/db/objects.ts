import { randomBytes } from 'node:crypto';
import { AppError } from '../shared/errors';
import { type OtsClient, OtsSession, TableStore, columnsOf, decodeOtsError, int64, isConditionFailed, toNumber } from '../shared/ots';
import { encodeCursor } from './cursor';
import { type Fields, checkStorable } from './request';
import { type Row, RowCache } from './row-cache';

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

/**
 * A conditional write's outcome: done; the row as read after its condition failed; or `failed`,
 * a first attempt whose condition failed, with nothing read. No earlier attempt of ours can have
 * landed then, so the row was simply not in the state the condition named.
 */
type Attempt = { done: StoredObject } | { current: Row | undefined } | { failed: true };

/**
 * Attempts of an unconditional read-modify-write that keeps losing races to other writers of the
 * same object, with a short jittered pause between them, before it gives up with Conflict.
 */
const MAX_RACES = 6;
const racePause = (race: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 5 * 2 ** race)));

const conflict = () => new AppError('Conflict', 'The object changed since the given version; read it again and retry.');
const contended = () => new AppError('Conflict', 'Other requests kept changing the object at the same time; retry.');
const notFound = () => new AppError('NotFound', 'No object has this id; create it with put.');

const { EXPECT_EXIST, EXPECT_NOT_EXIST, IGNORE } = TableStore.RowExistenceExpectation;
const { EQUAL, NOT_EQUAL } = TableStore.ComparatorType;
const column = (name: string, value: unknown, comparator: number, passIfMissing = false) =>
  new TableStore.SingleColumnCondition(name, value, comparator, passIfMissing);

const versionIs = (v: number) => new TableStore.Condition(EXPECT_EXIST, column('version', int64(v), EQUAL));

/**
 * Exactly the state `row` names: its version and the write that made it. The version alone is not
 * enough, as a remove and re-create starts again at 1; a writeId never repeats. A row from before
 * writeIds has none (then the version must do: see update).
 */
function stateIs(row: Row) {
  const both = new TableStore.CompositeCondition(TableStore.LogicalOperator.AND);
  both.addSubCondition(column('version', int64(row.version), EQUAL));
  both.addSubCondition(column('writeId', row.writeId, EQUAL, row.writeId === ''));
  return new TableStore.Condition(EXPECT_EXIST, both);
}

/** Any existing row but the state our own write left: a retry whose first attempt landed fails, instead of writing twice. */
const notLeftBy = (writeId: string) => new TableStore.Condition(EXPECT_EXIST, column('writeId', writeId, NOT_EQUAL, true));

/**
 * The values of atomic counters after the write (RT_AFTER_MODIFY). The service returns only
 * counters the request incremented (local/tablestore/counters.ts has the sources), which is why
 * createdAt, when it must come back, is incremented by 0: an atomic increment of nothing.
 */
const returning = (...counters: string[]) => ({ returnType: TableStore.ReturnType.AfterModify, returnColumns: counters });

/**
 * Whether Tablestore takes those increments by 0. Its docs speak of "a positive or negative
 * number" and don't mention 0 (README, "Verified against"). Should the service refuse it
 * (OTSParameterInvalid), this instance stops asking and replaces rows as read instead: one round
 * trip more, every guarantee the same.
 */
let zeroIncrements = true;
const isParameterInvalid = (e: unknown): boolean => decodeOtsError(e).code === 'OTSParameterInvalid';

/**
 * One account's objects in one collection. Rows are (uid, collection, id) → doc (the fields as JSON),
 * version, createdAt, updatedAt, writeId. Every write carries a fresh writeId, so when a retried
 * write's condition fails because the first attempt landed, the row itself says it was ours.
 *
 * A write is one round trip in the common case. The instance remembers each row it read or wrote
 * (RowCache): an update is one UpdateRow conditioned on exactly the remembered state, a put over a
 * remembered row one UpdateRow whose atomic counters hand back the version and createdAt. The cache
 * is only a hint, never trusted for an answer: every guarantee rests on a write's condition, and a
 * row changed elsewhere fails it and is read, one round trip more.
 *
 *   round trips                                  before   now
 *   put of a new id (PutRow)                        1       1
 *   put over a row this instance knows              3       1   (UpdateRow)
 *   put over a row it does not know                 3       2   (a failed PutRow, UpdateRow)
 *   put with ifVersion n                            2       1   (UpdateRow)
 *   update of a row it knows (with ifVersion too)   2       1   (UpdateRow)
 *   update of a row it does not know                2       2   (GetRow, UpdateRow)
 *   update of a remembered row changed elsewhere    -       3   (a failed UpdateRow, GetRow, UpdateRow)
 *
 * Why the guarantees hold:
 * - One winner among writes with the same ifVersion: each is conditioned on that version (or on
 *   absence for 0) and lands the next one.
 * - No lost update: an update is conditioned on the exact state it merged against (stateIs).
 * - Concurrent puts without ifVersion each get a version of their own: the version is an atomic
 *   counter there, incremented by the service.
 * - A retry after a lost answer applies once: its condition fails where its first attempt landed
 *   (replacing any row excludes the state our own writeId left), and the row read shows our writeId.
 * - createdAt is kept and the answer is the stored object: it is built from what was written and
 *   from the counters the write returned, or from the row as read.
 */
export class ObjectStore {
  constructor(
    private readonly ots: OtsSession,
    private readonly table: string,
    private readonly uid: string,
    private readonly collection: string,
    private readonly rows = new RowCache(),
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
      if (!row || typeof id !== 'string') return [];
      this.rows.set(this.uid, this.collection, id, row);
      return [this.present(id, row)];
    });
    const next = nextStartPrimaryKey?.find((k) => k.name === 'id')?.value;
    return { data, cursor: typeof next === 'string' ? encodeCursor(this.collection, next) : null };
  }

  /**
   * Replaces the object's fields. `ifVersion` 0: only if it doesn't exist (PutRow); n: only if it is
   * at version n (one UpdateRow conditioned on it; createdAt comes back as a counter). A failed
   * condition is a Conflict without a read, unless the write was retried: then our first attempt
   * may have landed, and the row is read to see. Without `ifVersion` the last writer wins (putAny).
   */
  async put(id: string, fields: Fields, ifVersion?: number): Promise<StoredObject> {
    const doc = JSON.stringify(fields);
    const writeId = newWriteId();
    if (ifVersion === undefined) return this.putAny(id, fields, doc, writeId);
    const first =
      ifVersion === 0
        ? await this.tryCreate(id, fields, doc, writeId)
        : ((await this.withZeroIncrement(() => this.tryPutAt(id, fields, doc, ifVersion, writeId))) ?? { current: await this.read(id) });
    // After a failed attempt the row as read is known whole: it is replaced on exactly that state.
    return this.settle(id, first, ifVersion, (current) => (current ? this.tryReplace(id, current, fields, writeId) : this.tryCreate(id, fields, doc, writeId)));
  }

  /**
   * Last writer wins, and createdAt and version stay right. A row this instance knows is replaced at
   * once; otherwise creating comes first (the row is new, one round trip) and a row found there is
   * replaced (two). Replacing increments the version atomically, so concurrent puts each get a
   * version of their own and none is counted twice. A failed first attempt says which way to go
   * without a read: a create failed because the row exists, a replace because it doesn't.
   */
  private async putAny(id: string, fields: Fields, doc: string, writeId: string): Promise<StoredObject> {
    let exists = this.rows.get(this.uid, this.collection, id) !== undefined;
    for (let race = 0; race < MAX_RACES; race++) {
      // The first switch (the row was there after all, or had gone) is no race; more are, with removes.
      if (race > 1) await racePause(race);
      const attempt = exists
        ? ((await this.withZeroIncrement(() => this.tryReplaceAny(id, fields, doc, writeId))) ?? (await this.tryReplaceAsRead(id, fields, writeId)))
        : await this.tryCreate(id, fields, doc, writeId);
      if ('done' in attempt) return attempt.done;
      exists = 'failed' in attempt ? !exists : attempt.current !== undefined;
    }
    throw contended();
  }

  /**
   * Changes only the given fields; the others keep their values. The object limits are checked on
   * the merged object, and the write is conditioned on exactly the row merged against (stateIs), so
   * what lands is what was checked, and no concurrent update is lost: a row changed meanwhile is
   * read, merged and checked again. The row merged against is the one this instance remembers when
   * it has one (one round trip), else the one read (two, as before). A remembered row the merge does
   * not fit, or one from before writeIds (its version alone can't tell a re-created row), is read.
   */
  async update(id: string, changes: Fields, ifVersion?: number): Promise<StoredObject> {
    const writeId = newWriteId();
    const merge = (row: Row): Fields => {
      const merged = { ...(JSON.parse(row.doc) as Fields), ...changes };
      checkStorable(merged, true);
      return merged;
    };
    let first: Attempt | undefined;
    const known = this.rows.get(this.uid, this.collection, id);
    if (known && known.writeId !== '' && (ifVersion === undefined || known.version === ifVersion)) {
      const merged = fitting(() => merge(known));
      if (merged) first = await this.tryReplace(id, known, merged, writeId);
    }
    first ??= { current: await this.read(id) };
    if ('current' in first && !first.current) throw notFound();
    return this.settle(id, first, ifVersion, (now) => {
      if (!now) throw new AppError('NotFound', 'The object was removed meanwhile.');
      return this.tryReplace(id, now, merge(now), writeId);
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
      // Only writes conditioned on exactly `ifVersion` answer `failed` here (update reads instead).
      if ('failed' in attempt) throw conflict();
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
    // Whatever the outcome, this instance no longer knows the row's state.
    this.rows.delete(this.uid, this.collection, id);
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

  /** The row as stored now, remembered (or forgotten when there is none). */
  private async read(id: string): Promise<Row | undefined> {
    const { row } = await this.ots.call((c) => c.getRow({ tableName: this.table, primaryKey: this.key(id), maxVersions: 1 }));
    const found = parseRow(columnsOf(row));
    if (found) this.rows.set(this.uid, this.collection, id, found);
    else this.rows.delete(this.uid, this.collection, id);
    return found;
  }

  /** PutRow only if absent. */
  private tryCreate(id: string, fields: Fields, doc: string, writeId: string): Promise<Attempt> {
    const now = Date.now();
    const row: Row = { doc, version: 1, createdAt: now, updatedAt: now, writeId };
    return this.attempt(
      id,
      fields,
      writeId,
      () => row,
      (c) =>
        c.putRow({
          tableName: this.table,
          primaryKey: this.key(id),
          condition: new TableStore.Condition(EXPECT_NOT_EXIST, null),
          attributeColumns: [{ doc }, { version: int64(1) }, { createdAt: int64(now) }, { updatedAt: int64(now) }, { writeId }],
        }),
    );
  }

  /** Writes `fields` as the next version of exactly the row `current`; if the row is not that any more, reads it as it is. */
  private async tryReplace(id: string, current: Row, fields: Fields, writeId: string): Promise<Attempt> {
    const next: Row = { doc: JSON.stringify(fields), version: current.version + 1, createdAt: current.createdAt, updatedAt: Date.now(), writeId };
    const attempt = await this.attempt(
      id,
      fields,
      writeId,
      () => next,
      (c) =>
        c.updateRow({
          tableName: this.table,
          primaryKey: this.key(id),
          condition: stateIs(current),
          updateOfAttributeColumns: [{ PUT: [{ doc: next.doc }, { version: int64(next.version) }, { updatedAt: int64(next.updatedAt) }, { writeId }] }],
        }),
    );
    return 'failed' in attempt ? { current: await this.read(id) } : attempt;
  }

  /** Replaces the row if it is at `version`. createdAt is not known here: it comes back as a counter (see returning). */
  private tryPutAt(id: string, fields: Fields, doc: string, version: number, writeId: string): Promise<Attempt> {
    const updatedAt = Date.now();
    return this.attempt(
      id,
      fields,
      writeId,
      (answer) => ({ doc, version: version + 1, createdAt: returnedInt(answer, 'createdAt'), updatedAt, writeId }),
      (c) =>
        c.updateRow({
          tableName: this.table,
          primaryKey: this.key(id),
          condition: versionIs(version),
          updateOfAttributeColumns: [
            { PUT: [{ doc }, { version: int64(version + 1) }, { updatedAt: int64(updatedAt) }, { writeId }] },
            { INCREMENT: [{ createdAt: int64(0) }] },
          ],
          returnContent: returning('createdAt'),
        }),
    );
  }

  /** Replaces whatever row is there (put without ifVersion): the next version and createdAt come back as counters. */
  private tryReplaceAny(id: string, fields: Fields, doc: string, writeId: string): Promise<Attempt> {
    const updatedAt = Date.now();
    return this.attempt(
      id,
      fields,
      writeId,
      (answer) => ({ doc, version: returnedInt(answer, 'version'), createdAt: returnedInt(answer, 'createdAt'), updatedAt, writeId }),
      (c) =>
        c.updateRow({
          tableName: this.table,
          primaryKey: this.key(id),
          condition: notLeftBy(writeId),
          updateOfAttributeColumns: [
            { PUT: [{ doc }, { updatedAt: int64(updatedAt) }, { writeId }] },
            { INCREMENT: [{ version: int64(1) }, { createdAt: int64(0) }] },
          ],
          returnContent: returning('version', 'createdAt'),
        }),
    );
  }

  /** A write that increments by 0 (see zeroIncrements), or undefined once the service has refused one. */
  private async withZeroIncrement(write: () => Promise<Attempt>): Promise<Attempt | undefined> {
    if (!zeroIncrements) return undefined;
    try {
      return await write();
    } catch (e) {
      if (!isParameterInvalid(e)) throw e;
      zeroIncrements = false;
      return undefined;
    }
  }

  /** Replaces the row as it is read now (putAny without zero increments); no row is answered as such. */
  private async tryReplaceAsRead(id: string, fields: Fields, writeId: string): Promise<Attempt> {
    const current = await this.read(id);
    return current ? this.tryReplace(id, current, fields, writeId) : { current };
  }

  /**
   * One conditional write; what it wrote (`written`, from the answer) is remembered and answered.
   * A failed condition on a first attempt is `failed`, nothing read, and the row is forgotten (it is
   * not as this instance thought). On a retry the first attempt may have landed with only its
   * answer lost, so the row is read: our writeId there means done, with the row as stored.
   */
  private async attempt(
    id: string,
    fields: Fields,
    writeId: string,
    written: (answer: unknown) => Row,
    write: (c: OtsClient) => Promise<unknown>,
  ): Promise<Attempt> {
    const before = this.ots.roundTrips;
    let answer: unknown;
    try {
      answer = await this.ots.call(write);
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      if (this.ots.roundTrips - before === 1) {
        this.rows.delete(this.uid, this.collection, id);
        return { failed: true };
      }
      const now = await this.read(id);
      return now?.writeId === writeId ? { done: this.present(id, now) } : { current: now };
    }
    const row = written(answer);
    this.rows.set(this.uid, this.collection, id, row);
    return { done: this.present(id, row, fields) };
  }

  private present(id: string, row: Row, fields = JSON.parse(row.doc) as Fields): StoredObject {
    return {
      ...fields,
      id,
      uid: this.uid,
      createdAt: new Date(row.createdAt).toISOString(),
      updatedAt: new Date(row.updatedAt).toISOString(),
      version: row.version,
    };
  }
}

const newWriteId = (): string => randomBytes(12).toString('base64url');

/** The merge as checked against a remembered row, or undefined when it does not fit: that row may be stale, so the row as read decides. */
function fitting(merge: () => Fields): Fields | undefined {
  try {
    return merge();
  } catch {
    return undefined;
  }
}

/** An Int64 counter a write returned. The service returns what was asked for, so a missing one is a bug, answered Internal. */
function returnedInt(answer: unknown, name: string): number {
  const value = columnsOf((answer as { row?: Parameters<typeof columnsOf>[0] } | undefined)?.row)?.[name];
  if (value === undefined) throw new Error(`UpdateRow returned no ${name}`);
  return toNumber(value);
}

function parseRow(cols: Record<string, unknown> | undefined): Row | undefined {
  if (!cols || typeof cols.doc !== 'string') return undefined;
  return {
    doc: cols.doc,
    version: toNumber(cols.version),
    createdAt: toNumber(cols.createdAt),
    updatedAt: toNumber(cols.updatedAt),
    writeId: typeof cols.writeId === 'string' ? cols.writeId : '',
  };
}
