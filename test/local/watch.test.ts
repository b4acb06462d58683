import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalCloud } from '../../local/cloud';
import type { DeployedStack } from '../../local/ros/deploy';
import { planReload, synthError, watchFunctions, type FunctionWatcher } from '../../local/watch';
import { db, login, type LoginAnswer } from '../support/local';

/**
 * `npm start -- --watch` (local/watch.ts) on a copy of the project: the functions' sources are
 * edited in the copy (never in lambda/ itself), synthesized there by tools/synth.ts, and reloaded
 * into a local cloud started from the copy's cdk.out.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const COPIED = ['bin', 'lib', 'lambda', 'tools', 'catalog.json', 'cdk.json', 'cdk.context.json', 'tsconfig.json'];
const SYNTH_ARGS = ['-r', 'ts-node/register/transpile-only', 'tools/synth.ts'];
/**
 * The synth command of the test: the watcher's default command, then, if a `hold` file is there,
 * a wait for `release` (announced by `held`), so a test can put a request in flight at the moment
 * between synth and the swap.
 */
const SYNTH_GATE = `const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const { status } = spawnSync(process.execPath, ${JSON.stringify(SYNTH_ARGS)}, { stdio: 'inherit' });
if (fs.existsSync('hold')) {
  fs.rmSync('hold');
  fs.writeFileSync('held', '');
  while (!fs.existsSync('release')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  fs.rmSync('release');
  fs.rmSync('held');
}
process.exit(status ?? 1);
`;

