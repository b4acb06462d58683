/**
 * Synth-time configuration: `readConfig` on its own, through `buildApp` + synth, and through the
 * real entry point bin/app.ts run the way the ros-cdk CLI runs it (context in CDK_CONTEXT_JSON,
 * output directory in CDK_OUTDIR: see App.loadContext in @alicloud/ros-cdk-core/lib/app.js).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, readConfig } from '../../lib/config';
import { CDK_JSON_CONTEXT, PROJECT_ROOT, synth, synthCached } from './synth';
import { Template, only, resourcesOfType } from './template';

const GOOD_APP_ID = '2021001234567890';
const ctx = (values: Record<string, unknown>) => (key: string) => values[key];
const configError = (values: Record<string, unknown>): ConfigError => {
  try {
    readConfig(ctx(values));
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`readConfig accepted ${JSON.stringify(values)}`);
};

describe('readConfig', () => {
  it('defaults: no appId, no stage, prefix "miniapp"', () => {
    expect(readConfig(ctx({}))).toEqual({ appId: undefined, stage: undefined, namePrefix: 'miniapp', assetQualifier: 'miniapp' });
  });

  it('accepts a good appId and stage; the stage goes into the name prefix', () => {
    expect(readConfig(ctx({ appId: GOOD_APP_ID, stage: 'prod' }))).toMatchObject({ appId: GOOD_APP_ID, stage: 'prod', namePrefix: 'miniapp-prod' });
  });

  it('derives the asset qualifier (the global OSS bucket name) from AppId and stage, stable run to run', () => {
    const q = (values: Record<string, unknown>) => readConfig(ctx(values)).assetQualifier;
    expect(q({ appId: GOOD_APP_ID })).toMatch(/^m[0-9a-f]{8}$/);
    expect(q({ appId: GOOD_APP_ID })).toBe(q({ appId: GOOD_APP_ID }));
    expect(q({ appId: GOOD_APP_ID })).not.toBe(q({ appId: '2021009999999999' }));
    expect(q({ appId: GOOD_APP_ID, stage: 'prod' })).not.toBe(q({ appId: GOOD_APP_ID }));
    expect(q({ appId: GOOD_APP_ID, qualifier: 'mine1' })).toBe('mine1');
    const e = configError({ qualifier: 'Not-OK' });
    expect(e.message).toContain('"qualifier"');
    expect(e.message).toMatch(/lower-case letters or digits/);
  });

  it('accepts an appId given as a JSON number (cdk.json) and treats empty values as unset', () => {
    expect(readConfig(ctx({ appId: Number(GOOD_APP_ID) })).appId).toBe(GOOD_APP_ID);
    expect(readConfig(ctx({ appId: '', stage: '' }))).toEqual({ appId: undefined, stage: undefined, namePrefix: 'miniapp', assetQualifier: 'miniapp' });
  });

  it.each(['123', '20210012345678', '30210012345678901', '2021001234567890x', ' 2021001234567890', '2021-0012-3456-7890'])(
    'refuses appId %j, naming appId and the expected shape',
    (appId) => {
      const e = configError({ appId });
      expect(e.message).toContain('"appId"');
      expect(e.message).toContain(JSON.stringify(appId));
      expect(e.message).toMatch(/16 digits starting with 20/);
      expect(e.message).toContain('-c appId=');
    },
  );

  it.each(['Prod_1', 'Prod', '1prod', 'prod-1', 'abcdefghijk', 'pr od'])('refuses stage %j, saying what a stage may be', (stage) => {
    const e = configError({ stage });
    expect(e.message).toContain('"stage"');
    expect(e.message).toContain(JSON.stringify(stage));
    expect(e.message).toMatch(/lower-case letters or digits/);
  });

  it.each(['a', 'prod', 'dev2', 'abcdefghij'])('accepts stage %j', (stage) => {
    expect(readConfig(ctx({ stage })).namePrefix).toBe(`miniapp-${stage}`);
  });

  it.each(['privateKey', 'PrivateKey', 'private-key', 'private_key', 'PRIVATE_KEY', 'appPrivateKey', 'alipayPrivateKey', 'alipay_private_key'])('refuses a private key in context key %j, without echoing it', (key) => {
    const secret = 'MIIEowIBAAKCAQEAsecretsecretsecret';
    const e = configError({ [key]: secret });
    expect(e.message).toContain(`"${key}" is refused`);
    expect(e.message).toContain('--parameters PrivateKey=');
    expect(e.message).not.toContain(secret);
  });

  it('refuses non-string values', () => {
    expect(configError({ appId: { id: GOOD_APP_ID } }).message).toMatch(/"appId" must be a string/);
    expect(configError({ stage: ['prod'] }).message).toMatch(/"stage" must be a string/);
  });
});

describe('synth with context', () => {
  it.each([
    ['appId=123', { appId: '123' }, /"appId" is "123"/],
    ['stage=Prod_1', { stage: 'Prod_1' }, /"stage" is "Prod_1"/],
    ['privateKey=<key>', { privateKey: 'MIIE' + 'x'.repeat(100) }, /"privateKey" is refused/],
  ])('-c %s fails synth with a ConfigError', (_name, context, message) => {
    expect(() => synth(context)).toThrow(ConfigError);
    expect(() => synth(context)).toThrow(message);
  });

  it('appId becomes the Default of the AppId parameter (and satisfies its AllowedPattern)', () => {
    const p = synthCached({ appId: GOOD_APP_ID }).template.Parameters?.AppId;
    expect(p?.Default).toBe(GOOD_APP_ID);
    expect(new RegExp(p!.AllowedPattern!).test(GOOD_APP_ID)).toBe(true);
  });

  it("appId makes the functions' code bucket the app's own (OSS bucket names are global)", () => {
    const buckets = (t: Template) => resourcesOfType(t, 'ALIYUN::FC::Function').map(([, r]) => JSON.stringify((r.Properties?.Code as { OssBucketName: unknown }).OssBucketName));
    const expected = `cdk-${readConfig(ctx({ appId: GOOD_APP_ID })).assetQualifier}-assets-\${ALIYUN::Region}`;
    expect(buckets(synthCached({ appId: GOOD_APP_ID }).template)).toEqual([JSON.stringify({ 'Fn::Sub': expected }), JSON.stringify({ 'Fn::Sub': expected })]);
    expect(buckets(synthCached().template)[0]).toContain('cdk-miniapp-assets-');
  });

  it('without appId the AppId parameter has no Default (the deployer must give it)', () => {
    expect(synthCached().template.Parameters?.AppId).not.toHaveProperty('Default');
  });

  it('stage renames every account-wide name to miniapp-<stage>-…', () => {
    expectNames(synthCached({ stage: 'prod' }).template, 'miniapp-prod');
    expectNames(synthCached().template, 'miniapp');
  });

  it('stage changes only names: the templates differ exactly where the prefix appears', () => {
    const plain = JSON.stringify(synthCached().template);
    const staged = JSON.stringify(synthCached({ stage: 'prod' }).template);
    expect(staged).not.toBe(plain);
    expect(staged.replace(/miniapp-prod/g, 'miniapp')).toBe(plain);
  });
});

function expectNames(template: Template, prefix: string): void {
  expect(only(template, 'ALIYUN::FC::Service')[1].Properties?.ServiceName).toBe(prefix);
  const roles = resourcesOfType(template, 'ALIYUN::RAM::Role').map(([, r]) => r.Properties);
  expect(roles.map((r) => r?.RoleName).sort()).toEqual([`${prefix}-client`, `${prefix}-fc`]);
  for (const role of roles) {
    for (const policy of role?.Policies ?? []) expect(policy.PolicyName).toMatch(new RegExp(`^${prefix}-(fc|client)-`));
  }
}

describe('bin/app.ts, run as the CLI runs it', () => {
  interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
    files: string[];
    template?: Template;
  }
  const SECRET = 'MIIEowIBAAKCAQEA' + 'Q'.repeat(80);
  const runs: Record<string, Promise<Run>> = {};
  const cli = (name: string, context: Record<string, unknown>): Promise<Run> =>
    (runs[name] ??= new Promise((resolvePromise, reject) => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'miniapp-cli-test-'));
      const env: NodeJS.ProcessEnv = { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, ...context }) };
      execFile(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', 'bin/app.ts'],
        { cwd: PROJECT_ROOT, env, timeout: 30_000 },
        (error, stdout, stderr) => {
          try {
            const files = fs.readdirSync(outdir);
            const templateFile = path.join(outdir, 'MiniAppStack.template.json');
            const template = fs.existsSync(templateFile) ? (JSON.parse(fs.readFileSync(templateFile, 'utf8')) as Template) : undefined;
            if (error && error.killed) reject(new Error(`bin/app.ts timed out; stderr: ${stderr}`));
            else resolvePromise({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr, files, template });
          } catch (e) {
            reject(e);
          } finally {
            fs.rmSync(outdir, { recursive: true, force: true });
          }
        },
      );
    }));

  // Start all runs at once; each test awaits its own.
  // (A failure is reported by the test that awaits it; the catch only marks it handled.)
  beforeAll(() => {
    cli('badAppId', { appId: '123' }).catch(() => undefined);
    cli('badStage', { stage: 'Prod_1' }).catch(() => undefined);
    cli('privateKey', { privateKey: SECRET }).catch(() => undefined);
    cli('good', { appId: GOOD_APP_ID, stage: 'prod' }).catch(() => undefined);
  });

  it('-c appId=123: exit code 1, stderr names appId and the expected shape, nothing written', async () => {
    const run = await cli('badAppId', { appId: '123' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^synth failed: Context "appId" is "123": an Alipay APPID is 16 digits starting with 20/m);
    expect(run.files).not.toContain('MiniAppStack.template.json');
  });

  it('-c stage=Prod_1: exit code 1, stderr explains the stage format', async () => {
    const run = await cli('badStage', { stage: 'Prod_1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^synth failed: Context "stage" is "Prod_1": use 1-10 lower-case letters or digits/m);
    expect(run.files).not.toContain('MiniAppStack.template.json');
  });

  it('-c privateKey=…: exit code 1, refused, and the key is neither printed nor written', async () => {
    const run = await cli('privateKey', { privateKey: SECRET });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^synth failed: Context "privateKey" is refused/m);
    expect(run.stdout + run.stderr).not.toContain(SECRET.slice(0, 20));
    expect(run.files).not.toContain('MiniAppStack.template.json');
  });

  it('good values: exit code 0, template with the AppId default and miniapp-<stage> names', async () => {
    const run = await cli('good', { appId: GOOD_APP_ID, stage: 'prod' });
    expect({ code: run.code, stderr: run.stderr.replace(/^Bundling asset .*\n/gm, '') }).toEqual({ code: 0, stderr: '' });
    expect(run.template?.Parameters?.AppId?.Default).toBe(GOOD_APP_ID);
    expectNames(run.template!, 'miniapp-prod');
    // The CLI run and the in-process synth are the same program.
    expect(JSON.stringify(run.template)).toBe(JSON.stringify(synthCached({ appId: GOOD_APP_ID, stage: 'prod' }).template));
  });
});
