import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { StackTables } from '../../../local/data';
import { RowExistence } from '../../../local/tablestore/proto';
import type { KeyValue, Value } from '../../../local/tablestore/plainbuffer';
import type { Store } from '../../../local/tablestore/store';
import type { StoredRow, TableSpec } from '../../../local/tablestore/table';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const OUTDIR = path.join(ROOT, 'cdk.out');

/**
 * Tables with every key type the service allows (the stack's are all STRING), and a TTL table:
 * what the format must carry beyond what the stack uses today.
 */
export const KINDS: TableSpec = {
  name: 'kinds',
  primaryKey: [
    { name: 's', type: 'STRING' },
    { name: 'i', type: 'INTEGER' },
    { name: 'b', type: 'BINARY' },
  ],
  timeToLive: -1,
  maxVersions: 1,
};
export const SHORT_LIVED: TableSpec = { name: 'short_lived', primaryKey: [{ name: 'k', type: 'STRING' }], timeToLive: 60, maxVersions: 1 };
export const TEST_STACK: StackTables = { tables: [KINDS, SHORT_LIVED], sessionsTable: 'short_lived' };

export const S = (value: string): Value => ({ type: 'STRING', value });
export const I = (value: bigint | number): Value => ({ type: 'INTEGER', value: BigInt(value) });
export const D = (value: number): Value => ({ type: 'DOUBLE', value });
export const B = (value: boolean): Value => ({ type: 'BOOLEAN', value });
export const X = (value: Buffer | string): Value => ({ type: 'BINARY', value: Buffer.isBuffer(value) ? value : Buffer.from(value, 'base64') });

/** PutRow through the store, as the emulator applies a request. */
export function putRows(store: Store, table: string, rows: { key: Value[]; columns: Record<string, Value> }[]): void {
  store.transaction(() => {
    for (const r of rows) {
      const cells = Object.entries(r.columns).map(([name, value]) => ({ name, value, op: 'PUT' as const }));
      store.table(table).put(r.key as KeyValue[], cells, { rowExistence: RowExistence.IGNORE });
    }
  });
}

/** A value with its type, exactly: bigint digits, base64, -0 kept. */
export function typed(v: Value): string {
  switch (v.type) {
    case 'INTEGER':
      return `INTEGER ${v.value}`;
    case 'DOUBLE':
      return `DOUBLE ${Object.is(v.value, -0) ? '-0' : String(v.value)}`;
    case 'BINARY':
      return `BINARY ${v.value.toString('base64')}`;
    default:
      return `${v.type} ${JSON.stringify(v.value)}`;
  }
}

/** Every row of a store's table as typed text: key and newest value of each column. */
export function contents(store: Store, table: string): { key: string[]; columns: Record<string, string> }[] {
  return store.table(table).rows.map((r: StoredRow) => ({
    key: r.key.map(typed),
    columns: Object.fromEntries([...r.columns].map(([n, vs]) => [n, typed(vs[0].value)])),
  }));
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(tmpdir(), prefix));
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs local/<script>.ts as `npm run local:<script>` would (ts-node --transpile-only). */
export function runCli(script: 'export' | 'import', args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'local', `${script}.ts`), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
    proc.stdin.end(opts.input ?? '');
  });
}

/** `npm start` (local/main.ts) on a state dir, on ephemeral ports, until it says it is ready. */
export async function startMain(stateDir: string): Promise<{ proc: ChildProcess; stop: () => Promise<void> }> {
  const proc = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'local', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOCAL_STATE_DIR: stateDir, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((done) => proc.once('exit', () => done()));
  let stderr = '';
  proc.stderr?.on('data', (d) => (stderr += d));
  await new Promise<void>((ready, fail) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line.startsWith('local cloud ready')) ready();
    });
    proc.once('exit', (code) => fail(new Error(`npm start exited ${code}: ${stderr}`)));
  });
  return {
    proc,
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
