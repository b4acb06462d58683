/**
 * `npm run preflight` run as a deployer runs it, in a project of its own (cdk.json with the real
 * app), with good and bad parameter files: it synthesizes, deploys into the local ROS, names the
 * asset bucket, and never prints a NoEcho value.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT, TempProject } from '../stack/synth';

const TS_NODE_REGISTER = require.resolve('ts-node/register/transpile-only');
const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits });
const app = rsa(2048);
const alipay = rsa(2048);
const PRIVATE_KEY = app.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
/** The base64 body of the key, the part that must never be printed. */
const KEY_BODY = PRIVATE_KEY.split('\n')[5];
const GOOD = {
  AppId: '2021001234567890',
  PrivateKey: PRIVATE_KEY,
  AlipayPublicKey: alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  DBInstanceName: 'todo-prod',
  LogProjectName: 'todo-prod-logs',
};

interface Run {
  code: number | null;
  out: string;
}

const projects: TempProject[] = [];
afterAll(() => projects.forEach((p) => p.remove()));

function preflight(args: string[], params?: unknown, cdkJsonContext: Record<string, unknown> = {}): Promise<Run> {
  const project = new TempProject(cdkJsonContext);
  projects.push(project);
  const file = path.join(project.dir, 'params.json');
  if (params !== undefined) fs.writeFileSync(file, JSON.stringify(params));
  const argv = [...(params !== undefined ? ['--parameters-file', file] : []), ...args];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', TS_NODE_REGISTER, path.join(PROJECT_ROOT, 'tools', 'preflight.ts'), ...argv],
      { cwd: project.dir, env: { ...process.env, TS_NODE_PROJECT: path.join(PROJECT_ROOT, 'tsconfig.json') }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, out: stdout + stderr }),
    );
  });
}

it('passes a good parameter file: names the bucket, lists what it deploys, prints no NoEcho value', async () => {
  const run = await preflight(['--region', 'cn-shanghai'], GOOD, { qualifier: 'acme42' });
  expect(run.out).toContain('preflight passed');
  expect(run.code).toBe(0);
  expect(run.out).toContain('oss://cdk-acme42-assets-cn-shanghai/ (qualifier from cdk.json)');
  expect(run.out).toMatch(/PrivateKey\s+\(NoEcho, \d+ characters\)/);
  expect(run.out).toMatch(/function session: environment \d+ of 4096 bytes/);
  expect(run.out).not.toContain(KEY_BODY);
});

it('fails a bad parameter file with every problem, in ROS terms, and prints no NoEcho value', async () => {
  const run = await preflight(
    [],
    [
      { ParameterKey: 'AppId', ParameterValue: GOOD.AppId },
      { ParameterKey: 'PrivateKey', ParameterValue: `${PRIVATE_KEY}${KEY_BODY.repeat(3)}` },
      { ParameterKey: 'AlipayPublicKey', ParameterValue: GOOD.AlipayPublicKey },
      { ParameterKey: 'DBInstanceName', ParameterValue: 'TodoProd' },
      { ParameterKey: 'LogProjectName', ParameterValue: GOOD.LogProjectName },
    ],
  );
  expect(run.code).toBe(1);
  expect(run.out).toContain('preflight failed');
  expect(run.out).toContain('StackValidationFailed');
  expect(run.out).toContain('Parameter "DBInstanceName"');
  expect(run.out).toMatch(/Parameter "PrivateKey": the value \(NoEcho, \d+ characters\) is \d+ characters, longer than MaxLength/);
  expect(run.out).not.toContain(KEY_BODY);
  // The bucket is named even when the parameters fail, with where its qualifier came from.
  expect(run.out).toMatch(/oss:\/\/cdk-[a-z][a-z0-9]{9}-assets-cn-hangzhou\/ \(qualifier from cdk\.context\.json/);
});

it('fails a key that passes ROS but that Alipay cannot use, and a name Tablestore refuses', async () => {
  const weak = rsa(1024).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const run = await preflight(['--parameters', 'DBInstanceName=alipay-todo'], { ...GOOD, PrivateKey: weak });
  expect(run.code).toBe(1);
  expect(run.out).toContain('CREATE_FAILED');
  expect(run.out).toContain('OtsInstance');
  expect(run.out).toContain('PrivateKey is an RSA 1024-bit key');
  expect(run.out).not.toContain(weak.split('\n')[3]);
});

it('refuses -c and a missing parameter file before synthesizing (exit 2)', async () => {
  const c = await preflight(['-c', 'appId=2021001234567890']);
  expect(c.code).toBe(2);
  expect(c.out).toContain('cdk.json');
  const missing = await preflight(['--parameters-file', '/nonexistent/params.json']);
  expect(missing.code).toBe(2);
  expect(missing.out).toContain('no such file');
});
