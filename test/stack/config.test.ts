/**
 * Synth-time configuration: `readConfig` on its own, the project context (lib/project-context.ts:
 * cdk.json over cdk.context.json, the generated asset qualifier, CDK_CONTEXT_JSON checked against
 * the files), through `buildApp` + synth, and through the real entry run the way `npm run synth`
 * and the ros-cdk CLI run it, each in a temporary project of its own.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ALIPAY_GATEWAY, ALIPAY_SANDBOX_GATEWAY } from '../../lib/alipay-gateway';
import { ConfigError, readConfig } from '../../lib/config';
import { generateQualifier, loadAppContext, readProjectContext } from '../../lib/project-context';
import { CDK_JSON_CONTEXT, ProjectRun, TEST_QUALIFIER, TempProject, synth, synthCached } from './synth';
import { Template, resourcesOfType } from './template';

const GOOD_APP_ID = '2021001234567890';
/** The shape of the ids the Alipay sandbox gives its apps. */
const SANDBOX_APP_ID = '9021000123456789';
const OTHER_APP_ID = '2021009876543210';
const QUALIFIER = 'q1';
const GENERATED_QUALIFIER = /^[a-z][a-z0-9]{9}$/;
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
const bucket = (qualifier: string) => `cdk-${qualifier}-assets-\${ALIYUN::Region}`;
/** One function's code per function: session, db, pay, notify, reconcile. */
const FUNCTION_COUNT = 5;
/** The code bucket of every function, when `qualifier` names it. */
const everyFunctionIn = (qualifier: string) => Array(FUNCTION_COUNT).fill(bucket(qualifier));
/** The Fn::Sub bucket name of every function's code in a template. */
const codeBuckets = (t: Template) =>
  resourcesOfType(t, 'ALIYUN::FC::Function').map(([, r]) => (r.Properties?.Code as { OssBucketName: { 'Fn::Sub': string } }).OssBucketName['Fn::Sub']);
/** Every bucket name an assets manifest uploads to. */
/** ALIPAY_GATEWAY of every function that has one, by function name. */
const gateways = (t: Template) =>
  Object.fromEntries(
    resourcesOfType(t, 'ALIYUN::FC::Function')
      .filter(([, r]) => r.Properties?.EnvironmentVariables?.ALIPAY_GATEWAY !== undefined)
      .map(([, r]) => [r.Properties?.FunctionName, r.Properties?.EnvironmentVariables?.ALIPAY_GATEWAY]),
  );
/** The functions that call Alipay: each gets the gateway (notify only verifies, db never talks to Alipay). */
const ALIPAY_CALLERS = ['session', 'pay', 'reconcile'];
const everyCallerUses = (gateway: string) => Object.fromEntries(ALIPAY_CALLERS.map((name) => [name, gateway]));
const manifestBuckets = (assetsJson: string) => {
  const manifest = JSON.parse(assetsJson) as { files: Record<string, { destinations: Record<string, { bucketName: string }> }> };
  return Object.values(manifest.files).flatMap((f) => Object.values(f.destinations).map((d) => d.bucketName));
};

