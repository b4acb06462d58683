/**
 * Every security-relevant property of the stack, asserted one by one against the synthesized
 * template. Resources are found by Type and content (e.g. the table whose TableName is
 * `sessions`, the role of the service a function runs in), and ARNs are resolved through their
 * Fn::Sub variable maps, so each assertion checks the real wiring rather than a logical id.
 * Least privilege is per function: in FC 2.0 a function has the role of its service, so session
 * and db share the main service's role and each payment function has a service and role of its own.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { ACCOUNTS_TABLE, OBJECTS_TABLE, ORDERS_TABLE, SESSIONS_TABLE, SESSION_TTL_SECONDS } from '../../lib/data';
import { DB_FUNCTION, SESSION_FUNCTION } from '../../lib/functions';
import { SESSION_CACHE_SECONDS } from '../../lib/miniapp-stack';
import {
  NOTIFY_FUNCTION,
  ORDER_CHECK_AFTER_SECONDS,
  ORDER_CLOSE_AFTER_SECONDS,
  PAY_FUNCTION,
  RECONCILE_FUNCTION,
  RECONCILE_SCHEDULE,
} from '../../lib/payments';
import { CONTEXTS, synth, synthCached } from './synth';
import { ACCOUNT, REGION, Resource, Template, asArray, isObject, only, refsTo, resolve, resourcesOfType, walk } from './template';

const TABLESTORE_MIN_TTL_SECONDS = 86400;

// A developer's shell may export the app private key for local mode. Every synth of this file
// runs with one exported, and the 'secrets never reach cdk.out' tests look for it in the output.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const body = pem
  .split('\n')
  .filter((l) => l && !l.startsWith('-----'))
  .join('');
const KEY_ENV = { ALIPAY_PRIVATE_KEY: pem, PRIVATE_KEY: body };
const savedEnv = Object.fromEntries(Object.keys(KEY_ENV).map((k) => [k, process.env[k]]));

let t: Template;
beforeAll(() => {
  Object.assign(process.env, KEY_ENV);
  t = synthCached().template;
});
afterAll(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

// ---- the design ---------------------------------------------------------------------------
const PAYMENT_FUNCTIONS = [PAY_FUNCTION, NOTIFY_FUNCTION, RECONCILE_FUNCTION];
const ALL_FUNCTIONS = [SESSION_FUNCTION, DB_FUNCTION, ...PAYMENT_FUNCTIONS];
const prefixOf = (context: Record<string, string>) => (context.stage ? `miniapp-${context.stage}` : 'miniapp');
/** The FC service each function runs in: the main one (named by the prefix) or `<prefix>-<function>`. */
const serviceNameOf = (prefix: string, fn: string) => (PAYMENT_FUNCTIONS.includes(fn) ? `${prefix}-${fn}` : prefix);
/** The role of each function's service. */
const roleNameOf = (prefix: string, fn: string) => `${serviceNameOf(prefix, fn)}-fc`;

const MAIN_ACCESS = (prefix: string): Access => ({
  [`table:${SESSIONS_TABLE}`]: ['ots:DeleteRow', 'ots:GetRow', 'ots:PutRow'],
  [`table:${OBJECTS_TABLE}`]: ['ots:DeleteRow', 'ots:GetRange', 'ots:GetRow', 'ots:PutRow', 'ots:UpdateRow'],
  [`table:${ACCOUNTS_TABLE}`]: ['ots:GetRow', 'ots:PutRow', 'ots:UpdateRow'],
  logstore: ['log:PostLogStoreLogs'],
  [`role:${prefix}-client`]: ['sts:AssumeRole'],
});
/**
 * What each function may do, through its service's role, target by target. Session and db share
 * the main service's role (FC 2.0: the role is the service's); nothing but pay, notify and
 * reconcile reaches orders; pay only reads sessions and accounts.
 */
const EXPECTED_ACCESS = (prefix: string): Record<string, Access> => ({
  [SESSION_FUNCTION]: MAIN_ACCESS(prefix),
  [DB_FUNCTION]: MAIN_ACCESS(prefix),
  [PAY_FUNCTION]: {
    [`table:${SESSIONS_TABLE}`]: ['ots:GetRow'],
    [`table:${ACCOUNTS_TABLE}`]: ['ots:GetRow'],
    [`table:${ORDERS_TABLE}`]: ['ots:DeleteRow', 'ots:GetRange', 'ots:GetRow', 'ots:PutRow', 'ots:UpdateRow'],
    logstore: ['log:PostLogStoreLogs'],
  },
  [NOTIFY_FUNCTION]: {
    [`table:${ORDERS_TABLE}`]: ['ots:DeleteRow', 'ots:GetRow', 'ots:UpdateRow'],
    logstore: ['log:PostLogStoreLogs'],
  },
  [RECONCILE_FUNCTION]: {
    [`table:${ORDERS_TABLE}`]: ['ots:DeleteRow', 'ots:GetRange', 'ots:GetRow', 'ots:UpdateRow'],
    logstore: ['log:PostLogStoreLogs'],
  },
});
/** Target (`table:<name>`, `logstore`, `role:<name>`) → the actions allowed on it, sorted. */
type Access = Record<string, string[]>;

// ---- lookups by content --------------------------------------------------------------------
const table = (name: string, tt: Template = t) => only(tt, 'ALIYUN::OTS::Table', (r) => r.Properties?.TableName === name);
const fn = (name: string, tt: Template = t) => only(tt, 'ALIYUN::FC::Function', (r) => r.Properties?.FunctionName === name);
const serviceNamed = (name: string, tt: Template = t) => only(tt, 'ALIYUN::FC::Service', (r) => r.Properties?.ServiceName === name);
/** The logical id a `{"Fn::GetAtt": [id, attr]}` names (fails on anything else). */
const getAttOf = (value: unknown, attr: string): string => {
  expect(value).toEqual({ 'Fn::GetAtt': [expect.any(String), attr] });
  return (value as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
};
const byId = (id: string, tt: Template = t): [string, Resource] => [id, tt.Resources![id]];
/** The service a function runs in: its ServiceName is a GetAtt of that service. */
const serviceOf = (name: string, tt: Template = t) => byId(getAttOf(fn(name, tt)[1].Properties?.ServiceName, 'ServiceName'), tt);
/** The role a function runs with: its service's Role is a GetAtt of that role's Arn. */
const roleOf = (name: string, tt: Template = t) => byId(getAttOf(serviceOf(name, tt)[1].Properties?.Role, 'Arn'), tt);
const service = () => serviceOf(SESSION_FUNCTION);
const serviceRole = () => roleOf(SESSION_FUNCTION);
const clientRole = (tt: Template = t) =>
  only(tt, 'ALIYUN::RAM::Role', (r) =>
    asArray(r.Properties?.AssumeRolePolicyDocument?.Statement).some((s) => isObject(s) && isObject(s.Principal) && 'RAM' in s.Principal),
  );
const triggersOf = (name: string, tt: Template = t) =>
  resourcesOfType(tt, 'ALIYUN::FC::Trigger').filter(
    ([, r]) => JSON.stringify(r.Properties?.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [fn(name, tt)[0], 'FunctionName'] }),
  );
