/**
 * `npm run synth`: synthesizes the way `ros-cdk synth` does (packages/ros-cdk-cli lib/api/exec.ts),
 * so local mode and the tests run what a deploy would: cdk.json's "app" command, through a shell,
 * in the project root, with CDK_CONTEXT_JSON = cdk.json's "context" over cdk.context.json and
 * CDK_OUTDIR = cdk.out. The CLI takes no context on its command line, and neither does this.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { ConfigError } from '../lib/config';
import { CONTEXT_ENV, PROJECT_CONFIG, PROJECT_CONTEXT, readAppCommand, readProjectContext } from '../lib/project-context';

/** The CLI's default --output (lib/settings.ts), relative to the project root. */
export const OUTDIR = 'cdk.out';

const USAGE = `Usage: npm run synth

Synthesizes the stack into ${OUTDIR}/ exactly as \`ros-cdk synth\` does: runs the "app" command of
${PROJECT_CONFIG} through a shell in the project root, with ${CONTEXT_ENV} = the "context" of
${PROJECT_CONFIG} over ${PROJECT_CONTEXT}, and CDK_OUTDIR=${OUTDIR}.

It takes no arguments: ros-cdk has no -c/--context option. Set appId, stage, qualifier or alipayGateway under
"context" in ${PROJECT_CONFIG}.`;

const REFUSED =
  `npm run synth takes no arguments: ros-cdk has no -c/--context option, so ros-cdk deploy would never see a value given that way. ` +
  `Set the value under "context" in ${PROJECT_CONFIG} instead (e.g. "appId": "2021001234567890"); see npm run synth -- --help.`;

function main(args: readonly string[]): number {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    console.log(USAGE);
    return 0;
  }
  if (args.length > 0) {
    // The arguments are not echoed: one of them may be a private key.
    console.error(REFUSED);
    return 1;
  }
  const projectDir = process.cwd(); // npm runs scripts in the package root; the CLI in its own cwd
  let app: string;
  let context: Record<string, unknown>;
  try {
    app = readAppCommand(projectDir);
    context = readProjectContext(projectDir);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`synth failed: ${e.message}`);
      return 1;
    }
    throw e;
  }
  fs.mkdirSync(OUTDIR, { recursive: true });
  const result = spawnSync(app, {
    shell: true,
    cwd: projectDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, [CONTEXT_ENV]: JSON.stringify(context), CDK_OUTDIR: OUTDIR },
  });
  if (result.error) {
    console.error(`synth failed: could not run "${app}": ${result.error.message}`);
    return 1;
  }
  if (result.status === null) {
    console.error(`synth failed: "${app}" was killed by ${result.signal}`);
    return 1;
  }
  return result.status;
}

process.exitCode = main(process.argv.slice(2));
