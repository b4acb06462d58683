/**
 * `npm run preflight`: the deployer's check before `ros-cdk deploy`. It synthesizes exactly as the
 * CLI does (tools/synth.ts), deploys the template into the local ROS with the deployer's real
 * parameter values (local/ros/deploy.ts: parameter constraints, the documented limits of every
 * resource, creation order), checks the keys as Alipay will use them, and names the OSS bucket the
 * CLI will create. It prints no NoEcho value. Exit 0 = pass, 1 = a problem, 2 = a usage error.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_CONFIG, PROJECT_CONTEXT } from '../lib/project-context';
import { environmentBytes, FC_ENVIRONMENT_MAX_BYTES } from '../local/ros/constraints';
import { deployStack } from '../local/ros/deploy';
import { RosError } from '../local/ros/errors';
import { shown } from '../local/ros/parameters';
import { readCloudAssembly } from '../local/template';
import { parseArguments, UsageError, USAGE, type PreflightArguments } from './preflight/arguments';
import { privateKeyProblems, publicKeyProblems } from './preflight/keys';

/** OSS bucket names: 3-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit (https://www.alibabacloud.com/help/en/oss/user-guide/bucket-naming-conventions). */
const OSS_BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** Where tools/synth.ts writes, as the CLI does (its default --output). */
const OUTDIR = 'cdk.out';

const print = (line = ''): void => void process.stdout.write(`${line}\n`);

function main(argv: readonly string[]): number {
  let args: PreflightArguments;
  try {
    args = parseArguments(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`preflight: ${e.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    print(USAGE);
    return 0;
  }
  const projectDir = process.cwd();

  print('1. synth, as ros-cdk synth does (context from cdk.json and cdk.context.json only)');
  const synth = spawnSync(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), path.join(__dirname, 'synth.ts')], {
    cwd: projectDir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (synth.status !== 0) return fail(['synth failed (above): fix cdk.json or the app, then run preflight again.']);
  const assembly = readCloudAssembly(path.join(projectDir, OUTDIR));
  const problems: string[] = [];
  const warnings: string[] = [];

  print('2. the asset bucket ros-cdk deploy creates (private, in your account) and uploads the function code to');
  // The CLI names each bucket as the manifest does, with ${ALIYUN::Region} replaced by its region.
  for (const bucket of assembly.assetBuckets.map((b) => b.replace('${ALIYUN::Region}', args.region))) {
    print(`   oss://${bucket}/ (qualifier from ${qualifierSource(projectDir)})`);
    if (!OSS_BUCKET_NAME.test(bucket))
      problems.push(
        `The asset bucket name ${bucket} breaks OSS's naming rules: set a shorter "qualifier" (lower-case letters and digits) under "context" in cdk.json.`,
      );
  }

  print(`3. the local ROS deploys ${assembly.stackName} with your parameter values (${args.region}, account ${args.accountId})`);
  try {
    const stack = deployStack({
      template: assembly.template,
      parameters: args.parameters,
      accountId: args.accountId,
      region: args.region,
      stackName: assembly.stackName,
    });
    for (const [name, value] of Object.entries(stack.parameters)) {
      print(`   ${name.padEnd(16)} ${shown(assembly.template.Parameters?.[name] ?? {}, value)}${name in args.parameters ? '' : ' (default)'}`);
    }
    print(`   ${stack.resources.length} resources in creation order: ${stack.resources.map((r) => r.logicalId).join(', ')}`);
    for (const fn of stack.resources.filter((r) => r.type === 'ALIYUN::FC::Function')) {
      print(`   function ${fn.props.FunctionName}: environment ${environmentBytes(fn.props.EnvironmentVariables ?? {})} of ${FC_ENVIRONMENT_MAX_BYTES} bytes`);
    }
  } catch (e) {
    if (!(e instanceof RosError)) throw e;
    problems.push(e.toString());
  }
  // Checked whatever ROS said: a key ROS accepts can still be one Alipay can't use.
  print('4. the keys, as Alipay will use them');
  const { PrivateKey: privateKey, AlipayPublicKey: publicKey = '' } = args.parameters;
  if (privateKey !== undefined) problems.push(...privateKeyProblems(privateKey));
  problems.push(...publicKeyProblems(publicKey));
  if (!publicKey.trim())
    warnings.push("AlipayPublicKey is empty: the session function will not verify Alipay's signature on its answers. Set it (recommended).");
  for (const w of warnings) print(`warning: ${w}`);
  if (problems.length) return fail(problems);
  print(`preflight passed: ros-cdk deploy ${assembly.stackName} --parameters Key=Value ... with these values`);
  return 0;
}

function fail(problems: string[]): number {
  print(`preflight failed: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  for (const p of problems) print(`  - ${p}`);
  return 1;
}

function qualifierSource(projectDir: string): string {
  const config = JSON.parse(fs.readFileSync(path.join(projectDir, PROJECT_CONFIG), 'utf8')) as { context?: Record<string, unknown> };
  if (config.context?.qualifier !== undefined) return PROJECT_CONFIG;
  return `${PROJECT_CONTEXT}, generated for this clone: deploy from it, commit it, or set "qualifier" in ${PROJECT_CONFIG}`;
}

process.exitCode = main(process.argv.slice(2));
