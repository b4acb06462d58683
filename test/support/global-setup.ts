import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * Synthesizes the app once before any suite, through tools/synth.ts, the path `npm run synth`
 * takes (cdk.json's app command, with the context the ros-cdk CLI would give it): the end-to-end
 * suites then run the template and bundled assets in cdk.out (what is tested is what is deployed).
 * Like `npm start`, the first run in a clone writes its asset qualifier to cdk.context.json.
 */
export default function globalSetup(): void {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'tools/synth.ts'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}
