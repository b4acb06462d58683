import { AppError, badRequest } from '../shared/errors';
import { LONE_SURROGATE, isPlainObject, parseInvokeEvent } from '../shared/event';
import { decodeCursor } from './cursor';

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
/**
 * Ids are free text (the original client used the todo's text as its id), but no control
 * characters (Cc: U+0000-U+001F, U+007F-U+009F) and no lone surrogates (Cs). A key reaches
 * Tablestore as UTF-8, which turns every lone surrogate into U+FFFD: "\ud800", "\udbff" and
 * "\ufffd" would all be one row.
 */
const ID = /^[^\p{Cc}\p{Cs}]{1,256}$/u;
/** Tablestore's limit on a String primary-key column value: 1 KB of UTF-8 (its "Limits" page; the emulator enforces it too). */
const MAX_KEY_BYTES = 1024;

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
  | (Base & { op: 'list'; limit: number; startId?: string });

/** Parses and checks an invoke event completely before anything is read or written. */
export function parseDbRequest(event: Buffer | string): DbRequest {
  const input = parseInvokeEvent(event, MAX_EVENT_BYTES, '{"sid", "op", ...}');
  const { sid, op } = input;
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
      return { sid, collection, op, limit: parseLimit(input.limit), startId: parseCursorField(input.cursor, collection) };
    default:
      throw badRequest('"op" must be one of "put", "get", "list", "update", "remove".');
  }
}

function parseCollection(v: unknown): string {
  if (v === undefined || v === null) return DEFAULT_COLLECTION;
  if (typeof v !== 'string' || !COLLECTION.test(v)) throw badRequest('"collection" must be 1-64 letters, digits, "_" or "-".');
  return v;
}

function parseId(v: unknown, name = '"id"'): string {
  if (typeof v !== 'string' || !ID.test(v) || Buffer.byteLength(v) > MAX_KEY_BYTES) {
    throw badRequest(`${name} must be a string of 1-256 characters of well-formed Unicode without control characters (U+0000-U+001F, U+007F-U+009F).`);
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
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > MAX_LIST_LIMIT)
    throw badRequest(`"limit" must be a whole number from 1 to ${MAX_LIST_LIMIT}.`);
  return v as number;
}

/**
 * The cursor is checked here, before any I/O: its id becomes a primary-key value, and Tablestore
 * refuses one over 1 KB (OTSParameterInvalid, which answered Internal). A cursor the server made
 * holds an id read back from the table, so it is never empty, too long or ill-formed. Control
 * characters are not refused here: rows written before ids refused C1 controls must stay listable.
 * Returns the id the next page starts at.
 */
function parseCursorField(v: unknown, collection: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > 2048) throw badRequest('"cursor" must be the string a previous list returned.');
  const start = decodeCursor(v, collection);
  if (start.length === 0 || LONE_SURROGATE.test(start) || Buffer.byteLength(start) > MAX_KEY_BYTES) {
    throw badRequest(`"cursor" does not hold an id (1 to ${MAX_KEY_BYTES} bytes of well-formed UTF-8); pass back the cursor the previous list returned.`);
  }
  return start;
}

/** Top-level fields: named like identifiers, server-kept ones dropped, values any JSON within depth and size limits. */
function parseFields(obj: Record<string, unknown>): Fields {
  const fields: Fields = {};
  const names = Object.keys(obj);
  // Bounds the work before looking at each name; the limit itself is on the fields kept, so an
  // object read back (with its server fields) can be written back.
  if (names.length > MAX_FIELDS + SERVER_FIELDS.size) throw badRequest(`An object may have at most ${MAX_FIELDS} fields.`);
  for (const name of names) {
    if (POISON_KEYS.has(name) || !FIELD_NAME.test(name)) {
      throw badRequest(
        `Field name ${JSON.stringify(name.slice(0, 64))} is not allowed: use 1-64 letters, digits, "_", "$" or "-", not starting with a digit or "-".`,
      );
    }
    if (SERVER_FIELDS.has(name)) continue;
    fields[name] = obj[name];
  }
  checkStorable(fields);
  return fields;
}

/**
 * The limits every stored object keeps, so a client and a list page can always hold it: at most
 * MAX_FIELDS fields, MAX_DEPTH levels and MAX_OBJECT_BYTES of JSON (exactly the stored doc's size).
 * put checks the object it sends; update checks again the object it would store, its fields merged
 * over the stored ones (`merged`), since fields that each fit can add up to more than the limits.
 */
export function checkStorable(fields: Fields, merged = false): void {
  const after = merged ? ' after this update' : '';
  const count = Object.keys(fields).length;
  if (count > MAX_FIELDS) throw badRequest(`An object may have at most ${MAX_FIELDS} fields; this one would have ${count}${after}.`);
  for (const [name, v] of Object.entries(fields)) checkValue(v, 1, name);
  const bytes = Buffer.byteLength(JSON.stringify(fields));
  if (bytes > MAX_OBJECT_BYTES) {
    const hint = merged ? ' Send smaller fields, or replace the object with put.' : '';
    throw new AppError('PayloadTooLarge', `An object may be at most ${MAX_OBJECT_BYTES} bytes of JSON; this one would be ${bytes}${after}.${hint}`);
  }
}

/**
 * Depth, prototype keys and numbers, at any depth. JSON.parse reads 1e999 as Infinity, which
 * JSON.stringify would store as null: refused, so what is stored is what was written.
 */
function checkValue(v: unknown, depth: number, path: string): void {
  if (typeof v === 'number' && !Number.isFinite(v)) {
    throw badRequest(`Field "${path.slice(0, 64)}" holds a number beyond the range of a double (like 1e999); numbers must be finite.`);
  }
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
