import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import * as ros from '@alicloud/ros-cdk-core';
import * as ossassets from '@alicloud/ros-cdk-ossassets';
import { BUNDLE_FILE, CodeCachedAsset } from './code-cache';
import { DEFAULT_MEMORY_MB, fcNodeFlags } from './fc-runtime';
import { lazyTablestore } from './lazy-protobuf';

export const LAMBDA_ROOT = path.resolve(__dirname, '..', 'lambda');

/** What a function's code asset is made for: its instances' memory picks the V8 flags its code cache is made under. */
export interface BundleRuntime {
  /** The function's memory (MB); FC's default when unset, or when a token (then unknown at synth). */
  readonly memoryMB?: number | ros.IResolvable;
}

/**
 * Bundling options that turn `lambda/<name>/index.ts` into one minified CommonJS file at synth,
 * with a V8 code cache and its loader (see code-cache.ts: the asset holds `index.js`, the loader,
 * `bundle.js`, esbuild's output, and `bundle.cache`). `aliases` swap a dependency for a module of
 * our own (paths relative to lambda/).
 *
 * - esbuild runs when the options are made, and the asset hash is a hash of its output, the loader
 *   and the flags the cache is made for (CUSTOM, computed up front): a change in `lambda/shared`
 *   changes every function that uses it, and the same source always gives the same asset hash
 *   (esbuild is deterministic; the code cache is not, and is left out). A synth into a cdk.out
 *   that has the asset already skips writing it.
 * - `alwaysStrict: false`: tablestore assigns to undeclared variables, so a bundle that starts
 *   with "use strict" (which esbuild hoists from a strict TypeScript entry) throws on the first
 *   conditional write. The functions' own code is still type-checked under `strict` by tsc. The
 *   loader compiles the bundle as a script of its own, so its own "use strict" does not reach it.
 * - Node 20 is the runtime (`nodejs20`); its built-ins stay external.
 * - tablestore's protobuf messages are defined lazily (see lazy-protobuf.ts): a cold start builds only those used.
 */
export function bundledCode(
  functionName: string,
  aliases: Record<string, string> = {},
  runtime: BundleRuntime = {},
): ros.AssetOptions & { path: string; assetHash: string } {
  const asset = new CodeCachedAsset(bundle(functionName, aliases), fcNodeFlags(typeof runtime.memoryMB === 'number' ? runtime.memoryMB : DEFAULT_MEMORY_MB));
  return {
    path: path.join(LAMBDA_ROOT, functionName),
    assetHashType: ros.AssetHashType.CUSTOM,
    assetHash: asset.fingerprint,
    bundling: {
      // ROS CDK would fall back to Docker; local bundling always succeeds or throws.
      image: ros.DockerImage.fromRegistry('unused-local-bundling'),
      local: {
        tryBundle(outputDir: string): boolean {
          asset.writeTo(outputDir, functionName);
          return true;
        },
      },
    },
  };
}

/**
 * The code asset of a function, staged under the app's cdk.out. ROS CDK reuses an asset directory
 * it finds there with the asset's hash as it is; one an interrupted synth left half-written is
 * written again here, rather than deployed broken.
 */
export function bundledAsset(scope: ros.Construct, id: string, functionName: string, aliases: Record<string, string>, runtime: BundleRuntime): ossassets.Asset {
  const options = bundledCode(functionName, aliases, runtime);
  const asset = new ossassets.Asset(scope, id, options);
  const outdir = ros.Stage.of(scope)?.assetOutdir;
  const staged = outdir && path.join(outdir, `asset.${asset.assetHash}`);
  if (staged && fs.existsSync(staged) && !CodeCachedAsset.isWrittenIn(staged)) {
    fs.rmSync(staged, { recursive: true, force: true });
    fs.mkdirSync(staged);
    options.bundling!.local!.tryBundle(staged, options.bundling!);
  }
  return asset;
}

/** How every function is bundled (also the bench's floor functions, bench/floor-fc.ts); `aliases` as bundledCode's. */
export function functionBundleOptions(aliases: Record<string, string> = {}): esbuild.BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    // Class and function names stay: SDKs read constructor.name (alipay-sdk's error names), and so do our logs.
    keepNames: true,
    logLevel: 'warning',
    tsconfigRaw: { compilerOptions: { alwaysStrict: false, strict: false } },
    alias: {
      tablestore: lazyTablestore(path.resolve(LAMBDA_ROOT, '..')),
      ...Object.fromEntries(Object.entries(aliases).map(([pkg, file]) => [pkg, path.join(LAMBDA_ROOT, file)])),
    },
  };
}

/** esbuild's output for `lambda/<functionName>/index.ts`, by file name (`bundle.js`, and its LEGAL.txt when there is one). */
function bundle(functionName: string, aliases: Record<string, string>): Map<string, Uint8Array> {
  const outdir = path.join(LAMBDA_ROOT, functionName, 'dist'); // nothing is written: it only names the output files
  const result = esbuild.buildSync({
    ...functionBundleOptions(aliases),
    entryPoints: [path.join(LAMBDA_ROOT, functionName, 'index.ts')],
    outfile: path.join(outdir, BUNDLE_FILE),
    write: false,
    metafile: true,
    legalComments: 'linked',
  });
  // The loader compiles the bundle with vm.Script, whose import() needs an experimental loader
  // option (and warns on every cold start): a dynamic import of a module esbuild leaves outside
  // the bundle would fail only when it runs. esbuild turns import() of bundled modules into require().
  const dynamic = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path));
  if (dynamic.length)
    throw new Error(
      `lambda/${functionName}: import(${dynamic.map((p) => JSON.stringify(p)).join(', ')}) is not supported in a function; use a static import or require()`,
    );
  return new Map(result.outputFiles.map((f) => [path.relative(outdir, f.path), f.contents]));
}
