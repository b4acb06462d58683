/**
 * Template policy rules (after Alibaba's InfraGuard rules for ROS and cdk-nag's IAM4/IAM5), as
 * generic checks over every resource and parameter of a template: they look resources up by
 * Type, never by logical id, so a resource added later is checked too.
 * Each rule returns its violations; an empty list means the template passes.
 */
import { Template, asArray, isObject, resolve, resourcesOfType, walk } from './template';

export interface Violation {
  readonly rule: string;
  /** Logical id (or parameter name) and property path of the offending value. */
  readonly where: string;
  readonly message: string;
}

export interface Rule {
  readonly id: string;
  readonly check: (template: Template) => Violation[];
}

const FUNCTION_TYPES = ['ALIYUN::FC::Function', 'ALIYUN::FC3::Function'];
const TRIGGER_TYPES = ['ALIYUN::FC::Trigger', 'ALIYUN::FC3::Trigger'];

export const DEPRECATED_RUNTIMES = ['nodejs4.4', 'nodejs6', 'nodejs8', 'nodejs10', 'nodejs12', 'python2.7', 'dotnetcore2.1'];

export const SENSITIVE_NAME_PARTS = [
  'password',
  'passwd',
  'pwd',
  'secret',
  'apikey',
  'api_key',
  'accesskey',
  'access_key',
  'secretkey',
  'secret_key',
  'token',
  'credential',
  'privatekey',
  'private_key',
];

export const ADMIN_POLICY = /FullAccess|AdministratorAccess/i;

const ofTypes = (t: Template, types: string[]) => types.flatMap((type) => resourcesOfType(t, type));

/** A property that is set to something (a non-empty literal or any intrinsic). */
const isSet = (v: unknown): boolean =>
  v !== undefined && v !== null && v !== '' && !(isObject(v) && Object.keys(v).length === 0) && !(Array.isArray(v) && v.length === 0);

/** Case-insensitive property lookup (TriggerConfig is a free-form map: FC's `authType`, ROS's `AuthType`). */
const prop = (obj: unknown, name: string): unknown =>
  isObject(obj) ? Object.entries(obj).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1] : undefined;

export const runtimeNotDeprecated: Rule = {
  id: 'fc-function-runtime-check',
  check: (t) =>
    ofTypes(t, FUNCTION_TYPES).flatMap(([id, r]): Violation[] => {
      const runtime = r.Properties?.Runtime;
      if (typeof runtime !== 'string')
        return [{ rule: 'fc-function-runtime-check', where: `${id}.Runtime`, message: `runtime must be a literal, got ${JSON.stringify(runtime)}` }];
      return DEPRECATED_RUNTIMES.includes(runtime.toLowerCase())
        ? [{ rule: 'fc-function-runtime-check', where: `${id}.Runtime`, message: `deprecated runtime ${runtime}` }]
        : [];
    }),
};

export const serviceLogEnabled: Rule = {
  id: 'fc-service-log-enable',
  check: (t) =>
    resourcesOfType(t, 'ALIYUN::FC::Service').flatMap(([id, r]): Violation[] => {
      const log = r.Properties?.LogConfig;
      const ok = isObject(log) && isSet(log.Project) && isSet(log.Logstore);
      return ok ? [] : [{ rule: 'fc-service-log-enable', where: `${id}.LogConfig`, message: 'service has no LogConfig with Project and Logstore' }];
    }),
};

export const serviceBindsRole: Rule = {
  id: 'fc-service-bind-role',
  check: (t) =>
    resourcesOfType(t, 'ALIYUN::FC::Service')
      .filter(([, r]) => !isSet(r.Properties?.Role))
      .map(([id]) => ({ rule: 'fc-service-bind-role', where: `${id}.Role`, message: 'service has no Role' })),
};

export const functionTimeoutConfigured: Rule = {
  id: 'fc-function-timeout-configured',
  check: (t) =>
    ofTypes(t, FUNCTION_TYPES)
      .filter(([, r]) => typeof r.Properties?.Timeout !== 'number' || r.Properties.Timeout <= 0)
      .map(([id]) => ({ rule: 'fc-function-timeout-configured', where: `${id}.Timeout`, message: 'function sets no positive Timeout' })),
};

/**
 * The functions whose callers can't sign an FC request, so their HTTP trigger must be anonymous:
 * the login (the caller has no credentials yet) and Alipay's payment notifications (Alipay signs
 * its own way, checked by the function). Every other function is invoked with credentials or by a timer.
 */
export const ANONYMOUS_ENDPOINTS = ['session', 'notify'];

