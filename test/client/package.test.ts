import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../tools/build-client';

/**
 * client/ as a mini-program project gets it: `npm pack` (its prepack builds), then `npm install`
 * of the tarball into a scratch project, offline (the package has no dependencies). The consumers
 * are type-checked by the root's tsc the way their projects would resolve the package, and loaded
 * by Node through both conditions of `exports`.
 */
const run = promisify(execFile);
const CLIENT = path.join(ROOT, 'client');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NAME = (JSON.parse(fs.readFileSync(path.join(CLIENT, 'package.json'), 'utf8')) as { name: string }).name;

/** Without the `npm test` that may have started jest: its npm_* settings (lifecycle, prefix) are not the child's. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

interface Outcome {
  code: number;
  out: string;
}
/** Runs to completion whatever the exit code, so each check can show what went wrong. */
async function outcome(file: string, args: string[], cwd: string): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: typeof err.code === 'number' ? err.code : -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` || err.message };
  }
}

/**
 * A consumer of the public API. The `@ts-expect-error` lines must be errors: if the package's
 * types were missing or `any`, the directive itself would fail the check.
 */
const consumer = (importLines: string): string => `${importLines}

const config: ClientConfig = { AccountId: '1234', Region: 'cn-hangzhou', ServiceName: 'app', SessionFunctionName: 'session', DBFunctionName: 'db', SessionUrl: 'https://example.com/session' };
const client = createClient(config, fetchTransport(fetch), { refreshMarginMs: 30_000 });
declare const my: MyLike;
const inMiniProgram: MiniAppClient = createClient(config, myRequestTransport(my));

export async function use(authCode: string): Promise<number> {
  const session: Session = await client.login(authCode);
  const todo: Stored<{ id: string; text: string; done: boolean }> = await client.put({ id: 'milk', text: 'buy milk', done: false });
  const text: string = todo.text;
  const page: Page<{ text: string }> = await client.list<{ text: string }>({ limit: 20 });
  // @ts-expect-error login takes the authCode as a string
  await client.login(42);
  // @ts-expect-error put needs an id
  await client.put({ text: 'no id' });
  try {
    await inMiniProgram.update({ id: 'milk', done: true }, { ifVersion: todo.version });
  } catch (e) {
    if (isClientError(e, 'Conflict')) return e.status ?? 0;
    if (e instanceof ClientError) return e.code.length;
    throw e;
  }
  return session.sts.Expiration.length + text.length + page.data.length;
}
`;
const NAMED = `createClient, fetchTransport, isClientError, myRequestTransport, ClientError, MiniAppClient`;
const TYPES = `ClientConfig, MyLike, Page, Session, Stored`;

const CONSUMERS: Record<string, string> = {
  // ESM (.mts under nodenext): resolves the "import" condition.
  'esm.mts': `${consumer(`import { ${NAMED}, type ${TYPES.split(', ').join(', type ')} } from '${NAME}';`)}
// @ts-expect-error the ES module has named exports only
import client2 from '${NAME}';
void client2;
`,
  // CommonJS (.cts under nodenext): import syntax compiles to require, the "require" condition.
  'cjs.cts': consumer(`import { ${NAMED} } from '${NAME}';\nimport type { ${TYPES} } from '${NAME}';`),
  // CommonJS's own form.
  'require.cts': `import pkg = require('${NAME}');
export const c: pkg.MiniAppClient = pkg.createClient({ AccountId: '1', Region: 'cn-hangzhou', ServiceName: 's', SessionFunctionName: 'f', DBFunctionName: 'd', SessionUrl: 'https://e' }, pkg.fetchTransport(fetch));
// @ts-expect-error the config is required
pkg.createClient();
`,
  'bundler.ts': consumer(`import { ${NAMED}, type ${TYPES.split(', ').join(', type ')} } from '${NAME}';`),
  'node10.ts': consumer(`import { ${NAMED} } from '${NAME}';\nimport type { ${TYPES} } from '${NAME}';`),
  // The harness's own check: a misuse with no directive fails the run.
  'misuse.mts': `import { createClient, fetchTransport } from '${NAME}';
