import * as path from 'node:path';
import * as esbuild from 'esbuild';
import * as ros from '@alicloud/ros-cdk-core';
import { lazyTablestore } from './lazy-protobuf';

export const LAMBDA_ROOT = path.resolve(__dirname, '..', 'lambda');

/**
 * Bundling options that turn `lambda/<name>/index.ts` into one minified CommonJS file at synth.
 * `aliases` swap a dependency for a module of our own (paths relative to lambda/).
 *
 * - The hash is taken of the output, so a change in `lambda/shared` changes every function that
 *   uses it, and the same source always gives the same asset hash (esbuild is deterministic).
 * - `alwaysStrict: false`: tablestore assigns to undeclared variables, so a bundle that starts
 *   with "use strict" (which esbuild hoists from a strict TypeScript entry) throws on the first
 *   conditional write. The functions' own code is still type-checked under `strict` by tsc.
 * - Node 20 is the runtime (`nodejs20`); its built-ins stay external.
 * - tablestore's protobuf messages are defined lazily (see lazy-protobuf.ts): a cold start builds only those used.
 */
export function bundledCode(functionName: string, aliases: Record<string, string> = {}): ros.AssetOptions & { path: string } {
  const entry = path.join(LAMBDA_ROOT, functionName, 'index.ts');
  return {
    path: path.join(LAMBDA_ROOT, functionName),
    assetHashType: ros.AssetHashType.OUTPUT,
    bundling: {
      // ROS CDK would fall back to Docker; local bundling always succeeds or throws.
      image: ros.DockerImage.fromRegistry('unused-local-bundling'),
      local: {
        tryBundle(outputDir: string): boolean {
          esbuild.buildSync({
            entryPoints: [entry],
            outfile: path.join(outputDir, 'index.js'),
            bundle: true,
            platform: 'node',
            target: 'node20',
            format: 'cjs',
            minify: true,
            // Class and function names stay: SDKs read constructor.name (alipay-sdk's error names), and so do our logs.
            keepNames: true,
            legalComments: 'linked',
            logLevel: 'warning',
            tsconfigRaw: { compilerOptions: { alwaysStrict: false, strict: false } },
            alias: {
              tablestore: lazyTablestore(path.resolve(LAMBDA_ROOT, '..')),
              ...Object.fromEntries(Object.entries(aliases).map(([pkg, file]) => [pkg, path.join(LAMBDA_ROOT, file)])),
            },
          });
          return true;
        },
      },
    },
  };
}