/** A trigger's function name as a string (a literal, or a GetAtt of the function resource), or undefined. */
function functionNameOf(t: Template, trigger: Record<string, any> | undefined): string | undefined {
  try {
    return resolve(t, prop(trigger, 'FunctionName'));
  } catch {
    return undefined;
  }
}

/**
 * `fc-trigger-http-not-anonymous`, relaxed for the endpoints that can't be signed for: an anonymous
 * HTTP trigger only on a function of ANONYMOUS_ENDPOINTS, at most one per endpoint, accepting POST
 * only. An HTTP trigger must state its AuthType.
 */
export const anonymousHttpTriggerLimited: Rule = {
  id: 'fc-trigger-http-not-anonymous',
  check: (t) => {
    const rule = 'fc-trigger-http-not-anonymous';
    const http = ofTypes(t, TRIGGER_TYPES).filter(([, r]) => String(r.Properties?.TriggerType).toLowerCase() === 'http');
    const violations: Violation[] = [];
    const anonymous = new Map<string, string[]>();
    for (const [id, r] of http) {
      const config = r.Properties?.TriggerConfig;
      const auth = prop(config, 'AuthType');
      if (typeof auth !== 'string') {
        violations.push({ rule, where: `${id}.TriggerConfig`, message: 'HTTP trigger does not state AuthType' });
        continue;
      }
      if (auth.toLowerCase() !== 'anonymous') continue;
      const fn = functionNameOf(t, r.Properties);
      if (fn === undefined || !ANONYMOUS_ENDPOINTS.includes(fn)) {
        violations.push({
          rule,
          where: `${id}.FunctionName`,
          message: `anonymous HTTP trigger on ${fn === undefined ? 'a function that cannot be resolved' : `function ${fn}`}; only ${ANONYMOUS_ENDPOINTS.join(', ')} may have one`,
        });
      } else {
        anonymous.set(fn, [...(anonymous.get(fn) ?? []), id]);
      }
      const methods = asArray(prop(config, 'Methods'));
      if (methods.length !== 1 || String(methods[0]).toUpperCase() !== 'POST') {
        violations.push({
          rule,
          where: `${id}.TriggerConfig.Methods`,
          message: `anonymous HTTP trigger must accept POST only, accepts ${JSON.stringify(methods)}`,
        });
      }
    }
    for (const [fn, ids] of anonymous) {
      if (ids.length > 1) violations.push({ rule, where: ids.join(', '), message: `${ids.length} anonymous HTTP triggers on ${fn}; at most one per endpoint` });
    }
    return violations;
  },
};

/**
 * In FC 2.0 the RAM role is the service's, shared by all its functions: two services binding one
 * role would give each the other's grants, undoing a service per function (lib/payments.ts).
 */
export const serviceRoleNotShared: Rule = {
  id: 'fc-service-role-not-shared',
  check: (t) => {
    const byRole = new Map<string, string[]>();
    for (const [id, r] of resourcesOfType(t, 'ALIYUN::FC::Service')) {
      const role = r.Properties?.Role;
      if (!isSet(role)) continue; // fc-service-bind-role reports it
      let key: string;
      try {
        key = resolve(t, role);
      } catch {
        key = JSON.stringify(role);
      }
      byRole.set(key, [...(byRole.get(key) ?? []), id]);
    }
    return [...byRole]
      .filter(([, ids]) => ids.length > 1)
      .map(([role, ids]) => ({
        rule: 'fc-service-role-not-shared',
        where: ids.map((id) => `${id}.Role`).join(', '),
        message: `${ids.length} services bind role ${role}`,
      }));
  },
};

export const sensitiveParametersNoEcho: Rule = {
  id: 'parameter-sensitive-noecho-check',
  check: (t) =>
    Object.entries(t.Parameters ?? {})
      .filter(([name]) => SENSITIVE_NAME_PARTS.some((part) => name.toLowerCase().includes(part)))
      .filter(([, p]) => p.NoEcho !== true)
      .map(([name]) => ({ rule: 'parameter-sensitive-noecho-check', where: `Parameters.${name}`, message: 'sensitive parameter without NoEcho: true' })),
};

/** Every RAM policy document in the template (inline role/user/group policies, managed policies), wherever it sits. */
function policyDocuments(t: Template): Array<[string, unknown]> {
  const docs: Array<[string, unknown]> = [];
  for (const [id, r] of Object.entries(t.Resources ?? {})) {
    for (const [path, node] of walk(r.Properties ?? {}, id)) {
      if (!isObject(node)) continue;
      for (const key of ['PolicyDocument', 'PolicyDocumentUnchecked']) {
        if (key in node) docs.push([`${path}.${key}`, typeof node[key] === 'string' ? JSON.parse(node[key]) : node[key]]);
      }
    }
  }
  return docs;
}

