/**
 * The README's performance block is what tools/readme-perf.ts makes from the committed
 * bench/results.json, and `tools/readme-perf.ts --check` (run as a process, on copies in a
 * directory of its own) fails as soon as they disagree, or the chart beside the results does.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type BenchResults, RESULTS_FILE } from '../../bench/bench-results';
import { LOGIN_PLAN, describePlan, parallel, planMismatch, sequence } from '../../bench/call-plan';
import { CHART_FILE } from '../../bench/chart';
import { coldBreakdown } from '../../bench/cold-breakdown';
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
  it("the README's performance block is exactly what bench/results.json gives (run tools/readme-perf.ts, or npm run bench, and commit both)", () => {
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
    expect(renderPerfTable(results((r) => (r.throughput.find((t) => t.op === 'get' && t.clients === 32)!.rps = 123456)))).toMatch(/\| 32 \| 123,456 req\/s /);
    expect(renderPerfTable(results((r) => (r.coldStartMs.db.median = 777)))).toContain('| 777 ms (p90');
    expect(renderPerfTable(results((r) => (r.warm.find((w) => w.name === 'get')!.latency.median = 0.42)))).toContain(
      '| db `get` warm, through local FC | 0.42 ms',
    );
    expect(renderPerfTable(results((r) => (r.date = '2031-01-02T03:04:05.000Z')))).toContain('run of 2031-01-02');
    expect(renderPerfTable(results((r) => (r.warm.find((w) => w.name === 'login')!.floor.median = 54.3)))).toMatch(/\| login warm .* \| 54 ms \(alipay\.oauth/);
    expect(renderPerfTable(results((r) => (r.coldBreakdown.session.find((p) => p.key === 'load')!.ms = 321.4)))).toMatch(/\| code load .* \| 321\.4 \|$/m);
    for (const r of [
      results((x) => (x.assetBytesZipped.db += 1024)),
      results((x) => (x.targets[0].met = !x.targets[0].met)),
      results((x) => (x.memory = { before: { requests: 21, rssKB: 1000, peakKB: 1000 }, after: { requests: 10000, rssKB: 2000, peakKB: 3000 } })),
      results((x) => (x.floorChecks[0] = { measure: 'get warm', ratio: 0.5, beats: true, note: 'noise' })),
    ]) {
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

describe('the cold-start phases', () => {
  it('each committed column adds up to its measured cold start, which is the cold start the main table gives', () => {
    for (const name of ['db', 'session'] as const) {
      const phases = committed.coldBreakdown[name];
      const total = phases.find((p) => p.key === 'total')!.ms;
      const parts = phases.filter((p) => p.key !== 'total').reduce((a, p) => a + p.ms, 0);
      expect(Math.abs(parts - total)).toBeLessThan(0.05 * phases.length);
      expect(total).toBeCloseTo(committed.coldStartMs[name].median, 0);
    }
  });

  it('parallel calls count once: their overlap is taken back, by their start times', () => {
    const phases = coldBreakdown(
      [
        {
          totalMs: 100,
          startMs: 50,
          loadMs: 20,
          handlerMs: 30,
          report: {
            clientMs: 2,
            calls: [
              { call: 'alipay.oauth', at: 0, ms: 10 },
              { call: 'sts.AssumeRole', at: 10, ms: 8 },
              { call: 'ots.GetRow', at: 10, ms: 4 },
              { call: 'ots.PutRow', at: 14, ms: 5 },
            ],
          },
        },
      ],
      1,
    );
    const ms = Object.fromEntries(phases.map((p) => [p.key, p.ms]));
    // The calls took 19 ms of wall time (10, then max(8, 4 + 5)) out of 27 ms of calls.
    expect(ms).toEqual({ process: 30, load: 20, invoke: 1, client: 2, call1: 10, call2: 8, call3: 4, call4: 5, overlap: -8, code: 9, other: 19, total: 100 });
    expect(phases.filter((p) => p.parallel).map((p) => p.call)).toEqual(['sts.AssumeRole', 'ots.GetRow', 'ots.PutRow']);
  });

  it('a function that reports no `cold` line still adds up: what the local FC measured, and the rest as "other"', () => {
    const phases = coldBreakdown([{ totalMs: 80, startMs: 40, loadMs: 10 }], 1);
    expect(phases.map((p) => [p.key, p.ms])).toEqual([
      ['process', 30],
      ['load', 10],
      ['invoke', 1],
      ['other', 39],
      ['total', 80],
    ]);
  });
});

describe("the login floor's plan", () => {
  const login = [
    { call: 'alipay.oauth', at: 0, ms: 10 },
    { call: 'sts.AssumeRole', at: 10.1, ms: 8 },
    { call: 'ots.GetRow', at: 10.1, ms: 4 },
    { call: 'ots.PutRow', at: 14.2, ms: 5 },
  ];

  it('is what the README shows, and fits the order login makes its calls in', () => {
    expect(committed.loginPlan).toBe(describePlan(LOGIN_PLAN));
    expect(committed.loginPlanMismatch).toBeUndefined();
    expect(describePlan(LOGIN_PLAN)).toBe('alipay.oauth → (sts.AssumeRole ∥ ots.GetRow → ots.PutRow)');
    expect(planMismatch(LOGIN_PLAN, login)).toBeUndefined();
  });

  it('says what does not fit: a step started before the one it needs ended, a call missing or one too many', () => {
    const early = login.map((c) => (c.call === 'ots.PutRow' ? { ...c, at: 12 } : c));
    expect(planMismatch(LOGIN_PLAN, early)).toBe('ots.PutRow started before ots.GetRow had ended');
    expect(planMismatch(sequence('sts.AssumeRole', 'alipay.oauth'), login.slice(0, 2))).toBe('alipay.oauth started before sts.AssumeRole had ended');
    expect(planMismatch(LOGIN_PLAN, login.slice(0, 3))).toBe('ots.PutRow was not called');
    expect(planMismatch(parallel('alipay.oauth', 'sts.AssumeRole'), login.slice(0, 2).concat(login[2]))).toBe('it also made ots.GetRow');
    // Without start times there is nothing to tell by.
    expect(
      planMismatch(
        LOGIN_PLAN,
        early.map(({ call, ms }) => ({ call, ms })),
      ),
    ).toBeUndefined();
  });
});

describe('tools/readme-perf.ts as a command, on copies', () => {
  let dir: string;
  let copyReadme: string;
  let copyResults: string;
  let copyChart: string;
  /** The README as copied: others may edit the real one while this runs. */
  let copied: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-perf-test-'));
    copyReadme = path.join(dir, 'README.md');
    copyResults = path.join(dir, 'results.json');
    copyChart = path.join(dir, 'chart.svg');
    fs.copyFileSync(README_FILE, copyReadme);
    fs.copyFileSync(RESULTS_FILE, copyResults);
    fs.copyFileSync(CHART_FILE, copyChart);
    copied = fs.readFileSync(copyReadme, 'utf8');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  // The chart defaults to the one beside the results: the copy's.
  const paths = () => ['--results', copyResults, '--readme', copyReadme];

  it(
    '--check passes on the committed three, and fails (exit 1, naming the files) once the results change; nothing is written',
    async () => {
      expect(await readmePerf(['--check', ...paths()])).toEqual({ code: 0, stdout: '', stderr: '' });
      const changed = structuredClone(committed);
      changed.warm.find((w) => w.name === 'get')!.ratio += 1;
      fs.writeFileSync(copyResults, `${JSON.stringify(changed, null, 2)}\n`);
      const run = await readmePerf(['--check', ...paths()]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/README\.md: the performance block and .*chart\.svg are not what .*results\.json gives/);
      expect(fs.readFileSync(copyReadme, 'utf8')).toBe(copied);
      expect(fs.readFileSync(copyChart, 'utf8')).toBe(fs.readFileSync(CHART_FILE, 'utf8'));
    },
    TIMEOUT,
  );

  it(
    'without --check it rewrites the table from the changed results, and then --check passes',
    async () => {
      const changed = structuredClone(committed);
      changed.throughput.find((t) => t.op === 'get' && t.clients === 1)!.rps = 54321;
      changed.coldStartMs.db.median *= 2;
      fs.writeFileSync(copyResults, `${JSON.stringify(changed, null, 2)}\n`);
      const write = await readmePerf(paths());
      expect(write.code).toBe(0);
      expect(write.stdout).toMatch(/performance block rewritten, .*chart\.svg rewritten/);
      const rewritten = fs.readFileSync(copyReadme, 'utf8');
      expect(rewritten).toMatch(/\| 1 \| 54,321 req\/s /);
      expect(rewritten).toBe(withPerfTable(copied, changed));
      expect(fs.readFileSync(copyChart, 'utf8')).not.toBe(fs.readFileSync(CHART_FILE, 'utf8'));
      expect((await readmePerf(['--check', ...paths()])).code).toBe(0);
      expect(fs.readdirSync(dir).sort()).toEqual(['README.md', 'chart.svg', 'results.json']);
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
