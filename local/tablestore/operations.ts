/**
 * The data-plane operations: protobuf request → table semantics → protobuf response.
 * Each handler decodes first, then asks `authorize` for every table it touches (the service
 * checks RAM per table, including for each table of a batch), then applies.
 */
import { decodeFilter } from './filter';
import { OtsError, parameterInvalid } from './errors';
import { checkValueLengths, MAX_BATCH_GET_ROWS, MAX_BATCH_WRITE_ROWS, MAX_RANGE_BYTES, MAX_RANGE_ROWS } from './limits';
import { decodeRow, encodePrimaryKey, encodeRow, encodeRows, type DecodedRow, type KeyValue } from './plainbuffer';
import {
  Direction,
  int64ToNumber,
  has,
  OperationType,
  PrimaryKeyType,
  RowExistence,
  TableStatus,
  pb,
  type ConditionMsg,
  type MessageType,
  type ReadParams,
  type ReturnContentMsg,
} from './proto';
import type { Store } from './store';
import type { ReadOptions, ReturnSpec, Table, WriteCondition } from './table';

export interface OpContext {
  store: Store;
  /** Throws OTSNoPermissionAccess unless the caller may run this operation on these tables (none = instance level). */
  authorize(tables: string[]): void;
}
/** The encoded response; the store sees every row a handler changes, so the server can journal them (store.ts). */
type Handler = (ctx: OpContext, body: Buffer) => Uint8Array;

const READ_CU = { capacityUnit: { read: 1, write: 0 } };
const WRITE_CU = { capacityUnit: { read: 0, write: 1 } };

function decode<T>(type: MessageType<T>, body: Buffer): T {
  try {
    return type.decode(body);
  } catch {
    throw parameterInvalid('Parse PBMessage from RawString failed.');
  }
}
const encode = (type: MessageType<unknown>, msg: object): Uint8Array => type.encode(msg).finish();

/** A request row (key, row to write, range bound) decoded, its value lengths held to the service's limits. */
function readRow(bytes: Uint8Array): DecodedRow {
  const row = decodeRow(bytes);
  checkValueLengths(row);
  return row;
}

/**
 * The rows of a batch decoded up front: a value over its length limit fails the whole request
 * before any row is applied (as the service answers it, see limits.ts), while a malformed row
 * stays that row's own error.
 */
function readBatchRows(rows: Uint8Array[]): ({ row: DecodedRow } | { error: OtsError })[] {
  return rows.map((bytes) => {
    let row: DecodedRow;
    try {
      row = decodeRow(bytes);
    } catch (e) {
      if (e instanceof OtsError) return { error: e };
      throw e;
    }
    checkValueLengths(row);
    return { row };
  });
}

const rowOf = (parsed: { row: DecodedRow } | { error: OtsError }): DecodedRow => {
  if ('error' in parsed) throw parsed.error;
  return parsed.row;
};

/** A key-only row (GetRow, BatchGetRow) validated against the schema. */
function readKey(table: Table, row: DecodedRow): KeyValue[] {
  if (row.cells.length > 0) throw parameterInvalid('Attribute column cannot be given while reading data.');
  if (row.deleteMarker) throw parameterInvalid('Delete marker cannot be given.');
  return table.validateKey(row.primaryKey) as KeyValue[];
}

function readOptions(msg: ReadParams): ReadOptions {
  const opts: ReadOptions = { columnsToGet: msg.columnsToGet ?? [] };
  const hasVersions = has(msg, 'maxVersions');
  if (hasVersions) {
    if (msg.maxVersions <= 0) throw parameterInvalid(`Invalid max versions: ${msg.maxVersions} . Reason: Max versions must be positive.`);
    opts.maxVersions = msg.maxVersions;
  }
  const tr = msg.timeRange;
  if (tr) {
    if (has(tr, 'specificTime')) opts.timeRange = { specific: int64ToNumber(tr.specificTime) };
    else if (has(tr, 'startTime') && has(tr, 'endTime')) {
      opts.timeRange = { start: int64ToNumber(tr.startTime), end: int64ToNumber(tr.endTime) };
    } else throw parameterInvalid('Start and end time must be given at the same time.');
  }
  if (!hasVersions && !tr) throw parameterInvalid('No version condition is specified while querying row.');
  if (msg.filter && msg.filter.length > 0) opts.filter = decodeFilter(msg.filter);
  return opts;
}

