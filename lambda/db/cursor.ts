import { badRequest } from '../shared/errors';

/**
 * A list cursor is the next id to read, wrapped so clients treat it as opaque. It needs no
 * signature: whatever a client puts in it, the range stays inside its own user and collection.
 */
export const encodeCursor = (collection: string, nextId: string): string => Buffer.from(JSON.stringify([collection, nextId])).toString('base64url');

/** Fatal: bytes that are not UTF-8 were not written by encodeCursor (toString would make them U+FFFD). */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The id a cursor holds (decoded once, in request.ts, which also checks it can be a primary-key value). */
export function decodeCursor(cursor: string, collection: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(Buffer.from(cursor, 'base64url')));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || parsed[0] !== collection || typeof parsed[1] !== 'string') {
    throw badRequest('"cursor" is not a cursor of this list; pass back the cursor the previous list returned.');
  }
  return parsed[1];
}
