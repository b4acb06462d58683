/** Local Tablestore: speaks the real wire protocol so the unmodified `tablestore` SDK talks to it. */
export { TablestoreEmulator, type TablestoreFault, type TablestoreOptions, type FaultDecision } from './server';
export type { TableSpec } from './table';
export { DEFAULT_NETWORK_TYPE_ACL, type NetworkType } from './acl';
export { MAX_ATTRIBUTE_VALUE_BYTES, MAX_PK_VALUE_BYTES, MAX_RANGE_BYTES, MAX_RANGE_ROWS } from './limits';
export type { RowPage, TableSummary } from './browse';
export type { KeyValue, OutputRow, Value } from './plainbuffer';