async function until<T>(check: () => T | undefined | false, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('npm start -- --watch', () => {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'watch-test-'));
  const lines: string[] = [];
  let cloud: LocalCloud;
  let watcher: FunctionWatcher;
  let session: LoginAnswer;
  /** Set to delay the next Tablestore GetRow, which puts a db request in flight for a while. */
  let delayNextRead = false;
  let delayedReads = 0;

  const source = (file: string) => path.join(copy, 'lambda', file);
  const edit = (file: string, change: (text: string) => string) => fs.writeFileSync(source(file), change(fs.readFileSync(source(file), 'utf8')));
  /** The reload lines from the `n`th on, once there are `count` of them. */
  const reloadLines = (n: number, count = 1) => until(() => lines.length >= n + count && lines.slice(n, n + count), `reload line ${n + count}`);

  beforeAll(async () => {
    for (const entry of COPIED) fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    fs.writeFileSync(path.join(copy, 'synth-gate.js'), SYNTH_GATE);
    execFileSync(process.execPath, SYNTH_ARGS, { cwd: copy, stdio: ['ignore', 'ignore', 'inherit'] });
    cloud = await LocalCloud.start({
      outdir: path.join(copy, 'cdk.out'),
      port: 0,
      tablestore: {
        fault: (op) => {
          if (!delayNextRead || op !== 'GetRow') return undefined;
          delayNextRead = false;
          delayedReads++;
          return { delayMs: 1500 };
        },
      },
    });
    watcher = watchFunctions({ root: copy, cloud, log: (line) => lines.push(line), synth: { command: process.execPath, args: ['synth-gate.js'] } });
    session = await login(cloud);
    await db(cloud, session, { op: 'put', obj: { id: 'written before', text: 'kept' } });
  }, 60_000);

  afterAll(async () => {
    await watcher?.close();
    await cloud?.stop();
    fs.rmSync(copy, { recursive: true, force: true });
  });

  it('reloads a changed function in place: the next request runs the new code, the data stays, a request in flight finishes', async () => {
    fs.writeFileSync(path.join(copy, 'hold'), '');
    // Saves in quick succession, as editors make them: the file truncated, a new file renamed over
    // it (vim's and JetBrains' "safe write": the path gets another inode), and written again.
    const marked = fs.readFileSync(source('db/index.ts'), 'utf8').replace('return answer;', "return { ...(answer as object), reloaded: 'v2' };");
    expect(marked).toContain("reloaded: 'v2'");
    fs.writeFileSync(source('db/index.ts'), '');
    fs.writeFileSync(source('db/index.ts.tmp'), marked);
    fs.renameSync(source('db/index.ts.tmp'), source('db/index.ts'));
    fs.writeFileSync(source('db/index.ts'), marked);
    // A change outside lambda/ is not watched, but the same synth sees it: it waits for a restart.
    const payments = path.join(copy, 'lib', 'payments.ts');
    const reconcileTimeout = fs.readFileSync(payments, 'utf8').replace('timeout: 60,', 'timeout: 50,');
    expect(reconcileTimeout).toContain('timeout: 50,');
    fs.writeFileSync(payments, reconcileTimeout);
    await until(() => fs.existsSync(path.join(copy, 'held')), 'synth to finish');

    // Synth is done and the swap comes next: a db request goes in flight on the old code...
    delayNextRead = true;
    const inFlight = db(cloud, session, { op: 'get', id: 'written before' }).then((answer) => ({ answer, linesThen: lines.length }));
    await until(() => delayedReads === 1, 'the request to reach Tablestore');
    // ...and db changes again during this reload, which starts one more reload after it (see the next
    // test). In place, on the inode the rename brought: a watch on the old one would miss it.
    edit('db/index.ts', (text) => `${text}\nconst = ;\n`);
    fs.writeFileSync(path.join(copy, 'release'), '');

    // One reload for the three writes (debounced), serving the new db code; reconcile's new timeout is not applied.
    expect(await reloadLines(0)).toEqual([expect.stringMatching(/^reloaded db in \d+\.\d s; restart to apply: function reconcile \(timeout\)$/)]);
    expect(cloud.fc.instance(`${cloud.config.ServiceName}-reconcile`, 'reconcile')!.spec.timeoutSeconds).toBe(60);
    const after = await db(cloud, session, { op: 'get', id: 'written before' });
    expect(after).toMatchObject({ reloaded: 'v2', data: { id: 'written before', text: 'kept' } });

    // The request in flight was answered by the old code, after the reload, without an error.
    const { answer, linesThen } = await inFlight;
    expect(answer).toMatchObject({ data: { id: 'written before', text: 'kept' } });
    expect(answer.reloaded).toBeUndefined();
    expect(linesThen).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('keeps the code serving when the new code does not build, and says why on one line', async () => {
    // The syntax error written during the first reload.
    expect(await reloadLines(1)).toEqual([
      expect.stringMatching(
        /^reload failed in \d+\.\d s, the old code keeps serving: lambda\/db\/index\.ts:\d+:\d+: ERROR: Expected identifier but found "="$/,
      ),
    ]);
    expect(await db(cloud, session, { op: 'get', id: 'written before' })).toMatchObject({ reloaded: 'v2', data: { text: 'kept' } });
  }, 60_000);

  it('ignores files that are not sources', async () => {
    const before = lines.length;
    fs.writeFileSync(source('db/NOTES.txt'), 'not code');
    fs.writeFileSync(source('db/.index.ts.swp'), 'swap');
    fs.writeFileSync(source('db/index.ts~'), 'backup');
    await new Promise((r) => setTimeout(r, 600));
    expect(lines.slice(before)).toEqual([]);
  });
});

describe('planReload', () => {
  const fn = (name: string, key: string, extra: Record<string, unknown> = {}) => ({
    logicalId: `${name}Function`,
    type: 'ALIYUN::FC::Function',
    props: {
      ServiceName: 'miniapp',
      FunctionName: name,
      Handler: 'index.handler',
      Code: { OssBucketName: 'b', OssObjectName: key },
      EnvironmentVariables: { A: '1' },
      Timeout: 10,
      ...extra,
    },
    attributes: {},
  });
  const table = (ttl: number) => ({ logicalId: 'OrdersTable', type: 'ALIYUN::OTS::Table', props: { TableName: 'orders', TimeToLive: ttl }, attributes: {} });
  const stack = (resources: DeployedStack['resources'], outputs: Record<string, unknown> = { Url: 'u' }): DeployedStack => ({
    resources,
    parameters: {},
    outputs,
  });
  const running = stack([fn('db', 'a.zip'), fn('pay', 'p.zip'), table(-1)]);

  it('swaps the code of a function whose code alone changed', () => {
    expect(planReload(running, stack([fn('db', 'b.zip'), fn('pay', 'p.zip'), table(-1)]))).toEqual({
      swaps: [{ logicalId: 'dbFunction', serviceName: 'miniapp', functionName: 'db', objectKey: 'b.zip' }],
      restartFor: [],
    });
    expect(planReload(running, running)).toEqual({ swaps: [], restartFor: [] });
  });

  it('leaves every other change to a restart, including the code of a function whose settings changed too', () => {
    const next = stack(
      [
        fn('db', 'b.zip', { EnvironmentVariables: { A: '2' }, Timeout: 20 }),
        fn('pay', 'q.zip'),
        table(86400),
        { logicalId: 'NewRole', type: 'ALIYUN::RAM::Role', props: {}, attributes: {} },
      ],
      { Url: 'v' },
    );
    expect(planReload(running, next)).toEqual({
      swaps: [{ logicalId: 'payFunction', serviceName: 'miniapp', functionName: 'pay', objectKey: 'q.zip' }],
      restartFor: ['function db (code, environment, timeout)', 'OrdersTable (TimeToLive)', 'NewRole (added)', 'output Url'],
    });
    expect(planReload(running, stack([fn('db', 'a.zip')])).restartFor).toEqual(['function pay (removed)', 'OrdersTable (removed)']);
  });

  it('compares resolved values, not the order of their keys', () => {
    const reordered = fn('db', 'a.zip');
    reordered.props = Object.fromEntries(Object.entries(reordered.props).reverse()) as typeof reordered.props;
    expect(planReload(running, stack([reordered, fn('pay', 'p.zip'), table(-1)]))).toEqual({ swaps: [], restartFor: [] });
  });
});

describe('synthError', () => {
  it("picks esbuild's error lines, else synth's own message, else the error thrown", () => {
    const esbuild = `✘ [ERROR] Unexpected ";"\n\n    lambda/db/index.ts:52:10:\n      52 │ const x = ;\n\nError: Failed to bundle asset MiniAppStack/Functions/DBFunctionCode/Stage, bundle output is located at /x: Error: Build failed with 2 errors:\nlambda/db/index.ts:52:10: ERROR: Unexpected ";"\nlambda/db/index.ts:60:1: ERROR: Unexpected "}"\n    at AssetStaging.bundle (/x.ts:448:19)`;
    expect(synthError(esbuild, 1, null)).toBe('lambda/db/index.ts:52:10: ERROR: Unexpected ";"; lambda/db/index.ts:60:1: ERROR: Unexpected "}"');
    expect(synthError('Bundling asset…\nsynth failed: catalog.json: "amount" of sku1 must be a positive integer\n', 1, null)).toBe(
      'synth failed: catalog.json: "amount" of sku1 must be a positive integer',
    );
    expect(synthError('/x/lib/a.ts:3\n  throw e;\nTypeError: x is not a function\n    at y (/x/lib/a.ts:3:9)', 1, null)).toBe('TypeError: x is not a function');
    expect(synthError('', null, 'SIGKILL')).toBe('synth was killed by SIGKILL');
  });
});
