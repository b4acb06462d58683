import RPCClient from '@alicloud/pop-core';
import { CredentialStore, EXPIRED_CREDENTIALS_KEPT_MS, type IssuedCredentials, type PolicyDocument } from '../../local/credentials';
import { principalAllows } from '../../local/policy';
import { StsEmulator, type RoleSpec, type StsFault } from '../../local/sts';

const ACCT = '1234567890123456';
const FC_ROLE = `acs:ram::${ACCT}:role/mini-app-fc`;
const INVOKE_ROLE = `acs:ram::${ACCT}:role/mini-app-invoke`;
const OPEN_ROLE = `acs:ram::${ACCT}:role/account-trusted`;
const LOCKED_ROLE = `acs:ram::${ACCT}:role/service-only`;
const FN_ARN = 'acs:fc:cn-hangzhou:1234567890123456:services/svc/functions/db';

const allow = (Action: string | string[], Resource: string | string[]): PolicyDocument => ({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action, Resource }],
});
const invokePolicy = allow(['fc:InvokeFunction', 'fc:GetFunction'], 'acs:fc:*:*:services/svc/functions/*');
const trustRam = (...ram: string[]) => ({
  Version: '1',
  Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow' as const, Principal: { RAM: ram } }],
});

const roles: RoleSpec[] = [
  { arn: INVOKE_ROLE, policies: [invokePolicy], trust: trustRam(FC_ROLE), maxSessionDuration: 3600 },
  { arn: OPEN_ROLE, policies: [invokePolicy], trust: trustRam(`acs:ram::${ACCT}:root`), maxSessionDuration: 7200 },
  {
    arn: LOCKED_ROLE,
    policies: [invokePolicy],
    trust: {
      Version: '1',
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: ['fc.aliyuncs.com'] } }],
    },
    maxSessionDuration: 3600,
  },
];

let credSkew = 0;
let stsSkew = 0;
let fault: StsFault | undefined;
const logs: Record<string, unknown>[] = [];
const store = new CredentialStore(() => Date.now() + credSkew);
const sts = new StsEmulator({
  accountId: ACCT,
  roles,
  credentials: store,
  now: () => Date.now() + stsSkew,
  fault: () => fault,
  log: (l) => logs.push(l),
});
let endpoint = '';

/** The FC service role's session, as local FC would issue it. */
const issueCaller = (roleArn = FC_ROLE, rolePolicies = [allow('sts:AssumeRole', [INVOKE_ROLE, OPEN_ROLE, LOCKED_ROLE])]) =>
  store.issue({ roleArn, rolePolicies, sessionName: 'fc-service' }, 3600);
let caller: IssuedCredentials;

beforeAll(async () => {
  endpoint = await sts.listen();
});
afterAll(() => sts.close());
beforeEach(() => {
  credSkew = 0;
  stsSkew = 0;
  fault = undefined;
  logs.length = 0;
  caller = issueCaller();
});
afterEach(() => jest.restoreAllMocks());

interface AssumeRoleAnswer {
  RequestId: string;
  AssumedRoleUser: { Arn: string; AssumedRoleId: string };
  Credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
}

function client(c: { accessKeyId: string; accessKeySecret: string; securityToken?: string }): RPCClient {
  return new RPCClient({ ...c, endpoint, apiVersion: '2015-04-01' });
}
const assume = (params: Record<string, unknown>, c: Partial<IssuedCredentials> = caller) =>
  client({ accessKeyId: c.accessKeyId!, accessKeySecret: c.accessKeySecret!, securityToken: c.securityToken }).request<AssumeRoleAnswer>(
    'AssumeRole',
    { RoleArn: INVOKE_ROLE, RoleSessionName: 'sess-1', DurationSeconds: 900, ...params },
    { method: 'POST' },
  );

/** As pop-core writes Timestamp: UTC, whole seconds. */
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** pop-core throws `Error{name: Code+'Error', code, data, entry}` for any JSON answer with a Code. */
async function failure(p: Promise<unknown>): Promise<{ code: string; status: number; name: string; data: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; name: string; data: Record<string, unknown>; entry: { response: { statusCode: number } } };
    return { code: err.code, name: err.name, data: err.data, status: err.entry?.response.statusCode };
  }
  throw new Error('expected AssumeRole to fail');
}

