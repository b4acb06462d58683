import { STACK_FRAME, Secrets } from '../support/secrets';
import type { LocalCloud } from '../../local/cloud';
import { type LoginAnswer, type StsCredentials, fcClient } from '../support/local';
import { type TableRow, tableRows } from '../functions/helpers';

/** What one invocation of db answered, function errors included (never throws for an FC error answer). */
export interface DbAnswer {
  /** FC's HTTP status: 200 for every answer the function gave (errors included). */
  status: number;
  headers: Record<string, string>;
  /** The parsed answer, or the raw text when it is not JSON. */
  body: any;
  /** The raw answer text as the client received it. */
  text: string;
}

/** Invokes db with any event string, as fc2 sends it; FC-level refusals (4xx from FC itself) come back too. */
export async function rawInvoke(cloud: LocalCloud, sts: StsCredentials, event: string | Buffer, fn = cloud.config.DBFunctionName): Promise<DbAnswer> {
  try {
    const res = await fcClient(cloud, sts).invokeFunction(cloud.config.ServiceName, fn, event);
    const text = typeof res.data === 'string' ? res.data : Buffer.isBuffer(res.data) ? res.data.toString('utf8') : JSON.stringify(res.data);
    return { status: 200, headers: res.headers, body: res.data, text };
  } catch (e) {
    // fc2 throws for a non-2xx FC answer: "<METHOD> <path> failed with <status>. …", code = FC's ErrorCode.
    const err = e as { code?: string; message?: string };
    const status = /failed with (\d{3})\./.exec(String(err.message ?? ''))?.[1];
    if (!status) throw e;
    return { status: Number(status), headers: {}, body: { fcError: err.code }, text: String(err.message ?? '') };
  }
}

/** A db call for a session with an event object (sid added unless given). */
export const dbCall = (cloud: LocalCloud, session: LoginAnswer, event: Record<string, unknown>): Promise<DbAnswer> =>
  rawInvoke(cloud, session.sts, JSON.stringify({ sid: session.sessionId, ...event }));

/** The structured error shape both functions answer with. */
export const isErrorBody = (b: unknown): b is { error: { code: string; message: string } } =>
  typeof b === 'object' &&
  b !== null &&
  Object.keys(b).length === 1 &&
  typeof (b as { error?: { code?: unknown } }).error?.code === 'string' &&
  typeof (b as { error?: { message?: unknown } }).error?.message === 'string' &&
  Object.keys((b as { error: object }).error).length === 2;

/**
 * One user's object rows in the raw table, sorted, as comparable JSON. `accountId` is the login's
 * account id: the objects table's `uid` key column holds it (not the Alipay user id).
 */
export async function userRows(cloud: LocalCloud, accountId: string): Promise<string> {
  const rows = (await tableRows(cloud, 'objects')).filter((r: TableRow) => r.key.uid === accountId);
  return JSON.stringify(rows.map((r) => [r.key, r.columns]));
}

/** Fast-check run count: FUZZ_RUNS overrides (npm run soak sets 10000). */
export const fuzzRuns = (fallback: number): number => {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

/** Prints a figure for the report, one line, prefixed so it can be grepped out of jest's output. */
export const report = (what: string, figures: unknown): void => {
  console.log(`[reliability] ${what}: ${JSON.stringify(figures)}`);
};

export { STACK_FRAME, Secrets };
