/**
 * FC caps a function's environment at 4 KB in total, and session, pay and reconcile carry the app
 * private key and Alipay's public key in it (notify only the public key). This does the arithmetic
 * over the synthesized template with every parameter at its longest legal value and the longest
 * stage (the name prefix is in the function ARNs of CLIENT_FUNCTION_ARNS and in the notify URL),
 * deployed by the local ROS in the region with the longest name, and counts the way the constraint
 * table does (UTF-8 bytes of the JSON of the map, where a line break costs two bytes).
 * The same deployments check that what the local ROS resolves is what the design wires: the
 * values each function receives point at the resources the stack created.
 */
import { type DeployedStack, deployStack, type RosTemplate } from '../../local/ros/deploy';
import { FC_ENVIRONMENT_MAX_BYTES, environmentBytes } from '../../local/ros/constraints';
import { DB_FUNCTION, SESSION_FUNCTION } from '../../lib/functions';
import { NOTIFY_FUNCTION, PAY_FUNCTION, RECONCILE_FUNCTION } from '../../lib/payments';
import { CONTEXTS, synthCached } from './synth';

/** Room kept free for what later functions add. */
const SPARE_BYTES = 512;
/** The longest region id Alibaba Cloud has (finance cloud), so the endpoints are as long as they get. */
const LONGEST_REGION = 'cn-shanghai-finance-1';
const ACCOUNT_ID = '1234567890123456';
/** The longest stage readConfig accepts (1-10 lower-case letters or digits): the longest service and role names. */
const LONGEST_STAGE = 'abcdefghij';
const FUNCTIONS = [SESSION_FUNCTION, DB_FUNCTION, PAY_FUNCTION, NOTIFY_FUNCTION, RECONCILE_FUNCTION].sort();
/** Every context the properties hold under, plus the one with the longest names. */
const WORST_CONTEXTS: ReadonlyArray<Record<string, string>> = [...CONTEXTS, { stage: LONGEST_STAGE }];

const templateOf = (context: Record<string, string> = {}) => synthCached(context).template as unknown as RosTemplate;
const template = templateOf();
const declared = template.Parameters ?? {};
const matches = (name: string, value: string) => new RegExp(`^(?:${declared[name].AllowedPattern ?? '[\\s\\S]*'})$`).test(value);

/**
 * The legal value of `name` whose JSON is longest: MaxLength characters with as many line breaks
 * (CRLF, four bytes in JSON) as the pattern allows. Fails if the parameter has no MaxLength.
 */
function longestValue(name: string): string {
  const p = declared[name];
  if (p.MaxLength === undefined) throw new Error(`parameter ${name} reaches an environment but has no MaxLength`);
  let best = '';
  for (let breaks = 0; breaks <= p.MaxLength / 2; breaks++) {
    const body = '\r\n'.repeat(breaks);
    const candidate = body + 'a'.repeat(p.MaxLength - body.length);
    if (!matches(name, candidate)) continue;
    if (environmentBytes({ v: candidate }) > environmentBytes({ v: best })) best = candidate;
  }
  return best;
}

/** Parameters whose pattern fixes the characters (AppId, AesKey) or that have no MaxLength and reach no environment: a legal value of their longest length. */
const LEGAL: Record<string, string> = { AppId: '2021001234567890', AesKey: `${'A'.repeat(22)}==`, LogProjectName: 'a'.repeat(63) };

const worst = Object.fromEntries(Object.keys(declared).map((name) => [name, LEGAL[name] ?? longestValue(name)]));
const deployed = new Map<string, DeployedStack>();
/** The stack of `context` deployed with the worst-case parameters (once per context). */
function deploy(context: Record<string, string>): DeployedStack {
  const key = JSON.stringify(context);
  if (!deployed.has(key))
    deployed.set(
      key,
      deployStack({ template: templateOf(context), parameters: worst, accountId: ACCOUNT_ID, region: LONGEST_REGION, stackName: 'MiniAppStack' }),
    );
  return deployed.get(key)!;
}
const functionsOf = (stack: DeployedStack) => stack.resources.filter((r) => r.type === 'ALIYUN::FC::Function');
/** Each function's environment size in one deployment, by function name. */
const sizesOf = (stack: DeployedStack): Record<string, number> =>
  Object.fromEntries(functionsOf(stack).map((r) => [r.props.FunctionName, environmentBytes(r.props.EnvironmentVariables ?? {})]));