describe('readConfig', () => {
  it('defaults: no appId, no stage, prefix "miniapp", the qualifier as given, the production gateway', () => {
    expect(readConfig(ctx({ qualifier: QUALIFIER }))).toEqual({
      appId: undefined,
      stage: undefined,
      namePrefix: 'miniapp',
      assetQualifier: QUALIFIER,
      alipayGateway: 'production',
    });
  });

  it('accepts a good appId and stage; the stage goes into the name prefix', () => {
    expect(readConfig(ctx({ appId: GOOD_APP_ID, stage: 'prod', qualifier: QUALIFIER }))).toMatchObject({
      appId: GOOD_APP_ID,
      stage: 'prod',
      namePrefix: 'miniapp-prod',
    });
  });

  it('takes the asset qualifier (the global OSS bucket name) from the context only: not from AppId or stage', () => {
    expect(readConfig(ctx({ appId: GOOD_APP_ID, stage: 'prod', qualifier: 'mine1' })).assetQualifier).toBe('mine1');
    expect(readConfig(ctx({ appId: OTHER_APP_ID, qualifier: 'mine1' })).assetQualifier).toBe('mine1');
    expect(readConfig(ctx({ qualifier: 'abcdefghij' })).assetQualifier).toBe('abcdefghij');
  });

  it.each([{}, { appId: GOOD_APP_ID, stage: 'prod' }, { qualifier: '' }, { qualifier: null }])('requires a qualifier (%j), pointing at cdk.json', (values) => {
    const e = configError(values);
    expect(e.message).toMatch(/^Context "qualifier" is not set: set "qualifier" under "context" in cdk.json/);
    expect(e.message).toContain('cdk-<qualifier>-assets-<region>');
    expect(e.message).not.toContain('-c ');
  });

  it.each(['Not-OK', 'abcdefghijk', 'q_1', 'Q1'])('refuses qualifier %j, saying what a qualifier may be', (qualifier) => {
    const e = configError({ qualifier });
    expect(e.message).toContain(`"qualifier" is ${JSON.stringify(qualifier)}`);
    expect(e.message).toMatch(/1-10 lower-case letters or digits \(under "context" in cdk.json\)/);
  });

  it('accepts an appId given as a JSON number (cdk.json) and treats empty values as unset', () => {
    expect(readConfig(ctx({ appId: Number(GOOD_APP_ID), qualifier: QUALIFIER })).appId).toBe(GOOD_APP_ID);
    expect(readConfig(ctx({ appId: '', stage: '', alipayGateway: '', qualifier: QUALIFIER }))).toEqual({
      appId: undefined,
      stage: undefined,
      namePrefix: 'miniapp',
      assetQualifier: QUALIFIER,
      alipayGateway: 'production',
    });
  });

  it.each(['123', '20210012345678', '30210012345678901', '2021001234567890x', ' 2021001234567890', '2021-0012-3456-7890'])(
    'refuses appId %j, naming appId and the expected shape, and pointing at cdk.json',
    (appId) => {
      const e = configError({ appId, qualifier: QUALIFIER });
      expect(e.message).toContain('"appId"');
      expect(e.message).toContain(JSON.stringify(appId));
      expect(e.message).toMatch(/16 digits starting with 20/);
      expect(e.message).toContain('under "context" in cdk.json, e.g. "appId": "2021001234567890"');
      expect(e.message).not.toContain('-c ');
    },
  );

  it.each(['Prod_1', 'Prod', '1prod', 'prod-1', 'abcdefghijk', 'pr od'])('refuses stage %j, saying what a stage may be', (stage) => {
    const e = configError({ stage, qualifier: QUALIFIER });
    expect(e.message).toContain('"stage"');
    expect(e.message).toContain(JSON.stringify(stage));
    expect(e.message).toMatch(/lower-case letters or digits/);
    expect(e.message).toContain('"context" in cdk.json');
    expect(e.message).not.toContain('-c ');
  });

  it.each(['a', 'prod', 'dev2', 'abcdefghij'])('accepts stage %j', (stage) => {
    expect(readConfig(ctx({ stage, qualifier: QUALIFIER })).namePrefix).toBe(`miniapp-${stage}`);
  });

  it.each(['privateKey', 'PrivateKey', 'private-key', 'private_key', 'PRIVATE_KEY', 'appPrivateKey', 'alipayPrivateKey', 'alipay_private_key'])(
    'refuses a private key in context key %j, without echoing it',
    (key) => {
      const secret = 'MIIEowIBAAKCAQEAsecretsecretsecret';
      const e = configError({ [key]: secret, qualifier: QUALIFIER });
      expect(e.message).toContain(`"${key}" is refused`);
      expect(e.message).toContain('--parameters PrivateKey=');
      expect(e.message).not.toContain(secret);
    },
  );

  it.each(['production', 'sandbox'])('accepts alipayGateway %j', (alipayGateway) => {
    expect(readConfig(ctx({ alipayGateway, qualifier: QUALIFIER })).alipayGateway).toBe(alipayGateway);
  });

  it("with the sandbox gateway, accepts a sandbox app's id (90…) as well as a 20… one", () => {
    for (const appId of [SANDBOX_APP_ID, '9000000000000000', GOOD_APP_ID]) {
      expect(readConfig(ctx({ appId, alipayGateway: 'sandbox', qualifier: QUALIFIER })).appId).toBe(appId);
    }
  });

  it.each(['902100012345678', '90210001234567890', '8021000123456789', '9121000123456789'])(
    'with the sandbox gateway, refuses appId %j, naming both shapes',
    (appId) => {
      expect(configError({ appId, alipayGateway: 'sandbox', qualifier: QUALIFIER }).message).toBe(
        `Context "appId" is "${appId}": an Alipay APPID is 16 digits starting with 90 (a sandbox app) or 20 with the sandbox gateway; ` +
          `set it under "context" in cdk.json, e.g. "appId": "${SANDBOX_APP_ID}".`,
      );
    },
  );

  it("a sandbox app's id with the production gateway: refused, saying the sandbox switch is missing", () => {
    expect(configError({ appId: SANDBOX_APP_ID, qualifier: QUALIFIER }).message).toBe(
      `Context "appId" is "${SANDBOX_APP_ID}": an Alipay APPID is 16 digits starting with 20 (a sandbox app's id needs "alipayGateway": "sandbox"); ` +
        `set it under "context" in cdk.json, e.g. "appId": "${GOOD_APP_ID}".`,
    );
  });

  it.each(['Sandbox', 'prod', 'live', 'dev', ' sandbox', ALIPAY_SANDBOX_GATEWAY, 1])(
    'refuses alipayGateway %j, naming the allowed values and cdk.json',
    (alipayGateway) => {
      const e = configError({ alipayGateway, qualifier: QUALIFIER });
      expect(e.message).toBe(
        `Context "alipayGateway" is "${alipayGateway}": use "production" (openapi.alipay.com) or "sandbox" (openapi-sandbox.dl.alipaydev.com) ` +
          'under "context" in cdk.json; without it the functions call production.',
      );
    },
  );

  it('refuses non-string values', () => {
    expect(configError({ appId: { id: GOOD_APP_ID }, qualifier: QUALIFIER }).message).toMatch(/"appId" must be a string/);
    expect(configError({ stage: ['prod'], qualifier: QUALIFIER }).message).toMatch(/"stage" must be a string/);
    expect(configError({ alipayGateway: { sandbox: true }, qualifier: QUALIFIER }).message).toMatch(/"alipayGateway" must be a string/);
  });
});

