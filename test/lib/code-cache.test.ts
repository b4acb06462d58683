/**
 * The V8 code cache of each function bundle (lib/code-cache.ts): made at synth, taken by a fresh
 * instance started as the local FC starts one, and never more than a speed-up: a corrupt, foreign
 * or missing cache loads the same code, which answers the same. Every load runs in a fresh `node`
 * (a code cache is per process, and bundles leave globals behind).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ros from '@alicloud/ros-cdk-core';
import { LAMBDA_ROOT, bundledAsset, bundledCode } from '../../lib/bundle';
import { BUNDLE_FILE, CACHE_FILE, CodeCachedAsset, ENTRY_FILE, produce } from '../../lib/code-cache';
import { fcNodeFlags } from '../../lib/fc-runtime';
import { LocalCloud } from '../../local/cloud';

const ROOT = path.resolve(__dirname, '..', '..');
const MEMORY_MB = 256;
const FLAGS = fcNodeFlags(MEMORY_MB);
/** The db function's environment, with endpoints nothing listens on: the requests below never get that far. */
const DB_ENV = {
  TZ: 'Asia/Shanghai',
  OTS_ENDPOINT: 'http://127.0.0.1:9',
  OTS_INSTANCE: 'i',
  SESSIONS_TABLE: 's',
  OBJECTS_TABLE: 'o',
  SESSION_CACHE_SECONDS: '10',
};
const CONTEXT = { requestId: 'r1', credentials: { accessKeyId: 'STS.a', accessKeySecret: 'b', securityToken: 'c' }, function: { name: 'db', timeout: 5 } };

/** Runs `script` in a fresh node with `flags` and `env` only; `file` is its process.argv[1]; returns the JSON of its last stdout line. */
function inFreshNode(script: string, file: string, flags: readonly string[], env: Record<string, string> = {}): any {
  const out = execFileSync(process.execPath, [...flags, '-e', script, file], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  return JSON.parse(out.trim().split('\n').slice(-1)[0]);
}

/**
 * Loads a db code file as the runtime does, calls its handler with an event it refuses before any
 * I/O (no sid), and reports the loader's word on the cache, the exports and the answer.
 */
const LOAD_DB = `
const code = require(process.argv[1]);
const report = globalThis[Symbol.for('miniapp.codeCache')];
Promise.resolve(code.handler(Buffer.from('{}'), ${JSON.stringify(CONTEXT)})).then((answer) => {
  console.log(JSON.stringify({ status: report && report.status, exports: Object.keys(code).map((k) => [k, typeof code[k]]), answer }));
});`;
const loadDb = (file: string, flags: readonly string[] = FLAGS) => inFreshNode(LOAD_DB, file, flags, DB_ENV);

function copyAsset(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true });
  return to;
}