const triggerOf = (name: string, tt: Template = t) => {
  const found = triggersOf(name, tt);
  expect(found).toHaveLength(1);
  return found[0];
};
const statementsOf = (role: Resource): Array<Record<string, unknown>> =>
  (role.Properties?.Policies ?? []).flatMap((p: { PolicyDocument: { Statement: unknown } }) => asArray(p.PolicyDocument.Statement));
const arnOf = (id: string, attr: string, tt: Template = t) => resolve(tt, { 'Fn::GetAtt': [id, attr] });
const tableArn = (name: string, tt: Template = t) =>
  `acs:ots:${REGION}:${ACCOUNT}:instance/${arnOf(only(tt, 'ALIYUN::OTS::InstanceV2')[0], 'InstanceName', tt)}/table/${name}`;
const logstoreArn = (tt: Template = t) => {
  const [logstoreId, logstore] = only(tt, 'ALIYUN::SLS::Logstore');
  return `acs:log:${REGION}:${ACCOUNT}:project/${resolve(tt, logstore.Properties?.ProjectName)}/logstore/${arnOf(logstoreId, 'LogstoreName', tt)}`;
};
/** ARN of a function resource of the template, from its own and its service's names. */
const functionArn = (name: string, tt: Template = t) =>
  `acs:fc:${REGION}:${ACCOUNT}:services/${resolve(tt, serviceOf(name, tt)[1].Properties?.ServiceName)}/functions/${arnOf(fn(name, tt)[0], 'FunctionName', tt)}`;
/** A role's statements as plain values: resources resolved, actions sorted. */
const grantsOf = (role: Resource, tt: Template = t) =>
  statementsOf(role).map((s) => ({
    effect: s.Effect,
    actions: [...(s.Action as string[])].sort(),
    resources: asArray(s.Resource).map((r) => resolve(tt, r)),
    keys: Object.keys(s).sort(),
  }));
/** What a role allows, target by target (see Access); an ARN of anything else stays as it is. */
function accessOf(role: Resource, tt: Template = t): Access {
  const tables = new RegExp(`^${escapeRegExp(tableArn('', tt))}([a-z_]+)$`);
  const roles = new RegExp(`^acs:ram::${escapeRegExp(ACCOUNT)}:role/(.+)$`);
  const access: Access = {};
  for (const s of statementsOf(role)) {
    expect(s.Effect).toBe('Allow');
    for (const resource of asArray(s.Resource).map((r) => resolve(tt, r))) {
      const target =
        resource === logstoreArn(tt)
          ? 'logstore'
          : tables.test(resource)
            ? `table:${tables.exec(resource)![1]}`
            : roles.test(resource)
              ? `role:${roles.exec(resource)![1]}`
              : resource;
      access[target] = [...new Set([...(access[target] ?? []), ...(s.Action as string[])])].sort();
    }
  }
  return access;
}
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const keys = ['Action', 'Effect', 'Resource'];
const instanceId = (tt: Template = t) => only(tt, 'ALIYUN::OTS::InstanceV2')[0];
/** A table's ARN as the stack writes it: Fn::Sub with the instance as a GetAtt of this stack's instance. */
const tableSub = (name: string) => ({
  'Fn::Sub': [
    `acs:ots:\${ALIYUN::Region}:\${ALIYUN::AccountId}:instance/\${Instance}/table/${name}`,
    { Instance: { 'Fn::GetAtt': [instanceId(), 'InstanceName'] } },
  ],
});
/** The logstore's ARN as the stack writes it: Fn::Sub of GetAtts of this stack's project and logstore. */
const logSub = () => ({
  'Fn::Sub': [
    'acs:log:${ALIYUN::Region}:${ALIYUN::AccountId}:project/${Project}/logstore/${Logstore}',
    {
      Project: { 'Fn::GetAtt': [only(t, 'ALIYUN::SLS::Project')[0], 'Name'] },
      Logstore: { 'Fn::GetAtt': [only(t, 'ALIYUN::SLS::Logstore')[0], 'LogstoreName'] },
    },
  ],
});
/** The Resource entries of a role's Tablestore statements, in order, unresolved. */
const otsResourcesOf = (role: Resource) =>
  statementsOf(role)
    .filter((s) => (s.Action as string[]).every((a) => a.startsWith('ots:')))
    .flatMap((s) => asArray(s.Resource));

describe('RAM: the roles Function Compute assumes (one per FC service)', () => {
  it.each(ALL_FUNCTIONS)(
    "%s: its service's role is trusted by exactly one statement: Allow sts:AssumeRole to the Service principal fc.aliyuncs.com only",
    (name) => {
      expect(roleOf(name)[1].Properties?.AssumeRolePolicyDocument).toEqual({
        Version: '1',
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: ['fc.aliyuncs.com'] } }],
      });
    },
  );

  it.each(ALL_FUNCTIONS)('%s: may do exactly what its design says, target by target (least privilege per function)', (name) => {
    expect(accessOf(roleOf(name)[1])).toEqual(EXPECTED_ACCESS('miniapp')[name]);
  });

  it('no role but those of pay, notify and reconcile reaches the orders table; notify and reconcile reach nothing but orders and the logstore', () => {
    const orders = tableArn(ORDERS_TABLE);
    const reaching = resourcesOfType(t, 'ALIYUN::RAM::Role').filter(([, r]) => grantsOf(r).some((g) => g.resources.includes(orders)));
    expect(reaching.map(([, r]) => r.Properties?.RoleName).sort()).toEqual(['miniapp-notify-fc', 'miniapp-pay-fc', 'miniapp-reconcile-fc']);
    expect(JSON.stringify(serviceRole()[1])).not.toContain(`table/${ORDERS_TABLE}`);
    expect(JSON.stringify(clientRole()[1])).not.toContain(`table/${ORDERS_TABLE}`);
    for (const name of [NOTIFY_FUNCTION, RECONCILE_FUNCTION])
      expect(Object.keys(accessOf(roleOf(name)[1])).sort()).toEqual(['logstore', `table:${ORDERS_TABLE}`]);
  });

  it('only the main service role (session) may assume the client role; no payment role has any sts: or fc: action', () => {
    const assumers = resourcesOfType(t, 'ALIYUN::RAM::Role').filter(([, r]) => statementsOf(r).some((s) => asArray(s.Action).includes('sts:AssumeRole')));
    expect(assumers.map(([id]) => id)).toEqual([serviceRole()[0]]);
    for (const name of PAYMENT_FUNCTIONS) {
      expect(
        statementsOf(roleOf(name)[1])
          .flatMap((s) => asArray(s.Action))
          .filter((a) => /^(sts|fc|ram):/.test(String(a))),
      ).toEqual([]);
    }
  });
});

