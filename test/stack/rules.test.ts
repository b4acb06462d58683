/**
 * The template policy rules of rules.ts: first each rule is shown to fire on a small bad
 * fragment (and to pass the matching good one), then all rules run over the real template
 * under every context.
 */
import {
  RULES,
  SENSITIVE_NAME_PARTS,
  Rule,
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
} from './rules';
import { CONTEXTS, synthCached } from './synth';
import { Resource, Template } from './template';

const withResources = (resources: Record<string, Resource>): Template => ({ ROSTemplateFormatVersion: '2015-09-01', Resources: resources });
const fn = (props: Record<string, unknown>): Resource => ({
  Type: 'ALIYUN::FC::Function',
  Properties: { ServiceName: 's', FunctionName: 'f', Handler: 'index.handler', Runtime: 'nodejs20', Timeout: 5, ...props },
});
const svc = (props: Record<string, unknown>): Resource => ({
  Type: 'ALIYUN::FC::Service',
  Properties: { ServiceName: 's', Role: 'acs:ram::1:role/r', LogConfig: { Project: 'p', Logstore: 'l' }, ...props },
});
const http = (config: Record<string, unknown>, type = 'ALIYUN::FC::Trigger'): Resource => ({
  Type: type,
  Properties: { ServiceName: 's', FunctionName: 'f', TriggerName: 'http', TriggerType: 'http', TriggerConfig: config },
});
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
  ['deprecated runtime python2.7 (FC3)', runtimeNotDeprecated, withResources({ F: { ...fn({ Runtime: 'python2.7' }), Type: 'ALIYUN::FC3::Function' } }), withResources({ F: { ...fn({ Runtime: 'python3.10' }), Type: 'ALIYUN::FC3::Function' } })],
  ['runtime from a parameter (cannot be checked)', runtimeNotDeprecated, withResources({ F: fn({ Runtime: { Ref: 'Runtime' } }) }), withResources({ F: fn({}) })],
  ['service without LogConfig', serviceLogEnabled, withResources({ S: svc({ LogConfig: undefined }) }), withResources({ S: svc({}) })],
  ['service with an empty LogConfig', serviceLogEnabled, withResources({ S: svc({ LogConfig: {} }) }), withResources({ S: svc({ LogConfig: { Project: { Ref: 'P' }, Logstore: 'l' } }) })],
  ['service LogConfig without Logstore', serviceLogEnabled, withResources({ S: svc({ LogConfig: { Project: 'p', Logstore: '' } }) }), withResources({ S: svc({}) })],
  ['service without Role', serviceBindsRole, withResources({ S: svc({ Role: undefined }) }), withResources({ S: svc({ Role: { 'Fn::GetAtt': ['R', 'Arn'] } }) })],
  ['function without Timeout', functionTimeoutConfigured, withResources({ F: fn({ Timeout: undefined }) }), withResources({ F: fn({ Timeout: 3 }) })],
  ['anonymous HTTP trigger accepting GET', anonymousHttpTriggerLimited, withResources({ T: http({ AuthType: 'anonymous', Methods: ['GET', 'POST'] }) }), withResources({ T: http({ AuthType: 'anonymous', Methods: ['POST'] }) })],
  ['anonymous HTTP trigger with no Methods (all methods)', anonymousHttpTriggerLimited, withResources({ T: http({ AuthType: 'anonymous' }) }), withResources({ T: http({ AuthType: 'function' }) })],
  ['anonymous FC3 trigger in FC-API casing', anonymousHttpTriggerLimited, withResources({ T: http({ authType: 'ANONYMOUS', methods: ['PUT'] }, 'ALIYUN::FC3::Trigger') }), withResources({ T: http({ authType: 'function', methods: ['GET'] }, 'ALIYUN::FC3::Trigger') })],
  ['two anonymous HTTP triggers', anonymousHttpTriggerLimited, withResources({ A: http({ AuthType: 'anonymous', Methods: ['POST'] }), B: http({ AuthType: 'anonymous', Methods: ['POST'] }) }), withResources({ A: http({ AuthType: 'anonymous', Methods: ['POST'] }), B: http({ AuthType: 'function', Methods: ['GET'] }) })],
  ['HTTP trigger without AuthType', anonymousHttpTriggerLimited, withResources({ T: http({ Methods: ['POST'] }) }), withResources({ T: http({ AuthType: 'function', Methods: ['POST'] }) })],
  ['sensitive parameter without NoEcho', sensitiveParametersNoEcho, { Parameters: { AppPrivateKey: { Type: 'String' } } }, { Parameters: { AppPrivateKey: { Type: 'String', NoEcho: true } } }],
  ['sensitive parameter, other spelling (DB_PASSWORD, NoEcho "true" string)', sensitiveParametersNoEcho, { Parameters: { DB_PASSWORD: { Type: 'String', NoEcho: 'true' } } }, { Parameters: { DB_PASSWORD: { Type: 'String', NoEcho: true } } }],
  ['sensitive parameter: access_key_id', sensitiveParametersNoEcho, { Parameters: { access_key_id: { Type: 'String', NoEcho: false } } }, { Parameters: { AppId: { Type: 'String' } } }],
  ['Allow *:*', noWildcardAllow, withResources({ R: roleWith(allow('*', '*')) }), withResources({ R: roleWith(allow(['ots:GetRow'], [OK_ARN])) })],
  ['Allow ots:* on one table', noWildcardAllow, withResources({ R: roleWith(allow(['ots:GetRow', 'ots:*'], [OK_ARN])) }), withResources({ R: roleWith(allow(['ots:GetRow', 'ots:PutRow'], [OK_ARN])) })],
  ['Allow ots:Get* (prefix wildcard)', noWildcardAllow, withResources({ R: roleWith(allow('ots:Get*', OK_ARN)) }), withResources({ R: roleWith(allow('ots:GetRow', OK_ARN)) })],
  ['Allow on a wildcard resource inside Fn::Sub', noWildcardAllow, withResources({ R: roleWith(allow(['fc:InvokeFunction'], [{ 'Fn::Sub': 'acs:fc:*:${ALIYUN::AccountId}:services/s/functions/*' }])) }), withResources({ R: roleWith(allow(['fc:InvokeFunction'], [{ 'Fn::Sub': 'acs:fc:${ALIYUN::Region}:${ALIYUN::AccountId}:services/s/functions/db' }])) })],
  ['Allow with NotAction', noWildcardAllow, withResources({ R: roleWith({ Effect: 'Allow', NotAction: ['ram:*'], Resource: [OK_ARN] }) }), withResources({ R: roleWith({ Effect: 'Deny', Action: ['ram:*'], Resource: ['*'] }) })],
  ['wildcard in a ManagedPolicy document', noWildcardAllow, withResources({ M: { Type: 'ALIYUN::RAM::ManagedPolicy', Properties: { PolicyName: 'm', PolicyDocument: { Version: '1', Statement: [allow('log:*', '*')] } } } }), withResources({ M: { Type: 'ALIYUN::RAM::ManagedPolicy', Properties: { PolicyName: 'm', PolicyDocument: { Version: '1', Statement: [allow('log:PostLogStoreLogs', 'acs:log:cn-hangzhou:1:project/p/logstore/l')] } } } })],
  ['wildcard in an unchecked (string) policy document', noWildcardAllow, withResources({ M: { Type: 'ALIYUN::RAM::ManagedPolicy', Properties: { PolicyName: 'm', PolicyDocumentUnchecked: JSON.stringify({ Version: '1', Statement: [allow('*', '*')] }) } } }), withResources({ M: { Type: 'ALIYUN::RAM::ManagedPolicy', Properties: { PolicyName: 'm', PolicyDocumentUnchecked: JSON.stringify({ Version: '1', Statement: [allow('fc:InvokeFunction', 'acs:fc:r:1:services/s/functions/f')] }) } } })],
  ['role trusted by *', noWildcardTrust, withResources({ R: { Type: 'ALIYUN::RAM::Role', Properties: { RoleName: 'r', AssumeRolePolicyDocument: { Version: '1', Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: ['acs:ram::*:root'] } }] } } } }), withResources({ R: roleWith(allow('fc:InvokeFunction', 'acs:fc:r:1:services/s/functions/f')) })],
  ['role with AliyunOTSFullAccess attached', noAdminSystemPolicies, withResources({ R: roleWith(allow('ots:GetRow', OK_ARN), { PolicyAttachments: { System: ['AliyunOTSFullAccess'] } }) }), withResources({ R: roleWith(allow('ots:GetRow', OK_ARN), { PolicyAttachments: { System: ['AliyunSTSAssumeRoleAccess'] } }) })],
  ['AdministratorAccess attached by AttachPolicyToRole', noAdminSystemPolicies, withResources({ A: { Type: 'ALIYUN::RAM::AttachPolicyToRole', Properties: { PolicyType: 'System', PolicyName: 'AdministratorAccess', RoleName: 'r' } } }), withResources({ A: { Type: 'ALIYUN::RAM::AttachPolicyToRole', Properties: { PolicyType: 'Custom', PolicyName: 'my-policy', RoleName: 'r' } } })],
  ['logstore without TTL', logstoreTtlConfigured, withResources({ L: { Type: 'ALIYUN::SLS::Logstore', Properties: { ProjectName: 'p', LogstoreName: 'l' } } }), withResources({ L: { Type: 'ALIYUN::SLS::Logstore', Properties: { ProjectName: 'p', LogstoreName: 'l', TTL: 7 } } })],
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
