import * as TableStore from 'tablestore';
import { coldTrace } from './cold-trace';
import { AppError } from './errors';
import type { FcCredentials } from './fc';
import { isNetworkError, withRetry } from './retry';

export { TableStore };
// The SDK's own retry rules never match (it reports errors with numeric codes, see decodeOtsError),
// and they would run outside our deadline: retries are ours alone. This setting is process-global.
TableStore.DefaultRetryPolicy.maxRetryTimes = 0;

export type Row = Record<string, unknown>;
export type OtsClient = {
  getRow(p: object): Promise<{ row: { primaryKey?: { name: string; value: unknown }[]; attributes?: { columnName: string; columnValue: unknown }[] } }>;
  putRow(p: object): Promise<unknown>;
  updateRow(p: object): Promise<unknown>;
  deleteRow(p: object): Promise<unknown>;
  getRange(p: object): Promise<{
    rows: { primaryKey: { name: string; value: unknown }[]; attributes: { columnName: string; columnValue: unknown }[] }[];
    nextStartPrimaryKey?: { name: string; value: unknown }[] | null;
  }>;
};

let cached: { key: string; client: OtsClient } | undefined;

/** One client per instance, rebuilt only when FC rotates the service role's credentials. */
export function otsClient(credentials: FcCredentials, endpoint: string, instance: string): OtsClient {
  const key = `${credentials.accessKeyId}\n${credentials.securityToken}`;
  if (cached?.key !== key) {
    const client = coldTrace.client(
      () =>
        new TableStore.Client({
          endpoint,
          instancename: instance,
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.accessKeySecret,
          stsToken: credentials.securityToken,
          maxRetries: 0,
          httpOptions: { timeout: 2000 },
        }),
    );
    cached = { key, client };
  }
  return cached.client;
}

export interface OtsError {
  status: number;
  code: string;
  message: string;
}

/**
 * The SDK can't decode service errors: it reports `code` = HTTP status and `message` = the raw
 * protobuf `Error{1: code, 2: message}` bytes as a string (plus " requestId:…"). This reads the
 * two fields back. Network failures keep their Node error code.
 */
export function decodeOtsError(e: unknown): OtsError {
  const err = (e ?? {}) as { code?: unknown; message?: unknown; statusCode?: unknown };
  const raw = typeof err.message === 'string' ? err.message : '';
  const status = typeof err.code === 'number' ? err.code : typeof err.statusCode === 'number' ? err.statusCode : 0;
  const fields = readProtoStrings(raw);
  if (fields[1]) return { status, code: fields[1], message: fields[2] ?? '' };
  return { status, code: typeof err.code === 'string' ? err.code : String(err.code ?? 'Unknown'), message: '' };
}

/** Reads length-delimited string fields of a tiny protobuf message held in a JS string (ASCII content). */
function readProtoStrings(s: string): Record<number, string> {
  const out: Record<number, string> = {};
  let i = 0;
  while (i < s.length) {
    const tag = s.charCodeAt(i++);
    if ((tag & 7) !== 2) break; // only length-delimited fields are expected
    let len = 0;
    for (let shift = 0; i < s.length; shift += 7) {
      const b = s.charCodeAt(i++);
      len |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    if (i + len > s.length) break;
    out[tag >> 3] = s.slice(i, i + len);
    i += len;
  }
  return out;
}

const TRANSIENT_CODES = new Set([
  'OTSServerBusy',
  'OTSPartitionUnavailable',
  'OTSTimeout',
  'OTSServerUnavailable',
  'OTSInternalServerError',
  'OTSQuotaExhausted',
  'OTSRowOperationConflict',
  'OTSTableNotReady',
  'OTSNotEnoughCapacityUnit',
  'OTSCapacityUnitExhausted',
]);

export function isTransientOts(e: unknown): boolean {
  if (isNetworkError(e)) return true;
  const { status, code } = decodeOtsError(e);
  return TRANSIENT_CODES.has(code) || status >= 500;
}

export const isConditionFailed = (e: unknown): boolean => decodeOtsError(e).code === 'OTSConditionCheckFail';

/** Counts round trips and retries transient failures inside the deadline; what still fails becomes 503 Unavailable. */
export class OtsSession {
  roundTrips = 0;
  constructor(
    readonly client: OtsClient,
    private readonly deadline: number,
  ) {}

  async call<T>(fn: (c: OtsClient) => Promise<T>): Promise<T> {
    try {
      return await withRetry(
        () => {
          this.roundTrips++;
          return fn(coldTrace.recording ? traced(this.client) : this.client);
        },
        { deadline: this.deadline, isTransient: isTransientOts },
      );
    } catch (e) {
      if (isTransientOts(e)) throw new AppError('Unavailable', 'The data store is busy; retry shortly.');
      throw e;
    }
  }
}

/** The client with each call timed for the cold-start report (first invocation only). */
function traced(c: OtsClient): OtsClient {
  return {
    getRow: (p) => coldTrace.call('ots.GetRow', () => c.getRow(p)),
    putRow: (p) => coldTrace.call('ots.PutRow', () => c.putRow(p)),
    updateRow: (p) => coldTrace.call('ots.UpdateRow', () => c.updateRow(p)),
    deleteRow: (p) => coldTrace.call('ots.DeleteRow', () => c.deleteRow(p)),
    getRange: (p) => coldTrace.call('ots.GetRange', () => c.getRange(p)),
  };
}

/** Attribute columns of a returned row as a plain map (the SDK returns a list of cells). */
export function columnsOf(row: { attributes?: { columnName: string; columnValue: unknown }[] } | undefined): Row | undefined {
  if (!row || !row.attributes || row.attributes.length === 0) return undefined;
  const out: Row = {};
  for (const a of row.attributes) out[a.columnName] = a.columnValue;
  return out;
}

/** Int64 column value to a JS number (our integers are epoch ms and versions, well inside 2^53). */
export const toNumber = (v: unknown): number => (typeof v === 'number' ? v : Number((v as { toNumber?: () => number })?.toNumber?.() ?? v));
export const int64 = (n: number): unknown => TableStore.Long.fromNumber(n);