describe('RAM: main service role (session and db)', () => {
  it('is the role of the FC service (Role = GetAtt of the service role Arn), named <prefix>-fc', () => {
    const [roleId, role] = serviceRole();
    expect(service()[1].Properties?.Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(role.Properties?.RoleName).toBe('miniapp-fc');
    expect(serviceOf(DB_FUNCTION)[0]).toBe(service()[0]);
  });

  it('allows exactly the actions the functions need, each on exactly one resource of this stack, and nothing on orders', () => {
    const [, role] = serviceRole();
    expect(role.Properties?.Policies).toHaveLength(1);
    expect(grantsOf(role)).toEqual([
      { effect: 'Allow', actions: ['ots:DeleteRow', 'ots:GetRow', 'ots:PutRow'], resources: [tableArn(SESSIONS_TABLE)], keys },
      { effect: 'Allow', actions: ['ots:DeleteRow', 'ots:GetRange', 'ots:GetRow', 'ots:PutRow', 'ots:UpdateRow'], resources: [tableArn(OBJECTS_TABLE)], keys },
      { effect: 'Allow', actions: ['ots:GetRow', 'ots:PutRow', 'ots:UpdateRow'], resources: [tableArn(ACCOUNTS_TABLE)], keys },
      { effect: 'Allow', actions: ['log:PostLogStoreLogs'], resources: [logstoreArn()], keys },
      { effect: 'Allow', actions: ['sts:AssumeRole'], resources: [arnOf(clientRole()[0], 'Arn')], keys },
    ]);
    // Resolved names are this stack's: the instance/project named by its parameters, the logstore it creates.
    expect(tableArn(SESSIONS_TABLE)).toBe(`acs:ots:${REGION}:${ACCOUNT}:instance/<param:DBInstanceName>/table/${SESSIONS_TABLE}`);
    expect(logstoreArn()).toMatch(new RegExp(`^acs:log:${escapeRegExp(REGION)}:${escapeRegExp(ACCOUNT)}:project/<param:LogProjectName>/logstore/`));
  });

  it("names its tables through Fn::Sub with the instance as a GetAtt of this stack's OTS instance and literal table names of existing tables", () => {
    const [, role] = serviceRole();
    expect(otsResourcesOf(role)).toEqual([SESSIONS_TABLE, OBJECTS_TABLE, ACCOUNTS_TABLE].map(tableSub));
    // ... and those tables live in that same instance.
    for (const name of [SESSIONS_TABLE, OBJECTS_TABLE, ACCOUNTS_TABLE]) {
      expect(table(name)[1].Properties?.InstanceName).toEqual({ 'Fn::GetAtt': [only(t, 'ALIYUN::OTS::InstanceV2')[0], 'InstanceName'] });
    }
  });

  it.each(ALL_FUNCTIONS)("%s: its role writes logs to the logstore by Fn::Sub of GetAtts of this stack's SLS project and logstore", (name) => {
    const log = statementsOf(roleOf(name)[1]).find((s) => (s.Action as string[]).includes('log:PostLogStoreLogs'));
    expect(log?.Action).toEqual(['log:PostLogStoreLogs']);
    expect(log?.Resource).toEqual([logSub()]);
  });
});

describe('RAM: payment roles (pay, notify, reconcile: a service and role each)', () => {
  const expectedGrants = (name: string) =>
    ({
      [PAY_FUNCTION]: [
        { effect: 'Allow', actions: ['ots:GetRow'], resources: [tableArn(SESSIONS_TABLE), tableArn(ACCOUNTS_TABLE)], keys },
        { effect: 'Allow', actions: ['ots:DeleteRow', 'ots:GetRange', 'ots:GetRow', 'ots:PutRow', 'ots:UpdateRow'], resources: [tableArn(ORDERS_TABLE)], keys },
        { effect: 'Allow', actions: ['log:PostLogStoreLogs'], resources: [logstoreArn()], keys },
      ],
      [NOTIFY_FUNCTION]: [
        { effect: 'Allow', actions: ['ots:DeleteRow', 'ots:GetRow', 'ots:UpdateRow'], resources: [tableArn(ORDERS_TABLE)], keys },
        { effect: 'Allow', actions: ['log:PostLogStoreLogs'], resources: [logstoreArn()], keys },
      ],
      [RECONCILE_FUNCTION]: [
        { effect: 'Allow', actions: ['ots:DeleteRow', 'ots:GetRange', 'ots:GetRow', 'ots:UpdateRow'], resources: [tableArn(ORDERS_TABLE)], keys },
        { effect: 'Allow', actions: ['log:PostLogStoreLogs'], resources: [logstoreArn()], keys },
      ],
    })[name];

  it.each(PAYMENT_FUNCTIONS)('%s runs alone in a service of its own, <prefix>-<function>, whose role is <prefix>-<function>-fc', (name) => {
    const [serviceId, svc] = serviceOf(name);
    expect(svc.Properties?.ServiceName).toBe(`miniapp-${name}`);
    const inService = resourcesOfType(t, 'ALIYUN::FC::Function').filter(
      ([, f]) => JSON.stringify(f.Properties?.ServiceName) === JSON.stringify({ 'Fn::GetAtt': [serviceId, 'ServiceName'] }),
    );
    expect(inService.map(([, f]) => f.Properties?.FunctionName)).toEqual([name]);
    const [roleId, role] = roleOf(name);
    expect(svc.Properties?.Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(role.Properties?.RoleName).toBe(`miniapp-${name}-fc`);
  });

  it.each(PAYMENT_FUNCTIONS)('%s: one inline policy, <prefix>-<function>-fc-access, with exactly its own statements', (name) => {
    const [, role] = roleOf(name);
    expect(role.Properties?.Policies).toHaveLength(1);
    expect(role.Properties?.Policies[0].PolicyName).toBe(`miniapp-${name}-fc-access`);
    expect(grantsOf(role)).toEqual(expectedGrants(name));
  });

  it.each(PAYMENT_FUNCTIONS)("%s: its tables are named through Fn::Sub of this stack's OTS instance, and exist in it", (name) => {
    const tables = name === PAY_FUNCTION ? [SESSIONS_TABLE, ACCOUNTS_TABLE, ORDERS_TABLE] : [ORDERS_TABLE];
    expect(otsResourcesOf(roleOf(name)[1])).toEqual(tables.map(tableSub));
    for (const tableName of tables)
      expect(table(tableName)[1].Properties?.InstanceName).toEqual({ 'Fn::GetAtt': [only(t, 'ALIYUN::OTS::InstanceV2')[0], 'InstanceName'] });
  });
});

describe('RAM: client role (whose STS credentials users get)', () => {
  it('is trusted only by the service role: one statement, RAM principal = the service role ARN, no Service principal, no account root', () => {
    const [, role] = clientRole();
    const statements = asArray(role.Properties?.AssumeRolePolicyDocument?.Statement) as Array<Record<string, any>>;
    expect(statements).toHaveLength(1);
    const [s] = statements;
    expect(s).toEqual({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: [expect.anything()] } });
    const principals = asArray(s.Principal.RAM).map((p) => resolve(t, p));
    expect(principals).toEqual([arnOf(serviceRole()[0], 'Arn')]);
    expect(principals[0]).not.toMatch(/:root$/);
    expect(Object.keys(s.Principal)).toEqual(['RAM']);
  });

  it('may only fc:InvokeFunction exactly two functions: db of the main service and pay of the pay service', () => {
    const [, role] = clientRole();
    expect(role.Properties?.Policies).toHaveLength(1);
    expect(role.Properties?.Policies[0].PolicyName).toBe('miniapp-client-invoke');
    const statements = statementsOf(role);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toEqual({ Effect: 'Allow', Action: ['fc:InvokeFunction'], Resource: [expect.anything(), expect.anything()] });
    const invokable = asArray(statements[0].Resource).map((r) => resolve(t, r));
    expect(invokable).toEqual([functionArn(DB_FUNCTION), functionArn(PAY_FUNCTION)]);
    expect(invokable).toEqual([`acs:fc:${REGION}:${ACCOUNT}:services/miniapp/functions/db`, `acs:fc:${REGION}:${ACCOUNT}:services/miniapp-pay/functions/pay`]);
    for (const name of [SESSION_FUNCTION, NOTIFY_FUNCTION, RECONCILE_FUNCTION]) expect(invokable).not.toContain(functionArn(name));
  });

  it("the session function's STS session policy (CLIENT_FUNCTION_ARNS) names exactly the role's two functions, comma-joined", () => {
    const env = fn(SESSION_FUNCTION)[1].Properties?.EnvironmentVariables;
    expect(env).not.toHaveProperty('DB_FUNCTION_ARN');
    expect(env?.CLIENT_FUNCTION_ARNS).toEqual({ 'Fn::Join': [',', [expect.anything(), expect.anything()]] });
    const roleResources = asArray(statementsOf(clientRole()[1])[0].Resource);
    expect(env?.CLIENT_FUNCTION_ARNS['Fn::Join'][1]).toEqual(roleResources);
    expect(resolve(t, env?.CLIENT_FUNCTION_ARNS).split(',')).toEqual([functionArn(DB_FUNCTION), functionArn(PAY_FUNCTION)]);
  });

  it('sessions are bounded (MaxSessionDuration set, at most the 1 h default)', () => {
    expect(clientRole()[1].Properties?.MaxSessionDuration).toBeLessThanOrEqual(3600);
  });

  it('is created after the service role its trust policy names', () => {
    expect(clientRole()[1].DependsOn).toContain(serviceRole()[0]);
  });
});

describe('RAM: nothing else', () => {
  it('has exactly five roles (main service, client, one per payment function), with inline policies only: no PolicyAttachments, no managed or attached policies, no users or groups', () => {
    const roles = resourcesOfType(t, 'ALIYUN::RAM::Role');
    expect(roles.map(([, r]) => r.Properties?.RoleName).sort()).toEqual([
      'miniapp-client',
      'miniapp-fc',
      'miniapp-notify-fc',
      'miniapp-pay-fc',
      'miniapp-reconcile-fc',
    ]);
    for (const [, role] of roles) expect(role.Properties).not.toHaveProperty('PolicyAttachments');
    const otherRam = Object.values(t.Resources ?? {}).filter((r) => r.Type.startsWith('ALIYUN::RAM::') && r.Type !== 'ALIYUN::RAM::Role');
    expect(otherRam).toEqual([]);
  });

  it('every FC service binds a role of its own, and the client role is bound by none', () => {
    const bound = resourcesOfType(t, 'ALIYUN::FC::Service').map(([, s]) => getAttOf(s.Properties?.Role, 'Arn'));
    expect(bound).toHaveLength(4);
    expect(new Set(bound).size).toBe(bound.length);
    expect(bound).not.toContain(clientRole()[0]);
    // ... and every role trusted by fc.aliyuncs.com is one of them.
    const fcRoles = resourcesOfType(t, 'ALIYUN::RAM::Role')
      .filter(([id]) => id !== clientRole()[0])
      .map(([id]) => id);
    expect([...fcRoles].sort()).toEqual([...bound].sort());
  });
});

describe('parameters', () => {
  it('PrivateKey is NoEcho with no Default', () => {
    const p = t.Parameters?.PrivateKey;
    expect(p?.NoEcho).toBe(true);
    expect(p).not.toHaveProperty('Default');
  });

  /** The paths at which a parameter is referenced: `name`'s variable of each function in `fns`, in template order. */
  const envPaths = (variable: string, fns: string[]) =>
    resourcesOfType(t, 'ALIYUN::FC::Function')
      .filter(([, f]) => fns.includes(f.Properties?.FunctionName))
      .map(([id]) => `$.${id}.Properties.EnvironmentVariables.${variable}`);

  it('PrivateKey is referenced exactly by ALIPAY_PRIVATE_KEY of the functions that sign (session, pay, reconcile), nowhere else: not by notify, which only verifies', () => {
    expect(refsTo(t.Resources, 'PrivateKey')).toEqual(envPaths('ALIPAY_PRIVATE_KEY', [SESSION_FUNCTION, PAY_FUNCTION, RECONCILE_FUNCTION]));
    expect(refsTo(t.Resources, 'PrivateKey')).toHaveLength(3);
    expect(refsTo(fn(NOTIFY_FUNCTION)[1], 'PrivateKey')).toEqual([]);
    expect(fn(NOTIFY_FUNCTION)[1].Properties?.EnvironmentVariables).not.toHaveProperty('ALIPAY_PRIVATE_KEY');
    expect(refsTo(t.Outputs, 'PrivateKey')).toEqual([]);
  });

  it('AlipayPublicKey is referenced exactly by ALIPAY_PUBLIC_KEY of session, pay, notify and reconcile (everything that checks what Alipay signed)', () => {
    expect(refsTo(t.Resources, 'AlipayPublicKey')).toEqual(envPaths('ALIPAY_PUBLIC_KEY', [SESSION_FUNCTION, ...PAYMENT_FUNCTIONS]));
    expect(refsTo(t.Resources, 'AlipayPublicKey')).toHaveLength(4);
  });

  it('AppId is referenced exactly by APP_ID of every function that talks to Alipay (all but db)', () => {
    expect(refsTo(t.Resources, 'AppId')).toEqual(envPaths('APP_ID', [SESSION_FUNCTION, ...PAYMENT_FUNCTIONS]));
    expect(refsTo(t.Resources, 'AppId')).toHaveLength(4);
  });

  it('PrivateKey accepts a real RSA2048 key as PEM (PKCS1 and PKCS8) or bare base64, and nothing but key text', () => {
    const p = t.Parameters!.PrivateKey;
    const pattern = new RegExp(p.AllowedPattern!);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const bare = pkcs1
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'))
      .join('');
    for (const key of [pkcs1, pkcs8, bare]) {
      expect(pattern.test(key)).toBe(true);
      expect(key.length).toBeGreaterThanOrEqual(p.MinLength!);
      expect(key.length).toBeLessThanOrEqual(p.MaxLength!);
    }
    for (const bad of ['key"; rm -rf /', '${ALIYUN::AccountId}', 'a'.repeat(10) + '\u00e9', 'a\tb', 'a\rb']) expect(pattern.test(bad)).toBe(false);
    // The empty key passes the pattern (a PEM may end in a line break, so the last line may be empty) but not MinLength.
    expect(p.MinLength).toBeGreaterThan(0);
  });

  it("AlipayPublicKey is optional (Default '') and its pattern accepts the empty string and a real public key", () => {
    const p = t.Parameters!.AlipayPublicKey;
    expect(p.Default).toBe('');
    const pattern = new RegExp(p.AllowedPattern!);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(pattern.test('')).toBe(true);
    expect(pattern.test(pem)).toBe(true);
    expect(pem.length).toBeLessThanOrEqual(p.MaxLength!);
  });

  it("AesKey is NoEcho, optional (Default ''), referenced only by the session function's ALIPAY_AES_KEY, and accepts exactly an AES-128 key in base64", () => {
    const p = t.Parameters!.AesKey;
    expect(p.NoEcho).toBe(true);
    expect(p.Default).toBe('');
    expect(refsTo(t.Resources, 'AesKey')).toEqual(envPaths('ALIPAY_AES_KEY', [SESSION_FUNCTION]));
    expect(refsTo(t.Resources, 'AesKey')).toHaveLength(1);
    expect(refsTo(t.Outputs, 'AesKey')).toEqual([]);
    const pattern = new RegExp(p.AllowedPattern!);
    const key = randomBytes(16).toString('base64');
    for (const good of ['', key]) expect(pattern.test(good)).toBe(true);
    // 24 and 32 bytes would silently run AES-192/256 in alipay-sdk (crypto-js) and never decrypt.
    for (const bad of [
      key.slice(0, -1),
      `${key}=`,
      randomBytes(24).toString('base64'),
      randomBytes(32).toString('base64'),
      randomBytes(16).toString('hex'),
      `${key.slice(0, 21)}-==`,
    ]) {
      expect(pattern.test(bad)).toBe(false);
    }
  });

  const cases: Record<string, { good: string[]; bad: string[] }> = {
    AppId: {
      good: ['2021001234567890', '2099999999999999', '2000000000000000'],
      bad: [
        '',
        '123',
        '202100123456789',
        '20210012345678901',
        '3021001234567890',
        '1021001234567890',
        '2021-01234567890',
        ' 2021001234567890',
        '2021001234567890 ',
        'abcdefghijklmnop',
      ],
    },
    DBInstanceName: {
      good: ['abc', 'miniapp-db', 'miniapp01', 'a-b', 'a' + 'b'.repeat(14) + 'c'],
      // Capitals: RAM matches the instance in a policy Resource in lower case only.
      bad: ['', 'ab', '1abc', '-abc', 'abc-', 'a_b', 'my db', 'a' + 'b'.repeat(15) + 'c', 'abc\u00e9', 'MiniApp01', 'miniappDB'],
    },
    LogProjectName: {
      good: ['abc', 'miniapp-logs', '1abc', 'a1-2-3', 'a' + 'b'.repeat(61) + 'c'],
      bad: ['', 'ab', '-abc', 'abc-', 'Abc', 'a_b', 'my logs', 'a' + 'b'.repeat(62) + 'c'],
    },
  };
  describe.each(Object.keys(cases))('%s', (name) => {
    it('has an AllowedPattern that accepts good and rejects bad values', () => {
      const p = t.Parameters?.[name];
      expect(typeof p?.AllowedPattern).toBe('string');
      const pattern = new RegExp(p!.AllowedPattern!);
      const verdict = (values: string[]) => Object.fromEntries(values.map((v) => [v, pattern.test(v)]));
      expect(verdict(cases[name].good)).toEqual(Object.fromEntries(cases[name].good.map((v) => [v, true])));
      expect(verdict(cases[name].bad)).toEqual(Object.fromEntries(cases[name].bad.map((v) => [v, false])));
    });
    it('has a ConstraintDescription telling the deployer the expected shape', () => {
      const d = t.Parameters?.[name]?.ConstraintDescription;
      expect(typeof d).toBe('string');
      expect((d as string).length).toBeGreaterThan(20);
    });
  });
});

describe('secrets never reach cdk.out', () => {
  // The key we exported; any PEM private-key block with key material (the Alipay SDK's code
  // mentions "PRIVATE KEY" as a label, which is fine); any base64 run as long as an RSA key's
  // (a key or key-sized secret bundled from a fixture by mistake), PEM line breaks allowed.
  const leaks = (text: string) => ({
    exported: text.includes(body.slice(0, 64)) || text.includes(body.slice(-64)),
    pemBlock: /-----BEGIN [A-Z ]*PRIVATE KEY-----(\s|\\n|\\r)*[A-Za-z0-9+/=]{40}/.test(text),
    base64Run: /MII(?:(?:\s|\\n|\\r)*[A-Za-z0-9+/]){600,}/.test(text),
  });
  const expectNoLeak = (files: ReadonlyMap<string, Buffer>) => {
    expect(files.size).toBeGreaterThan(4);
    for (const [name, content] of files) {
      expect({ name, ...leaks(content.toString('utf8')) }).toEqual({ name, exported: false, pemBlock: false, base64Run: false });
    }
  };

  it('the leak detector fires on a key as PEM, as a JS string literal and as bare base64', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(leaks(pem)).toEqual({ exported: true, pemBlock: true, base64Run: true });
    expect(leaks(`var k=${JSON.stringify(other)};`)).toEqual({ exported: false, pemBlock: true, base64Run: true });
    expect(leaks(body)).toMatchObject({ exported: true, base64Run: true });
    expect(leaks(`n.type==="RSA PRIVATE KEY"?a:b;"-----BEGIN ${'PRIVATE'} KEY-----\\n"+key`)).toEqual({ exported: false, pemBlock: false, base64Run: false });
  });

  it.each(CONTEXTS.map((c) => [JSON.stringify(c), c]))('no private key in any file synthesized with context %s', (_name, context) => {
    expect(process.env.ALIPAY_PRIVATE_KEY).toBe(pem);
    expectNoLeak(synthCached(context).files);
  });

  it('context keys the config does not know (e.g. appKey) are ignored, not written', () => {
    expectNoLeak(synth({ appKey: body, alipayKey: pem }).files);
  });
});

