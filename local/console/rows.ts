/**
 * A table's rows a page at a time, in primary-key order, read from local Tablestore's memory
 * (TablestoreEmulator.browse) and masked (masking.ts).
 *
 * The "next" cursor holds the next row's primary key, which in the sessions table is a session
 * key and in any table may be something the page must not show whole: so a cursor is sealed
 * (AES-256-GCM under a key made when the console starts) and means nothing outside this console.
 * A cursor from an earlier run, for another table, or altered, is refused as a bad request.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyValue, OutputRow, TableSummary, TablestoreEmulator } from '../tablestore';
import { badRequest } from './errors';
import type { Masker, ShownValue } from './masking';

/** Rows per page, and the most a request may ask for: enough to scan by eye, small enough to render at once. */
export const PAGE_ROWS = 100;
export const MAX_PAGE_ROWS = 100;

export interface RowsPage {
  table: string;
  primaryKey: { name: string; type: string }[];
  /** The key columns, then every attribute column on this page, by name. */
  columns: string[];
  rows: { key: Record<string, ShownValue>; columns: Record<string, ShownValue> }[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  next?: string;
}

type SealedKey = ['s', string] | ['i', string] | ['b', string];

export class RowPages {
  private readonly cursorKey = randomBytes(32);

  /**
   * One page of `table`. `maskKey`: show its key columns masked whatever their names (the
   * sessions table, keyed by session).
   */
  page(tablestore: TablestoreEmulator, table: TableSummary, masker: Masker, opts: { limit: number; cursor?: string; maskKey: boolean }): RowsPage {
    const name = table.spec.name;
    const start = opts.cursor === undefined ? undefined : this.open(name, opts.cursor);
    const { rows, next } = tablestore.browse(name, opts.limit, start);
    const keyNames = table.spec.primaryKey.map((k) => k.name);
    const attributes = new Set<string>();
    const shown = rows.map((row) => {
      const columns: Record<string, ShownValue> = {};
      for (const cell of latestCells(row)) {
        attributes.add(cell.name);
        columns[cell.name] = masker.cell(cell.name, cell.value);
      }
      const key = Object.fromEntries(row.primaryKey.map((k) => [k.name, masker.cell(k.name, k.value, opts.maskKey)]));
      return { key, columns };
    });
    return {
      table: name,
      primaryKey: table.spec.primaryKey.map((k) => ({ name: k.name, type: k.type })),
      columns: [...keyNames, ...[...attributes].sort()],
      rows: shown,
      ...(next ? { next: this.seal(name, next) } : {}),
    };
  }

  private seal(table: string, key: KeyValue[]): string {
    const plain = Buffer.from(JSON.stringify([table, key.map(sealedKey)]), 'utf8');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.cursorKey, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  private open(table: string, cursor: string): KeyValue[] {
    const invalid = badRequest('cursor is not one this console gave for this table (it changes when the local cloud restarts); start from the first page.');
    const raw = /^[A-Za-z0-9_-]{39,8192}$/.test(cursor) ? Buffer.from(cursor, 'base64url') : undefined;
    if (!raw || raw.length < 29) throw invalid;
    let parsed: unknown;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.cursorKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      parsed = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'));
    } catch {
      throw invalid;
    }
    const [forTable, key] = parsed as [string, SealedKey[]];
    if (forTable !== table) throw invalid;
    return key.map(([type, value]) =>
      type === 's'
        ? { type: 'STRING', value }
        : type === 'i'
          ? { type: 'INTEGER', value: BigInt(value) }
          : { type: 'BINARY', value: Buffer.from(value, 'base64') },
    );
  }
}

function sealedKey(v: KeyValue): SealedKey {
  if (v.type === 'STRING') return ['s', v.value];
  if (v.type === 'INTEGER') return ['i', v.value.toString()];
  return ['b', v.value.toString('base64')];
}

/** The newest version of each column (browse asks for one version; this keeps the first if there are more). */
function latestCells(row: OutputRow): OutputRow['cells'] {
  const seen = new Set<string>();
  return row.cells.filter((c) => !seen.has(c.name) && seen.add(c.name));
}

/** A `limit` query value: 1..MAX_PAGE_ROWS, PAGE_ROWS when absent. */
export function parseLimit(raw: string | null): number {
  if (raw === null) return PAGE_ROWS;
  const n = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_PAGE_ROWS)) throw badRequest(`limit must be a whole number from 1 to ${MAX_PAGE_ROWS}.`);
  return n;
}
