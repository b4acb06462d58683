/**
 * The tablestore bundling hazard: tablestore assigns to undeclared variables, so a function
 * bundle that starts with a "use strict" directive throws `ReferenceError: pro is not defined`
 * on the first conditional write. These tests check the bundles synth produces, and the bundling
 * options of lib/bundle.ts on a probe that actually runs the failing tablestore code.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import * as esbuild from 'esbuild';
import * as ts from 'typescript';
import { LAMBDA_ROOT, bundledCode } from '../../lib/bundle';
import { type Catalog, loadCatalog } from '../../lib/catalog';
import { PAY_FUNCTION } from '../../lib/payments';
import { synthCached } from './synth';
import { resourcesOfType } from './template';

/** The directive prologue of a script: the leading string-literal expression statements. */
function leadingDirectives(code: string): string[] {
  const file = ts.createSourceFile('bundle.js', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const directives: string[] = [];
  for (const statement of file.statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isStringLiteral(statement.expression)) break;
    directives.push(statement.expression.text);
  }
  return directives;
}

/**
 * Whether V8 compiles `code` as sloppy-mode CommonJS: Node wraps a module in a function, and a
 * `with` statement is a SyntaxError in strict code. Compiles only, runs nothing.
 */
function compilesSloppy(code: string): boolean {
  try {
    new vm.Script(`(function (exports, require, module, __filename, __dirname) {${code}\n;with ({}) {}\n})`);
    return true;
  } catch (e) {
    // (vm errors come from another realm: compare the name, not the class)
    if ((e as Error).name === 'SyntaxError' && /strict mode/i.test((e as Error).message)) return false;
    throw e;
  }
}

/**
 * A catalog as esbuild writes an imported JSON object when it minifies: keys bare where they are
 * identifiers, strings double-quoted with non-ASCII escaped (esbuild's default ASCII charset).
 */
function catalogLiteral(catalog: Catalog): string {
  const str = (s: string) => JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : str(k));
  return `{${Object.entries(catalog)
    .map(([sku, p]) => `${key(sku)}:{title:${str(p.title)},amount:${str(p.amount)}}`)
    .join(',')}}`;
}

describe('strictness detectors fire', () => {
  it.each([
    ['"use strict";var a=1;', false],
    ["/*! legal */\n'use strict';\nvar a=1;", false],
    ['"a";"use strict";var a=1;', false],
    ['var a="use strict";', true],
    ['var d=Object.defineProperty;(function(){"use strict";x=1})();', true],
  ])('%j → sloppy at top level: %s', (code, sloppy) => {
    expect(leadingDirectives(code).includes('use strict')).toBe(!sloppy);
    expect(compilesSloppy(code)).toBe(sloppy);
  });
});

describe('synthesized function bundles', () => {
  const bundles = (): Array<[string, string]> => {
    const { template, files } = synthCached();
    return resourcesOfType(template, 'ALIYUN::FC::Function').map(([id, r]) => {
      const objectName = String(r.Properties?.Code?.OssObjectName);
      const hash = objectName.replace(/\.zip$/, '');
      // index.js is the code-cache loader (lib/code-cache.ts), the same for every function; bundle.js is the function's code.
      if (!files.has(`asset.${hash}/index.js`)) throw new Error(`${id}: no asset.${hash}/index.js in cdk.out (object ${objectName})`);
      const code = files.get(`asset.${hash}/bundle.js`);
      if (!code) throw new Error(`${id}: no asset.${hash}/bundle.js in cdk.out (object ${objectName})`);
      return [id, code.toString('utf8')];
    });
  };

  /** The bundle of the function named `name`. */
  const bundleOf = (name: string): string => {
    const [id] = resourcesOfType(synthCached().template, 'ALIYUN::FC::Function').find(([, r]) => r.Properties?.FunctionName === name)!;
    return bundles().find(([bundleId]) => bundleId === id)![1];
  };

  it('exist for every function, one index.js each (the handler index.handler)', () => {
    const found = bundles();
    expect(found.length).toBe(resourcesOfType(synthCached().template, 'ALIYUN::FC::Function').length);
    for (const [, r] of resourcesOfType(synthCached().template, 'ALIYUN::FC::Function')) expect(r.Properties?.Handler).toBe('index.handler');
    for (const [, code] of found) expect(code).toMatch(/\bhandler\b/);
  });

  it('exist for all five functions, each a different bundle', () => {
    const functions = resourcesOfType(synthCached().template, 'ALIYUN::FC::Function')
      .map(([, r]) => r.Properties?.FunctionName)
      .sort();
    expect(functions).toEqual(['db', 'notify', 'pay', 'reconcile', 'session']);
    expect(new Set(bundles().map(([, code]) => code)).size).toBe(functions.length);
  });

  it('the pay bundle holds catalog.json exactly as lib/catalog.ts reads it at synth, and no other bundle holds it', () => {
    const catalog = catalogLiteral(loadCatalog());
    const pay = bundleOf(PAY_FUNCTION);
    expect(pay).toContain(catalog);
    const holders = bundles()
      .filter(([, code]) => code.includes(catalog))
      .map(([, code]) => code === pay);
    expect(holders).toEqual([true]);
  });

  it('do not start with a "use strict" directive', () => {
    for (const [id, code] of bundles())
      expect({ id, directives: leadingDirectives(code) }).toEqual({ id, directives: expect.not.arrayContaining(['use strict']) });
  });

  it('compile as sloppy-mode CommonJS at top level', () => {
    for (const [id, code] of bundles()) expect({ id, sloppy: compilesSloppy(code) }).toEqual({ id, sloppy: true });
  });
});

describe('lib/bundle.ts bundling options, on a probe that runs the hazardous tablestore code', () => {
  const fixture = path.join(__dirname, 'fixtures', 'strict-probe');
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'miniapp-bundle-test-'));
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /**
   * Requires the bundle in a fresh node (tablestore's sloppy writes create globals) and calls
   * probe(); returns its result or the error it threw (the child prints only that: an uncaught
   * error would print the whole one-line bundle).
   */
  const runProbe = (bundle: string): string =>
    execFileSync(
      process.execPath,
      ['-e', `let r; try { r = require(${JSON.stringify(bundle)}).probe(); } catch (e) { r = String(e); } process.stdout.write(String(r));`],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 },
    );

  it('bundled exactly as the functions are, tablestore works', () => {
    const options = bundledCode(path.relative(LAMBDA_ROOT, fixture));
    expect(options.path).toBe(fixture);
    const out = path.join(tmp, 'as-functions');
    fs.mkdirSync(out);
    expect(options.bundling?.local?.tryBundle(out, options.bundling)).toBe(true);
    const code = fs.readFileSync(path.join(out, 'bundle.js'), 'utf8');
    expect(leadingDirectives(code)).not.toContain('use strict');
    expect(compilesSloppy(code)).toBe(true);
    // Through the loader, as the runtime loads it (index.handler).
    expect(runProbe(path.join(out, 'index.js'))).toBe('ok');
  });

  it('control: the same entry bundled with the project tsconfig (strict) starts with "use strict" and breaks tablestore', () => {
    const outfile = path.join(tmp, 'strict', 'index.js');
    esbuild.buildSync({
      entryPoints: [path.join(fixture, 'index.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      logLevel: 'silent',
    });
    const code = fs.readFileSync(outfile, 'utf8');
    expect(leadingDirectives(code)).toContain('use strict');
    expect(compilesSloppy(code)).toBe(false);
    expect(runProbe(outfile)).toMatch(/ReferenceError: pro is not defined/);
  });
});