describe('data', () => {
  it('sessions table TTL is SESSION_TTL_SECONDS (lib/data.ts), at least the Tablestore minimum of one day', () => {
    const ttl = table(SESSIONS_TABLE)[1].Properties?.TimeToLive;
    expect(ttl).toBe(SESSION_TTL_SECONDS);
    expect(ttl).toBeGreaterThanOrEqual(TABLESTORE_MIN_TTL_SECONDS);
  });

  it('the session function is told the same TTL', () => {
    expect(fn('session')[1].Properties?.EnvironmentVariables?.SESSION_TTL_SECONDS).toBe(String(SESSION_TTL_SECONDS));
  });

  it('sessions table is keyed by sid only', () => {
    expect(table(SESSIONS_TABLE)[1].Properties?.PrimaryKey).toEqual([{ Name: 'sid', Type: 'STRING' }]);
  });

  it('objects table keeps data forever (TTL -1) and is keyed (uid, collection, id) in that order, user id first', () => {
    const props = table(OBJECTS_TABLE)[1].Properties;
    expect(props?.TimeToLive).toBe(-1);
    expect(props?.PrimaryKey).toEqual([
      { Name: 'uid', Type: 'STRING' },
      { Name: 'collection', Type: 'STRING' },
      { Name: 'id', Type: 'STRING' },
    ]);
  });

  it('accounts table keeps accounts forever (TTL -1), one version, keyed by a single string', () => {
    const props = table(ACCOUNTS_TABLE)[1].Properties;
    expect(props?.TimeToLive).toBe(-1);
    expect(props?.MaxVersions).toBe(1);
    expect(props?.PrimaryKey).toEqual([{ Name: 'key', Type: 'STRING' }]);
  });

  it("orders table keeps orders forever (TTL -1), one version, keyed by orderId only (Alipay's out_trade_no), in this stack's instance", () => {
    const props = table(ORDERS_TABLE)[1].Properties;
    expect(props?.TimeToLive).toBe(-1);
    expect(props?.MaxVersions).toBe(1);
    expect(props?.PrimaryKey).toEqual([{ Name: 'orderId', Type: 'STRING' }]);
    expect(props?.InstanceName).toEqual({ 'Fn::GetAtt': [instanceId(), 'InstanceName'] });
  });

  it('exactly four tables, and each function is told only tables its role can read', () => {
    expect(
      resourcesOfType(t, 'ALIYUN::OTS::Table')
        .map(([, r]) => r.Properties?.TableName)
        .sort(),
    ).toEqual([ACCOUNTS_TABLE, OBJECTS_TABLE, ORDERS_TABLE, SESSIONS_TABLE].sort());
    for (const name of ALL_FUNCTIONS) {
      const env = fn(name)[1].Properties?.EnvironmentVariables ?? {};
      const told = Object.entries(env)
        .filter(([k]) => k.endsWith('_TABLE'))
        .map(([, v]) => v as string);
      expect(told.length).toBeGreaterThan(0);
      const readable = Object.entries(accessOf(roleOf(name)[1]))
        .filter(([target, actions]) => target.startsWith('table:') && actions.includes('ots:GetRow'))
        .map(([target]) => target.slice('table:'.length));
      expect({ name, unreadable: told.filter((tableName) => !readable.includes(tableName)) }).toEqual({ name, unreadable: [] });
      for (const tableName of told) table(tableName);
    }
  });

  it('the payment functions are told the orders table; pay also the sessions and accounts tables', () => {
    for (const name of PAYMENT_FUNCTIONS) expect(fn(name)[1].Properties?.EnvironmentVariables?.ORDERS_TABLE).toBe(ORDERS_TABLE);
    expect(fn(PAY_FUNCTION)[1].Properties?.EnvironmentVariables).toMatchObject({ SESSIONS_TABLE, ACCOUNTS_TABLE });
  });

  it('every function is created after every table (each needs its tables from its first request)', () => {
    const tables = resourcesOfType(t, 'ALIYUN::OTS::Table').map(([id]) => id);
    for (const name of ALL_FUNCTIONS) expect({ name, dependsOn: fn(name)[1].DependsOn }).toEqual({ name, dependsOn: expect.arrayContaining(tables) });
  });

  it('every logstore has a TTL', () => {
    const logstores = resourcesOfType(t, 'ALIYUN::SLS::Logstore');
    expect(logstores.length).toBeGreaterThan(0);
    for (const [, l] of logstores) expect(l.Properties?.TTL).toBeGreaterThanOrEqual(1);
  });
});

