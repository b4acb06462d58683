/**
 * The template policy rules of rules.ts: first each rule is shown to fire on a small bad
 * fragment (and to pass the matching good one), then all rules run over the real template
 * under every context, and each rule is shown to reach every resource of its type there
 * (a resource the rules never look at would pass vacuously).
 */
import {
  ANONYMOUS_ENDPOINTS,
  RULES,
  SENSITIVE_NAME_PARTS,
  Rule,
  Violation,
  anonymousHttpTriggerLimited,
  checkAll,
  functionTimeoutConfigured,
  logstoreTtlConfigured,
  noAdminSystemPolicies,
  noWildcardAllow,
  noWildcardTrust,
  runtimeNotDeprecated,
  sensitiveParametersNoEcho,
  serviceBindsRole,
  serviceLogEnabled,
  serviceRoleNotShared,
} from './rules';
import { CONTEXTS, synthCached } from './synth';
import { Resource, Template, resourcesOfType } from './template';

const withResources = (resources: Record<string, Resource>): Template => ({ ROSTemplateFormatVersion: '2015-09-01', Resources: resources });
const fn = (props: Record<string, unknown>): Resource => ({
  Type: 'ALIYUN::FC::Function',
  Properties: { ServiceName: 's', FunctionName: 'f', Handler: 'index.handler', Runtime: 'nodejs20', Timeout: 5, ...props },
});
const svc = (props: Record<string, unknown>): Resource => ({
  Type: 'ALIYUN::FC::Service',
  Properties: { ServiceName: 's', Role: 'acs:ram::1:role/r', LogConfig: { Project: 'p', Logstore: 'l' }, ...props },
});
/** An HTTP trigger, by default on the `session` function of service `s`. */
const http = (config: Record<string, unknown>, on: { type?: string; functionName?: unknown; serviceName?: string } = {}): Resource => ({
  Type: on.type ?? 'ALIYUN::FC::Trigger',
  Properties: {
    ServiceName: on.serviceName ?? 's',
    FunctionName: on.functionName ?? 'session',
    TriggerName: 'http',
    TriggerType: 'http',
    TriggerConfig: config,
  },
});
const anonymousPost = { AuthType: 'anonymous', Methods: ['POST'] };
const roleWith = (statement: Record<string, unknown>, extra: Record<string, unknown> = {}): Resource => ({
  Type: 'ALIYUN::RAM::Role',
  Properties: {
    RoleName: 'r',
    AssumeRolePolicyDocument: { Version: '1', Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: ['fc.aliyuncs.com'] } }] },
    Policies: [{ PolicyName: 'p', PolicyDocument: { Version: '1', Statement: [statement] } }],
    ...extra,
  },
});
const allow = (Action: unknown, Resource: unknown) => ({ Effect: 'Allow', Action, Resource });
const OK_ARN = { 'Fn::Sub': 'acs:ots:${ALIYUN::Region}:${ALIYUN::AccountId}:instance/i/table/t' };

