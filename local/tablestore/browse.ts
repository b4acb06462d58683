/**
 * Read-only access to the stored rows for local tools (the local console, local/console/), beside
 * the wire protocol: no credentials, no journal. It reads as GetRange reads (latest version of each
 * column, expired rows skipped and purged lazily), so it shows exactly what a client would get.
 */
import type { KeyValue, OutputRow, PkValue } from './plainbuffer';
import type { Table, TableSpec } from './table';

export interface TableSummary {
  spec: TableSpec;
  /** Rows held, including expired ones not yet purged (TTL is applied lazily, as by the service). */
  storedRows: number;
}

export interface RowPage {
  /** In primary-key order. */
  rows: OutputRow[];
  /** The key of the first row of the next page (inclusive start); absent on the last page. */
  next?: KeyValue[];
}

export const summarize = (table: Table): TableSummary => ({ spec: table.spec, storedRows: table.rows.length });

/**
 * Up to `limit` rows from `start` (inclusive; undefined = the first row). No byte budget: a local
 * tool pages by rows. Throws the service's OTSInvalidPK for a key that does not fit the schema.
 */
export function browseRows(table: Table, limit: number, start?: KeyValue[]): RowPage {
  const schema = table.spec.primaryKey;
  const from: PkValue[] = start ? table.validateKey(table.keyColumns(start)) : schema.map(() => ({ type: 'INF_MIN' }));
  const end: PkValue[] = schema.map(() => ({ type: 'INF_MAX' }));
  return table.range(from, end, false, { rows: limit, bytes: Number.POSITIVE_INFINITY }, { columnsToGet: [], maxVersions: 1 });
}