describe('Function Compute', () => {
  it("exactly four services (the main one and one per payment function), each logging to this stack's project and logstore (GetAtts), created after them and its role", () => {
    const [projectId] = only(t, 'ALIYUN::SLS::Project');
    const [logstoreId] = only(t, 'ALIYUN::SLS::Logstore');
    const services = resourcesOfType(t, 'ALIYUN::FC::Service');
    expect(services.map(([, s]) => s.Properties?.ServiceName).sort()).toEqual(['miniapp', 'miniapp-notify', 'miniapp-pay', 'miniapp-reconcile']);
    for (const name of ALL_FUNCTIONS) {
      const [, svc] = serviceOf(name);
      expect(svc.Properties?.ServiceName).toBe(serviceNameOf('miniapp', name));
      expect(svc.Properties?.LogConfig).toMatchObject({
        Project: { 'Fn::GetAtt': [projectId, 'Name'] },
        Logstore: { 'Fn::GetAtt': [logstoreId, 'LogstoreName'] },
      });
      expect(svc.DependsOn).toEqual(expect.arrayContaining([logstoreId, roleOf(name)[0]]));
    }
  });

  it('the main service holds exactly session and db', () => {
    const [serviceId] = service();
    const inMain = resourcesOfType(t, 'ALIYUN::FC::Function').filter(
      ([, f]) => JSON.stringify(f.Properties?.ServiceName) === JSON.stringify({ 'Fn::GetAtt': [serviceId, 'ServiceName'] }),
    );
    expect(inMain.map(([, f]) => f.Properties?.FunctionName).sort()).toEqual([DB_FUNCTION, SESSION_FUNCTION]);
  });

  it("the triggers are exactly: session and notify HTTP (anonymous, POST only), reconcile timer (@every 1m), each in its function's service", () => {
    const triggers = Object.entries(t.Resources ?? {}).filter(([, r]) => /::Trigger$/.test(r.Type));
    expect(triggers).toHaveLength(3);
    for (const [, trigger] of triggers) expect(trigger.Type).toBe('ALIYUN::FC::Trigger');
    const expected: Array<[string, Record<string, unknown>]> = [
      [SESSION_FUNCTION, { TriggerName: 'http', TriggerType: 'http', TriggerConfig: { AuthType: 'anonymous', Methods: ['POST'] } }],
      [NOTIFY_FUNCTION, { TriggerName: 'http', TriggerType: 'http', TriggerConfig: { AuthType: 'anonymous', Methods: ['POST'] } }],
      [RECONCILE_FUNCTION, { TriggerName: 'timer', TriggerType: 'timer', TriggerConfig: { cronExpression: RECONCILE_SCHEDULE, enable: true, payload: '' } }],
    ];
    expect(RECONCILE_SCHEDULE).toBe('@every 1m');
    for (const [name, props] of expected) {
      const [, trigger] = triggerOf(name);
      expect(trigger.Properties).toEqual({
        ...props,
        FunctionName: { 'Fn::GetAtt': [fn(name)[0], 'FunctionName'] },
        ServiceName: { 'Fn::GetAtt': [serviceOf(name)[0], 'ServiceName'] },
      });
    }
    expect(triggers.map(([id]) => id).sort()).toEqual(expected.map(([name]) => triggerOf(name)[0]).sort());
  });

  it('the db and pay functions have no trigger (only STS-credentialled invocation)', () => {
    const triggers = Object.entries(t.Resources ?? {}).filter(([, r]) => /::Trigger$/.test(r.Type));
    for (const name of [DB_FUNCTION, PAY_FUNCTION]) {
      const [id] = fn(name);
      expect(triggersOf(name)).toEqual([]);
      for (const [, trigger] of triggers) expect(JSON.stringify(trigger)).not.toContain(`"${id}"`);
    }
  });

  it("every function runs nodejs20 with explicit Timeout and MemorySize, in its design's service", () => {
    const functions = resourcesOfType(t, 'ALIYUN::FC::Function');
    expect(functions.map(([, r]) => r.Properties?.FunctionName).sort()).toEqual([...ALL_FUNCTIONS].sort());
    for (const name of ALL_FUNCTIONS) {
      const [, f] = fn(name);
      expect(f.Properties).toMatchObject({
        Runtime: 'nodejs20',
        Timeout: expect.any(Number),
        MemorySize: expect.any(Number),
        ServiceName: { 'Fn::GetAtt': [serviceNamed(serviceNameOf('miniapp', name))[0], 'ServiceName'] },
      });
      expect(f.Properties?.Timeout).toBeGreaterThan(0);
      expect(f.Properties?.Timeout).toBeLessThanOrEqual(60);
    }
  });

  it('every function gets TZ=Asia/Shanghai; session, pay and reconcile get the private key from the NoEcho parameter', () => {
    for (const name of ALL_FUNCTIONS) expect(fn(name)[1].Properties?.EnvironmentVariables?.TZ).toBe('Asia/Shanghai');
    for (const name of [SESSION_FUNCTION, PAY_FUNCTION, RECONCILE_FUNCTION])
      expect(fn(name)[1].Properties?.EnvironmentVariables?.ALIPAY_PRIVATE_KEY).toEqual({ Ref: 'PrivateKey' });
  });

  it('the db function gets no Alipay key or other Alipay setting', () => {
    const env = fn(DB_FUNCTION)[1].Properties?.EnvironmentVariables ?? {};
    expect(Object.keys(env).filter((k) => /alipay|private|key|secret/i.test(k))).toEqual([]);
    expect([...refsTo(env, 'PrivateKey'), ...refsTo(env, 'AlipayPublicKey'), ...refsTo(env, 'AppId'), ...refsTo(env, 'AesKey')]).toEqual([]);
    expect(env.TZ).toBe('Asia/Shanghai');
  });

  it('each payment function gets exactly its own settings: notify no private key and no gateway (it verifies, never signs or calls)', () => {
    const envKeys = (name: string) => Object.keys(fn(name)[1].Properties?.EnvironmentVariables ?? {}).sort();
    const ots = ['OTS_ENDPOINT', 'OTS_INSTANCE', 'ORDERS_TABLE', 'TZ'];
    const alipayCalls = ['APP_ID', 'ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY', 'ALIPAY_GATEWAY', 'ORDER_CHECK_AFTER_SECONDS', 'ORDER_CLOSE_AFTER_SECONDS'];
    expect(envKeys(PAY_FUNCTION)).toEqual([...ots, ...alipayCalls, 'SESSIONS_TABLE', 'ACCOUNTS_TABLE', 'SESSION_CACHE_SECONDS', 'NOTIFY_URL'].sort());
    expect(envKeys(NOTIFY_FUNCTION)).toEqual([...ots, 'APP_ID', 'ALIPAY_PUBLIC_KEY'].sort());
    expect(envKeys(RECONCILE_FUNCTION)).toEqual([...ots, ...alipayCalls].sort());
    // No payment function gets the AES key or anything of the client role.
    for (const name of PAYMENT_FUNCTIONS) expect(envKeys(name).filter((k) => /AES|CLIENT|STS/.test(k))).toEqual([]);
  });

  it("pay's NOTIFY_URL is the notify trigger's Internet URL (the NotifyUrl output); the order and session timings are lib's constants", () => {
    const pay = fn(PAY_FUNCTION)[1].Properties?.EnvironmentVariables;
    expect(pay?.NOTIFY_URL).toEqual({ 'Fn::GetAtt': [triggerOf(NOTIFY_FUNCTION)[0], 'UrlInternet'] });
    expect(pay?.NOTIFY_URL).toEqual(t.Outputs?.NotifyUrl.Value);
    for (const name of [PAY_FUNCTION, RECONCILE_FUNCTION]) {
      expect(fn(name)[1].Properties?.EnvironmentVariables).toMatchObject({
        ORDER_CHECK_AFTER_SECONDS: String(ORDER_CHECK_AFTER_SECONDS),
        ORDER_CLOSE_AFTER_SECONDS: String(ORDER_CLOSE_AFTER_SECONDS),
      });
    }
    for (const name of [PAY_FUNCTION, DB_FUNCTION])
      expect(fn(name)[1].Properties?.EnvironmentVariables?.SESSION_CACHE_SECONDS).toBe(String(SESSION_CACHE_SECONDS));
  });
});

