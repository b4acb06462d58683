import { AppError } from '../shared/errors';
import { OtsSession, TableStore, columnsOf, isConditionFailed } from '../shared/ots';

type RangeRow = { primaryKey: { name: string; value: unknown }[]; attributes: { columnName: string; columnValue: unknown }[] };

/** Rows read per page, and copied at once. */
const PAGE = 100;
const PARALLEL = 10;
/** A move stops this long before the function's deadline, so the login can still answer. */
const MARGIN_MS = 1500;

const { EXPECT_NOT_EXIST, IGNORE } = TableStore.RowExistenceExpectation;

/**
 * Objects stored before accounts existed are keyed by the raw Alipay id the session function then
 * used (`userId || openId`). When an Alipay id is first linked to an account, its rows move into
 * the account's partition: each row is copied (only if the account has no row with that key yet)
 * and then deleted, on condition that it is still the row that was copied.
 *
 * Every step is idempotent, so an interrupted move is finished by the next login. A row the
 * account already holds with different content (the same collection and id stored under both a
 * user_id and an open_id) is left where it is rather than overwritten or lost.
 */
export class LegacyData {
  constructor(
    private readonly ots: OtsSession,
    private readonly table: string,
    private readonly deadline: number,
  ) {}

  async moveInto(rawId: string, accountId: string): Promise<void> {
    let start: unknown = TableStore.INF_MIN;
    let collectionStart: unknown = TableStore.INF_MIN;
    for (;;) {
      if (Date.now() > this.deadline - MARGIN_MS) {
        throw new AppError('Unavailable', 'Your data is being moved into your account; log in again to finish.');
      }
      const { rows, nextStartPrimaryKey } = await this.ots.call((c) =>
        c.getRange({
          tableName: this.table,
          direction: TableStore.Direction.FORWARD,
          inclusiveStartPrimaryKey: [{ uid: rawId }, { collection: collectionStart }, { id: start }],
          exclusiveEndPrimaryKey: [{ uid: rawId }, { collection: TableStore.INF_MAX }, { id: TableStore.INF_MAX }],
          limit: PAGE,
          maxVersions: 1,
        }),
      );
      for (let i = 0; i < rows.length; i += PARALLEL) {
        await Promise.all(rows.slice(i, i + PARALLEL).map((row) => this.moveRow(row, rawId, accountId)));
      }
      if (!nextStartPrimaryKey) return;
      collectionStart = nextStartPrimaryKey.find((k) => k.name === 'collection')?.value;
      start = nextStartPrimaryKey.find((k) => k.name === 'id')?.value;
    }
  }

  /** Copies the row into the account unless the account holds other content under its key, then deletes the original. */
  private async moveRow(row: RangeRow, rawId: string, accountId: string): Promise<void> {
    const key = (uid: string) => [{ uid }, ...row.primaryKey.filter((k) => k.name !== 'uid').map((k) => ({ [k.name]: k.value }))];
    const columns = row.attributes.map((a) => ({ [a.columnName]: a.columnValue }));
    const writeId = columnsOf(row)?.writeId;
    try {
      await this.ots.call((c) =>
        c.putRow({
          tableName: this.table,
          primaryKey: key(accountId),
          condition: new TableStore.Condition(EXPECT_NOT_EXIST, null),
          attributeColumns: columns,
        }),
      );
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      // Already there: copied by an earlier or concurrent move (same writeId), or a different object.
      const { row: there } = await this.ots.call((c) =>
        c.getRow({ tableName: this.table, primaryKey: key(accountId), maxVersions: 1, columnsToGet: ['writeId'] }),
      );
      if (writeId === undefined || columnsOf(there)?.writeId !== writeId) return;
    }
    // Only the row as copied: a row written to the raw id since (by an old function instance while
    // the upgrade rolls out) is not deleted unseen; it stays there, like a row left by a collision.
    const unchanged =
      typeof writeId === 'string'
        ? new TableStore.Condition(IGNORE, new TableStore.SingleColumnCondition('writeId', writeId, TableStore.ComparatorType.EQUAL, false))
        : new TableStore.Condition(IGNORE, null);
    try {
      await this.ots.call((c) => c.deleteRow({ tableName: this.table, primaryKey: key(rawId), condition: unchanged }));
    } catch (e) {
      if (!isConditionFailed(e)) throw e; // already deleted by a concurrent move, or changed: either way not ours to delete
    }
  }
}
