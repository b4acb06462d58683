/** Local Tablestore: speaks the real wire protocol so the unmodified `tablestore` SDK talks to it. */
export { TablestoreEmulator, type TablestoreFault, type TablestoreOptions, type FaultDecision } from './server';
export type { TableSpec } from './table';