describe('Outputs', () => {
  it('are exactly the client configuration', () => {
    expect(Object.keys(t.Outputs ?? {}).sort()).toEqual(
      [
        'AccountId',
        'Region',
        'ServiceName',
        'SessionFunctionName',
        'DBFunctionName',
        'SessionUrl',
        'ClientRoleArn',
        'PayServiceName',
        'PayFunctionName',
        'NotifyUrl',
      ].sort(),
    );
  });

  it("point at this stack's resources and reference no parameter (no secret can be echoed)", () => {
    const o = t.Outputs!;
    expect(o.AccountId.Value).toEqual({ Ref: 'ALIYUN::AccountId' });
    expect(o.Region.Value).toEqual({ Ref: 'ALIYUN::Region' });
    expect(o.ServiceName.Value).toEqual({ 'Fn::GetAtt': [service()[0], 'ServiceName'] });
    expect(o.SessionFunctionName.Value).toEqual({ 'Fn::GetAtt': [fn(SESSION_FUNCTION)[0], 'FunctionName'] });
    expect(o.DBFunctionName.Value).toEqual({ 'Fn::GetAtt': [fn(DB_FUNCTION)[0], 'FunctionName'] });
    expect(o.SessionUrl.Value).toEqual({ 'Fn::GetAtt': [triggerOf(SESSION_FUNCTION)[0], 'UrlInternet'] });
    expect(o.ClientRoleArn.Value).toEqual({ 'Fn::GetAtt': [clientRole()[0], 'Arn'] });
    expect(o.PayServiceName.Value).toEqual({ 'Fn::GetAtt': [serviceOf(PAY_FUNCTION)[0], 'ServiceName'] });
    expect(o.PayFunctionName.Value).toEqual({ 'Fn::GetAtt': [fn(PAY_FUNCTION)[0], 'FunctionName'] });
    expect(o.NotifyUrl.Value).toEqual({ 'Fn::GetAtt': [triggerOf(NOTIFY_FUNCTION)[0], 'UrlInternet'] });
    for (const name of Object.keys(t.Parameters ?? {})) expect(refsTo(t.Outputs, name)).toEqual([]);
  });
});

