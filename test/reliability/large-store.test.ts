/**
 * Soak: a local Tablestore store larger than V8's ~512 MB string limit, which the format before
 * the journal could not write at all (it serialized the whole store as one string). Compaction
 * and loading work line by line, so the store is bounded by the disk. LARGE_STORE_MB sets the
 * size (`npm run soak` sets 600); `npm test` runs a small store through the same path.
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../local/tablestore/store';
import type { TableSpec } from '../../local/tablestore/table';

const MB = Number(process.env.LARGE_STORE_MB ?? 8);
const SPEC: TableSpec = { name: 'big', primaryKey: [{ name: 'k', type: 'STRING' }], timeToLive: -1 };
const key = (i: number) => [{ type: 'STRING' as const, value: `row-${i}` }];
const cell = (v: string) => [{ name: 'v', value: { type: 'STRING' as const, value: v }, op: 'PUT' as const }];

test(`a ${MB} MB store is compacted and loaded back whole`, () => {
  const dir = fs.mkdtempSync(join(tmpdir(), 'ots-large-'));
  const dataFile = join(dir, 'tablestore.jsonl');
  try {
    const megabyte = 'm'.repeat(1024 * 1024 - 64);
    // A 1 MB floor makes compactions happen as the store grows, the last one over all of it.
    const store = new Store([SPEC], Date.now, { dataFile, compactionFloorBytes: 1024 * 1024 });
    const table = store.table('big');
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < MB; i++) store.transaction(() => table.put(key(i), cell(`${round}:${i}:${megabyte}`), { rowExistence: 0 }));
    }
    store.close();
    // The overwritten round was compacted away: the file holds one record per row, not two.
    expect(fs.statSync(dataFile).size).toBeLessThan(MB * 1024 * 1024 * 1.5 + 1024 * 1024);

    const reopened = new Store([SPEC], Date.now, { dataFile });
    const t = reopened.table('big');
    for (let i = 0; i < MB; i++) {
      const v = t.get(key(i), { columnsToGet: [], maxVersions: 1 })?.cells[0]?.value.value as string;
      expect(v.slice(0, 20)).toBe(`1:${i}:mmmmmmmmmmmmmmmmmmmm`.slice(0, 20));
      expect(v.length).toBe(`1:${i}:`.length + megabyte.length);
    }
    reopened.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 600_000);
