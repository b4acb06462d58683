import { AppError, badRequest } from '../shared/errors';

export const MAX_EVENT_BYTES = 128 * 1024;
export const MAX_OBJECT_BYTES = 64 * 1024;
export const MAX_FIELDS = 128;
export const MAX_DEPTH = 8;
export const MAX_LIST_LIMIT = 100;
export const DEFAULT_COLLECTION = 'default';

/** Kept by the server: ignored when a client sends them back with an object it read. */
export const SERVER_FIELDS = new Set(['uid', 'collection', 'createdAt', 'updatedAt', 'version']);
/** Keys that reach Object.prototype if some consumer merges objects naively: refused at any depth. */
const POISON_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const FIELD_NAME = /^[A-Za-z_$][A-Za-z0-9_$-]{0,63}$/;
const COLLECTION = /^[A-Za-z0-9_-]{1,64}$/;
/** Ids are free text (the original client used the todo's text as its id), but not control characters. */
const ID = /^[^\u0000-\u001f\u007f]{1,256}$/u;

export type Fields = Record<string, unknown>;
interface Base {
  sid: string;
  collection: string;
}
export type DbRequest =
  | (Base & { op: 'get'; id: string })
  | (Base & { op: 'remove'; id: string; ifVersion?: number })
  | (Base & { op: 'put'; id: string; fields: Fields; ifVersion?: number })
  | (Base & { op: 'update'; id: string; fields: Fields; ifVersion?: number })
  | (Base & { op: 'list'; limit: number; cursor?: string });

/** Parses and checks an invoke event completely before anything is read or written. */
export function parseDbRequest(event: Buffer | string): DbRequest {
  const size = Buffer.isBuffer(event) ? event.length : Buffer.byteLength(event);
  if (size > MAX_EVENT_BYTES) throw new AppError('PayloadTooLarge', `The event must be at most ${MAX_EVENT_BYTES} bytes.`);
  let input: unknown;
  try {
    input = JSON.parse(event.toString());
  } catch {
    throw badRequest('The event must be JSON: {"sid", "op", ...}.');
  }
  if (!isPlainObject(input)) throw badRequest('The event must be a JSON object.');
  const { sid, op } = input;
  if (typeof sid !== 'string' || sid.length === 0 || sid.length > 128) throw badRequest('"sid" must be the sessionId string the login returned.');
  const collection = parseCollection(input.collection);
  switch (op) {
    case 'get':
      return { sid, collection, op, id: parseId(input.id) };
    case 'remove':
      return { sid, collection, op, id: parseId(input.id), ifVersion: parseVersion(input.ifVersion) };
    case 'put':
    case 'update': {
      if (!isPlainObject(input.obj)) throw badRequest('"obj" must be an object with an "id".');
      const { id, ...rest } = input.obj;
      return { sid, collection, op, id: parseId(id, '"obj.id"'), fields: parseFields(rest), ifVersion: parseVersion(input.ifVersion) };
    }
    case 'list':
      return { sid, collection, op, limit: parseLimit(input.limit), cursor: parseCursorField(input.cursor) };
    default:
      throw badRequest('"op" must be one of "put", "get", "list", "update", "remove".');
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseCollection(v: unknown): string {
  if (v === undefined || v === null) return DEFAULT_COLLECTION;
  if (typeof v !== 'string' || !COLLECTION.test(v)) throw badRequest('"collection" must be 1-64 letters, digits, "_" or "-".');
  return v;
}

function parseId(v: unknown, name = '"id"'): string {
  if (typeof v !== 'string' || !ID.test(v) || Buffer.byteLength(v) > 1024) {
    throw badRequest(`${name} must be a string of 1-256 characters without control characters.`);
  }
  return v;
}

function parseVersion(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw badRequest('"ifVersion" must be a whole number >= 0 (0: the object must not exist yet).');
  return v as number;
}

function parseLimit(v: unknown): number {
  if (v === undefined || v === null) return MAX_LIST_LIMIT;
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > MAX_LIST_LIMIT) throw badRequest(`"limit" must be a whole number from 1 to ${MAX_LIST_LIMIT}.`);
  return v as number;
}

function parseCursorField(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > 2048) throw badRequest('"cursor" must be the string a previous list returned.');
  return v;
}

/** Top-level fields: named like identifiers, server-kept ones dropped, values any JSON within depth and size limits. */
function parseFields(obj: Record<string, unknown>): Fields {
  const fields: Fields = {};
  const names = Object.keys(obj);
  if (names.length > MAX_FIELDS) throw badRequest(`An object may have at most ${MAX_FIELDS} fields.`);
  for (const name of names) {
    if (POISON_KEYS.has(name) || !FIELD_NAME.test(name)) {
      throw badRequest(`Field name ${JSON.stringify(name.slice(0, 64))} is not allowed: use 1-64 letters, digits, "_", "$" or "-", not starting with a digit or "-".`);
    }
    if (SERVER_FIELDS.has(name)) continue;
    checkValue(obj[name], 1, name);
    fields[name] = obj[name];
  }
  if (Buffer.byteLength(JSON.stringify(fields)) > MAX_OBJECT_BYTES) throw new AppError('PayloadTooLarge', `An object may be at most ${MAX_OBJECT_BYTES} bytes of JSON.`);
  return fields;
}

function checkValue(v: unknown, depth: number, path: string): void {
  if (typeof v !== 'object' || v === null) return;
  if (depth > MAX_DEPTH) throw badRequest(`Field "${path.slice(0, 64)}" is nested deeper than ${MAX_DEPTH} levels.`);
  if (Array.isArray(v)) {
    v.forEach((item) => checkValue(item, depth + 1, path));
    return;
  }
  for (const key of Object.keys(v)) {
    if (POISON_KEYS.has(key)) throw badRequest(`Key "${key}" is not allowed (in "${path.slice(0, 64)}").`);
    checkValue((v as Record<string, unknown>)[key], depth + 1, path);
  }
}
