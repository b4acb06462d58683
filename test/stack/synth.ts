/**
 * Test helper (not a test): synthesizes the real stack, exactly as bin/app.ts does (`buildApp` +
 * `readConfig`), into a fresh temporary directory, reads everything it wrote into memory and
 * deletes the directory before returning, so no test leaves a `cdk.out*` dir behind even when it
 * fails half-way. `TempProject` runs the real entry instead (tools/synth.ts or cdk.json's app
 * command, as child processes) in a project directory of its own, so no test writes the repo's
 * cdk.out or cdk.context.json.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ros from '@alicloud/ros-cdk-core';
import { STACK_ID, buildApp } from '../../lib/app';
import { readConfig } from '../../lib/config';
import type { Template } from './template';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The `context` of cdk.json, which the ros-cdk CLI passes to the app on every synth. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context;

/**
 * The asset qualifier of in-process synths. A real project gets a random one per clone
 * (lib/project-context.ts); tests need a fixed one so that templates compare and snapshot.
 */
export const TEST_QUALIFIER = 'stacktest';

export interface Synthesized {
  /** `app.synth().getStackArtifact(stack.artifactId).template` */
  readonly template: Template;
  /** Exact bytes of `<outdir>/MiniAppStack.template.json`. */
  readonly templateJson: string;
  /** Asset hashes of the zip assets listed in `<outdir>/MiniAppStack.assets.json`, sorted. */
  readonly assetHashes: string[];
  /** Every file of the output directory, by path relative to it (`asset.<hash>/index.js`, ...). */
  readonly files: ReadonlyMap<string, Buffer>;
  /** Wall time of buildApp + synth, in ms. */
  readonly ms: number;
}

export interface SynthOptions {
  /** Merge cdk.json's context first, as the CLI does (default true). */
  readonly cdkJson?: boolean;
}

/**
 * Synthesizes the stack with `context` over cdk.json's context and TEST_QUALIFIER (as if they
 * were set under "context" in cdk.json). Throws what synth throws (a ConfigError for bad
 * context). Environment variables that would change where the App writes or what context it sees
 * (CDK_OUTDIR, CDK_CONTEXT_JSON) are hidden meanwhile.
 */
export function synth(context: Record<string, unknown> = {}, options: SynthOptions = {}): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'miniapp-stack-test-'));
  const savedEnv = { CDK_OUTDIR: process.env.CDK_OUTDIR, CDK_CONTEXT_JSON: process.env.CDK_CONTEXT_JSON };
  delete process.env.CDK_OUTDIR;
  delete process.env.CDK_CONTEXT_JSON;
  const restoreStderr = muteBundlingNotices();
  try {
    const started = performance.now();
    const app = buildApp(
      // ros-cdk-core types context values as strings; the App stores any JSON value.
      new ros.App({
        outdir,
        context: { ...(options.cdkJson === false ? {} : CDK_JSON_CONTEXT), qualifier: TEST_QUALIFIER, ...context } as Record<string, string>,
      }),
      readConfig,
    );
    const stack = app.node.findChild(STACK_ID) as ros.Stack;
    const template = app.synth().getStackArtifact(stack.artifactId).template as Template;
    const ms = performance.now() - started;

    const files = readTree(outdir);
    const assetsManifest = JSON.parse(mustGet(files, `${STACK_ID}.assets.json`).toString('utf8')) as {
      files: Record<string, { source: { packaging: string } }>;
    };
    const assetHashes = Object.entries(assetsManifest.files)
      .filter(([, a]) => a.source.packaging === 'zip')
      .map(([hash]) => hash)
      .sort();
    return { template, templateJson: mustGet(files, `${STACK_ID}.template.json`).toString('utf8'), assetHashes, files, ms };
  } finally {
    restoreStderr();
    for (const [k, v] of Object.entries(savedEnv)) if (v !== undefined) process.env[k] = v;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const cache = new Map<string, Synthesized>();

/** `synth`, memoized per context within one test file (each file runs in its own module registry). */
export function synthCached(context: Record<string, unknown> = {}): Synthesized {
  const key = JSON.stringify(context);
  let result = cache.get(key);
  if (!result) {
    result = synth(context);
    cache.set(key, result);
  }
  return result;
}

/** The contexts every property should hold under (default, appId, stage, both). */
export const CONTEXTS: ReadonlyArray<Record<string, string>> = [
  {},
  { appId: '2021001234567890' },
  { stage: 'prod' },
  { appId: '2021009876543210', stage: 'dev2' },
];

function mustGet(files: ReadonlyMap<string, Buffer>, name: string): Buffer {
  const content = files.get(name);
  if (!content) throw new Error(`synth wrote no ${name}; it wrote: ${[...files.keys()].join(', ')}`);
  return content;
}

function readTree(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(root, full).split(path.sep).join('/'), fs.readFileSync(full));
    }
  };
  walk(root);
  return files;
}