describe('function environments at the parameters’ maximum lengths', () => {
  const inEnvironment = Object.keys(declared).filter((name) =>
    Object.values(template.Resources).some(
      (r) => r.Type === 'ALIYUN::FC::Function' && JSON.stringify(r.Properties?.EnvironmentVariables ?? {}).includes(`"Ref":"${name}"`),
    ),
  );

  it('every parameter that reaches an environment has a MaxLength, and its longest value is legal', () => {
    expect(inEnvironment).toEqual(expect.arrayContaining(['PrivateKey', 'AlipayPublicKey', 'AppId', 'AesKey']));
    for (const name of inEnvironment) {
      expect(declared[name].MaxLength).toBeDefined();
      expect(worst[name].length).toBe(declared[name].MaxLength);
      expect(matches(name, worst[name])).toBe(true);
    }
  });

  it('the key patterns bound the line breaks: one more than the longest value holds is refused', () => {
    for (const name of ['PrivateKey', 'AlipayPublicKey']) {
      const breaks = worst[name].split('\n').length - 1;
      expect(breaks).toBeGreaterThan(20 * (name === 'PrivateKey' ? 1 : 0));
      expect(matches(name, `${'\r\n'.repeat(breaks + 1)}aaaa`)).toBe(false);
    }
  });

  it('the longest stage is the longest readConfig accepts: one character more fails synth', () => {
    expect(() => synthCached({ stage: `${LONGEST_STAGE}k` })).toThrow(/"stage"/);
    expect(templateOf({ stage: LONGEST_STAGE }).Resources).toBeDefined();
  });

  it.each(WORST_CONTEXTS.map((c) => [JSON.stringify(c), c]))(
    'context %s: the local ROS deploys all five functions, every variable resolved to a string',
    (_name, context) => {
      const stack = deploy(context);
      expect(
        functionsOf(stack)
          .map((r) => r.props.FunctionName)
          .sort(),
      ).toEqual(FUNCTIONS);
      for (const r of functionsOf(stack)) {
        for (const [key, value] of Object.entries(r.props.EnvironmentVariables ?? {})) {
          expect({ fn: r.props.FunctionName, key, type: typeof value }).toEqual({ fn: r.props.FunctionName, key, type: 'string' });
        }
      }
    },
  );

  it.each(FUNCTIONS)(`%s stays ${SPARE_BYTES} bytes under FC's ${FC_ENVIRONMENT_MAX_BYTES} in every context, the longest names included`, (fn) => {
    const bytes = Math.max(...WORST_CONTEXTS.map((context) => sizesOf(deploy(context))[fn]));
    expect({ fn, bytes, ok: bytes <= FC_ENVIRONMENT_MAX_BYTES - SPARE_BYTES }).toEqual({ fn, bytes, ok: true });
  });

  it('the longest stage gives the largest environment of every function that names a service (session, pay)', () => {
    const longest = sizesOf(deploy({ stage: LONGEST_STAGE }));
    for (const context of CONTEXTS) {
      const sizes = sizesOf(deploy(context));
      for (const fn of FUNCTIONS) expect(longest[fn]).toBeGreaterThanOrEqual(sizes[fn]);
      for (const fn of [SESSION_FUNCTION, PAY_FUNCTION]) expect(longest[fn]).toBeGreaterThan(sizes[fn]);
    }
  });
});

describe('what the local ROS deploys is wired as designed (longest names)', () => {
  let stack: DeployedStack;
  beforeAll(() => {
    stack = deploy({ stage: LONGEST_STAGE });
  });
  const fnEnv = (name: string): Record<string, string> => functionsOf(stack).find((r) => r.props.FunctionName === name)!.props.EnvironmentVariables;
  const deployedArn = (name: string) => functionsOf(stack).find((r) => r.props.FunctionName === name)!.attributes.ARN;
  const role = (name: string) => stack.resources.find((r) => r.type === 'ALIYUN::RAM::Role' && r.props.RoleName === name)!;

  it("session's CLIENT_FUNCTION_ARNS are the ARNs of the deployed db and pay functions, exactly as the client role's policy names them", () => {
    const arns = [deployedArn(DB_FUNCTION), deployedArn(PAY_FUNCTION)];
    expect(arns).toEqual([
      `acs:fc:${LONGEST_REGION}:${ACCOUNT_ID}:services/miniapp-${LONGEST_STAGE}/functions/db`,
      `acs:fc:${LONGEST_REGION}:${ACCOUNT_ID}:services/miniapp-${LONGEST_STAGE}-pay/functions/pay`,
    ]);
    expect(fnEnv(SESSION_FUNCTION).CLIENT_FUNCTION_ARNS).toBe(arns.join(','));
    expect(role(`miniapp-${LONGEST_STAGE}-client`).props.Policies[0].PolicyDocument.Statement[0].Resource).toEqual(arns);
  });

  it("pay's NOTIFY_URL is the deployed notify trigger's URL and the NotifyUrl output", () => {
    const notifyTrigger = stack.resources.find((r) => r.type === 'ALIYUN::FC::Trigger' && r.props.FunctionName === NOTIFY_FUNCTION)!;
    expect(fnEnv(PAY_FUNCTION).NOTIFY_URL).toBe(notifyTrigger.attributes.UrlInternet);
    expect(stack.outputs.NotifyUrl).toBe(notifyTrigger.attributes.UrlInternet);
    expect(fnEnv(PAY_FUNCTION).NOTIFY_URL).toMatch(/^https:\/\//);
  });

  it('the keys each function receives are the deployed parameter values, where the design puts them', () => {
    for (const name of [SESSION_FUNCTION, PAY_FUNCTION, RECONCILE_FUNCTION]) expect(fnEnv(name).ALIPAY_PRIVATE_KEY).toBe(worst.PrivateKey);
    for (const name of [SESSION_FUNCTION, PAY_FUNCTION, NOTIFY_FUNCTION, RECONCILE_FUNCTION]) expect(fnEnv(name).ALIPAY_PUBLIC_KEY).toBe(worst.AlipayPublicKey);
    for (const name of [DB_FUNCTION, NOTIFY_FUNCTION]) expect(fnEnv(name)).not.toHaveProperty('ALIPAY_PRIVATE_KEY');
  });

  it('the Outputs name the deployed pay service and function', () => {
    expect(stack.outputs.PayServiceName).toBe(`miniapp-${LONGEST_STAGE}-pay`);
    expect(stack.outputs.PayFunctionName).toBe(PAY_FUNCTION);
  });
});