describe('AssumeRole success', () => {
  it('issues credentials that the CredentialStore knows, carrying role and session policies', async () => {
    const sessionPolicy = allow('fc:InvokeFunction', FN_ARN);
    const before = Date.now();
    const res = await assume({ RoleSessionName: 'user-2088000000000001', DurationSeconds: 1800, Policy: JSON.stringify(sessionPolicy) });

    expect(res.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(res.AssumedRoleUser).toEqual({
      Arn: `acs:ram::${ACCT}:role/mini-app-invoke/user-2088000000000001`,
      AssumedRoleId: expect.stringMatching(/^\d{19}:user-2088000000000001$/),
    });
    const { AccessKeyId, AccessKeySecret, SecurityToken, Expiration } = res.Credentials;
    expect(Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const exp = Date.parse(Expiration);
    expect(exp).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 1800_000);
    expect(exp).toBeLessThanOrEqual(Date.now() + 1800_000);

    const check = store.check(AccessKeyId, SecurityToken);
    if (!check.ok) throw new Error(check.message);
    expect(check.credentials.accessKeySecret).toBe(AccessKeySecret);
    expect(check.credentials.principal).toEqual({
      roleArn: INVOKE_ROLE,
      rolePolicies: [invokePolicy],
      sessionPolicy,
      sessionName: 'user-2088000000000001',
    });
    // The session policy narrows the role: GetFunction is in the role, not in the session policy.
    expect(principalAllows(check.credentials.principal, 'fc:InvokeFunction', FN_ARN)).toBe(true);
    expect(principalAllows(check.credentials.principal, 'fc:GetFunction', FN_ARN)).toBe(false);
  });

  it('defaults DurationSeconds to 3600 and omits the session policy when Policy is absent', async () => {
    const res = await client(caller).request<AssumeRoleAnswer>('AssumeRole', { RoleArn: INVOKE_ROLE, RoleSessionName: 'ab' }, { method: 'POST' });
    expect(Date.parse(res.Credentials.Expiration)).toBeGreaterThan(Date.now() + 3500_000);
    const check = store.check(res.Credentials.AccessKeyId, res.Credentials.SecurityToken);
    expect(check.ok && check.credentials.principal.sessionPolicy).toBeUndefined();
  });

  it('lets an account-root trust admit any permitted role of the account', async () => {
    const res = await assume({ RoleArn: OPEN_ROLE, DurationSeconds: 7200 });
    expect(res.AssumedRoleUser.Arn).toBe(`acs:ram::${ACCT}:role/account-trusted/sess-1`);
  });

  it('also answers GET requests (parameters in the query)', async () => {
    const res = await client(caller).request<AssumeRoleAnswer>('AssumeRole', { RoleArn: INVOKE_ROLE, RoleSessionName: 'ab' });
    expect(res.Credentials.AccessKeyId).toMatch(/^STS\./);
  });
});

describe('authentication', () => {
  it('refuses a wrong secret: SignatureDoesNotMatch (400)', async () => {
    expect(await failure(assume({}, { ...caller, accessKeySecret: 'not-the-secret' }))).toMatchObject({
      code: 'SignatureDoesNotMatch',
      name: 'SignatureDoesNotMatchError',
      status: 400,
      data: {
        Code: 'SignatureDoesNotMatch',
        HostId: 'sts.aliyuncs.com',
        RequestId: expect.any(String),
        Message: expect.any(String),
        Recommend: expect.any(String),
      },
    });
  });

  it('refuses an unknown AccessKeyId: InvalidAccessKeyId.NotFound (404)', async () => {
    expect(await failure(assume({}, { ...caller, accessKeyId: 'STS.nope' }))).toMatchObject({ code: 'InvalidAccessKeyId.NotFound', status: 404 });
  });

  it('refuses a wrong or missing SecurityToken', async () => {
    expect(await failure(assume({}, { ...caller, securityToken: 'CAISother' }))).toMatchObject({
      code: 'InvalidSecurityToken.MismatchWithAccessKey',
      status: 400,
    });
    expect(await failure(assume({}, { ...caller, securityToken: undefined }))).toMatchObject({ code: 'MissingSecurityToken', status: 400 });
  });

  it('refuses expired caller credentials: InvalidSecurityToken.Expired', async () => {
    credSkew = 3600_000;
    expect(await failure(assume({}))).toMatchObject({ code: 'InvalidSecurityToken.Expired', status: 400 });
  });

  it('keeps answering InvalidSecurityToken.Expired for an hour after expiry, then forgets the key (InvalidAccessKeyId.NotFound)', async () => {
    credSkew = 3600_000 + EXPIRED_CREDENTIALS_KEPT_MS - 1000;
    expect(await failure(assume({}))).toMatchObject({ code: 'InvalidSecurityToken.Expired', status: 400 });
    credSkew = 3600_000 + EXPIRED_CREDENTIALS_KEPT_MS;
    expect(await failure(assume({}))).toMatchObject({ code: 'InvalidAccessKeyId.NotFound', status: 404 });
  });

  it('forgets a nonce once its Timestamp leaves the window, when the timestamp check refuses a replay by itself', async () => {
    let skew = 0;
    const own = new StsEmulator({ accountId: ACCT, roles, credentials: store, now: () => Date.now() + skew });
    const url = await own.listen();
    const nonces = (own as unknown as { nonces: { size: number } }).nonces;
    try {
      const rpc = new RPCClient({
        accessKeyId: caller.accessKeyId,
        accessKeySecret: caller.accessKeySecret,
        securityToken: caller.securityToken,
        endpoint: url,
        apiVersion: '2015-04-01',
      });
      // Signed 14.5 minutes ago: still inside the window, which it leaves in 30 s.
      const old = { RoleArn: INVOKE_ROLE, RoleSessionName: 'ab', SignatureNonce: 'old-nonce', Timestamp: isoSeconds(Date.now() - 14.5 * 60_000) };
      await expect(rpc.request('AssumeRole', old, { method: 'POST' })).resolves.toHaveProperty('Credentials');
      expect(await failure(rpc.request('AssumeRole', old, { method: 'POST' }))).toMatchObject({ code: 'SignatureNonceUsed' });
      expect(nonces.size).toBe(1);

      skew = 60_000; // a minute later
      await expect(rpc.request('AssumeRole', { RoleArn: INVOKE_ROLE, RoleSessionName: 'ab' }, { method: 'POST' })).resolves.toHaveProperty('Credentials');
      expect(nonces.size).toBe(1); // the new one only
      expect(await failure(rpc.request('AssumeRole', old, { method: 'POST' }))).toMatchObject({ code: 'InvalidTimeStamp.Expired' });
    } finally {
      await own.close();
    }
  });

  it('refuses a Timestamp more than 15 minutes off: InvalidTimeStamp.Expired', async () => {
    stsSkew = 16 * 60_000;
    expect(await failure(assume({}))).toMatchObject({ code: 'InvalidTimeStamp.Expired', status: 400 });
    stsSkew = 14 * 60_000;
    await expect(assume({})).resolves.toHaveProperty('Credentials');
  });

  it('refuses a replayed SignatureNonce: SignatureNonceUsed', async () => {
    // pop-core draws a fresh nonce per request; pin it to send the same nonce twice.

    jest.spyOn(require('kitx') as { makeNonce: () => string }, 'makeNonce').mockReturnValue('fixed-nonce-1');
    await expect(assume({})).resolves.toHaveProperty('Credentials');
    expect(await failure(assume({}))).toMatchObject({ code: 'SignatureNonceUsed', status: 400 });
    // A forged request must not burn the nonce for a legitimate caller.
    jest.spyOn(require('kitx') as { makeNonce: () => string }, 'makeNonce').mockReturnValue('fixed-nonce-2');
    expect(await failure(assume({}, { ...caller, accessKeySecret: 'x' }))).toMatchObject({ code: 'SignatureDoesNotMatch' });
    await expect(assume({})).resolves.toHaveProperty('Credentials');
  });

  it('answers an unknown Action with InvalidAction.NotFound (404)', async () => {
    const err = await failure(client(caller).request('GetCallerIdentity', {}, { method: 'POST' }));
    expect(err).toMatchObject({ code: 'InvalidAction.NotFound', status: 404 });
  });
});

describe('authorization', () => {
  it('refuses a caller the role does not trust: NoPermission (403)', async () => {
    const err = await failure(assume({ RoleArn: LOCKED_ROLE }));
    expect(err).toMatchObject({ code: 'NoPermission', status: 403 });
    expect(err.data.Message).toMatch(/does not trust you/);
  });

  it('refuses a trusted caller lacking sts:AssumeRole on the role: NoPermission (403)', async () => {
    const weak = issueCaller(FC_ROLE, [allow('sts:AssumeRole', OPEN_ROLE)]);
    const err = await failure(assume({}, weak));
    expect(err).toMatchObject({ code: 'NoPermission', status: 403 });
    expect(err.data.Message).toMatch(/should be authorized by RAM/);
  });

  it('refuses an account-root trust for a caller from another account', async () => {
    const foreign = issueCaller('acs:ram::999:role/mini-app-fc', [allow('sts:AssumeRole', '*')]);
    expect(await failure(assume({ RoleArn: OPEN_ROLE }, foreign))).toMatchObject({ code: 'NoPermission' });
  });

  it('refuses an unknown role (EntityNotExist.Role, 404) and a malformed ARN', async () => {
    expect(await failure(assume({ RoleArn: `acs:ram::${ACCT}:role/nope` }))).toMatchObject({ code: 'EntityNotExist.Role', status: 404 });
    expect(await failure(assume({ RoleArn: 'mini-app-invoke' }))).toMatchObject({ code: 'InvalidParameter.RoleArn', status: 400 });
  });
});

describe('parameter validation', () => {
  it.each([899, 3601, 'abc', '900.5'])('refuses DurationSeconds=%p', async (d) => {
    expect(await failure(assume({ DurationSeconds: d }))).toMatchObject({ code: 'InvalidParameter.DurationSeconds', status: 400 });
  });

  it.each([900, 3600])('accepts DurationSeconds=%p', async (d) => {
    await expect(assume({ DurationSeconds: d })).resolves.toHaveProperty('Credentials');
  });

  it.each(['a', 'x'.repeat(65), 'has space', 'abc*abc', '用户'])('refuses RoleSessionName=%p', async (name) => {
    expect(await failure(assume({ RoleSessionName: name }))).toMatchObject({ code: 'InvalidParameter.RoleSessionName', status: 400 });
  });

  it('accepts a 64-character RoleSessionName of [\\w.@-]', async () => {
    await expect(assume({ RoleSessionName: `a.b@c-d_${'x'.repeat(56)}` })).resolves.toHaveProperty('Credentials');
  });

  it.each([
    ['not JSON', '{'],
    ['wrong Version', JSON.stringify({ ...allow('fc:*', '*'), Version: '2' })],
    ['no Statement', JSON.stringify({ Version: '1' })],
    ['empty Statement', JSON.stringify({ Version: '1', Statement: [] })],
    ['bad Effect', JSON.stringify({ Version: '1', Statement: [{ Effect: 'Maybe', Action: 'fc:*', Resource: '*' }] })],
    ['NotAction', JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', NotAction: 'fc:*', Resource: '*' }] })],
    ['no Resource', JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'fc:*' }] })],
  ])('refuses a Policy with %s: InvalidParameter.PolicyGrammar', async (_what, policy) => {
    expect(await failure(assume({ Policy: policy }))).toMatchObject({ code: 'InvalidParameter.PolicyGrammar', status: 400 });
  });

  it('refuses Policy: undefined, which pop-core sends as the string "undefined"', async () => {
    expect(await failure(assume({ Policy: undefined }))).toMatchObject({ code: 'InvalidParameter.PolicyGrammar' });
  });

  it('refuses a Policy over 2048 bytes: InvalidParameter.PolicySize', async () => {
    const big = {
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'fc:InvokeFunction', Resource: Array.from({ length: 40 }, (_, i) => `${FN_ARN}${i}`) }],
    };
    expect(JSON.stringify(big).length).toBeGreaterThan(2048);
    expect(await failure(assume({ Policy: JSON.stringify(big) }))).toMatchObject({ code: 'InvalidParameter.PolicySize', status: 400 });
  });
});

describe('faults and logging', () => {
  it('answers an injected error as real STS would', async () => {
    fault = { status: 503, code: 'ServiceUnavailable', message: 'The request has failed due to a temporary failure of the server.' };
    expect(await failure(assume({}))).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    expect(logs).toEqual([{ service: 'sts', action: 'AssumeRole', outcome: 'fault:ServiceUnavailable', ms: expect.any(Number) }]);
  });

  it('resets the connection on a reset fault', async () => {
    fault = { reset: true };
    await expect(assume({})).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('logs one line per request, never credentials', async () => {
    const res = await assume({});
    await failure(assume({ DurationSeconds: 1 }));
    expect(logs).toEqual([
      { service: 'sts', action: 'AssumeRole', outcome: 'ok', ms: expect.any(Number) },
      { service: 'sts', action: 'AssumeRole', outcome: 'InvalidParameter.DurationSeconds', ms: expect.any(Number) },
    ]);
    const text = JSON.stringify(logs);
    for (const s of [caller.accessKeySecret, caller.securityToken, res.Credentials.AccessKeySecret, res.Credentials.SecurityToken]) {
      expect(text).not.toContain(s);
    }
  });
});