function condition(msg: ConditionMsg | null | undefined): WriteCondition {
  const rowExistence = msg?.rowExistence ?? RowExistence.IGNORE;
  if (!(Object.values(RowExistence) as number[]).includes(rowExistence)) {
    throw parameterInvalid(`Invalid row-existence expectation: ${rowExistence}.`);
  }
  const cc = msg?.columnCondition;
  return { rowExistence, ...(cc && cc.length > 0 ? { columnCondition: decodeFilter(cc) } : {}) };
}

function returnSpec(msg: ReturnContentMsg | null | undefined): ReturnSpec | undefined {
  if (!msg || !msg.returnType) return undefined;
  if (msg.returnType < 0 || msg.returnType > 2) throw parameterInvalid(`Invalid return type: ${msg.returnType}.`);
  return { type: msg.returnType, columns: msg.returnColumnNames ?? [] };
}

/** Consumed CU of a write: a conditional write also reads the row. */
const writeCu = (cond: WriteCondition) =>
  cond.rowExistence !== RowExistence.IGNORE || cond.columnCondition ? { capacityUnit: { read: 1, write: 1 } } : WRITE_CU;

type WriteKind = 'put' | 'update' | 'delete';

/** One row write as PutRow/UpdateRow/DeleteRow and each BatchWriteRow row perform it. */
function writeRow(table: Table, kind: WriteKind, row: DecodedRow, cond: WriteCondition, ret: ReturnSpec | undefined) {
  const key = table.validateKey(row.primaryKey) as KeyValue[];
  if (kind === 'delete') {
    if (!row.deleteMarker) throw parameterInvalid('Invalid request of delete row: missing RowDeleteMarker in request.');
    if (row.cells.length > 0) throw parameterInvalid('Invalid delete row request: unexpected cells in request.');
    return table.delete(key, cond, ret);
  }
  if (row.deleteMarker) throw parameterInvalid('Invalid request of put/update row: unexpected RowDeleteMarker in request.');
  return kind === 'put' ? table.put(key, row.cells, cond, ret) : table.update(key, row.cells, cond, ret);
}

const singleWrite =
  (
    kind: WriteKind,
    req: MessageType<{ tableName: string; condition: ConditionMsg; returnContent?: ReturnContentMsg | null }>,
    res: MessageType<never>,
    field: 'row' | 'rowChange' | 'primaryKey',
  ): Handler =>
  (ctx, body) => {
    const msg = decode(req, body);
    ctx.authorize([msg.tableName]);
    const table = ctx.store.table(msg.tableName);
    const cond = condition(msg.condition);
    const row = readRow((msg as unknown as Record<string, Uint8Array>)[field]);
    const out = writeRow(table, kind, row, cond, returnSpec(msg.returnContent));
    return encode(res, { consumed: writeCu(cond), row: encodeRow(out) });
  };

/** Per-row error as batch responses carry it; anything that is not a service error is a bug and propagates. */
function rowError(e: unknown): { isOk: false; error: { code: string; message: string } } {
  if (!(e instanceof OtsError)) throw e;
  return { isOk: false, error: { code: e.code, message: e.message } };
}

/** What both batch operations check before touching a row: row count, duplicate tables, permission on each table. */
function checkBatch(ctx: Parameters<Handler>[0], tables: { tableName: string }[], rowCount: number, limit: number, emptyMessage: string): void {
  if (rowCount === 0) throw parameterInvalid(emptyMessage);
  if (rowCount > limit) throw parameterInvalid(`Rows count exceeds the upper limit:${limit}.`);
  const seen = new Set<string>();
  for (const { tableName } of tables) {
    if (seen.has(tableName)) throw parameterInvalid(`Duplicated table name: ${tableName}.`);
    seen.add(tableName);
  }
  ctx.authorize(tables.map((t) => t.tableName));
}