describe('a function asset with a code cache (db, bundled as synth bundles it)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'code-cache-test-'));
  const asset = path.join(tmp, 'asset');
  let assetHash: string;
  let direct: any;
  beforeAll(() => {
    const options = bundledCode('db', {}, { memoryMB: MEMORY_MB });
    assetHash = options.assetHash;
    fs.mkdirSync(asset);
    expect(options.bundling?.local?.tryBundle(asset, options.bundling)).toBe(true);
    // The bundle required directly, without the loader: what the loader must reproduce.
    direct = loadDb(path.join(asset, BUNDLE_FILE));
  }, 120_000);
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('holds the loader as index.js, the bundle, and its cache', () => {
    expect(fs.readdirSync(asset).sort()).toEqual([CACHE_FILE, BUNDLE_FILE, ENTRY_FILE].sort());
    expect(fs.readFileSync(path.join(asset, ENTRY_FILE), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'lib', 'code-cache-loader.js'), 'utf8'));
    expect(fs.statSync(path.join(asset, CACHE_FILE)).size).toBeGreaterThan(50_000);
  });

  it('a fresh instance takes the cache, exports what the bundle exports, and answers as the bundle does', () => {
    const loaded = loadDb(path.join(asset, ENTRY_FILE));
    expect(loaded.status).toBe('accepted');
    expect(direct.exports).toEqual([['handler', 'function']]);
    expect(loaded.exports).toEqual(direct.exports);
    expect(direct.answer).toEqual({ error: expect.objectContaining({ code: 'BadRequest' }) });
    expect(loaded.answer).toEqual(direct.answer);
  });

  it('the cache covers the load: its making stops only at the config read, after every module loaded', () => {
    const out = path.join(tmp, 'made.cache');
    const { topLevel } = produce(path.join(asset, BUNDLE_FILE), FLAGS, out);
    expect(topLevel).toBe('threw environment variable OTS_ENDPOINT is not set');
    expect(loadDb(path.join(copyAsset(asset, path.join(tmp, 'remade')), ENTRY_FILE)).status).toBe('accepted');
  });

  it.each([
    ['no flags (the real FC may start node so)', []],
    ['another heap size', fcNodeFlags(128)],
    ['without --expose-gc', FLAGS.filter((f) => f !== '--expose-gc')],
    ['--no-lazy', [...FLAGS, '--no-lazy']],
  ])('under other V8 flags, %s, the cache is rejected and the code still works', (_, flags) => {
    const loaded = loadDb(path.join(asset, ENTRY_FILE), flags);
    expect(loaded).toEqual({ ...direct, status: 'rejected' });
  });

  const variants: Array<[string, (dir: string) => void, string]> = [
    [
      'random bytes',
      (dir) => fs.writeFileSync(path.join(dir, CACHE_FILE), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256))),
      'rejected',
    ],
    ['cut short', (dir) => fs.truncateSync(path.join(dir, CACHE_FILE), 1000), 'rejected'],
    ['empty', (dir) => fs.writeFileSync(path.join(dir, CACHE_FILE), ''), 'rejected'],
    ['made for another bundle', (dir) => fs.writeFileSync(path.join(dir, CACHE_FILE), makeOtherCache(dir)), 'rejected'],
    ['missing', (dir) => fs.rmSync(path.join(dir, CACHE_FILE)), 'absent'],
    ['unreadable (a directory)', (dir) => (fs.rmSync(path.join(dir, CACHE_FILE)), fs.mkdirSync(path.join(dir, CACHE_FILE))), 'absent'],
  ];
  it.each(variants)('a cache %s: the code loads and answers the same', (name, spoil, status) => {
    const dir = copyAsset(asset, path.join(tmp, name.replace(/\W+/g, '-')));
    spoil(dir);
    expect(loadDb(path.join(dir, ENTRY_FILE))).toEqual({ ...direct, status });
  });

  /** A genuine cache, of a small bundle of another length. */
  function makeOtherCache(dir: string): Buffer {
    const other = path.join(dir, 'other.js');
    fs.writeFileSync(other, 'exports.handler = async () => 1;');
    produce(other, FLAGS, path.join(dir, 'other.cache'));
    return fs.readFileSync(path.join(dir, 'other.cache'));
  }

  it('the same source gives the same asset hash, in this process and in another one (another synth)', () => {
    expect(bundledCode('db', {}, { memoryMB: MEMORY_MB }).assetHash).toBe(assetHash);
    const script = `process.stdout.write(JSON.stringify(require('./lib/bundle').bundledCode('db', {}, { memoryMB: ${MEMORY_MB} }).assetHash))`;
    const other = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(other)).toBe(assetHash);
    // The cache is made for the instances' flags, so it is part of what the hash covers.
    expect(bundledCode('db', {}, { memoryMB: 512 }).assetHash).not.toBe(assetHash);
  }, 90_000);

  it('a staged asset an interrupted synth left half-written is written again', () => {
    const muted = jest.spyOn(process.stderr, 'write').mockImplementation(() => true); // "Bundling asset ..."
    try {
      const stage = (outdir: string) => bundledAsset(new ros.Stack(new ros.App({ outdir }), 'Stack'), 'Code', 'db', {}, { memoryMB: MEMORY_MB });
      const { assetHash: rosHash } = stage(path.join(tmp, 'first.out'));
      for (const [name, files] of [
        ['no loader', [BUNDLE_FILE]],
        ['a file cut short', [BUNDLE_FILE, ENTRY_FILE, `${CACHE_FILE}.123.tmp`]],
      ] as const) {
        const outdir = path.join(tmp, name.replace(/\W+/g, '-'));
        const staged = path.join(outdir, `asset.${rosHash}`);
        fs.mkdirSync(staged, { recursive: true });
        for (const file of files) fs.writeFileSync(path.join(staged, file), 'half a file');
        expect(stage(outdir).assetHash).toBe(rosHash);
        expect({ name, files: fs.readdirSync(staged).sort() }).toEqual({ name, files: [CACHE_FILE, BUNDLE_FILE, ENTRY_FILE].sort() });
        expect(fs.readFileSync(path.join(staged, BUNDLE_FILE))).toEqual(fs.readFileSync(path.join(asset, BUNDLE_FILE)));
      }
    } finally {
      muted.mockRestore();
    }
  }, 90_000);
});

