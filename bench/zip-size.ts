import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/**
 * Size of the zip `ros-cdk deploy` uploads for an asset directory: every file deflated, plus
 * the zip format's fixed overheads (local header 30 B + central entry 46 B + the name twice per
 * file, 22 B end record). Computed, so the bench needs no zip tool.
 */
export function zippedSize(dir: string): number {
  let total = 22;
  for (const file of listFiles(dir)) {
    const name = path.relative(dir, file);
    const deflated = zlib.deflateRawSync(fs.readFileSync(file), { level: 9 }).length;
    total += 30 + 46 + 2 * Buffer.byteLength(name) + deflated;
  }
  return total;
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p) : [p];
  });
}
