/**
 * The service's documented per-request limits, one constant per row with its source, and the
 * checks that apply them to decoded requests. Every check answers with the service's own error
 * (see errors.ts), so application code sees locally what it would see in the cloud.
 */
import { attributeValueTooLong, pkValueTooLong } from './errors';
import type { DecodedRow, OutputRow, PkValue, Value } from './plainbuffer';

/**
 * A String or Binary primary-key column value: at most 1 KB.
 * Limit: https://www.alibabacloud.com/help/en/tablestore/limits-on-widecolumn-model ("String: a UTF-8-encoded
 * string that does not exceed 1 KB in length", "Binary: binary data that does not exceed 1 KB in length").
 * 1 KB = 1024 bytes (UTF-8 bytes for strings): the Java SDK's function tests assert "MaxLength:1024" against
 * the live service (aliyun/aliyun-tablestore-java-sdk, functiontest/RestrictedItemTest.java testCase19-22).
 */
export const MAX_PK_VALUE_BYTES = 1024;

/**
 * A String or Binary attribute column value: at most 2 MB = 2,097,152 bytes.
 * Limit: https://alibabacloud.com/help/zh/tablestore/general-limits-of-tablestore ("String类型属性列列值大小 | 2 MB",
 * same for Binary); the Java SDK's function tests assert "MaxLength:2097152" (RestrictedItemTest.java testCase23).
 */
export const MAX_ATTRIBUTE_VALUE_BYTES = 2 * 1024 * 1024;

/**
 * GetRange returns at most 5,000 rows and at most 4 MB of row data per call, then hands back
 * `next_start_primary_key` (the key of the first row it did not return).
 * Source: https://www.alibabacloud.com/help/en/tablestore/developer-reference/getrange ("Tablestore returns up to
 * 5,000 rows of data regardless of whether you specify this parameter. The total size of returned rows cannot exceed
 * 4 MB.") and the limits table (GetRange: "5000行或者4 MB … 超出上限的数据将会按行级别被截掉并返回下一行数据主键信息",
 * i.e. cut at row level, the next row's key returned).
 */
export const MAX_RANGE_ROWS = 5000;
export const MAX_RANGE_BYTES = 4 * 1024 * 1024;

/** Source: https://alibabacloud.com/help/zh/tablestore/general-limits-of-tablestore (BatchGetRow 100 rows, BatchWriteRow 200 rows). */
export const MAX_BATCH_GET_ROWS = 100;
export const MAX_BATCH_WRITE_ROWS = 200;

/**
 * One HTTP request body: at most 5 MB, else 413 OTSRequestBodyTooLarge.
 * Limit: the older limits table ("一次 HTTP 请求 Request Body 的数据大小 | 不超过 5 MB", as quoted at
 * https://developer.aliyun.com/ask/216972; the current limits page no longer lists it). Error: the error-code
 * reference, https://www.alibabacloud.com/help/en/tablestore/developer-reference/error-codes.
 */
export const MAX_REQUEST_BODY_BYTES = 5 * 1024 * 1024;

/**
 * Data size of a value as the service counts it: String = its UTF-8 bytes, Integer 8, Double 8,
 * Boolean 1, Binary = its bytes. Source: "Storage usage",
 * https://www.alibabacloud.com/help/en/tablestore/storage-usage (the "Number of bytes" table).
 */
export function valueBytes(v: Value): number {
  switch (v.type) {
    case 'STRING':
      return Buffer.byteLength(v.value, 'utf8');
    case 'BINARY':
      return v.value.length;
    case 'BOOLEAN':
      return 1;
    default:
      return 8;
  }
}

/** Bytes of a String/Binary value, the only types the length limits apply to (undefined otherwise). */
function variableLength(v: PkValue | Value | undefined): number | undefined {
  return v && (v.type === 'STRING' || v.type === 'BINARY') ? valueBytes(v) : undefined;
}

/**
 * The column-value length limits of one decoded request row (a key, a row to write, a range
 * bound). The service checks them on the whole request before applying anything: the Java SDK's
 * tests see even BatchGetRow and BatchWriteRow fail as a whole (400), not row by row.
 */
export function checkValueLengths(row: DecodedRow): void {
  for (const pk of row.primaryKey) {
    const n = variableLength(pk.value);
    if (n !== undefined && n > MAX_PK_VALUE_BYTES) throw pkValueTooLong(pk.name, MAX_PK_VALUE_BYTES, n);
  }
  for (const cell of row.cells) checkAttributeValueLength(cell.name, cell.value);
}

/** An attribute value, or a filter or condition value, which is held to the same limit (Java SDK UnifiedFilterRestrictionAndParamCheckingTest). */
export function checkAttributeValueLength(column: string, value: Value | undefined): void {
  const n = variableLength(value);
  if (n !== undefined && n > MAX_ATTRIBUTE_VALUE_BYTES) throw attributeValueTooLong(column, MAX_ATTRIBUTE_VALUE_BYTES, n);
}

/**
 * What one returned row counts against GetRange's 4 MB. The service does not say how it measures
 * "the total size of returned rows"; the only size it defines is a row's data size (Storage usage page above):
 * primary key = Σ(name bytes + value bytes), each attribute version = name bytes + value bytes + 8 for its
 * version. Every returned cell carries its version (timestamp), so the 8 bytes are always counted here
 * (the page drops them for MaxVersions=1 and no TTL, which is about what is stored, not what is sent).
 * The wire size (PlainBuffer tags, lengths and checksums) is larger; it is not what is counted.
 */
export function rowDataSize(row: OutputRow): number {
  let n = 0;
  for (const pk of row.primaryKey) n += Buffer.byteLength(pk.name, 'utf8') + valueBytes(pk.value);
  for (const c of row.cells) n += Buffer.byteLength(c.name, 'utf8') + valueBytes(c.value) + 8;
  return n;
}