/** ROS CDK writes "Bundling asset X..." straight to stderr for every asset; keep test output readable. */
function muteBundlingNotices(): () => void {
  const original = process.stderr.write;
  process.stderr.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk === 'string' && chunk.startsWith('Bundling asset ')) return true;
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stderr.write;
  return () => {
    process.stderr.write = original;
  };
}

/** What one run of the real entry left behind. */
export interface ProjectRun {
  readonly code: number | null;
  readonly stdout: string;
  /** stderr without ROS CDK's "Bundling asset ..." lines. */
  readonly stderr: string;
  /** cdk.context.json after the run (undefined: there is none). */
  readonly contextFile?: string;
  /** The names in cdk.out after the run (empty: no cdk.out). */
  readonly outFiles: readonly string[];
  /** Exact text of cdk.out/MiniAppStack.template.json and .assets.json, when written. */
  readonly templateJson?: string;
  readonly assetsJson?: string;
}

const TS_NODE_REGISTER = require.resolve('ts-node/register/transpile-only');
/**
 * cdk.json's "app" for a project outside the repo: the real entry, by absolute paths (the
 * project's cdk.json says `npx ts-node ... bin/app.ts`, which only resolves in the repo).
 */
export const TEMP_APP_COMMAND = `node -r "${TS_NODE_REGISTER}" "${path.join(PROJECT_ROOT, 'bin', 'app.ts')}"`;

/**
 * A project directory of its own (a fresh temp dir) with a cdk.json whose app command is the
 * real bin/app.ts, and optionally a cdk.context.json. Runs happen in it as the CLI runs the app:
 * cwd = the project. `remove()` deletes it.
 */
export class TempProject {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'miniapp-project-test-'));

  constructor(cdkJsonContext: Record<string, unknown>, contextFile?: Record<string, unknown>) {
    fs.writeFileSync(path.join(this.dir, 'cdk.json'), JSON.stringify({ app: TEMP_APP_COMMAND, context: cdkJsonContext }, null, 2));
    if (contextFile) fs.writeFileSync(path.join(this.dir, 'cdk.context.json'), JSON.stringify(contextFile, null, 2));
  }

  /** `npm run synth -- ...args`: tools/synth.ts, run in this project. */
  synth(args: readonly string[] = []): Promise<ProjectRun> {
    return this.run(process.execPath, ['-r', TS_NODE_REGISTER, path.join(PROJECT_ROOT, 'tools', 'synth.ts'), ...args], {});
  }

  /** cdk.json's app command through a shell, as the ros-cdk CLI runs it, with `env` added (CDK_CONTEXT_JSON...). */
  app(env: NodeJS.ProcessEnv): Promise<ProjectRun> {
    return this.run('/bin/sh', ['-c', TEMP_APP_COMMAND], { CDK_OUTDIR: 'cdk.out', ...env });
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<ProjectRun> {
    const inherited = { ...process.env };
    delete inherited.CDK_CONTEXT_JSON;
    delete inherited.CDK_OUTDIR;
    // ts-node looks for tsconfig.json from the cwd; this project has none.
    const fullEnv = { ...inherited, TS_NODE_PROJECT: path.join(PROJECT_ROOT, 'tsconfig.json'), ...env };
    return new Promise((resolve, reject) => {
      execFile(file, args, { cwd: this.dir, env: fullEnv, timeout: 120_000 }, (error, stdout, stderr) => {
        if (error?.killed) return reject(new Error(`${args.join(' ')} timed out; stderr: ${stderr}`));
        const read = (name: string) => (fs.existsSync(path.join(this.dir, name)) ? fs.readFileSync(path.join(this.dir, name), 'utf8') : undefined);
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          stdout,
          stderr: stderr.replace(/^Bundling asset .*\n/gm, ''),
          contextFile: read('cdk.context.json'),
          outFiles: fs.existsSync(path.join(this.dir, 'cdk.out')) ? fs.readdirSync(path.join(this.dir, 'cdk.out')) : [],
          templateJson: read(`cdk.out/${STACK_ID}.template.json`),
          assetsJson: read(`cdk.out/${STACK_ID}.assets.json`),
        });
      });
    });
  }
}
