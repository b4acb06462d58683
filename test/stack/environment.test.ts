/**
 * FC caps a function's environment at 4 KB in total, and the session function carries the app
 * private key and Alipay's public key in it. This does the arithmetic over the synthesized template
 * with every parameter at its longest legal value, deployed by the local ROS in the region with the
 * longest name, and counts the way the constraint table does (UTF-8 bytes of the JSON of the map,
 * where a line break costs two bytes).
 */
import { deployStack, type RosTemplate } from '../../local/ros/deploy';
import { FC_ENVIRONMENT_MAX_BYTES, environmentBytes } from '../../local/ros/constraints';
import { synthCached } from './synth';

/** Room kept free for what later functions add (payment settings). */
const SPARE_BYTES = 512;
/** The longest region id Alibaba Cloud has (finance cloud), so the endpoints are as long as they get. */
const LONGEST_REGION = 'cn-shanghai-finance-1';
const ACCOUNT_ID = '1234567890123456';

const template = synthCached().template as unknown as RosTemplate;
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

describe('function environments at the parameters’ maximum lengths', () => {
  const inEnvironment = Object.keys(declared).filter((name) =>
    Object.values(template.Resources).some((r) => r.Type === 'ALIYUN::FC::Function' && JSON.stringify(r.Properties?.EnvironmentVariables ?? {}).includes(`"Ref":"${name}"`)),
  );
  const worst = Object.fromEntries(
    Object.keys(declared).map((name) => [name, LEGAL[name] ?? longestValue(name)]),
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

  it(`each function stays ${SPARE_BYTES} bytes under FC's ${FC_ENVIRONMENT_MAX_BYTES}`, () => {
    const stack = deployStack({ template, parameters: worst, accountId: ACCOUNT_ID, region: LONGEST_REGION, stackName: 'MiniAppStack' });
    const sizes: Record<string, number> = Object.fromEntries(
      stack.resources.filter((r) => r.type === 'ALIYUN::FC::Function').map((r) => [r.props.FunctionName, environmentBytes(r.props.EnvironmentVariables ?? {})]),
    );
    expect(Object.keys(sizes).length).toBeGreaterThanOrEqual(2);
    for (const [fn, bytes] of Object.entries(sizes)) {
      expect({ fn, bytes, ok: bytes <= FC_ENVIRONMENT_MAX_BYTES - SPARE_BYTES }).toEqual({ fn, bytes, ok: true });
    }
  });
});
