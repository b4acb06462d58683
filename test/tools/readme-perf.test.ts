/**
 * The README's performance table is what tools/readme-perf.ts makes from the committed
 * bench/results.json, and `tools/readme-perf.ts --check` (run as a process, on copies in a
 * directory of its own) fails as soon as the two disagree.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type BenchResults, RESULTS_FILE } from '../../bench/bench-results';
import { END_MARKER, README_FILE, START_MARKER, readResults, renderPerfTable, withPerfTable } from '../../tools/readme-perf';
import { PROJECT_ROOT } from '../stack/synth';

const TS_NODE_REGISTER = require.resolve('ts-node/register/transpile-only');
const TIMEOUT = 60_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function readmePerf(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', TS_NODE_REGISTER, path.join(PROJECT_ROOT, 'tools', 'readme-perf.ts'), ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, TS_NODE_PROJECT: path.join(PROJECT_ROOT, 'tsconfig.json'), INIT_CWD: PROJECT_ROOT }, timeout: TIMEOUT },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

const committed = readResults();
const readme = fs.readFileSync(README_FILE, 'utf8');

describe('the committed README and bench/results.json', () => {
  it("the README's performance table is exactly what bench/results.json gives (run tools/readme-perf.ts, or npm run bench, and commit both)", () => {
    expect(withPerfTable(readme, committed)).toBe(readme);
  });

  it('the table names the run: its date, the machine and the Node version', () => {
    const block = renderPerfTable(committed);
    expect(readme).toContain(block);
    expect(block).toContain(committed.date.slice(0, 10));
    expect(committed.machine).toBeDefined();
    expect(block).toContain(`${committed.machine!.cpus} × ${committed.machine!.cpu}`);
    expect(block).toContain(`Node ${committed.machine!.node.replace(/^v/, '')}`);
  });

  it('bench/results.json is not git-ignored (it is committed with the README)', () => {
    const ignored = fs
      .readFileSync(path.join(PROJECT_ROOT, '.gitignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    expect(ignored).not.toContain(path.relative(PROJECT_ROOT, RESULTS_FILE));
  });
});

describe('renderPerfTable / withPerfTable', () => {
  const results = (change: (r: BenchResults) => void = () => undefined): BenchResults => {
    const copy = structuredClone(committed);
    change(copy);
    return copy;
  };
  const sample = `# Title\n\ntext before\n\n${START_MARKER}\nold table\n${END_MARKER}\n\ntext after\n`;

  it('replaces only what lies between the markers, and is idempotent', () => {
    const once = withPerfTable(sample, committed);
    expect(once).toBe(`# Title\n\ntext before\n\n${START_MARKER}\n${renderPerfTable(committed)}\n${END_MARKER}\n\ntext after\n`);
    expect(withPerfTable(once, committed)).toBe(once);
  });

  it('every figure reaches the table: a changed result changes it', () => {
    const base = renderPerfTable(committed);
    expect(renderPerfTable(results((r) => (r.throughputRps.clients32 = 123456)))).toContain('123,456 req/s (32)');
    expect(renderPerfTable(results((r) => (r.coldStartMs.db.median = 777)))).toContain('| 777 ms (p90');
    expect(renderPerfTable(results((r) => (r.warm.find((w) => w.name === 'get')!.latency.median = 0.42)))).toContain(
      '| db `get` warm, through local FC | 0.42 ms',
    );
    expect(renderPerfTable(results((r) => (r.date = '2031-01-02T03:04:05.000Z')))).toContain('run of 2031-01-02');
    for (const r of [results((x) => (x.assetBytesZipped.db += 1024)), results((x) => (x.targets[0].met = !x.targets[0].met))]) {
      expect(renderPerfTable(r)).not.toBe(base);
    }
  });

  it('a results file without the machine: the table still says when, and leaves the machine out', () => {
    const block = renderPerfTable(results((r) => delete r.machine));
    expect(block.split('\n')[0]).toBe(
      `Figures of the run of ${committed.date.slice(0, 10)} (local mode; the whole bench took ${committed.benchSeconds} s), from \`bench/results.json\`:`,
    );
  });

  it('a README without the markers (or with them reversed) is refused, naming them', () => {
    expect(() => withPerfTable('# Title\n', committed)).toThrow(/no performance table markers.*perf-table:start.*perf-table:end/);
    expect(() => withPerfTable(`${END_MARKER}\n${START_MARKER}\n`, committed)).toThrow(/no performance table markers/);
  });
});

describe('tools/readme-perf.ts as a command, on copies', () => {
  let dir: string;
  let copyReadme: string;
  let copyResults: string;
  /** The README as copied: others may edit the real one while this runs. */
  let copied: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-perf-test-'));
    copyReadme = path.join(dir, 'README.md');
    copyResults = path.join(dir, 'results.json');
    fs.copyFileSync(README_FILE, copyReadme);
    fs.copyFileSync(RESULTS_FILE, copyResults);
    copied = fs.readFileSync(copyReadme, 'utf8');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const paths = () => ['--results', copyResults, '--readme', copyReadme];

  it(
    '--check passes on the committed pair, and fails (exit 1, naming both files) once the results change; the README is left as it was',
    async () => {
      expect(await readmePerf(['--check', ...paths()])).toEqual({ code: 0, stdout: '', stderr: '' });
      const changed = structuredClone(committed);
      changed.throughputRps.clients1 += 1;
      fs.writeFileSync(copyResults, `${JSON.stringify(changed, null, 2)}\n`);
      const run = await readmePerf(['--check', ...paths()]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/README\.md: the performance table is not what .*results\.json gives/);
      expect(fs.readFileSync(copyReadme, 'utf8')).toBe(copied);
    },
    TIMEOUT,
  );

  it(
    'without --check it rewrites the table from the changed results, and then --check passes',
    async () => {
      const changed = structuredClone(committed);
      changed.throughputRps.clients1 = 54321;
      fs.writeFileSync(copyResults, `${JSON.stringify(changed, null, 2)}\n`);
      const write = await readmePerf(paths());
      expect(write.code).toBe(0);
      expect(write.stdout).toMatch(/performance table rewritten/);
      const rewritten = fs.readFileSync(copyReadme, 'utf8');
      expect(rewritten).toContain('54,321 req/s (1 client)');
      expect(rewritten).toBe(withPerfTable(copied, changed));
      expect((await readmePerf(['--check', ...paths()])).code).toBe(0);
      expect(fs.readdirSync(dir).sort()).toEqual(['README.md', 'results.json']);
    },
    TIMEOUT,
  );

  it(
    'an unknown argument: exit 2 with the usage, nothing written',
    async () => {
      const run = await readmePerf(['--chek', ...paths()]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('usage: ts-node --transpile-only tools/readme-perf.ts');
      expect(fs.readFileSync(copyReadme, 'utf8')).toBe(copied);
    },
    TIMEOUT,
  );
});
