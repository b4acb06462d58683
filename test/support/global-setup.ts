import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * Synthesizes the app once before any suite, exactly as `npm run synth` does: the end-to-end
 * suites then run the template and bundled assets in cdk.out (what is tested is what is deployed).
 */
export default function globalSetup(): void {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'bin/app.ts'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}