describe('the loader, on a small bundle', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'code-cache-loader-test-'));
  // One line, as esbuild writes a minified bundle. Sloppy: `leaked` is assigned undeclared (tablestore does that).
  const BUNDLE =
    "leaked = 'sloppy'; exports.handler = function handler() { return leaked; }; exports.initializer = function initializer() {}; " +
    'Object.defineProperty(exports, "viaGetter", { enumerable: true, get: () => exports.handler }); ' +
    'exports.fail = function fail() { throw new Error("boom"); }; exports.topThis = this; exports.where = [__filename, __dirname]; globalThis.bundleExports = module.exports;';
  const CHECK = `
const code = require(process.argv[1]);
let stack; try { code.fail(); } catch (e) { stack = e.stack.split('\\n')[1].trim(); }
console.log(JSON.stringify({
  status: globalThis[Symbol.for('miniapp.codeCache')].status,
  keys: Object.keys(code),
  same: code === globalThis.bundleExports && code.viaGetter === code.handler && code.topThis === code,
  sloppy: code.handler(),
  where: code.where,
  stack,
}));`;
  const dir = path.join(tmp, 'fn');
  const bundle = path.join(dir, BUNDLE_FILE);
  beforeAll(() => {
    fs.mkdirSync(dir);
    fs.writeFileSync(bundle, BUNDLE);
    fs.copyFileSync(path.join(ROOT, 'lib', 'code-cache-loader.js'), path.join(dir, ENTRY_FILE));
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const column = BUNDLE.indexOf('new Error("boom")') + 1;
  const expected = (status: string) => ({
    status,
    keys: ['handler', 'initializer', 'viaGetter', 'fail', 'topThis', 'where'],
    same: true,
    sloppy: 'sloppy',
    where: [bundle, dir],
    stack: `at Object.fail (${bundle}:1:${column})`,
  });

  it('exports the bundle’s own exports object, runs it sloppy as CommonJS, and its stack traces name bundle.js at the file’s column', () => {
    expect(inFreshNode(CHECK, path.join(dir, ENTRY_FILE), [])).toEqual(expected('absent'));
  });

  it('the same with a cache it takes', () => {
    produce(bundle, [], path.join(dir, CACHE_FILE));
    expect(inFreshNode(CHECK, path.join(dir, ENTRY_FILE), [])).toEqual(expected('accepted'));
  });
});

describe('synth', () => {
  it('refuses a bundle that is not ASCII, which the loader (reading latin1) would garble', () => {
    const asset = (text: string) => new CodeCachedAsset(new Map([[BUNDLE_FILE, Buffer.from(text)]]), FLAGS);
    expect(() => asset('exports.said = /请求错误/;')).toThrow('code cache: bundle.js is not ASCII; the loader reads it as latin1');
    expect(asset('exports.said = /\\u8bf7\\u6c42/;').files.has(BUNDLE_FILE)).toBe(true);
  });

  it('refuses a dynamic import() the loader could not run', () => {
    const fixture = path.join(__dirname, 'fixtures', 'dynamic-import');
    expect(() => bundledCode(path.relative(LAMBDA_ROOT, fixture))).toThrow(/import\("node:os"\) is not supported in a function/);
  });
});

describe('local FC cold starts (the app global setup synthesized into cdk.out)', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await LocalCloud.start({ outdir: path.join(ROOT, 'cdk.out'), port: 0, log: () => undefined });
  }, 60_000);
  afterAll(async () => {
    await cloud?.stop();
  });

  it('take the code cache of db and session', async () => {
    const c = cloud.config;
    const requests = {
      [c.DBFunctionName]: { kind: 'event' as const, event: Buffer.from('{}'), context: CONTEXT },
      [c.SessionFunctionName]: {
        kind: 'http' as const,
        request: { method: 'GET', path: '/', url: '/', headers: {}, queries: {}, clientIP: '127.0.0.1', body: Buffer.alloc(0) },
        context: CONTEXT,
      },
    };
    for (const [fn, request] of Object.entries(requests)) {
      const instance = cloud.fc.instance(c.ServiceName, fn)!;
      await instance.stop();
      expect(await instance.invoke(request)).toMatchObject({ ok: true });
      expect({ fn, codeCache: instance.lastCodeCache }).toEqual({ fn, codeCache: 'accepted' });
    }
  }, 60_000);
});
