/**
 * The local ROS (local/ros/deploy.ts) against the synthesized template: parameter validation,
 * creation order, template limits and the form of what it returns. The per-type constraint table
 * has its own suite (ros-constraints.test.ts).
 */
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deployStack, MAX_RESOURCES, MAX_TEMPLATE_BYTES, type DeployInput, type RosTemplate } from '../../local/ros/deploy';
import { RosError } from '../../local/ros/errors';

const OUTDIR = path.resolve(__dirname, '..', '..', 'cdk.out');

const TEMPLATE: RosTemplate = JSON.parse(fs.readFileSync(path.join(OUTDIR, 'MiniAppStack.template.json'), 'utf8'));
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const GOOD: Record<string, string> = {
  AppId: '2021001234567890',
  PrivateKey: PRIVATE_KEY,
  AlipayPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  DBInstanceName: 'todo-prod',
  LogProjectName: 'todo-prod-logs',
};

const clone = (): RosTemplate => JSON.parse(JSON.stringify(TEMPLATE));
const input = (over: Partial<DeployInput> = {}): DeployInput => ({
  template: TEMPLATE,
  parameters: GOOD,
  accountId: '1234567890123456',
  region: 'cn-hangzhou',
  stackName: 'MiniAppStack',
  ...over,
});

/** The RosError a deploy throws (fails the test if it succeeds or throws something else). */
function refusal(over: Partial<DeployInput>): RosError {
  try {
    deployStack(input(over));
  } catch (e) {
    if (e instanceof RosError) return e;
    throw e;
  }
  throw new Error('the local ROS accepted the stack');
}

const withParams = (params: Record<string, string | undefined>): Partial<DeployInput> => ({
  parameters: Object.fromEntries(Object.entries({ ...GOOD, ...params }).filter(([, v]) => v !== undefined)) as Record<string, string>,
});

describe('the real template', () => {
  const stack = deployStack(input());
  const position = (id: string) => stack.resources.findIndex((r) => r.logicalId === id);

  it('creates every resource once, each after what it names', () => {
    expect(stack.resources.map((r) => r.logicalId).sort()).toEqual(Object.keys(TEMPLATE.Resources).sort());
    for (const r of stack.resources) {
      for (const d of ([] as string[]).concat(TEMPLATE.Resources[r.logicalId].DependsOn ?? [])) expect(position(d)).toBeLessThan(position(r.logicalId));
    }
    const [service] = stack.resources.filter((r) => r.type === 'ALIYUN::FC::Service');
    const [role] = stack.resources.filter((r) => r.type === 'ALIYUN::RAM::Role' && r.attributes.Arn === service.props.Role);
    expect(position(role.logicalId)).toBeLessThan(position(service.logicalId));
  });

  it('resolves intrinsics to cloud-shaped values', () => {
    const session = stack.resources.find((r) => r.type === 'ALIYUN::FC::Function' && r.props.FunctionName === 'session')!;
    expect(session.props.EnvironmentVariables.OTS_ENDPOINT).toBe('https://todo-prod.cn-hangzhou.ots.aliyuncs.com');
    expect(session.props.EnvironmentVariables.STS_ENDPOINT).toBe('https://sts.cn-hangzhou.aliyuncs.com');
    expect(session.props.EnvironmentVariables.ALIPAY_PRIVATE_KEY).toBe(PRIVATE_KEY);
    expect(stack.outputs.SessionUrl).toMatch(/^https:\/\/session-[a-z0-9-]+\.cn-hangzhou\.fcapp\.run$/);
    expect(stack.outputs.AccountId).toBe('1234567890123456');
  });
});

describe('parameters', () => {
  it('refuses a value that breaks AllowedPattern, naming the parameter and the constraint description', () => {
    const e = refusal(withParams({ DBInstanceName: 'Todo-Prod' }));
    expect(e.code).toBe('StackValidationFailed');
    expect(e.message).toContain('Parameter "DBInstanceName"');
    expect(e.message).toContain('AllowedPattern');
    expect(e.message).toContain('lower-case');
  });

  it('holds MaxLength: one past it is refused, exactly at it is accepted', () => {
    const max = TEMPLATE.Parameters!.PrivateKey.MaxLength!;
    const atMax = PRIVATE_KEY + 'A'.repeat(max - PRIVATE_KEY.length);
    expect(() => deployStack(input(withParams({ PrivateKey: atMax })))).not.toThrow();
    const e = refusal(withParams({ PrivateKey: `${atMax}A` }));
    expect(e.message).toContain(`longer than MaxLength ${max}`);
  });

  it('holds MinLength', () => {
    const min = TEMPLATE.Parameters!.PrivateKey.MinLength!;
    expect(refusal(withParams({ PrivateKey: 'A'.repeat(min - 1) })).message).toContain(`shorter than MinLength ${min}`);
  });

  it('never prints a NoEcho value', () => {
    const secret = `${'S3cr3t'.repeat(20)}!`;
    const e = refusal(withParams({ PrivateKey: secret }));
    expect(e.message).toContain('Parameter "PrivateKey"');
    expect(e.message).toContain('NoEcho');
    expect(e.message).not.toContain('S3cr3t');
  });

  it('holds AllowedValues and MaxValue, and checks defaults too', () => {
    const t = clone();
    t.Parameters!.Tier = { Type: 'String', AllowedValues: ['free', 'pro'], Default: 'free' };
    t.Parameters!.Count = { Type: 'Number', MaxValue: 3, Default: 9 };
    const e = refusal({ template: t, parameters: { ...GOOD, Tier: 'gold' } });
    expect(e.message).toContain('Parameter "Tier": the value "gold" is not one of the AllowedValues');
    expect(e.message).toContain('Parameter "Count": its Default "9" is greater than MaxValue 3');
  });

  it('needs a value for a parameter without Default, and refuses one the template does not declare', () => {
    expect(refusal(withParams({ AppId: undefined })).message).toContain('Parameter "AppId" needs a value');
    expect(refusal(withParams({ Bogus: 'x' })).message).toContain('Parameter "Bogus" is given but the template does not declare it');
  });

  it('lists every problem at once', () => {
    const e = refusal(withParams({ DBInstanceName: 'A', LogProjectName: 'B' }));
    expect(e.message).toMatch(/^2 problems/);
  });
});