/** [description, rule, bad template, good template] */
const cases: Array<[string, Rule, Template, Template]> = [
  ['deprecated runtime nodejs12', runtimeNotDeprecated, withResources({ F: fn({ Runtime: 'nodejs12' }) }), withResources({ F: fn({ Runtime: 'nodejs20' }) })],
  [
    'deprecated runtime python2.7 (FC3)',
    runtimeNotDeprecated,
    withResources({ F: { ...fn({ Runtime: 'python2.7' }), Type: 'ALIYUN::FC3::Function' } }),
    withResources({ F: { ...fn({ Runtime: 'python3.10' }), Type: 'ALIYUN::FC3::Function' } }),
  ],
  [
    'runtime from a parameter (cannot be checked)',
    runtimeNotDeprecated,
    withResources({ F: fn({ Runtime: { Ref: 'Runtime' } }) }),
    withResources({ F: fn({}) }),
  ],
  ['service without LogConfig', serviceLogEnabled, withResources({ S: svc({ LogConfig: undefined }) }), withResources({ S: svc({}) })],
  [
    'service with an empty LogConfig',
    serviceLogEnabled,
    withResources({ S: svc({ LogConfig: {} }) }),
    withResources({ S: svc({ LogConfig: { Project: { Ref: 'P' }, Logstore: 'l' } }) }),
  ],
  [
    'service LogConfig without Logstore',
    serviceLogEnabled,
    withResources({ S: svc({ LogConfig: { Project: 'p', Logstore: '' } }) }),
    withResources({ S: svc({}) }),
  ],
  [
    'two services binding one role (literal ARN)',
    serviceRoleNotShared,
    withResources({ A: svc({}), B: svc({ ServiceName: 's2' }) }),
    withResources({ A: svc({}), B: svc({ ServiceName: 's2', Role: 'acs:ram::1:role/r2' }) }),
  ],
  [
    'two services binding one role (GetAtt)',
    serviceRoleNotShared,
    withResources({
      R: roleWith(allow('ots:GetRow', OK_ARN)),
      A: svc({ Role: { 'Fn::GetAtt': ['R', 'Arn'] } }),
      B: svc({ ServiceName: 's2', Role: { 'Fn::GetAtt': ['R', 'Arn'] } }),
    }),
    withResources({
      R: roleWith(allow('ots:GetRow', OK_ARN)),
      R2: roleWith(allow('ots:GetRow', OK_ARN), { RoleName: 'r2' }),
      A: svc({ Role: { 'Fn::GetAtt': ['R', 'Arn'] } }),
      B: svc({ ServiceName: 's2', Role: { 'Fn::GetAtt': ['R2', 'Arn'] } }),
    }),
  ],
  [
    'service without Role',
    serviceBindsRole,
    withResources({ S: svc({ Role: undefined }) }),
    withResources({ S: svc({ Role: { 'Fn::GetAtt': ['R', 'Arn'] } }) }),
  ],
  ['function without Timeout', functionTimeoutConfigured, withResources({ F: fn({ Timeout: undefined }) }), withResources({ F: fn({ Timeout: 3 }) })],
  [
    'anonymous HTTP trigger accepting GET',
    anonymousHttpTriggerLimited,
    withResources({ T: http({ AuthType: 'anonymous', Methods: ['GET', 'POST'] }) }),
    withResources({ T: http({ AuthType: 'anonymous', Methods: ['POST'] }) }),
  ],
  [
    'anonymous HTTP trigger with no Methods (all methods)',
    anonymousHttpTriggerLimited,
    withResources({ T: http({ AuthType: 'anonymous' }) }),
    withResources({ T: http({ AuthType: 'function' }) }),
  ],
  [
    'anonymous FC3 trigger in FC-API casing',
    anonymousHttpTriggerLimited,
    withResources({ T: http({ authType: 'ANONYMOUS', methods: ['PUT'] }, { type: 'ALIYUN::FC3::Trigger' }) }),
    withResources({ T: http({ authType: 'function', methods: ['GET'] }, { type: 'ALIYUN::FC3::Trigger' }) }),
  ],
  [
    'two anonymous HTTP triggers on one endpoint',
    anonymousHttpTriggerLimited,
    withResources({ A: http(anonymousPost), B: http(anonymousPost) }),
    withResources({ A: http(anonymousPost), B: http({ AuthType: 'function', Methods: ['GET'] }) }),
  ],
  [
    'two anonymous HTTP triggers on one endpoint, in two services',
    anonymousHttpTriggerLimited,
    withResources({ A: http(anonymousPost, { functionName: 'notify' }), B: http(anonymousPost, { functionName: 'notify', serviceName: 's2' }) }),
    withResources({ A: http(anonymousPost, { functionName: 'notify' }), B: http(anonymousPost, { serviceName: 's2' }) }),
  ],
  [
    'anonymous HTTP trigger on a function that is no endpoint (db)',
    anonymousHttpTriggerLimited,
    withResources({ T: http(anonymousPost, { functionName: 'db' }) }),
    withResources({ T: http({ AuthType: 'function', Methods: ['POST'] }, { functionName: 'db' }) }),
  ],
  [
    'anonymous HTTP trigger on a function named by GetAtt (resolved: reconcile)',
    anonymousHttpTriggerLimited,
    withResources({ F: fn({ FunctionName: 'reconcile' }), T: http(anonymousPost, { functionName: { 'Fn::GetAtt': ['F', 'FunctionName'] } }) }),
    withResources({ F: fn({ FunctionName: 'notify' }), T: http(anonymousPost, { functionName: { 'Fn::GetAtt': ['F', 'FunctionName'] } }) }),
  ],
  [
    'anonymous HTTP trigger whose function cannot be resolved',
    anonymousHttpTriggerLimited,
    withResources({ T: http(anonymousPost, { functionName: { Ref: 'Unknown' } }) }),
    withResources({ T: http(anonymousPost, { functionName: 'notify' }) }),
  ],
  [
    'HTTP trigger without AuthType',
    anonymousHttpTriggerLimited,
    withResources({ T: http({ Methods: ['POST'] }) }),
    withResources({ T: http({ AuthType: 'function', Methods: ['POST'] }) }),
  ],
  [
    'sensitive parameter without NoEcho',
    sensitiveParametersNoEcho,
    { Parameters: { AppPrivateKey: { Type: 'String' } } },
    { Parameters: { AppPrivateKey: { Type: 'String', NoEcho: true } } },
  ],
  [
    'sensitive parameter, other spelling (DB_PASSWORD, NoEcho "true" string)',
    sensitiveParametersNoEcho,
    { Parameters: { DB_PASSWORD: { Type: 'String', NoEcho: 'true' } } },
    { Parameters: { DB_PASSWORD: { Type: 'String', NoEcho: true } } },
  ],
  [
    'sensitive parameter: access_key_id',
    sensitiveParametersNoEcho,
    { Parameters: { access_key_id: { Type: 'String', NoEcho: false } } },
    { Parameters: { AppId: { Type: 'String' } } },
  ],
  ['Allow *:*', noWildcardAllow, withResources({ R: roleWith(allow('*', '*')) }), withResources({ R: roleWith(allow(['ots:GetRow'], [OK_ARN])) })],
  [
    'Allow ots:* on one table',
    noWildcardAllow,
    withResources({ R: roleWith(allow(['ots:GetRow', 'ots:*'], [OK_ARN])) }),
    withResources({ R: roleWith(allow(['ots:GetRow', 'ots:PutRow'], [OK_ARN])) }),
  ],
  [
    'Allow ots:Get* (prefix wildcard)',
    noWildcardAllow,
    withResources({ R: roleWith(allow('ots:Get*', OK_ARN)) }),
    withResources({ R: roleWith(allow('ots:GetRow', OK_ARN)) }),
  ],
  [
    'Allow on a wildcard resource inside Fn::Sub',
    noWildcardAllow,
    withResources({ R: roleWith(allow(['fc:InvokeFunction'], [{ 'Fn::Sub': 'acs:fc:*:${ALIYUN::AccountId}:services/s/functions/*' }])) }),
    withResources({ R: roleWith(allow(['fc:InvokeFunction'], [{ 'Fn::Sub': 'acs:fc:${ALIYUN::Region}:${ALIYUN::AccountId}:services/s/functions/db' }])) }),
  ],
  [
    'Allow with NotAction',
    noWildcardAllow,
    withResources({ R: roleWith({ Effect: 'Allow', NotAction: ['ram:*'], Resource: [OK_ARN] }) }),
    withResources({ R: roleWith({ Effect: 'Deny', Action: ['ram:*'], Resource: ['*'] }) }),
  ],
  [
    'wildcard in a ManagedPolicy document',
    noWildcardAllow,
    withResources({
      M: { Type: 'ALIYUN::RAM::ManagedPolicy', Properties: { PolicyName: 'm', PolicyDocument: { Version: '1', Statement: [allow('log:*', '*')] } } },
    }),
    withResources({
      M: {
        Type: 'ALIYUN::RAM::ManagedPolicy',
        Properties: {
          PolicyName: 'm',
          PolicyDocument: { Version: '1', Statement: [allow('log:PostLogStoreLogs', 'acs:log:cn-hangzhou:1:project/p/logstore/l')] },
        },
      },
    }),
  ],
  [
    'wildcard in an unchecked (string) policy document',
    noWildcardAllow,
    withResources({
      M: {
        Type: 'ALIYUN::RAM::ManagedPolicy',
        Properties: { PolicyName: 'm', PolicyDocumentUnchecked: JSON.stringify({ Version: '1', Statement: [allow('*', '*')] }) },
      },
    }),
    withResources({
      M: {
        Type: 'ALIYUN::RAM::ManagedPolicy',
        Properties: {
          PolicyName: 'm',
          PolicyDocumentUnchecked: JSON.stringify({ Version: '1', Statement: [allow('fc:InvokeFunction', 'acs:fc:r:1:services/s/functions/f')] }),
        },
      },
    }),
  ],
  [
    'role trusted by *',
    noWildcardTrust,
    withResources({
      R: {
        Type: 'ALIYUN::RAM::Role',
        Properties: {
          RoleName: 'r',
          AssumeRolePolicyDocument: { Version: '1', Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: ['acs:ram::*:root'] } }] },
        },
      },
    }),
    withResources({ R: roleWith(allow('fc:InvokeFunction', 'acs:fc:r:1:services/s/functions/f')) }),
  ],
  [
    'role with AliyunOTSFullAccess attached',
    noAdminSystemPolicies,
    withResources({ R: roleWith(allow('ots:GetRow', OK_ARN), { PolicyAttachments: { System: ['AliyunOTSFullAccess'] } }) }),
    withResources({ R: roleWith(allow('ots:GetRow', OK_ARN), { PolicyAttachments: { System: ['AliyunSTSAssumeRoleAccess'] } }) }),
  ],
  [
    'AdministratorAccess attached by AttachPolicyToRole',
    noAdminSystemPolicies,
    withResources({ A: { Type: 'ALIYUN::RAM::AttachPolicyToRole', Properties: { PolicyType: 'System', PolicyName: 'AdministratorAccess', RoleName: 'r' } } }),
    withResources({ A: { Type: 'ALIYUN::RAM::AttachPolicyToRole', Properties: { PolicyType: 'Custom', PolicyName: 'my-policy', RoleName: 'r' } } }),
  ],
  [
    'logstore without TTL',
    logstoreTtlConfigured,
    withResources({ L: { Type: 'ALIYUN::SLS::Logstore', Properties: { ProjectName: 'p', LogstoreName: 'l' } } }),
    withResources({ L: { Type: 'ALIYUN::SLS::Logstore', Properties: { ProjectName: 'p', LogstoreName: 'l', TTL: 7 } } }),
  ],
];

