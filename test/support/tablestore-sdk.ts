/**
 * The real `tablestore` SDK as the emulator tests drive it: a client for issued credentials and
 * a promisified call. The SDK ships no typings; tests talk to it through a deliberately loose surface.
 */
import type { IssuedCredentials } from '../../local/credentials';

export const TableStore: any = require('tablestore');

/** A client of `instance` at `endpoint` with these credentials; no SDK retries, so each call is one request. */
export const sdkClient = (
  endpoint: string,
  instance: string,
  creds: Pick<IssuedCredentials, 'accessKeyId' | 'accessKeySecret' | 'securityToken'>,
  overrides: Record<string, unknown> = {},
): any =>
  new TableStore.Client({
    endpoint,
    instancename: instance,
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.accessKeySecret,
    stsToken: creds.securityToken,
    maxRetries: 0,
    ...overrides,
  });

/** Promisified SDK call. */
export function call(client: any, method: string, params: Record<string, unknown>): Promise<any> {
  return new Promise((resolve, reject) => client[method](params, (err: unknown, data: unknown) => (err ? reject(err) : resolve(data))));
}

/** Runs an SDK call that must fail; returns the SDK's error (code: the HTTP status, message: the raw protobuf Error). */
export async function failure(p: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: unknown; message: string };
  }
  throw new Error('expected the call to fail');
}
