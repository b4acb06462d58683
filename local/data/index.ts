/** Data in and out of the local cloud: the export format, export, import and seed (README "Data in and out"). */
export { DataFileError, FORMAT, FORMAT_VERSION, parseDataFile, type DataFile, type DataRow, type Problem } from './format';
export { stackTables, type StackTables } from './stack';
export { StateDirInUseError, journalFile } from './state';
export {
  describeCounts,
  exportLoaded,
  exportTables,
  exportText,
  importTables,
  seedTables,
  seedTablesFromFile,
  type ExportOptions,
  type ImportOptions,
  type ImportResult,
  type TableExport,
} from './transfer';
