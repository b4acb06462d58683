/**
 * Typed view of the SDK's static protobuf module (`tablestore_compiled_proto.js`), reused so the
 * emulator encodes exactly what the SDK decodes. The module ships no typings; the interfaces
 * below cover only the fields the emulator reads (protobufjs camelCases field names).
 */
export interface Long {
  toNumber(): number;
}
export type Int64 = number | Long;
export const int64ToNumber = (v: Int64 | null | undefined): number | undefined =>
  v === null || v === undefined ? undefined : typeof v === 'number' ? v : v.toNumber();

/** True when an optional proto2 field was present on the wire (protobufjs puts defaults on the prototype). */
export const has = (msg: object, field: string): boolean => Object.prototype.hasOwnProperty.call(msg, field);

export interface MessageType<T> {
  decode(buf: Uint8Array): T;
  encode(msg: object): { finish(): Uint8Array };
}

export interface ConditionMsg {
  rowExistence: number;
  columnCondition?: Uint8Array;
}
export interface ReturnContentMsg {
  returnType?: number;
  returnColumnNames?: string[];
}
export interface TimeRangeMsg {
  startTime?: Int64;
  endTime?: Int64;
  specificTime?: Int64;
}
export interface ReadParams {
  columnsToGet: string[];
  timeRange?: TimeRangeMsg | null;
  maxVersions: number;
  filter?: Uint8Array;
}
export interface GetRowRequest extends ReadParams {
  tableName: string;
  primaryKey: Uint8Array;
}
export interface WriteRowRequest {
  tableName: string;
  condition: ConditionMsg;
  returnContent?: ReturnContentMsg | null;
}
export interface PutRowRequest extends WriteRowRequest {
  row: Uint8Array;
}
export interface UpdateRowRequest extends WriteRowRequest {
  rowChange: Uint8Array;
}
export interface DeleteRowRequest extends WriteRowRequest {
  primaryKey: Uint8Array;
}
export interface GetRangeRequest extends ReadParams {
  tableName: string;
  direction: number;
  limit: number;
  inclusiveStartPrimaryKey: Uint8Array;
  exclusiveEndPrimaryKey: Uint8Array;
}
export interface TableInBatchGetRowRequest extends ReadParams {
  tableName: string;
  primaryKey: Uint8Array[];
}
export interface BatchGetRowRequest {
  tables: TableInBatchGetRowRequest[];
}
export interface RowInBatchWriteRowRequest {
  type: number;
  rowChange: Uint8Array;
  condition: ConditionMsg;
  returnContent?: ReturnContentMsg | null;
}
export interface BatchWriteRowRequest {
  tables: { tableName: string; rows: RowInBatchWriteRowRequest[] }[];
}
export interface TableNameRequest {
  tableName: string;
}

export interface FilterMsg {
  type: number;
  filter: Uint8Array;
}
export interface SingleColumnValueFilterMsg {
  comparator: number;
  columnName: string;
  columnValue: Uint8Array;
  filterIfMissing: boolean;
  latestVersionOnly: boolean;
}
export interface CompositeColumnValueFilterMsg {
  combinator: number;
  subFilters: FilterMsg[];
}
export interface ColumnPaginationFilterMsg {
  offset: number;
  limit: number;
}

type AnyMessage = MessageType<never>;
interface CompiledProto {
  main: { proto: Record<string, AnyMessage> & Record<string, unknown> };
  filter: { proto: Record<string, AnyMessage> };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const compiled = require('tablestore/lib/protocol/tablestore_compiled_proto.js') as CompiledProto;
const main = compiled.main.proto;
const filter = compiled.filter.proto;
const msg = <T>(m: AnyMessage): MessageType<T> => m as unknown as MessageType<T>;

export const pb = {
  Error: msg<{ code: string; message?: string }>(main.Error),
  GetRowRequest: msg<GetRowRequest>(main.GetRowRequest),
  GetRowResponse: msg<never>(main.GetRowResponse),
  PutRowRequest: msg<PutRowRequest>(main.PutRowRequest),
  PutRowResponse: msg<never>(main.PutRowResponse),
  UpdateRowRequest: msg<UpdateRowRequest>(main.UpdateRowRequest),
  UpdateRowResponse: msg<never>(main.UpdateRowResponse),
  DeleteRowRequest: msg<DeleteRowRequest>(main.DeleteRowRequest),
  DeleteRowResponse: msg<never>(main.DeleteRowResponse),
  GetRangeRequest: msg<GetRangeRequest>(main.GetRangeRequest),
  GetRangeResponse: msg<never>(main.GetRangeResponse),
  BatchGetRowRequest: msg<BatchGetRowRequest>(main.BatchGetRowRequest),
  BatchGetRowResponse: msg<never>(main.BatchGetRowResponse),
  BatchWriteRowRequest: msg<BatchWriteRowRequest>(main.BatchWriteRowRequest),
  BatchWriteRowResponse: msg<never>(main.BatchWriteRowResponse),
  ListTableRequest: msg<object>(main.ListTableRequest),
  ListTableResponse: msg<never>(main.ListTableResponse),
  DescribeTableRequest: msg<TableNameRequest>(main.DescribeTableRequest),
  DescribeTableResponse: msg<never>(main.DescribeTableResponse),
  Filter: msg<FilterMsg>(filter.Filter),
  SingleColumnValueFilter: msg<SingleColumnValueFilterMsg>(filter.SingleColumnValueFilter),
  CompositeColumnValueFilter: msg<CompositeColumnValueFilterMsg>(filter.CompositeColumnValueFilter),
  ColumnPaginationFilter: msg<ColumnPaginationFilterMsg>(filter.ColumnPaginationFilter),
};

// Enum numbers from tablestore.proto / tablestore_filter.proto.
export const RowExistence = { IGNORE: 0, EXPECT_EXIST: 1, EXPECT_NOT_EXIST: 2 } as const;
export const ReturnType = { RT_NONE: 0, RT_PK: 1, RT_AFTER_MODIFY: 2 } as const;
export const Direction = { FORWARD: 0, BACKWARD: 1 } as const;
export const OperationType = { PUT: 1, UPDATE: 2, DELETE: 3 } as const;
export const FilterType = { SINGLE: 1, COMPOSITE: 2, PAGINATION: 3 } as const;
export const Comparator = { EQUAL: 1, NOT_EQUAL: 2, GREATER_THAN: 3, GREATER_EQUAL: 4, LESS_THAN: 5, LESS_EQUAL: 6 } as const;
export const LogicalOperator = { NOT: 1, AND: 2, OR: 3 } as const;
export const TableStatus = { ACTIVE: 1 } as const;
export const PrimaryKeyType = { INTEGER: 1, STRING: 2, BINARY: 3 } as const;