export const c = createClient({ AccountId: 1 }, fetchTransport(fetch));
`,
};

/**
 * What each consumer's project looks like: no @types at all (the package must need neither Node's nor jest's), DOM for
 * `fetch`. TypeScript's own lib files go unchecked (half the time of each run); the package's declarations are checked.
 */
const PROJECTS: Record<string, { compilerOptions: Record<string, unknown>; files: string[] }> = {
  nodenext: { compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' }, files: ['esm.mts', 'cjs.cts', 'require.cts'] },
  bundler: { compilerOptions: { module: 'esnext', moduleResolution: 'bundler' }, files: ['bundler.ts'] },
  // TypeScript before 4.7, or `moduleResolution: node`: no "exports", the top-level "types".
  node10: { compilerOptions: { module: 'commonjs', moduleResolution: 'node10' }, files: ['node10.ts'] },
  misuse: { compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' }, files: ['misuse.mts'] },
};

/** What Node itself resolves and loads through each condition, and that the code runs (createClient refuses an empty config). */
const LOAD = `const m = await LOAD('${NAME}');
let refused = false;
try { m.createClient({}, async () => ({ status: 200, headers: {}, text: '{}' })); } catch (e) { refused = m.isClientError(e, 'BadConfig'); }
console.log(JSON.stringify({ resolved: RESOLVE('${NAME}'), exports: Object.keys(m).sort(), createClient: typeof m.createClient, refused }));`;

interface Packed {
  filename: string;
  size: number;
  files: { path: string; size: number }[];
}
interface Loaded {
  resolved: string;
  exports: string[];
  createClient: string;
  refused: boolean;
}

describe('client npm package (npm pack in client/)', () => {
  let work: string;
  let packed: Packed;
  let installed: string;
  const checks: Record<string, Outcome> = {};

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'client-package-'));
    const packing = await outcome('npm', ['pack', '--json', '--pack-destination', work], CLIENT);
    if (packing.code !== 0) throw new Error(`npm pack failed:\n${packing.out}`);
    // prepack's build prints its sizes before npm's JSON on the same stdout.
    [packed] = JSON.parse(packing.out.slice(packing.out.search(/^\[/m), packing.out.search(/^\]/m) + 1)) as Packed[];

    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'scratch-mini-program', version: '1.0.0', private: true }));
    const install = await outcome(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', '--cache', path.join(work, 'npm-cache'), path.join(work, packed.filename)],
      app,
    );
    if (install.code !== 0) throw new Error(`npm install failed:\n${install.out}`);
    installed = path.join(app, 'node_modules', NAME);

    for (const [file, text] of Object.entries(CONSUMERS)) fs.writeFileSync(path.join(app, file), text);
    const pending: Record<string, Promise<Outcome>> = {};
    for (const [name, project] of Object.entries(PROJECTS)) {
      const compilerOptions = {
        ...project.compilerOptions,
        target: 'ES2022',
        lib: ['ES2022', 'DOM'],
        types: [],
        strict: true,
        noEmit: true,
        skipDefaultLibCheck: true,
      };
      fs.writeFileSync(path.join(app, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions, files: project.files }));
      pending[`tsc ${name}`] = outcome(process.execPath, [TSC, '-p', `tsconfig.${name}.json`, '--listFiles'], app);
    }
    const load = (how: string, resolve: string) => LOAD.replace('LOAD', how).replace('RESOLVE', resolve);
    pending.require = outcome(process.execPath, ['-e', `(async () => { ${load('((n) => require(n))', 'require.resolve')} })()`], app);
    pending.import = outcome(process.execPath, ['--input-type=module', '-e', load('import', 'import.meta.resolve')], app);
    for (const [name, done] of Object.entries(pending)) checks[name] = await done;
  }, 120_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('ships the bundles, the declarations and package.json, and nothing else', () => {
    const files = packed.files.map((f) => f.path).sort();
    for (const f of files) expect(f).toMatch(/^(package\.json|README\.md|dist\/miniapp-client\.(js|mjs|cjs\.js)|dist\/types\/[\w/-]+\.d\.m?ts)$/);
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/miniapp-client.js',
        'dist/miniapp-client.mjs',
        'dist/miniapp-client.cjs.js',
        'dist/types/index.d.ts',
        'dist/types/index.d.mts',
      ]),
    );
    // Every declaration comes from a client source: none of tests, tools or a stale build.
    for (const f of files.filter((x) => x.startsWith('dist/types/') && x.endsWith('.d.ts'))) {
      expect(fs.existsSync(path.join(CLIENT, f.slice('dist/types/'.length).replace(/\.d\.ts$/, '.ts')))).toBe(true);
    }
    expect(packed.size).toBeLessThan(40 * 1024);
  });

  it('declares main (CommonJS, ES2017), module and exports with types first in each condition, and no dependencies', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as Record<string, unknown> & {
      exports: Record<string, Record<string, Record<string, string>>>;
    };
    expect(pkg.version).toBe((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    expect(pkg).toMatchObject({ license: 'MIT', sideEffects: false, main: './dist/miniapp-client.cjs.js', module: './dist/miniapp-client.js' });
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
    const { import: esm, require: cjs } = pkg.exports['.'];
    expect(Object.keys(esm)[0]).toBe('types');
    expect(Object.keys(cjs)[0]).toBe('types');
    expect(fs.readFileSync(path.join(installed, esm.default), 'utf8')).toBe(fs.readFileSync(path.join(installed, pkg.module as string), 'utf8'));
    for (const target of [pkg.main, pkg.module, pkg.types, esm.types, esm.default, cjs.types, cjs.default] as string[]) {
      expect(fs.existsSync(path.join(installed, target))).toBe(true);
    }
  });

  it('type-checks an ES module consumer and a CommonJS one (module nodenext), each through its own declarations', () => {
    const { code, out } = checks['tsc nodenext'];
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(out).toContain(`node_modules/${NAME}/dist/types/index.d.mts`);
    expect(out).toContain(`node_modules/${NAME}/dist/types/index.d.ts`);
  });

  it('type-checks under bundler resolution (import condition) and node10 resolution (top-level types)', () => {
    expect(checks['tsc bundler']).toMatchObject({ code: 0 });
    expect(checks['tsc bundler'].out).toContain(`node_modules/${NAME}/dist/types/index.d.mts`);
    expect(checks['tsc node10']).toMatchObject({ code: 0 });
    expect(checks['tsc node10'].out).not.toContain('index.d.mts');
  });

  it('fails a consumer that misuses the API', () => {
    const { code, out } = checks['tsc misuse'];
    expect(code).not.toBe(0);
    expect(out).toMatch(/misuse\.mts\(2,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
  });

  it('loads with require() (the CommonJS bundle) and import() (the ES module), with the same exports', () => {
    const parse = (o: Outcome): Loaded => {
      expect(o).toMatchObject({ code: 0 });
      return JSON.parse(o.out) as Loaded;
    };
    const viaRequire = parse(checks.require);
    const viaImport = parse(checks.import);
    expect(viaRequire.resolved).toBe(path.join(fs.realpathSync(installed), 'dist', 'miniapp-client.cjs.js'));
    expect(viaImport.resolved).toMatch(new RegExp(`/node_modules/${NAME}/dist/miniapp-client\\.mjs$`));
    expect(viaRequire).toMatchObject({ createClient: 'function', refused: true });
    expect(viaImport).toMatchObject({ createClient: 'function', refused: true });
    expect(viaImport.exports).toEqual(viaRequire.exports);
    expect(viaRequire.exports).toEqual(
      expect.arrayContaining(['createClient', 'fetchTransport', 'isClientError', 'ClientError', 'myRequestTransport', 'tradePayFromMy']),
    );
  });
});