describe('creation order', () => {
  it('refuses a cycle', () => {
    const t = clone();
    const [a, b] = Object.keys(t.Resources);
    t.Resources[a].DependsOn = [b];
    t.Resources[b].DependsOn = [a];
    const e = refusal({ template: t });
    expect(e.code).toBe('StackValidationFailed');
    expect(e.message).toContain('Circular dependency');
  });

  it('refuses a DependsOn or Ref to nothing', () => {
    const t = clone();
    const [a] = Object.keys(t.Resources);
    t.Resources[a].DependsOn = ['Nowhere'];
    expect(refusal({ template: t }).message).toContain('DependsOn "Nowhere"');
  });

  it('fails creation when the FC service names its role by a built ARN without DependsOn', () => {
    const t = clone();
    const [id, service] = Object.entries(t.Resources).find(([, r]) => r.Type === 'ALIYUN::FC::Service')!;
    const [roleId, role] = Object.entries(t.Resources).find(([, r]) => r.Type === 'ALIYUN::RAM::Role' && r.Properties!.RoleName === 'miniapp-fc')!;
    // Only DependsOn would order it now; the service also comes first in the template.
    const built = {
      ...service,
      Properties: { ...service.Properties, Role: { 'Fn::Sub': `acs:ram::\${ALIYUN::AccountId}:role/${role.Properties!.RoleName}` } },
    };
    built.DependsOn = ([] as string[]).concat(service.DependsOn ?? []).filter((d) => d !== roleId);
    const { [id]: _, ...rest } = t.Resources;
    t.Resources = { [id]: built, ...rest };
    const e = refusal({ template: t });
    expect(e.code).toBe('CREATE_FAILED');
    expect(e.logicalId).toBe(id);
    expect(e.message).toContain('RAM role');
    // With the DependsOn back, the same template deploys.
    built.DependsOn = [...built.DependsOn, roleId];
    expect(() => deployStack(input({ template: t }))).not.toThrow();
  });
});

describe('template limits', () => {
  it(`refuses a template over ${MAX_TEMPLATE_BYTES} bytes`, () => {
    const t = clone();
    t.Resources.Padding = { Type: 'ALIYUN::SLS::Project', Properties: { Name: 'padding', Description: 'x'.repeat(MAX_TEMPLATE_BYTES) } };
    expect(refusal({ template: t }).message).toContain(`ROS accepts at most ${MAX_TEMPLATE_BYTES}`);
  });

  it(`refuses more than ${MAX_RESOURCES} resources, and accepts exactly ${MAX_RESOURCES}`, () => {
    const t = clone();
    const have = Object.keys(t.Resources).length;
    for (let i = 0; i < MAX_RESOURCES - have; i++) t.Resources[`Extra${i}`] = { Type: 'ALIYUN::SLS::Project', Properties: { Name: `extra-project-${i}` } };
    expect(() => deployStack(input({ template: t }))).not.toThrow();
    t.Resources.OneTooMany = { Type: 'ALIYUN::SLS::Project', Properties: { Name: 'one-too-many' } };
    expect(refusal({ template: t }).message).toContain(`a stack holds at most ${MAX_RESOURCES}`);
  });

  it('refuses a resource type it cannot create, and an intrinsic it does not know', () => {
    const t = clone();
    t.Resources.Bucket = { Type: 'ALIYUN::OSS::Bucket', Properties: {} };
    expect(refusal({ template: t }).message).toContain('ALIYUN::OSS::Bucket');
    const u = clone();
    const [id] = Object.entries(u.Resources).find(([, r]) => r.Type === 'ALIYUN::SLS::Project')!;
    u.Resources[id].Properties!.Description = { 'Fn::Base64Decode': 'eA==' };
    expect(refusal({ template: u }).message).toContain('does not implement Fn::Base64Decode');
  });
});