const stringLeaves = (v: unknown): string[] => [...walk(v)].map(([, x]) => x).filter((x): x is string => typeof x === 'string');

/**
 * `ram-policy-no-statements-with-admin-access-check`, stricter: no Allow statement has a wildcard
 * anywhere in its Action (`*`, `ots:*`, `ots:Get*`) or Resource, and none uses NotAction/NotResource.
 */
export const noWildcardAllow: Rule = {
  id: 'ram-policy-no-wildcard-allow',
  check: (t) => {
    const rule = 'ram-policy-no-wildcard-allow';
    const violations: Violation[] = [];
    for (const [where, doc] of policyDocuments(t)) {
      asArray(prop(doc, 'Statement')).forEach((statement, i) => {
        if (String(prop(statement, 'Effect')).toLowerCase() !== 'allow') return;
        const at = `${where}.Statement[${i}]`;
        for (const action of stringLeaves(prop(statement, 'Action'))) {
          if (action.includes('*')) violations.push({ rule, where: `${at}.Action`, message: `wildcard action ${action}` });
        }
        for (const resource of stringLeaves(prop(statement, 'Resource'))) {
          if (resource.includes('*')) violations.push({ rule, where: `${at}.Resource`, message: `wildcard resource ${resource}` });
        }
        if (prop(statement, 'Resource') === undefined) violations.push({ rule, where: at, message: 'Allow statement without Resource' });
        for (const not of ['NotAction', 'NotResource']) {
          if (prop(statement, not) !== undefined) violations.push({ rule, where: `${at}.${not}`, message: `Allow with ${not} grants nearly everything` });
        }
      });
    }
    return violations;
  },
};

/** No trust policy lets `*` assume a role. */
export const noWildcardTrust: Rule = {
  id: 'ram-role-no-wildcard-principal',
  check: (t) =>
    resourcesOfType(t, 'ALIYUN::RAM::Role').flatMap(([id, r]) =>
      asArray(prop(r.Properties?.AssumeRolePolicyDocument, 'Statement')).flatMap((s, i) =>
        stringLeaves(prop(s, 'Principal'))
          .filter((p) => p.includes('*'))
          .map((p) => ({
            rule: 'ram-role-no-wildcard-principal',
            where: `${id}.AssumeRolePolicyDocument.Statement[${i}].Principal`,
            message: `wildcard principal ${p}`,
          })),
      ),
    ),
};

/** No system `*FullAccess` / `AdministratorAccess` policy is attached to anything. */
export const noAdminSystemPolicies: Rule = {
  id: 'ram-no-admin-system-policy',
  check: (t) => {
    const rule = 'ram-no-admin-system-policy';
    const violations: Violation[] = [];
    for (const [id, r] of Object.entries(t.Resources ?? {})) {
      const props = r.Properties ?? {};
      for (const name of stringLeaves(prop(prop(props, 'PolicyAttachments'), 'System'))) {
        if (ADMIN_POLICY.test(name)) violations.push({ rule, where: `${id}.PolicyAttachments.System`, message: `system policy ${name}` });
      }
      if (/^ALIYUN::RAM::AttachPolicyTo(Role|User|Group)$/.test(r.Type) && String(props.PolicyType).toLowerCase() === 'system') {
        const name = String(props.PolicyName);
        if (ADMIN_POLICY.test(name)) violations.push({ rule, where: `${id}.PolicyName`, message: `system policy ${name}` });
      }
    }
    return violations;
  },
};

export const logstoreTtlConfigured: Rule = {
  id: 'sls-logstore-ttl-configured',
  check: (t) =>
    resourcesOfType(t, 'ALIYUN::SLS::Logstore')
      .filter(([, r]) => typeof r.Properties?.TTL !== 'number' || r.Properties.TTL < 1)
      .map(([id]) => ({ rule: 'sls-logstore-ttl-configured', where: `${id}.TTL`, message: 'logstore sets no TTL' })),
};

export const RULES: Rule[] = [
  runtimeNotDeprecated,
  serviceLogEnabled,
  serviceBindsRole,
  serviceRoleNotShared,
  functionTimeoutConfigured,
  anonymousHttpTriggerLimited,
  sensitiveParametersNoEcho,
  noWildcardAllow,
  noWildcardTrust,
  noAdminSystemPolicies,
  logstoreTtlConfigured,
];

export const checkAll = (template: Template): Violation[] => RULES.flatMap((r) => r.check(template));
