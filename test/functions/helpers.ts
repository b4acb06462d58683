import type { LocalCloud } from '../../local/cloud';
import { type LoginAnswer, type StsCredentials, fcClient } from '../support/local';
import { type StoredRow, allRows } from '../support/tables';

/** What an invocation of db really returned: fc2's `{headers, data}`, function errors included. */
export interface RawInvoke {
  headers: Record<string, string>;
  data: any;
}

/**
 * Invokes db with a hand-made event (any string, so malformed JSON and `__proto__` keys reach the
 * function as written) and fails the test if the function crashed instead of answering.
 */
export async function invokeDb(cloud: LocalCloud, sts: StsCredentials, event: string | Record<string, unknown>): Promise<any> {
  const body = typeof event === 'string' ? event : JSON.stringify(event);
  const res: RawInvoke = await fcClient(cloud, sts).invokeFunction(cloud.config.ServiceName, cloud.config.DBFunctionName, body);
  expect(res.headers['x-fc-error-type']).toBeUndefined();
  return res.data;
}

/** One db call for a session (its sid is added unless the event already names one). */
export const dbOp = (cloud: LocalCloud, session: LoginAnswer, event: Record<string, unknown>): Promise<any> =>
  invokeDb(cloud, session.sts, { sid: session.sessionId, ...event });

/** Asserts the structured error shape and returns its code. */
export function errorCode(answer: any): string {
  expect(answer).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  return answer.error.code;
}

/** Every id of a collection, read page by page through the cursors. */
export async function allIds(cloud: LocalCloud, session: LoginAnswer, collection?: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await dbOp(cloud, session, { op: 'list', limit: 100, ...(collection ? { collection } : {}), ...(cursor ? { cursor } : {}) });
    expect(page.error).toBeUndefined();
    ids.push(...page.data.map((o: { id: string }) => o.id));
    cursor = page.cursor;
  } while (cursor);
  return ids;
}

export type TableRow = StoredRow;

/**
 * Reads a whole table straight from local Tablestore with the real SDK, as an operator with
 * console access would: how tests see what the functions stored (not just what they answered).
 */
export async function tableRows(cloud: LocalCloud, table: 'sessions' | 'objects'): Promise<TableRow[]> {
  const env = cloud.fc.instance(cloud.config.ServiceName, cloud.config.DBFunctionName)!.spec.environment;
  return table === 'sessions' ? allRows(cloud, env.SESSIONS_TABLE, ['sid']) : allRows(cloud, env.OBJECTS_TABLE, ['uid', 'collection', 'id']);
}

/**
 * The stored row of one object, decoded (doc = the client's own fields as kept). `uid` is the
 * partition key's value: the owner's account id (the login answer's `accountId`).
 */
export async function storedObject(
  cloud: LocalCloud,
  uid: string,
  id: string,
  collection = 'default',
): Promise<{ doc: Record<string, unknown>; version: number } | undefined> {
  const row = (await tableRows(cloud, 'objects')).find((r) => r.key.uid === uid && r.key.collection === collection && r.key.id === id);
  if (!row) return undefined;
  return { doc: JSON.parse(String(row.columns.doc)) as Record<string, unknown>, version: Number(row.columns.version) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