describe.each(cases)('rule fires: %s', (_name, rule, bad, good) => {
  it(`${rule.id} reports the bad fragment`, () => {
    const violations = rule.check(bad);
    expect(violations.length).toBeGreaterThan(0);
    for (const v of violations) expect(v.rule).toBe(rule.id);
  });
  it(`${rule.id} passes the good fragment`, () => {
    expect(rule.check(good)).toEqual([]);
  });
});

it('every rule has at least one firing case above', () => {
  const exercised = new Set(cases.map(([, rule]) => rule.id));
  expect(RULES.map((r) => r.id).filter((id) => !exercised.has(id))).toEqual([]);
});

it('a violation names the offending resource', () => {
  expect(functionTimeoutConfigured.check(withResources({ Good: fn({}), Slow: fn({ Timeout: undefined }) }))).toEqual([
    { rule: 'fc-function-timeout-configured', where: 'Slow.Timeout', message: expect.any(String) },
  ]);
});

describe.each(CONTEXTS.map((c) => [JSON.stringify(c), c]))('the real template, context %s', (_name, context) => {
  it('breaks none of the rules', () => {
    const { template } = synthCached(context);
    // Each rule has something to look at, so passing is not vacuous.
    for (const type of ['ALIYUN::FC::Function', 'ALIYUN::FC::Service', 'ALIYUN::FC::Trigger', 'ALIYUN::RAM::Role', 'ALIYUN::SLS::Logstore']) {
      expect(Object.values(template.Resources ?? {}).some((r) => r.Type === type)).toBe(true);
    }
    expect(Object.keys(template.Parameters ?? {}).filter((n) => SENSITIVE_NAME_PARTS.some((p) => n.toLowerCase().includes(p)))).toEqual(['PrivateKey']);
    expect(checkAll(template)).toEqual([]);
  });
});

