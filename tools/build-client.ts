import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import * as ts from 'typescript';

export const ROOT = path.resolve(__dirname, '..');
export const DIST = path.join(ROOT, 'client', 'dist');
/** ESM for browsers and bundlers; CommonJS (`.cjs.js`, mini-programs `require` only `.js`) for the Alipay mini-program. */
export const OUTPUTS = { esm: path.join(DIST, 'miniapp-client.js'), cjs: path.join(DIST, 'miniapp-client.cjs.js') } as const;

/**
 * What client/package.json points at besides OUTPUTS. Node's `import` gets the ESM as `.mjs`: the package
 * has no `"type": "module"` (the CommonJS bundle must stay `.js`), so Node would load a `.js` as CommonJS.
 * Bundlers that read only `"module"` keep the `.js`. The declarations: tsc's `.d.ts` and an `index.d.mts` (emitTypes).
 */
export const PACKAGE = { mjs: path.join(DIST, 'miniapp-client.mjs'), types: path.join(DIST, 'types') } as const;

/** Globals that exist in Node but not in a mini-program or a browser: their use would only fail at run time there. */
const NODE_ONLY = /\brequire\(|\bBuffer\b|\bprocess\.|\b__dirname\b|\bsetImmediate\b/;

export interface BuiltFile {
  file: string;
  bytes: number;
  gzipBytes: number;
}

/**
 * Bundles client/index.ts, minified, for platform `neutral`: no Node built-in resolves there, so
 * any import of one (direct or through a dependency) fails the build instead of the mini-program.
 */
export async function buildClient(entry = path.join(ROOT, 'client', 'index.ts'), outputs: Record<'esm' | 'cjs', string> = OUTPUTS): Promise<BuiltFile[]> {
  const common = {
    entryPoints: [entry],
    bundle: true,
    minify: true,
    platform: 'neutral' as const,
    // ES2017: async/await stay native (Alipay base libraries and browsers of the last years run them); async generators are lowered.
    target: 'es2017',
    logLevel: 'silent' as const,
    legalComments: 'none' as const,
  };
  const files: BuiltFile[] = [];
  for (const [format, file] of Object.entries(outputs) as ['esm' | 'cjs', string][]) {
    const result = await build({ ...common, format, outfile: file, write: false });
    const text = Buffer.from(result.outputFiles[0].contents);
    const hit = NODE_ONLY.exec(text.toString('utf8'));
    if (hit) throw new Error(`${path.relative(ROOT, file)} uses a Node-only global: ${hit[0]}`);
    writeAtomically(file, text);
    files.push({ file, bytes: text.length, gzipBytes: gzipSync(text, { level: 9 }).length });
  }
  return files;
}

/** Write then rename: test files build in parallel workers, and none may read a half-written bundle. */
function writeAtomically(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/**
 * Declarations for the public API, from client/tsconfig.json (no Node or DOM types, ES2017's
 * library): a type error there fails the build. tsc writes CommonJS-flavoured `.d.ts` (the package
 * is CommonJS: `require` gets them as they are). An ESM consumer (`import` under node16/nodenext or
 * bundler resolution) gets `index.d.mts`, which re-exports them as an ES module: the `.mjs` has named
 * exports only, and typing it with the `.d.ts` would let `import client from …` pass (a default
 * import of CommonJS) and fail at run time.
 */
export function emitTypes(project = path.join(ROOT, 'client', 'tsconfig.json'), outDir: string = PACKAGE.types): string[] {
  // Into a fresh directory, then swapped in: no declaration of a deleted source outlives it.
  const tmp = `${outDir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const config = ts.getParsedCommandLineOfConfigFile(
    project,
    { outDir: tmp },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error(`${path.relative(ROOT, project)} cannot be read`);
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, projectReferences: config.projectReferences });
  const emitted = program.emit();
  const diagnostics = [...config.errors, ...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
    throw new Error(`client declarations: ${ts.formatDiagnostics(diagnostics, host).trim()}`);
  }
  fs.writeFileSync(path.join(tmp, 'index.d.mts'), "export * from './index.js';\n");
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.renameSync(tmp, outDir);
  return fs.readdirSync(outDir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.d\.m?ts$/.test(f));
}

/** Everything `npm pack` in client/ ships (its prepack runs this through `npm run build:client`), and the demo's bundle. */
export async function buildPackage(): Promise<{ bundles: BuiltFile[]; declarations: string[] }> {
  const bundles = await buildClient();
  writeAtomically(PACKAGE.mjs, fs.readFileSync(OUTPUTS.esm));
  return { bundles, declarations: emitTypes() };
}

if (require.main === module) {
  buildPackage().then(
    ({ bundles, declarations }) => {
      for (const f of bundles) process.stdout.write(`${path.relative(ROOT, f.file)}: ${f.bytes} B minified, ${f.gzipBytes} B gzipped\n`);
      process.stdout.write(`${path.relative(ROOT, PACKAGE.mjs)}: the ES module again, for the npm package's "import"\n`);
      process.stdout.write(`${path.relative(ROOT, PACKAGE.types)}: ${declarations.length} declaration files\n`);
    },
    (e: Error & { errors?: { text: string }[] }) => {
      process.stderr.write(`build:client failed: ${e.errors?.map((x) => x.text).join('; ') ?? e.message}\n`);
      process.exit(1);
    },
  );
}
