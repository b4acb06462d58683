/**
 * `npm run local:export` and `npm run local:import` (local/export.ts, local/import.ts) as a
 * developer runs them: their exit codes and messages, and beside a running `npm start`
 * (local/main.ts in a process of its own): export works, import is refused, naming that process.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { journalFile } from '../../../local/data';
import { ROOT, runCli, startMain, tempDir } from './support';

const SEED_FILE = join(ROOT, 'demo', 'seed.jsonl');
const SEED = fs.readFileSync(SEED_FILE, 'utf8');

let dir: string;
beforeEach(() => {
  dir = tempDir('local-data-cli-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

jest.setTimeout(120_000);

describe('arguments', () => {
  test('--help prints the usage and exits 0', async () => {
    const [exp, imp] = await Promise.all([runCli('export', ['--help']), runCli('import', ['--help'])]);
    expect(exp).toMatchObject({ code: 0, stderr: '' });
    expect(exp.stdout).toMatch(/^usage: npm run local:export -- \[FILE\] \[options\]/);
    expect(exp.stdout).toContain('--include-sessions');
    expect(imp).toMatchObject({ code: 0, stderr: '' });
    expect(imp.stdout).toMatch(/^usage: npm run local:import -- FILE \[options\]/);
    expect(imp.stdout).toContain('3 the state dir is in use');
  });

  test('bad arguments exit 2 with the reason and the usage', async () => {
    const [unknown, noFile, noValue] = await Promise.all([runCli('export', ['--nope']), runCli('import', []), runCli('import', ['x.jsonl', '--state-dir'])]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^local:export: unknown option '--nope'\n\nusage: /);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/^local:import: which FILE\?\n\nusage: /);
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toMatch(/^local:import: --state-dir needs a value/);
  });
});

describe('import, then export', () => {
  test('a file in, the same file out: to standard output or to FILE', async () => {
    const imported = await runCli('import', [SEED_FILE, '--state-dir', dir]);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toBe(`local:import: imported 8 rows (accounts 2, objects 6, orders 0) from demo/seed.jsonl into ${dir}\n`);

    const out = await runCli('export', ['--state-dir', dir]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(SEED);
    expect(out.stderr).toBe(
      `local:export: exported 8 rows (accounts 2, objects 6, orders 0) from ${dir} to standard output; ` +
        'left out: sessions (live sessions, short-lived and tied to the clients that hold their ids; --include-sessions exports them)\n',
    );

    const file = join(dir, 'out.jsonl');
    const toFile = await runCli('export', [file], { env: { LOCAL_STATE_DIR: dir } });
    expect(toFile.code).toBe(0);
    expect(toFile.stdout).toBe('');
    expect(fs.readFileSync(file, 'utf8')).toBe(SEED);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const only = await runCli('export', ['-', '--table', 'accounts', '--state-dir', dir]);
    expect(only.stdout.split('\n')[0]).toBe('{"format":"miniapp-local-tables","version":1,"tables":["accounts"]}');
    expect(only.stderr).toContain('exported 2 rows (accounts 2)');
  });

  test('from standard input, with --replace', async () => {
    await runCli('import', [SEED_FILE, '--state-dir', dir]);
    const one =
      '{"format":"miniapp-local-tables","version":1,"tables":["objects"]}\n{"table":"objects","key":{"uid":"u","collection":"default","id":"x"},"columns":{}}\n';
    const result = await runCli('import', ['-', '--replace', `--state-dir=${dir}`], { input: one });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`local:import: imported 1 row (objects 1) from standard input into ${dir}; emptied objects first\n`);
    const out = await runCli('export', ['--state-dir', dir]);
    expect(out.stdout.match(/"table":"objects"/g)).toHaveLength(1);
    expect(out.stdout).toContain('"table":"accounts"');
  });

  test('a bad file exits 1, lists the lines, and writes nothing', async () => {
    await runCli('import', [SEED_FILE, '--state-dir', dir]);
    const before = fs.readFileSync(journalFile(dir));
    const bad = join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, SEED.replace(/"version":1,"writeId"/, '"version":1.5,"writeId"'));
    const result = await runCli('import', [bad, '--state-dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `local:import: ${bad}: 1 problem, nothing was written:\n` +
        '  line 4: "version": 1.5 is a bare number with a fraction or exponent, but a bare number is an INTEGER: write {"double":1.5} for a DOUBLE\n',
    );
    expect(fs.readFileSync(journalFile(dir)).equals(before)).toBe(true);
    const missing = await runCli('import', [join(dir, 'none.jsonl'), '--state-dir', dir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^local:import: ENOENT: no such file or directory/);
  });

  test('an export of a state dir that is not there exits 1', async () => {
    const result = await runCli('export', ['--state-dir', join(dir, 'nowhere')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`local:export: state dir ${join(dir, 'nowhere')} does not exist\n`);
  });
});

describe('beside npm start', () => {
  test('export works; import exits 3 naming the process, and writes nothing', async () => {
    await runCli('import', [SEED_FILE, '--state-dir', dir]);
    const main = await startMain(dir);
    try {
      const out = await runCli('export', ['--state-dir', dir]);
      expect(out.code).toBe(0);
      expect(out.stdout).toBe(SEED);

      const before = fs.readFileSync(journalFile(dir));
      const result = await runCli('import', [SEED_FILE, '--replace', '--state-dir', dir]);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(new RegExp(`^local:import: ${dir} is in use by process ${main.proc.pid} \\(.*local/main\\.ts\\)`));
      expect(result.stderr).toContain('Stop it (Ctrl-C), then try again');
      expect(fs.readFileSync(journalFile(dir)).equals(before)).toBe(true);
    } finally {
      await main.stop();
    }
    // Stopped: the lock is gone and the import goes through.
    expect((await runCli('import', [SEED_FILE, '--state-dir', dir])).code).toBe(0);
  });
});