/**
 * The rules reach every resource of the real template: each resource, made bad in one way, is
 * reported under its own logical id. A new resource of a checked type is covered by construction;
 * a new type must be added to one of the two lists below.
 */
describe('the rules reach every resource of the real template', () => {
  const template = (): Template => synthCached().template;
  /** Types the rules check, each with the one-resource mutations the rules must report. */
  const CHECKED_TYPES = ['ALIYUN::FC::Function', 'ALIYUN::FC::Service', 'ALIYUN::FC::Trigger', 'ALIYUN::RAM::Role', 'ALIYUN::SLS::Logstore'];
  /** Types no rule looks at, and why. */
  const UNCHECKED: Record<string, string> = {
    'ALIYUN::OTS::InstanceV2': 'holds data, grants nothing; its network ACL is in the snapshot',
    'ALIYUN::OTS::Table': 'holds data, grants nothing; keys and TTLs are asserted in security.test.ts (data)',
    'ALIYUN::SLS::Project': 'holds the logstore; the logstore is checked',
    'ALIYUN::SLS::Index': "the logstore's index; grants nothing",
  };
  const UNCHECKED_TYPES = Object.keys(UNCHECKED);

  /** `template` with resource `id` changed by `change` (a deep copy: the cached template stays as synthesized). */
  const mutated = (id: string, change: (r: Resource) => void): Template => {
    const copy = structuredClone(template());
    change(copy.Resources![id]);
    return copy;
  };
  /** The rule's violations on the mutated template, as the ids they name. */
  const reported = (rule: Rule, t: Template): string[] => rule.check(t).map((v: Violation) => v.where);
  const ids = (type: string): string[] => resourcesOfType(template(), type).map(([id]) => id);

  it('every resource type of the template is either checked by the rules or listed as not', () => {
    const types = [...new Set(Object.values(template().Resources ?? {}).map((r) => r.Type))].sort();
    expect(types).toEqual([...CHECKED_TYPES, ...UNCHECKED_TYPES].sort());
  });

  it('the resources in question: five functions, four services, three triggers, five roles, one logstore', () => {
    expect(CHECKED_TYPES.map((type) => [type, ids(type).length])).toEqual([
      ['ALIYUN::FC::Function', 5],
      ['ALIYUN::FC::Service', 4],
      ['ALIYUN::FC::Trigger', 3],
      ['ALIYUN::RAM::Role', 5],
      ['ALIYUN::SLS::Logstore', 1],
    ]);
  });

  it('each function: without Timeout, or on a deprecated runtime, it is reported', () => {
    for (const id of ids('ALIYUN::FC::Function')) {
      expect(
        reported(
          functionTimeoutConfigured,
          mutated(id, (r) => delete r.Properties!.Timeout),
        ),
      ).toEqual([`${id}.Timeout`]);
      expect(
        reported(
          runtimeNotDeprecated,
          mutated(id, (r) => (r.Properties!.Runtime = 'nodejs12')),
        ),
      ).toEqual([`${id}.Runtime`]);
    }
  });

  it("each service: without LogConfig, without Role, or binding another service's role, it is reported", () => {
    const services = ids('ALIYUN::FC::Service');
    for (const [i, id] of services.entries()) {
      expect(
        reported(
          serviceLogEnabled,
          mutated(id, (r) => delete r.Properties!.LogConfig),
        ),
      ).toEqual([`${id}.LogConfig`]);
      expect(
        reported(
          serviceBindsRole,
          mutated(id, (r) => delete r.Properties!.Role),
        ),
      ).toEqual([`${id}.Role`]);
      const other = services[(i + 1) % services.length];
      const otherRole = template().Resources![other].Properties!.Role;
      const shared = reported(
        serviceRoleNotShared,
        mutated(id, (r) => (r.Properties!.Role = otherRole)),
      );
      expect(shared).toHaveLength(1);
      expect(shared[0].split(', ').sort()).toEqual([`${id}.Role`, `${other}.Role`].sort());
    }
  });

  it('each trigger: an anonymous HTTP trigger accepting GET, or made anonymous on a function that is no endpoint, is reported', () => {
    const t = template();
    for (const id of ids('ALIYUN::FC::Trigger')) {
      const fnId = (t.Resources![id].Properties!.FunctionName as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const fnName = t.Resources![fnId].Properties!.FunctionName as string;
      const anonymous = (methods: string[]) => (r: Resource) => {
        r.Properties!.TriggerType = 'http';
        r.Properties!.TriggerConfig = { AuthType: 'anonymous', Methods: methods };
      };
      if (ANONYMOUS_ENDPOINTS.includes(fnName)) {
        expect(reported(anonymousHttpTriggerLimited, mutated(id, anonymous(['GET', 'POST'])))).toEqual([`${id}.TriggerConfig.Methods`]);
      } else {
        expect(reported(anonymousHttpTriggerLimited, mutated(id, anonymous(['POST'])))).toEqual([`${id}.FunctionName`]);
      }
    }
    // The timer trigger is the one on a function that is no endpoint.
    expect(
      ids('ALIYUN::FC::Trigger')
        .map((id) => t.Resources![id].Properties!.TriggerType)
        .sort(),
    ).toEqual(['http', 'http', 'timer']);
  });

  it('each role: a wildcard Allow, a wildcard trust or an admin system policy is reported under its id', () => {
    for (const id of ids('ALIYUN::RAM::Role')) {
      const wildcard = mutated(id, (r) => r.Properties!.Policies[0].PolicyDocument.Statement.push({ Effect: 'Allow', Action: ['ots:*'], Resource: ['*'] }));
      const where = reported(noWildcardAllow, wildcard);
      expect(where).toHaveLength(2);
      for (const w of where) expect(w).toMatch(new RegExp(`^${id}\\.Policies\\[0\\]\\.PolicyDocument\\.Statement\\[\\d+\\]\\.(Action|Resource)$`));
      const trust = mutated(id, (r) => (r.Properties!.AssumeRolePolicyDocument.Statement[0].Principal = { RAM: ['acs:ram::*:root'] }));
      expect(reported(noWildcardTrust, trust)).toEqual([`${id}.AssumeRolePolicyDocument.Statement[0].Principal`]);
      const admin = mutated(id, (r) => (r.Properties!.PolicyAttachments = { System: ['AdministratorAccess'] }));
      expect(reported(noAdminSystemPolicies, admin)).toEqual([`${id}.PolicyAttachments.System`]);
    }
  });

  it('the logstore: without TTL it is reported; the PrivateKey parameter: without NoEcho it is reported', () => {
    for (const id of ids('ALIYUN::SLS::Logstore')) {
      expect(
        reported(
          logstoreTtlConfigured,
          mutated(id, (r) => delete r.Properties!.TTL),
        ),
      ).toEqual([`${id}.TTL`]);
    }
    const echoing = structuredClone(template());
    echoing.Parameters!.PrivateKey.NoEcho = false;
    expect(reported(sensitiveParametersNoEcho, echoing)).toEqual(['Parameters.PrivateKey']);
  });
});