export const operations: Record<string, Handler> = {
  ListTable(ctx, body) {
    decode(pb.ListTableRequest, body);
    ctx.authorize([]);
    return encode(pb.ListTableResponse, { tableNames: [...ctx.store.tables.keys()] });
  },

  DescribeTable(ctx, body) {
    const msg = decode(pb.DescribeTableRequest, body);
    ctx.authorize([msg.tableName]);
    const { spec } = ctx.store.table(msg.tableName);
    const response = {
      tableMeta: {
        tableName: spec.name,
        primaryKey: spec.primaryKey.map((p) => ({ name: p.name, type: PrimaryKeyType[p.type] })),
      },
      reservedThroughputDetails: { capacityUnit: { read: 0, write: 0 }, lastIncreaseTime: 0 },
      tableOptions: { timeToLive: spec.timeToLive, maxVersions: spec.maxVersions ?? 1, deviationCellVersionInSec: 86400 },
      tableStatus: TableStatus.ACTIVE,
    };
    return encode(pb.DescribeTableResponse, response);
  },

  GetRow(ctx, body) {
    const msg = decode(pb.GetRowRequest, body);
    ctx.authorize([msg.tableName]);
    const table = ctx.store.table(msg.tableName);
    const row = table.get(readKey(table, readRow(msg.primaryKey)), readOptions(msg));
    return encode(pb.GetRowResponse, { consumed: READ_CU, row: encodeRow(row) });
  },

  PutRow: singleWrite('put', pb.PutRowRequest, pb.PutRowResponse, 'row'),
  UpdateRow: singleWrite('update', pb.UpdateRowRequest, pb.UpdateRowResponse, 'rowChange'),
  DeleteRow: singleWrite('delete', pb.DeleteRowRequest, pb.DeleteRowResponse, 'primaryKey'),

  GetRange(ctx, body) {
    const msg = decode(pb.GetRangeRequest, body);
    ctx.authorize([msg.tableName]);
    const table = ctx.store.table(msg.tableName);
    const opts = readOptions(msg);
    if (has(msg, 'limit') && msg.limit <= 0) throw parameterInvalid('The limit must be greater than 0.');
    const limit = Math.min(has(msg, 'limit') ? msg.limit : MAX_RANGE_ROWS, MAX_RANGE_ROWS);
    const start = readRow(msg.inclusiveStartPrimaryKey);
    const end = readRow(msg.exclusiveEndPrimaryKey);
    const { rows, next } = table.range(
      table.validateKey(start.primaryKey, true),
      table.validateKey(end.primaryKey, true),
      msg.direction === Direction.BACKWARD,
      { rows: limit, bytes: MAX_RANGE_BYTES },
      opts,
    );
    const response = {
      consumed: { capacityUnit: { read: Math.max(1, rows.length), write: 0 } },
      rows: encodeRows(rows),
      ...(next ? { nextStartPrimaryKey: encodePrimaryKey(table.keyColumns(next)) } : {}),
    };
    return encode(pb.GetRangeResponse, response);
  },

  BatchGetRow(ctx, body) {
    const msg = decode(pb.BatchGetRowRequest, body);
    const total = msg.tables.reduce((n, t) => n + t.primaryKey.length, 0);
    checkBatch(ctx, msg.tables, total, MAX_BATCH_GET_ROWS, 'No row specified in the request of BatchGetRow.');
    const keys = msg.tables.map((t) => readBatchRows(t.primaryKey));
    const tables = msg.tables.map((t, ti) => {
      let rows;
      try {
        const table = ctx.store.table(t.tableName);
        const opts = readOptions(t);
        rows = keys[ti].map((pk) => {
          try {
            return { isOk: true, consumed: READ_CU, row: encodeRow(table.get(readKey(table, rowOf(pk)), opts)) };
          } catch (e) {
            return rowError(e);
          }
        });
      } catch (e) {
        // A table-level problem (missing table, bad options) fails each of its rows.
        const err = rowError(e);
        rows = t.primaryKey.map(() => err);
      }
      return { tableName: t.tableName, rows };
    });
    return encode(pb.BatchGetRowResponse, { tables });
  },

  BatchWriteRow(ctx, body) {
    const msg = decode(pb.BatchWriteRowRequest, body);
    const total = msg.tables.reduce((n, t) => n + t.rows.length, 0);
    checkBatch(ctx, msg.tables, total, MAX_BATCH_WRITE_ROWS, 'No row is specified in BatchWriteRow.');
    const changes = msg.tables.map((t) => readBatchRows(t.rows.map((r) => r.rowChange)));
    const kinds: Record<number, WriteKind> = { [OperationType.PUT]: 'put', [OperationType.UPDATE]: 'update', [OperationType.DELETE]: 'delete' };
    const tables = msg.tables.map((t, ti) => ({
      tableName: t.tableName,
      rows: t.rows.map((r, ri) => {
        try {
          const table = ctx.store.table(t.tableName);
          const kind = kinds[r.type];
          if (!kind) throw parameterInvalid('The modify type is invalid.');
          const cond = condition(r.condition);
          const out = writeRow(table, kind, rowOf(changes[ti][ri]), cond, returnSpec(r.returnContent));
          return { isOk: true, consumed: writeCu(cond), row: encodeRow(out) };
        } catch (e) {
          return rowError(e);
        }
      }),
    }));
    return encode(pb.BatchWriteRowResponse, { tables });
  },
};