describe('project context (lib/project-context.ts)', () => {
  const dirs: string[] = [];
  const project = (cdkJson: unknown, contextFile?: unknown): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'miniapp-context-test-'));
    dirs.push(dir);
    if (cdkJson !== undefined) fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify(cdkJson));
    if (contextFile !== undefined)
      fs.writeFileSync(path.join(dir, 'cdk.context.json'), typeof contextFile === 'string' ? contextFile : JSON.stringify(contextFile));
    return dir;
  };
  const read = (dir: string, name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
  const noEnv: NodeJS.ProcessEnv = {};
  const silent = () => undefined;
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("merges cdk.json's context over cdk.context.json, as the CLI does: cdk.json wins, objects merge key by key", () => {
    const dir = project(
      { app: 'x', context: { appId: GOOD_APP_ID, qualifier: 'fromjson', nested: { a: 1 }, list: [1] } },
      { appId: OTHER_APP_ID, qualifier: 'fromfile', stage: 'dev', nested: { a: 0, b: 2 }, list: [2, 3] },
    );
    expect(readProjectContext(dir)).toEqual({ appId: GOOD_APP_ID, qualifier: 'fromjson', stage: 'dev', nested: { a: 1, b: 2 }, list: [1] });
  });

  it('reads a missing file as empty, and refuses a broken one by name', () => {
    expect(readProjectContext(project({ app: 'x' }))).toEqual({});
    expect(readProjectContext(project(undefined, { stage: 'dev' }))).toEqual({ stage: 'dev' });
    expect(() => readProjectContext(project({ app: 'x' }, '{"qualifier": '))).toThrow(/cdk\.context\.json is not valid JSON/);
    expect(() => readProjectContext(project({ app: 'x', context: ['appId'] }))).toThrow(/"context" in cdk.json must be an object/);
  });

  it('generates a qualifier once, saves it in cdk.context.json beside what is there, and says so in one line', () => {
    const dir = project({ app: 'x', context: { appId: GOOD_APP_ID } }, { other: { kept: true } });
    const lines: string[] = [];
    const first = loadAppContext(dir, { env: noEnv, notify: (line) => lines.push(line) });
    const q = first.qualifier as string;
    expect(q).toMatch(GENERATED_QUALIFIER);
    expect(first).toEqual({ appId: GOOD_APP_ID, other: { kept: true }, qualifier: q });
    expect(read(dir, 'cdk.context.json')).toBe(`${JSON.stringify({ other: { kept: true }, qualifier: q }, null, 2)}\n`);
    expect(lines).toEqual([
      `Asset qualifier: generated "${q}" and saved it in cdk.context.json; ros-cdk deploy uploads code to the OSS bucket cdk-${q}-assets-<region>. ` +
        'Teams and CI: commit cdk.context.json (drop its line from .gitignore) or set "qualifier" under "context" in cdk.json, so every clone deploys to the same bucket.',
    ]);
    // The next synth reuses it and neither writes nor prints.
    const mtime = fs.statSync(path.join(dir, 'cdk.context.json')).mtimeMs;
    expect(loadAppContext(dir, { env: noEnv, notify: (line) => lines.push(line) })).toEqual(first);
    expect(lines).toHaveLength(1);
    expect(fs.statSync(path.join(dir, 'cdk.context.json')).mtimeMs).toBe(mtime);
    expect(fs.readdirSync(dir).sort()).toEqual(['cdk.context.json', 'cdk.json']);
  });

  it('a qualifier in cdk.json or cdk.context.json is used as is: nothing is generated or written', () => {
    const lines: string[] = [];
    for (const dir of [project({ app: 'x', context: { qualifier: 'mine1' } }), project({ app: 'x' }, { qualifier: 'mine1' })]) {
      const before = fs.readdirSync(dir).map((f) => [f, read(dir, f)]);
      expect(loadAppContext(dir, { env: noEnv, notify: (line) => lines.push(line) }).qualifier).toBe('mine1');
      expect(fs.readdirSync(dir).map((f) => [f, read(dir, f)])).toEqual(before);
    }
    expect(lines).toEqual([]);
    // An empty one is left to readConfig to report: one generated here would lose to it forever.
    expect(loadAppContext(project({ app: 'x', context: { qualifier: '' } }), { env: noEnv, notify: silent }).qualifier).toBe('');
  });

  it('a context that fails validation: no qualifier is saved and nothing is printed', () => {
    const dir = project({ app: 'x', context: { appId: '123' } });
    const lines: string[] = [];
    const validate = (c: Record<string, unknown>) => void readConfig((key) => c[key]);
    expect(() => loadAppContext(dir, { env: noEnv, notify: (line) => lines.push(line), validate })).toThrow(/"appId" is "123"/);
    expect(fs.readdirSync(dir)).toEqual(['cdk.json']);
    expect(lines).toEqual([]);
    // The generated qualifier is part of what is validated.
    expect(loadAppContext(project({ app: 'x' }), { env: noEnv, notify: silent, validate }).qualifier).toMatch(GENERATED_QUALIFIER);
  });

  it('generated qualifiers: 10 lower-case letters or digits starting with a letter, all different', () => {
    const many = Array.from({ length: 2000 }, generateQualifier);
    for (const q of many) expect(q).toMatch(GENERATED_QUALIFIER);
    expect(new Set(many).size).toBe(many.length);
    expect(new Set(many.join(''))).toEqual(new Set('abcdefghijklmnopqrstuvwxyz0123456789'));
  });

  it('without cdk.json in the directory: refused, nothing written', () => {
    const dir = project(undefined);
    expect(() => loadAppContext(dir, { env: noEnv, notify: silent })).toThrow(
      new ConfigError(`No cdk.json in ${dir}: synthesize from the project root (npm run synth).`),
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  describe('CDK_CONTEXT_JSON (what the CLI sets; anything else in it imitates the -c the CLI lacks)', () => {
    const files = { app: 'x', context: { ...CDK_JSON_CONTEXT, appId: GOOD_APP_ID, stage: 'prod' } };
    const env = (context: Record<string, unknown>): NodeJS.ProcessEnv => ({ CDK_CONTEXT_JSON: JSON.stringify(context) });
    const refusal = (dir: string, context: Record<string, unknown>): string => {
      try {
        loadAppContext(dir, { env: env(context), notify: silent });
      } catch (e) {
        if (e instanceof ConfigError) return e.message;
        throw e;
      }
      throw new Error(`accepted ${JSON.stringify(context)}`);
    };

    it('the same values as the files (what the CLI sends): accepted, also when it leaves keys out', () => {
      const dir = project(files, { qualifier: 'mine1' });
      expect(loadAppContext(dir, { env: env({ ...files.context, qualifier: 'mine1' }), notify: silent })).toEqual({ ...files.context, qualifier: 'mine1' });
      expect(loadAppContext(dir, { env: env({ unrelated: 'x' }), notify: silent }).appId).toBe(GOOD_APP_ID);
    });

    it('a different appId: refused, naming both values, the missing -c and cdk.json', () => {
      const dir = project(files, { qualifier: 'mine1' });
      expect(refusal(dir, { ...files.context, appId: OTHER_APP_ID })).toBe(
        `CDK_CONTEXT_JSON sets "appId": "${OTHER_APP_ID}" (the files: "${GOOD_APP_ID}"), unlike cdk.json and cdk.context.json. ` +
          'The ros-cdk CLI has no -c option: it builds CDK_CONTEXT_JSON from those two files only, so ros-cdk deploy would never see this value. ' +
          'Put it under "context" in cdk.json.',
      );
    });

    it('a stage or qualifier the files do not hold: refused, and no qualifier is generated meanwhile', () => {
      const dir = project(files);
      expect(refusal(dir, { stage: 'dev' })).toMatch(/^CDK_CONTEXT_JSON sets "stage": "dev" \(the files: "prod"\)/);
      expect(refusal(dir, { qualifier: 'shared' })).toMatch(/^CDK_CONTEXT_JSON sets "qualifier": "shared" \(the files: not set\)/);
      expect(fs.readdirSync(dir)).toEqual(['cdk.json']);
    });

    it('an alipayGateway the files do not hold: refused', () => {
      expect(refusal(project(files, { qualifier: 'mine1' }), { alipayGateway: 'sandbox' })).toMatch(
        /^CDK_CONTEXT_JSON sets "alipayGateway": "sandbox" \(the files: not set\)/,
      );
    });

    it('a private key: refused without echoing it', () => {
      const secret = 'MIIEowIBAAKCAQEA' + 'S'.repeat(40);
      const message = refusal(project(files, { qualifier: 'mine1' }), { private_key: secret });
      expect(message).toMatch(/^CDK_CONTEXT_JSON sets "private_key" \(value not shown\)/);
      expect(message).not.toContain(secret.slice(0, 12));
    });
  });
});

describe('synth with context', () => {
  it.each([
    ['appId=123', { appId: '123' }, /"appId" is "123"/],
    ['stage=Prod_1', { stage: 'Prod_1' }, /"stage" is "Prod_1"/],
    ['privateKey=<key>', { privateKey: 'MIIE' + 'x'.repeat(100) }, /"privateKey" is refused/],
    ['alipayGateway=staging', { alipayGateway: 'staging' }, /"alipayGateway" is "staging": use "production" .* or "sandbox"/],
  ])('%s fails synth with a ConfigError', (_name, context, message) => {
    expect(() => synth(context)).toThrow(ConfigError);
    expect(() => synth(context)).toThrow(message);
  });

  it('appId becomes the Default of the AppId parameter (and satisfies its AllowedPattern)', () => {
    const p = synthCached({ appId: GOOD_APP_ID }).template.Parameters?.AppId;
    expect(p?.Default).toBe(GOOD_APP_ID);
    expect(new RegExp(p!.AllowedPattern!).test(GOOD_APP_ID)).toBe(true);
  });

  it("the qualifier, and only it, names the functions' code bucket (OSS bucket names are global)", () => {
    expect(codeBuckets(synthCached().template)).toEqual(everyFunctionIn(TEST_QUALIFIER));
    expect(codeBuckets(synthCached({ appId: GOOD_APP_ID }).template)).toEqual(everyFunctionIn(TEST_QUALIFIER));
    expect(codeBuckets(synthCached({ qualifier: 'mine1' }).template)).toEqual(everyFunctionIn('mine1'));
  });

  it('without appId the AppId parameter has no Default (the deployer must give it)', () => {
    expect(synthCached().template.Parameters?.AppId).not.toHaveProperty('Default');
  });

  it('stage renames every account-wide name to miniapp-<stage>-…', () => {
    expectNames(synthCached({ stage: 'prod' }).template, 'miniapp-prod');
    expectNames(synthCached().template, 'miniapp');
  });

  it('without alipayGateway, every function that calls Alipay calls production; "production" is the same template', () => {
    expect(gateways(synthCached().template)).toEqual(everyCallerUses(ALIPAY_GATEWAY));
    expect(ALIPAY_GATEWAY).toBe('https://openapi.alipay.com/gateway.do');
    expect(synthCached({ alipayGateway: 'production' }).templateJson).toBe(synthCached().templateJson);
  });

  it('alipayGateway "sandbox": every function that calls Alipay calls the sandbox gateway; the AppId parameter also takes a sandbox app id; nothing else changes', () => {
    const sandbox = synthCached({ alipayGateway: 'sandbox' }).template;
    expect(gateways(sandbox)).toEqual(everyCallerUses(ALIPAY_SANDBOX_GATEWAY));
    expect(ALIPAY_SANDBOX_GATEWAY).toBe('https://openapi-sandbox.dl.alipaydev.com/gateway.do');
    const appId = sandbox.Parameters!.AppId;
    expect(appId).toMatchObject({
      AllowedPattern: '^(?:20|90)\\d{14}$',
      ConstraintDescription: `An Alipay APPID is 16 digits starting with 90 (a sandbox app) or 20, e.g. ${SANDBOX_APP_ID}.`,
    });
    for (const id of [SANDBOX_APP_ID, GOOD_APP_ID]) expect(new RegExp(appId.AllowedPattern!).test(id)).toBe(true);
    const plain = synthCached().template;
    expect(new RegExp(plain.Parameters!.AppId.AllowedPattern!).test(SANDBOX_APP_ID)).toBe(false);
    const { AllowedPattern, ConstraintDescription } = plain.Parameters!.AppId;
    const asProduction = { ...sandbox, Parameters: { ...sandbox.Parameters, AppId: { ...appId, AllowedPattern, ConstraintDescription } } };
    expect(JSON.stringify(asProduction).split(ALIPAY_SANDBOX_GATEWAY).join(ALIPAY_GATEWAY)).toBe(JSON.stringify(plain));
  });

  it('stage changes only names: the templates differ exactly where the prefix appears', () => {
    const plain = JSON.stringify(synthCached().template);
    const staged = JSON.stringify(synthCached({ stage: 'prod' }).template);
    expect(staged).not.toBe(plain);
    expect(staged.replace(/miniapp-prod/g, 'miniapp')).toBe(plain);
  });
});

/** Every account-wide name (FC services, RAM roles and their policies) starts with `prefix`: exactly these. */
function expectNames(template: Template, prefix: string): void {
  const services = resourcesOfType(template, 'ALIYUN::FC::Service').map(([, r]) => r.Properties?.ServiceName);
  expect(services.sort()).toEqual([prefix, `${prefix}-notify`, `${prefix}-pay`, `${prefix}-reconcile`]);
  const roles = resourcesOfType(template, 'ALIYUN::RAM::Role').map(([, r]) => r.Properties);
  expect(roles.map((r) => r?.RoleName).sort()).toEqual([
    `${prefix}-client`,
    `${prefix}-fc`,
    `${prefix}-notify-fc`,
    `${prefix}-pay-fc`,
    `${prefix}-reconcile-fc`,
  ]);
  const policies = roles.flatMap((role) => (role?.Policies ?? []).map((policy: { PolicyName: string }) => policy.PolicyName));
  expect(policies.sort()).toEqual([
    `${prefix}-client-invoke`,
    `${prefix}-fc-access`,
    `${prefix}-notify-fc-access`,
    `${prefix}-pay-fc-access`,
    `${prefix}-reconcile-fc-access`,
  ]);
}

describe('the real entry (tools/synth.ts = npm run synth, and the app command as the CLI runs it), each in a project of its own', () => {
  const SECRET = 'MIIEowIBAAKCAQEA' + 'Q'.repeat(80);
  const projects: TempProject[] = [];
  const newProject = (context: Record<string, unknown>, contextFile?: Record<string, unknown>) => {
    const p = new TempProject(context, contextFile);
    projects.push(p);
    return p;
  };
  // Every run starts at once in beforeAll; each test awaits its own (the catch only marks a
  // failure handled until then). A synth takes seconds, so the tests get a generous timeout.
  const started = <T>(promise: Promise<T>): Promise<T> => {
    promise.catch(() => undefined);
    return promise;
  };
  const TIMEOUT = 120_000;
  let fresh: TempProject;
  let freshRuns: Promise<[ProjectRun, ProjectRun]>;
  let second: Promise<ProjectRun>;
  let dashC: Promise<ProjectRun>;
  let help: Promise<ProjectRun>;
  let foreignEnv: Promise<ProjectRun>;
  let sameEnv: Promise<ProjectRun>;
  let badAppId: Promise<ProjectRun>;
  let privateKey: Promise<ProjectRun>;
  let sandbox: Promise<ProjectRun>;
  let badGateway: Promise<ProjectRun>;
  const appProject = { ...CDK_JSON_CONTEXT, appId: GOOD_APP_ID, stage: 'prod' };

  beforeAll(() => {
    // Today's cdk.json, as cloned: no qualifier anywhere. Synthesized twice in a row.
    fresh = newProject(CDK_JSON_CONTEXT);
    freshRuns = started(fresh.synth().then(async (first) => [first, await fresh.synth()]));
    second = started(newProject(appProject).synth());
    dashC = started(newProject(CDK_JSON_CONTEXT).synth(['-c', `appId=${GOOD_APP_ID}`]));
    help = started(newProject(CDK_JSON_CONTEXT).synth(['--help']));
    // As the CLI runs cdk.json's app: CDK_CONTEXT_JSON set, CDK_OUTDIR=cdk.out.
    foreignEnv = started(newProject(appProject).app({ CDK_CONTEXT_JSON: JSON.stringify({ ...appProject, appId: OTHER_APP_ID }) }));
    // The CLI's CDK_CONTEXT_JSON for a cdk.json with a qualifier over a cdk.context.json with another.
    const contextFile = { qualifier: 'ctxfile1', other: 'kept' };
    const pinned = { ...appProject, qualifier: 'pinned1' };
    sameEnv = started(newProject(pinned, contextFile).app({ CDK_CONTEXT_JSON: JSON.stringify({ ...contextFile, ...pinned }) }));
    badAppId = started(newProject({ ...CDK_JSON_CONTEXT, appId: '123' }).synth());
    privateKey = started(newProject({ ...CDK_JSON_CONTEXT, privateKey: SECRET }).synth());
    sandbox = started(newProject({ ...CDK_JSON_CONTEXT, qualifier: 'sandbox1', alipayGateway: 'sandbox', appId: SANDBOX_APP_ID }).synth());
    badGateway = started(newProject({ ...CDK_JSON_CONTEXT, alipayGateway: 'staging' }).synth());
  });
  afterAll(() => projects.forEach((p) => p.remove()));

  const ok = (run: ProjectRun) =>
    expect({ code: run.code, stderr: run.stderr.replace(/^Asset qualifier: generated .*\n/m, '') }).toEqual({ code: 0, stderr: '' });
  const qualifierOf = (run: ProjectRun) => JSON.parse(run.contextFile ?? '{}').qualifier as string;

  it(
    'a fresh project without a qualifier: synth generates one, saves it in cdk.context.json, and the template and asset manifest use its bucket',
    async () => {
      const [first] = await freshRuns;
      ok(first);
      const q = qualifierOf(first);
      expect(q).toMatch(GENERATED_QUALIFIER);
      expect(first.contextFile).toBe(`${JSON.stringify({ qualifier: q }, null, 2)}\n`);
      expect(first.stderr).toContain(
        `Asset qualifier: generated "${q}" and saved it in cdk.context.json; ros-cdk deploy uploads code to the OSS bucket cdk-${q}-assets-<region>.`,
      );
      expect(codeBuckets(JSON.parse(first.templateJson!))).toEqual(everyFunctionIn(q));
      expect(new Set(manifestBuckets(first.assetsJson!))).toEqual(new Set([bucket(q)]));
    },
    TIMEOUT,
  );

  it(
    "today's cdk.json (no qualifier): the code bucket is never the shared cdk-miniapp-assets-<region>",
    async () => {
      const [first, again] = await freshRuns;
      for (const run of [first, again]) {
        expect(run.templateJson).toBeDefined();
        expect(run.templateJson).not.toContain('cdk-miniapp-assets-');
        expect(run.assetsJson).not.toContain('cdk-miniapp-assets-');
      }
    },
    TIMEOUT,
  );

  it(
    'the second synth of that project reuses the qualifier: byte-identical template and manifest, cdk.context.json unchanged, no notice',
    async () => {
      const [first, again] = await freshRuns;
      ok(again);
      expect(again.stderr).toBe('');
      expect(again.contextFile).toBe(first.contextFile);
      expect(again.templateJson).toBe(first.templateJson);
      expect(again.assetsJson).toBe(first.assetsJson);
    },
    TIMEOUT,
  );

  it(
    'another fresh project gets another qualifier; its cdk.json appId reaches the AppId default; same template as in-process synth',
    async () => {
      const [first] = await freshRuns;
      const run = await second;
      ok(run);
      const q = qualifierOf(run);
      expect(q).toMatch(GENERATED_QUALIFIER);
      expect(q).not.toBe(qualifierOf(first));
      const template = JSON.parse(run.templateJson!) as Template;
      expect(template.Parameters?.AppId?.Default).toBe(GOOD_APP_ID);
      expectNames(template, 'miniapp-prod');
      // The real entry and the in-process synth the other tests use are the same program.
      expect(run.templateJson).toBe(synth({ appId: GOOD_APP_ID, stage: 'prod', qualifier: q }).templateJson);
    },
    TIMEOUT,
  );

  it(
    'npm run synth -- -c appId=…: exit code 1, points at cdk.json, writes nothing',
    async () => {
      const run = await dashC;
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'npm run synth takes no arguments: ros-cdk has no -c/--context option, so ros-cdk deploy would never see a value given that way. ' +
          'Set the value under "context" in cdk.json instead (e.g. "appId": "2021001234567890"); see npm run synth -- --help.\n',
      );
      expect(run.contextFile).toBeUndefined();
      expect(run.outFiles).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'npm run synth -- --help: prints the usage, synthesizes nothing',
    async () => {
      const run = await help;
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: npm run synth\n/);
      expect(run.stdout).toContain('ros-cdk has no -c/--context option');
      expect(run.contextFile).toBeUndefined();
      expect(run.outFiles).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'the app with CDK_CONTEXT_JSON carrying another appId than cdk.json: refused (exit 1), nothing written',
    async () => {
      const run = await foreignEnv;
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `^synth failed: CDK_CONTEXT_JSON sets "appId": "${OTHER_APP_ID}" \\(the files: "${GOOD_APP_ID}"\\).*The ros-cdk CLI has no -c option.*Put it under "context" in cdk.json\\.$`,
          'm',
        ),
      );
      expect(run.contextFile).toBeUndefined();
      expect(run.templateJson).toBeUndefined();
    },
    TIMEOUT,
  );

  it(
    'the app with CDK_CONTEXT_JSON equal to the files (what the CLI sends): synthesizes; "qualifier" in cdk.json wins over cdk.context.json, which is left as it was',
    async () => {
      const run = await sameEnv;
      ok(run);
      expect(run.stderr).toBe('');
      const template = JSON.parse(run.templateJson!) as Template;
      expect(template.Parameters?.AppId?.Default).toBe(GOOD_APP_ID);
      expect(codeBuckets(template)).toEqual(everyFunctionIn('pinned1'));
      expect(new Set(manifestBuckets(run.assetsJson!))).toEqual(new Set([bucket('pinned1')]));
      expect(JSON.parse(run.contextFile!)).toEqual({ qualifier: 'ctxfile1', other: 'kept' });
    },
    TIMEOUT,
  );

  it(
    'appId "123" in cdk.json: exit code 1, stderr names appId, the expected shape and cdk.json; nothing written, no qualifier generated',
    async () => {
      const run = await badAppId;
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^synth failed: Context "appId" is "123": an Alipay APPID is 16 digits starting with 20; set it under "context" in cdk.json/m);
      expect(run.stderr).not.toContain('Asset qualifier');
      expect(run.templateJson).toBeUndefined();
      expect(run.contextFile).toBeUndefined();
    },
    TIMEOUT,
  );

  it(
    'privateKey in cdk.json: exit code 1, refused, and the key is neither printed nor written',
    async () => {
      const run = await privateKey;
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^synth failed: Context "privateKey" is refused/m);
      expect(run.stdout + run.stderr).not.toContain(SECRET.slice(0, 20));
      expect(run.templateJson).toBeUndefined();
      expect(run.contextFile).toBeUndefined();
    },
    TIMEOUT,
  );

  it(
    '"alipayGateway": "sandbox" and a sandbox app id in cdk.json: synthesizes; the functions that call Alipay get the sandbox gateway, AppId the id',
    async () => {
      const run = await sandbox;
      ok(run);
      const template = JSON.parse(run.templateJson!) as Template;
      expect(gateways(template)).toEqual(everyCallerUses(ALIPAY_SANDBOX_GATEWAY));
      expect(template.Parameters?.AppId?.Default).toBe(SANDBOX_APP_ID);
    },
    TIMEOUT,
  );

  it(
    '"alipayGateway": "staging" in cdk.json: exit code 1, stderr names the allowed values and cdk.json; nothing written',
    async () => {
      const run = await badGateway;
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^synth failed: Context "alipayGateway" is "staging": use "production" \(openapi\.alipay\.com\) or "sandbox" \(openapi-sandbox\.dl\.alipaydev\.com\) under "context" in cdk.json/m,
      );
      expect(run.stderr).not.toContain('Asset qualifier');
      expect(run.templateJson).toBeUndefined();
      expect(run.contextFile).toBeUndefined();
    },
    TIMEOUT,
  );
});
