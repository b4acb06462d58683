import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const ROOT = path.resolve(__dirname, '..');
export const DIST = path.join(ROOT, 'client', 'dist');
/** ESM for browsers and bundlers; CommonJS (`.cjs.js`, mini-programs `require` only `.js`) for the Alipay mini-program. */
export const OUTPUTS = { esm: path.join(DIST, 'miniapp-client.js'), cjs: path.join(DIST, 'miniapp-client.cjs.js') } as const;

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
    // Write then rename: test files build in parallel workers, and none may read a half-written bundle.
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
    files.push({ file, bytes: text.length, gzipBytes: gzipSync(text, { level: 9 }).length });
  }
  return files;
}

if (require.main === module) {
  buildClient().then(
    (files) => {
      for (const f of files) process.stdout.write(`${path.relative(ROOT, f.file)}: ${f.bytes} B minified, ${f.gzipBytes} B gzipped\n`);
    },
    (e: Error & { errors?: { text: string }[] }) => {
      process.stderr.write(`build:client failed: ${e.errors?.map((x) => x.text).join('; ') ?? e.message}\n`);
      process.exit(1);
    },
  );
}