describe('with other contexts', () => {
  it.each(CONTEXTS.map((c) => [JSON.stringify(c), c]))('%s: the same least-privilege wiring, names consistent with the stage', (_name, context) => {
    const tt = synthCached(context).template;
    const prefix = prefixOf(context);
    expect(
      resourcesOfType(tt, 'ALIYUN::FC::Service')
        .map(([, s]) => s.Properties?.ServiceName)
        .sort(),
    ).toEqual([prefix, `${prefix}-notify`, `${prefix}-pay`, `${prefix}-reconcile`]);
    const roles = resourcesOfType(tt, 'ALIYUN::RAM::Role')
      .map(([, r]) => r.Properties?.RoleName)
      .sort();
    expect(roles).toEqual([`${prefix}-client`, `${prefix}-fc`, `${prefix}-notify-fc`, `${prefix}-pay-fc`, `${prefix}-reconcile-fc`]);
    const expected = EXPECTED_ACCESS(prefix);
    for (const name of ALL_FUNCTIONS) {
      expect(resolve(tt, serviceOf(name, tt)[1].Properties?.ServiceName)).toBe(serviceNameOf(prefix, name));
      expect(roleOf(name, tt)[1].Properties?.RoleName).toBe(roleNameOf(prefix, name));
      expect({ name, access: accessOf(roleOf(name, tt)[1], tt) }).toEqual({ name, access: expected[name] });
    }
    const invokable = asArray(statementsOf(clientRole(tt)[1])[0].Resource).map((r) => resolve(tt, r));
    expect(invokable).toEqual([functionArn(DB_FUNCTION, tt), functionArn(PAY_FUNCTION, tt)]);
    expect(resolve(tt, fn(SESSION_FUNCTION, tt)[1].Properties?.EnvironmentVariables?.CLIENT_FUNCTION_ARNS)).toBe(invokable.join(','));
    // Every ARN string that names a role or service names one of this stage's, never another stage's.
    const arns = [...walk(tt.Resources)].map(([, v]) => v).filter((v): v is string => typeof v === 'string' && /:role\/|:services\//.test(v));
    expect(arns.length).toBeGreaterThanOrEqual(6);
    for (const arn of arns)
      expect(arn).toMatch(new RegExp(`(role/${prefix}-(fc|client)|services/${prefix}/functions/db|services/${prefix}-pay/functions/pay)$`));
  });
});
