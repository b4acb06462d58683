import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  CONSTRAINTS,
  type Constraint,
  environmentBytes,
  FC_ENVIRONMENT_MAX_BYTES,
  policyChars,
  RAM_POLICY_MAX_CHARS,
  RAM_TRUST_POLICY_MAX_CHARS,
} from '../../local/ros/constraints';
import { deployStack } from '../../local/ros/deploy';
import { RosError } from '../../local/ros/errors';
import { MAX_TIMER_EVENT_BYTES, timerEventBytes } from '../../local/fc/timer';

/**
 * The constraint table of the local ROS (local/ros/constraints.ts), checked three ways:
 * (a) every resource of the synthesized template, resolved with realistic parameter values (an
 *     RSA2048 private key in PEM), passes every row of its type;
 * (b) for every row, a copy of a valid resource broken in exactly that way is refused by that row
 *     (a row without a breaking case fails a test, so the table can't grow untested);
 * (c) for every limit, the value at it is accepted and the value one past it refused.
 *
 * The template's intrinsics are resolved here by a small stand-in resolver, not by the local ROS
 * (which is tested on its own): the rows only need plausible, realistically sized values.
 */

type Props = Record<string, any>;
interface Resource {
  Type: string;
  Properties?: Props;
}
interface Template {
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Resources: Record<string, Resource>;
}

const TEMPLATE: Template = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.out', 'MiniAppStack.template.json'), 'utf8'));

// --- Stand-ins for what a deployer and the cloud supply ----------------------------------------

const { privateKey: PRIVATE_KEY, publicKey: PUBLIC_KEY } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
/** Realistic parameter values: the private key is an RSA2048 PEM as Alipay's key tool writes it (about 1.7 KB). */
const PARAMETERS: Record<string, unknown> = {
  AppId: '2021001234567890',
  PrivateKey: PRIVATE_KEY,
  AlipayPublicKey: PUBLIC_KEY,
  DBInstanceName: 'miniappdb',
  LogProjectName: 'miniapp-logs-20260101',
};
const PSEUDO: Record<string, string> = {
  'ALIYUN::Region': 'cn-hangzhou',
  'ALIYUN::AccountId': '1234567890123456',
  'ALIYUN::TenantId': '1234567890123456',
  'ALIYUN::StackName': 'miniapp',
  'ALIYUN::StackId': '6c1c7a6e-1d2b-4a3c-9e8f-000000000000',
};

/** Attributes as the real cloud shapes them (ROS "Return values"); anything else falls back to the property of the same name. */
function attribute(id: string, attr: string, params: Record<string, unknown>): unknown {
  const resource = TEMPLATE.Resources[id];
  if (!resource) throw new Error(`Fn::GetAtt of unknown resource ${id}`);
  const p = resolveValue(resource.Properties ?? {}, params) as Props;
  const region = PSEUDO['ALIYUN::Region'];
  const account = PSEUDO['ALIYUN::AccountId'];
  switch (`${resource.Type}.${attr}`) {
    case 'ALIYUN::RAM::Role.Arn':
      return `acs:ram::${account}:role/${p.RoleName}`;
    case 'ALIYUN::OTS::Instance.PublicEndpoint':
      return `https://${p.InstanceName}.${region}.ots.aliyuncs.com`;
    case 'ALIYUN::FC::Function.ARN':
      return `acs:fc:${region}:${account}:services/${p.ServiceName}/functions/${p.FunctionName}`;
    case 'ALIYUN::FC::Trigger.UrlInternet':
      return `https://${p.FunctionName}-${p.ServiceName}-abcdefghij.${region}.fcapp.run`;
  }
  if (attr in p) return p[attr];
  throw new Error(`no stand-in for Fn::GetAtt ${id}.${attr} (${resource.Type})`);
}

function parameter(name: string, params: Record<string, unknown>): unknown {
  if (name in PSEUDO) return PSEUDO[name];
  if (name in params) return params[name];
  const declared = TEMPLATE.Parameters?.[name];
  if (declared && declared.Default !== undefined) return declared.Default;
  throw new Error(`no realistic value for parameter ${name}: add one to PARAMETERS in this test`);
}

/** Ref / Fn::GetAtt / Fn::Sub / Fn::Join resolved to plain values, everywhere in `value`. */
function resolveValue(value: unknown, params: Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, params));
  if (value === null || typeof value !== 'object') return value;
  const o = value as Props;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0] === 'Ref') return parameter(o.Ref, params);
  if (keys.length === 1 && keys[0] === 'Fn::GetAtt') return attribute(o['Fn::GetAtt'][0], o['Fn::GetAtt'][1], params);
  if (keys.length === 1 && keys[0] === 'Fn::Join') {
    const [sep, list] = o['Fn::Join'];
    return (resolveValue(list, params) as unknown[]).join(sep);
  }
  if (keys.length === 1 && keys[0] === 'Fn::Sub') {
    const sub = o['Fn::Sub'];
    const [body, vars] = (Array.isArray(sub) ? sub : [sub, {}]) as [string, Props];
    return body.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
      if (name in vars) return String(resolveValue(vars[name], params));
      if (name.includes('.') && !name.startsWith('ALIYUN::')) {
        const [id, attr] = name.split('.');
        return String(attribute(id, attr, params));
      }
      return String(parameter(name, params));
    });
  }
  if (keys.some((k) => k.startsWith('Fn::'))) throw new Error(`no stand-in for ${keys[0]}`);
  return Object.fromEntries(keys.map((k) => [k, resolveValue(o[k], params)]));
}

/** Every resource of the template with its properties resolved. */
function resolvedResources(overrides: Record<string, unknown> = {}): Array<{ id: string; type: string; props: Props }> {
  const params = { ...PARAMETERS, ...overrides };
  return Object.entries(TEMPLATE.Resources).map(([id, r]) => ({ id, type: r.Type, props: resolveValue(r.Properties ?? {}, params) as Props }));
}
const RESOLVED = resolvedResources();

// --- Valid resources to break --------------------------------------------------------------

/** Valid resources of the types this stack may use but its template currently doesn't (used only when the template has none). */
const HAND_MADE: Record<string, Props> = {
  'ALIYUN::OTS::Instance': { InstanceName: 'miniappdb', ClusterType: 'HYBRID', Network: 'NORMAL', Description: 'Mini-program sessions and per-user data' },
  'ALIYUN::OTS::InstanceV2': {
    InstanceName: 'miniappdb',
    ClusterType: 'HYBRID',
    InstanceDescription: 'Mini-program sessions and per-user data',
    NetworkTypeACL: ['INTERNET', 'VPC'],
    NetworkSourceACL: ['TRUST_PROXY'],
  },
};

/** Valid triggers of each TriggerType a row may be about, used when the template has none of that type. */
const HAND_MADE_TRIGGERS: Record<string, Props> = {
  // The payments design's reconcile trigger.
  timer: {
    ServiceName: 'miniapp-reconcile',
    FunctionName: 'reconcile',
    TriggerName: 'timer',
    TriggerType: 'timer',
    TriggerConfig: { cronExpression: '@every 1m', enable: true, payload: '' },
  },
};

/**
 * The richest resource of a type in the template (the most resolved content), so every rule has
 * something to break; with `triggerType`, the richest trigger of that type.
 */
function base(type: string, triggerType?: string): Props {
  const candidates = RESOLVED.filter((r) => r.type === type && (!triggerType || r.props.TriggerType === triggerType));
  if (!candidates.length) {
    if (triggerType && triggerType in HAND_MADE_TRIGGERS) return structuredClone(HAND_MADE_TRIGGERS[triggerType]);
    if (!triggerType && type in HAND_MADE) return structuredClone(HAND_MADE[type]);
    throw new Error(`no ${type}${triggerType ? ` of type ${triggerType}` : ''} in the template and no hand-made one in this test`);
  }
  const richest = candidates.reduce((a, b) => (JSON.stringify(b.props).length > JSON.stringify(a.props).length ? b : a));
  return structuredClone(richest.props);
}

/** A valid resource for a row: a trigger row about one TriggerType ("http: ...", "timer: ...") gets a trigger of that type. */
const baseFor = (c: Constraint): Props => base(c.type, c.type === 'ALIYUN::FC::Trigger' ? /^(\w+): /.exec(c.rule)?.[1] : undefined);

const keyOf = (c: Constraint): string => `${c.type} ${c.rule}`;
const rowAt = (key: string): Constraint => {
  const found = CONSTRAINTS.find((c) => keyOf(c) === key);
  if (!found) throw new Error(`no row ${key}`);
  return found;
};

/** `build(k)` with k chosen so that `measure` of it is exactly `target` (the measure grows by one per unit of k). */
function sized<T>(target: number, build: (k: number) => T, measure: (v: T) => number): T {
  const k = target - measure(build(0));
  const value = build(k);
  if (measure(value) !== target) throw new Error(`could not size a value to ${target} (got ${measure(value)})`);
  return value;
}
/** The environment plus one padding variable, sized to exactly `bytes`. */
const envOf = (p: Props, bytes: number): Props => sized(bytes, (k) => ({ ...p.EnvironmentVariables, PADDING: 'x'.repeat(k) }), environmentBytes);
/** A policy document with a condition value padded so it is exactly `chars` characters as ROS sends it. */
const padded = (doc: Props, chars: number): Props =>
  sized(
    chars,
    (k) => ({
      ...doc,
      Statement: [
        ...doc.Statement,
        { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*', Condition: { StringEquals: { 'acs:SourceVpc': 'v'.repeat(k) } } },
      ],
    }),
    policyChars,
  );
const primaryKey = (n: number): Props[] => Array.from({ length: n }, (_, i) => ({ Name: `k${i}`, Type: 'STRING' }));
const name = (first: string, total: number, fill = 'n'): string => first + fill.repeat(total - first.length);

type Edit = (p: Props) => void;

// --- (b) one breaking case per row -------------------------------------------------------------

const F = 'ALIYUN::FC::Function';
const TIMER_SCHEDULE =
  'ALIYUN::FC::Trigger timer: TriggerConfig.cronExpression (or CronExpression) is "@every <n>s|m|h" of at least 1 minute, or six cron fields in UTC (or after CRON_TZ=<zone>)';
const TIMER_ENABLE = 'ALIYUN::FC::Trigger timer: TriggerConfig.enable (or Enable), when set, is true or false';
const TIMER_PAYLOAD =
  'ALIYUN::FC::Trigger timer: TriggerConfig.payload (or Payload), when set, is a string that leaves the timer event within 128 KB (the asynchronous invocation limit; FC documents none for timers)';
const BREAKING: Record<string, { how: string; edit?: Edit; props?: () => Props }> = {
  'ALIYUN::FC::Service ServiceName is 1 to 128 characters': { how: 'a 129-character name', edit: (p) => (p.ServiceName = 'a'.repeat(129)) },
  'ALIYUN::FC::Service ServiceName has only letters, digits, _ and -, and starts with a letter or _': {
    how: 'a name starting with a digit',
    edit: (p) => (p.ServiceName = '1miniapp'),
  },
  'ALIYUN::FC::Service Role, when set, is a RAM role ARN acs:ram::<account>:role/<name>': { how: 'a bare role name', edit: (p) => (p.Role = 'miniapp-fc') },
  'ALIYUN::FC::Service LogConfig sets Project and Logstore together': { how: 'a project without a logstore', edit: (p) => delete p.LogConfig.Logstore },

  'ALIYUN::FC::Function FunctionName is 1 to 64 letters, digits, _ or -, not starting with a digit or -': {
    how: 'a name starting with a hyphen',
    edit: (p) => (p.FunctionName = '-session'),
  },
  [keyOf(CONSTRAINTS.find((c) => c.type === F && c.rule.startsWith('Runtime'))!)]: { how: 'the deprecated nodejs10', edit: (p) => (p.Runtime = 'nodejs10') },
  'ALIYUN::FC::Function MemorySize is 128 to 3,072 MB in steps of 64 on elastic instances (4,096/8,192/16,384/32,768 on c1)': {
    how: '3,100 MB (not a step of 64)',
    edit: (p) => (p.MemorySize = 3100),
  },
  'ALIYUN::FC::Function Timeout is 1 to 86,400 seconds': { how: 'a timeout of 0', edit: (p) => (p.Timeout = 0) },
  'ALIYUN::FC::Function Handler is <file>.<method> for Node.js, Python and PHP runtimes': {
    how: 'a handler with no method',
    edit: (p) => (p.Handler = 'index'),
  },
  'ALIYUN::FC::Function EnvironmentVariables are at most 4 KB in total (counted as the UTF-8 bytes of their JSON)': {
    how: 'an RSA key and 2,000 bytes more',
    edit: (p) => (p.EnvironmentVariables.EXTRA = 'x'.repeat(2000)),
  },
  'ALIYUN::FC::Function EnvironmentVariables names start with a letter, have only letters, digits and _, and are not reserved (FC_*)': {
    how: 'a name starting with a digit',
    edit: (p) => (p.EnvironmentVariables['1ST_KEY'] = 'x'),
  },
  'ALIYUN::FC::Function EnvironmentVariables values are strings': { how: 'a number value', edit: (p) => (p.EnvironmentVariables.SESSION_TTL_SECONDS = 604800) },
  'ALIYUN::FC::Function InstanceConcurrency, when set, is 1 to 100': { how: '101', edit: (p) => (p.InstanceConcurrency = 101) },
  'ALIYUN::FC::Function Code gives ZipFile, SourceCode, or OssBucketName with OssObjectName': {
    how: 'a bucket without an object',
    edit: (p) => delete p.Code.OssObjectName,
  },
  'ALIYUN::FC::Function Code.SourceCode is at most 4,096 characters': {
    how: '4,097 characters of inline code',
    edit: (p) => (p.Code = { SourceCode: 'x'.repeat(4097) }),
  },

  'ALIYUN::FC::Trigger TriggerName is 1 to 128 letters, digits, - or _, starting with a letter or _': {
    how: 'a name with a space',
    edit: (p) => (p.TriggerName = 'http trigger'),
  },
  'ALIYUN::FC::Trigger TriggerType is oss, log, tablestore, timer, mns_topic, cdn_events or http': { how: '"https"', edit: (p) => (p.TriggerType = 'https') },
  'ALIYUN::FC::Trigger http: TriggerConfig.AuthType (or authType) is anonymous or function': {
    how: '"none"',
    edit: (p) => (p.TriggerConfig.AuthType = 'none'),
  },
  'ALIYUN::FC::Trigger http: TriggerConfig.Methods (or methods) is a non-empty subset of GET, POST, PUT, DELETE, HEAD, PATCH, OPTIONS': {
    how: 'CONNECT',
    edit: (p) => (p.TriggerConfig.Methods = ['POST', 'CONNECT']),
  },
  [TIMER_SCHEDULE]: { how: 'every 30 seconds', edit: (p) => (p.TriggerConfig.cronExpression = '@every 30s') },
  [TIMER_ENABLE]: { how: 'the string "true"', edit: (p) => (p.TriggerConfig.enable = 'true') },
  [TIMER_PAYLOAD]: { how: 'a number', edit: (p) => (p.TriggerConfig.payload = 42) },

  'ALIYUN::OTS::Instance InstanceName is 3 to 16 letters, digits or -, starting with a letter, not ending with -': {
    how: 'a trailing hyphen',
    edit: (p) => (p.InstanceName = 'miniapp-db-'),
  },
  'ALIYUN::OTS::Instance InstanceName contains none of the words ali, ay, ots, taobao, admin': {
    how: '"payments" (contains "ay")',
    edit: (p) => (p.InstanceName = 'payments'),
  },
  'ALIYUN::OTS::Instance ClusterType, when set, is SSD or HYBRID': { how: '"MEMORY"', edit: (p) => (p.ClusterType = 'MEMORY') },
  'ALIYUN::OTS::Instance Network, when set, is NORMAL, VPC or VPC_CONSOLE': { how: '"INTERNET"', edit: (p) => (p.Network = 'INTERNET') },

  'ALIYUN::OTS::InstanceV2 InstanceName is 3 to 16 characters': { how: 'a 2-character name', edit: (p) => (p.InstanceName = 'db') },
  'ALIYUN::OTS::InstanceV2 InstanceName has only letters, digits and -, starts with a letter, does not end with -': {
    how: 'a leading digit',
    edit: (p) => (p.InstanceName = '9miniapp'),
  },
  'ALIYUN::OTS::InstanceV2 InstanceName contains none of the words ali, ay, ots, taobao, admin': {
    how: '"Alipay-db" (any case)',
    edit: (p) => (p.InstanceName = 'Alipay-db'),
  },
  'ALIYUN::OTS::InstanceV2 ClusterType is SSD or HYBRID': { how: 'no cluster type', edit: (p) => delete p.ClusterType },
  'ALIYUN::OTS::InstanceV2 NetworkTypeACL is a subset of INTERNET, VPC, CLASSIC': { how: '"ANY"', edit: (p) => (p.NetworkTypeACL = ['INTERNET', 'ANY']) },
  'ALIYUN::OTS::InstanceV2 NetworkSourceACL is a subset of TRUST_PROXY': { how: '"CONSOLE"', edit: (p) => (p.NetworkSourceACL = ['TRUST_PROXY', 'CONSOLE']) },

  'ALIYUN::OTS::Table TableName is 1 to 255 letters, digits or _, not starting with a digit': { how: 'a hyphen', edit: (p) => (p.TableName = 'objects-v2') },
  'ALIYUN::OTS::Table PrimaryKey has 1 to 4 columns': { how: '5 columns', edit: (p) => (p.PrimaryKey = primaryKey(5)) },
  'ALIYUN::OTS::Table PrimaryKey columns are INTEGER, STRING or BINARY, with valid distinct names': {
    how: 'a DOUBLE key column',
    edit: (p) => (p.PrimaryKey[0].Type = 'DOUBLE'),
  },
  'ALIYUN::OTS::Table TimeToLive is -1 or 86,400 to 2,147,483,647 seconds': { how: 'one hour', edit: (p) => (p.TimeToLive = 3600) },
  'ALIYUN::OTS::Table MaxVersions is 1 to 2,147,483,647': { how: '0', edit: (p) => (p.MaxVersions = 0) },

  'ALIYUN::RAM::Role RoleName is 1 to 64 letters, digits, . or -': { how: 'an underscore', edit: (p) => (p.RoleName = 'miniapp_fc') },
  'ALIYUN::RAM::Role MaxSessionDuration is 3,600 to 43,200 seconds': { how: 'a day', edit: (p) => (p.MaxSessionDuration = 86400) },
  [`ALIYUN::RAM::Role AssumeRolePolicyDocument is at most ${RAM_TRUST_POLICY_MAX_CHARS.toLocaleString('en-US')} characters as JSON (conservative: RAM does not publish the number)`]:
    {
      how: 'a 3,000-character trust policy',
      edit: (p) => (p.AssumeRolePolicyDocument = padded(p.AssumeRolePolicyDocument, 3000)),
    },
  [`ALIYUN::RAM::Role each Policies[].PolicyDocument is at most ${RAM_POLICY_MAX_CHARS.toLocaleString('en-US')} characters as JSON`]: {
    how: 'a 7,000-character policy',
    edit: (p) => (p.Policies[0].PolicyDocument = padded(p.Policies[0].PolicyDocument, 7000)),
  },
  'ALIYUN::RAM::Role each Policies[].PolicyName is 1 to 128 letters, digits or -': {
    how: 'underscores',
    edit: (p) => (p.Policies[0].PolicyName = 'miniapp_fc_access'),
  },
  'ALIYUN::RAM::Role a policy Resource acs:ots:<region>:<account>:instance/<name>... names the instance in lower case': {
    how: 'the stack deployed with DBInstanceName=MiniAppDB',
    props: () => {
      const roles = resolvedResources({ DBInstanceName: 'MiniAppDB' }).filter((r) => r.type === 'ALIYUN::RAM::Role');
      return roles.find((r) => JSON.stringify(r.props).includes('acs:ots:'))!.props;
    },
  },

  'ALIYUN::SLS::Project Name is 3 to 63 characters': { how: 'a 2-character name', edit: (p) => (p.Name = 'ab') },
  'ALIYUN::SLS::Project Name has only lower-case letters, digits and -, and starts and ends with a letter or digit': {
    how: 'upper case',
    edit: (p) => (p.Name = 'MiniApp-Logs'),
  },
  'ALIYUN::SLS::Logstore LogstoreName is 3 to 63 characters': { how: 'a 64-character name', edit: (p) => (p.LogstoreName = 'l'.repeat(64)) },
  'ALIYUN::SLS::Logstore LogstoreName has only lower-case letters, digits, - and _, and starts and ends with a letter or digit': {
    how: 'a trailing underscore',
    edit: (p) => (p.LogstoreName = 'function_logs_'),
  },
  'ALIYUN::SLS::Logstore TTL is 1 to 3,600 days': { how: '3,650 (SLS\'s "forever", which ROS refuses)', edit: (p) => (p.TTL = 3650) },
  'ALIYUN::SLS::Logstore ShardCount is 1 to 100': { how: '0', edit: (p) => (p.ShardCount = 0) },
  'ALIYUN::SLS::Logstore MaxSplitShard is 1 to 64': { how: '65', edit: (p) => (p.MaxSplitShard = 65) },
  'ALIYUN::SLS::Index FullTextIndex is given': { how: 'no FullTextIndex', edit: (p) => delete p.FullTextIndex },
  'ALIYUN::SLS::Index KeyIndices types are text, long, double or json (JSON keys: text, long, double)': {
    how: 'a JSON key of type "string"',
    edit: (p) => (p.KeyIndices.find((k: Props) => k.JsonKeyIndices).JsonKeyIndices[0].Type = 'string'),
  },
};

// --- (c) every limit: at it accepted, one past it refused --------------------------------------

interface Boundary {
  at: [string, Edit];
  past: [string, Edit];
}
const set =
  (prop: string, value: unknown): Edit =>
  (p) =>
    (p[prop] = value);
const limit = (prop: string, at: unknown, past: unknown): Boundary => ({
  at: [`${prop} ${JSON.stringify(at)}`, set(prop, at)],
  past: [`${prop} ${JSON.stringify(past)}`, set(prop, past)],
});
const chars = (prop: string, at: string, past: string): Boundary => ({
  at: [`a ${at.length}-character ${prop}`, set(prop, at)],
  past: [`a ${past.length}-character ${prop}`, set(prop, past)],
});
/** A timer trigger's schedule at a limit and one past it. */
const cron = (at: string, past: string): Boundary => ({
  at: [JSON.stringify(at), (p) => (p.TriggerConfig.cronExpression = at)],
  past: [JSON.stringify(past), (p) => (p.TriggerConfig.cronExpression = past)],
});
/** A payload that makes the trigger's event exactly `bytes` long. */
const payloadFor = (p: Props, bytes: number): string =>
  sized(
    bytes,
    (k) => 'x'.repeat(k),
    (payload) => timerEventBytes(p.TriggerName, payload),
  );

const BOUNDARIES: Record<string, Boundary[]> = {
  'ALIYUN::FC::Service ServiceName is 1 to 128 characters': [chars('ServiceName', 's'.repeat(128), 's'.repeat(129)), chars('ServiceName', 's', '')],
  'ALIYUN::FC::Function FunctionName is 1 to 64 letters, digits, _ or -, not starting with a digit or -': [
    chars('FunctionName', 'f'.repeat(64), 'f'.repeat(65)),
  ],
  'ALIYUN::FC::Function MemorySize is 128 to 3,072 MB in steps of 64 on elastic instances (4,096/8,192/16,384/32,768 on c1)': [
    limit('MemorySize', 3072, 3136),
    limit('MemorySize', 128, 64),
    limit('MemorySize', 192, 160),
  ],
  'ALIYUN::FC::Function Timeout is 1 to 86,400 seconds': [limit('Timeout', 86400, 86401), limit('Timeout', 1, 0)],
  'ALIYUN::FC::Function EnvironmentVariables are at most 4 KB in total (counted as the UTF-8 bytes of their JSON)': [
    {
      at: [`${FC_ENVIRONMENT_MAX_BYTES} bytes`, (p) => (p.EnvironmentVariables = envOf(p, FC_ENVIRONMENT_MAX_BYTES))],
      past: [`${FC_ENVIRONMENT_MAX_BYTES + 1} bytes`, (p) => (p.EnvironmentVariables = envOf(p, FC_ENVIRONMENT_MAX_BYTES + 1))],
    },
  ],
  'ALIYUN::FC::Function InstanceConcurrency, when set, is 1 to 100': [limit('InstanceConcurrency', 100, 101), limit('InstanceConcurrency', 1, 0)],
  'ALIYUN::FC::Function Code.SourceCode is at most 4,096 characters': [
    {
      at: ['4,096 characters', (p) => (p.Code = { SourceCode: 'x'.repeat(4096) })],
      past: ['4,097 characters', (p) => (p.Code = { SourceCode: 'x'.repeat(4097) })],
    },
  ],
  'ALIYUN::FC::Trigger TriggerName is 1 to 128 letters, digits, - or _, starting with a letter or _': [chars('TriggerName', 't'.repeat(128), 't'.repeat(129))],
  [TIMER_SCHEDULE]: [
    cron('@every 60s', '@every 59s'),
    cron('@every 1m', '@every 0m'),
    cron('59 * * * * *', '60 * * * * *'),
    cron('0 59 * * * *', '0 60 * * * *'),
    cron('0 0 23 * * *', '0 0 24 * * *'),
    cron('0 0 0 31 * *', '0 0 0 32 * *'),
    cron('0 0 0 1 * *', '0 0 0 0 * *'),
    cron('0 0 0 1 12 *', '0 0 0 1 13 *'),
    cron('0 0 0 ? * 7', '0 0 0 ? * 8'),
    cron('0 0 0 ? * 1', '0 0 0 ? * 0'),
    cron('0 0 0 * * *', '0 0 * * *'),
    cron('0 0 0 * * *', '0 0 0 * * * *'),
  ],
  [TIMER_PAYLOAD]: [
    {
      at: [`a ${MAX_TIMER_EVENT_BYTES}-byte event`, (p) => (p.TriggerConfig.payload = payloadFor(p, MAX_TIMER_EVENT_BYTES))],
      past: [`a ${MAX_TIMER_EVENT_BYTES + 1}-byte event`, (p) => (p.TriggerConfig.payload = payloadFor(p, MAX_TIMER_EVENT_BYTES + 1))],
    },
  ],
  'ALIYUN::OTS::Instance InstanceName is 3 to 16 letters, digits or -, starting with a letter, not ending with -': [
    chars('InstanceName', name('m', 16), name('m', 17)),
    chars('InstanceName', name('m', 3), name('m', 2)),
  ],
  'ALIYUN::OTS::InstanceV2 InstanceName is 3 to 16 characters': [
    chars('InstanceName', name('m', 16), name('m', 17)),
    chars('InstanceName', name('m', 3), name('m', 2)),
  ],
  'ALIYUN::OTS::Table TableName is 1 to 255 letters, digits or _, not starting with a digit': [chars('TableName', 't'.repeat(255), 't'.repeat(256))],
  'ALIYUN::OTS::Table PrimaryKey has 1 to 4 columns': [
    { at: ['4 columns', (p) => (p.PrimaryKey = primaryKey(4))], past: ['5 columns', (p) => (p.PrimaryKey = primaryKey(5))] },
    { at: ['1 column', (p) => (p.PrimaryKey = primaryKey(1))], past: ['no column', (p) => (p.PrimaryKey = primaryKey(0))] },
  ],
  'ALIYUN::OTS::Table TimeToLive is -1 or 86,400 to 2,147,483,647 seconds': [
    limit('TimeToLive', 86400, 86399),
    limit('TimeToLive', -1, -2),
    limit('TimeToLive', 2147483647, 2147483648),
  ],
  'ALIYUN::OTS::Table MaxVersions is 1 to 2,147,483,647': [limit('MaxVersions', 1, 0), limit('MaxVersions', 2147483647, 2147483648)],
  'ALIYUN::RAM::Role RoleName is 1 to 64 letters, digits, . or -': [chars('RoleName', 'r'.repeat(64), 'r'.repeat(65))],
  'ALIYUN::RAM::Role MaxSessionDuration is 3,600 to 43,200 seconds': [limit('MaxSessionDuration', 3600, 3599), limit('MaxSessionDuration', 43200, 43201)],
  [`ALIYUN::RAM::Role AssumeRolePolicyDocument is at most ${RAM_TRUST_POLICY_MAX_CHARS.toLocaleString('en-US')} characters as JSON (conservative: RAM does not publish the number)`]:
    [
      {
        at: [`${RAM_TRUST_POLICY_MAX_CHARS} characters`, (p) => (p.AssumeRolePolicyDocument = padded(p.AssumeRolePolicyDocument, RAM_TRUST_POLICY_MAX_CHARS))],
        past: [
          `${RAM_TRUST_POLICY_MAX_CHARS + 1} characters`,
          (p) => (p.AssumeRolePolicyDocument = padded(p.AssumeRolePolicyDocument, RAM_TRUST_POLICY_MAX_CHARS + 1)),
        ],
      },
    ],
  [`ALIYUN::RAM::Role each Policies[].PolicyDocument is at most ${RAM_POLICY_MAX_CHARS.toLocaleString('en-US')} characters as JSON`]: [
    {
      at: [`${RAM_POLICY_MAX_CHARS} characters`, (p) => (p.Policies[0].PolicyDocument = padded(p.Policies[0].PolicyDocument, RAM_POLICY_MAX_CHARS))],
      past: [`${RAM_POLICY_MAX_CHARS + 1} characters`, (p) => (p.Policies[0].PolicyDocument = padded(p.Policies[0].PolicyDocument, RAM_POLICY_MAX_CHARS + 1))],
    },
  ],
  'ALIYUN::RAM::Role each Policies[].PolicyName is 1 to 128 letters, digits or -': [
    {
      at: ['a 128-character name', (p) => (p.Policies[0].PolicyName = 'p'.repeat(128))],
      past: ['a 129-character name', (p) => (p.Policies[0].PolicyName = 'p'.repeat(129))],
    },
  ],
  'ALIYUN::SLS::Project Name is 3 to 63 characters': [chars('Name', 'p'.repeat(63), 'p'.repeat(64)), chars('Name', 'p'.repeat(3), 'p'.repeat(2))],
  'ALIYUN::SLS::Logstore LogstoreName is 3 to 63 characters': [
    chars('LogstoreName', 'l'.repeat(63), 'l'.repeat(64)),
    chars('LogstoreName', 'l'.repeat(3), 'l'.repeat(2)),
  ],
  'ALIYUN::SLS::Logstore TTL is 1 to 3,600 days': [limit('TTL', 3600, 3601), limit('TTL', 1, 0)],
  'ALIYUN::SLS::Logstore ShardCount is 1 to 100': [limit('ShardCount', 100, 101), limit('ShardCount', 1, 0)],
  'ALIYUN::SLS::Logstore MaxSplitShard is 1 to 64': [limit('MaxSplitShard', 64, 65), limit('MaxSplitShard', 1, 0)],
};
/** Rules with numbers in their words that are not limits. */
const NOT_A_LIMIT = new Set([keyOf(CONSTRAINTS.find((c) => c.type === F && c.rule.startsWith('Runtime'))!)]);

// --- Secrets never appear in a refusal ---------------------------------------------------------

const keyBody = PRIVATE_KEY.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
const keyPieces = Array.from({ length: Math.floor((keyBody.length - 32) / 8) + 1 }, (_, i) => keyBody.slice(i * 8, i * 8 + 32));
const leaksKey = (text: string): boolean => keyPieces.some((piece) => text.includes(piece));

/** A refusal is one sentence naming the rule's property. */
function expectRefusal(row: Constraint, problem: string | undefined): void {
  expect(problem).toEqual(expect.any(String));
  expect(problem).toMatch(/^[A-Z][^\n]*\.$/);
  expect(problem).toContain(/[A-Z][A-Za-z]+/.exec(row.rule)![0]);
  expect(leaksKey(problem!)).toBe(false);
}

// --- Tests ---------------------------------------------------------------------------------

describe('the constraint table', () => {
  test('every row names a public source and a phase', () => {
    for (const c of CONSTRAINTS) {
      expect(c.source).toMatch(/^https:\/\/(www\.)?(alibabacloud\.com|help\.aliyun\.com)\/help\/|^https:\/\/help\.aliyun\.com\//);
      expect(['validate', 'create', 'runtime']).toContain(c.phase);
    }
    expect(new Set(CONSTRAINTS.map(keyOf)).size).toBe(CONSTRAINTS.length);
  });

  test('every resource type of the template has rows', () => {
    const types = new Set(CONSTRAINTS.map((c) => c.type));
    for (const r of RESOLVED) expect({ id: r.id, covered: types.has(r.type) }).toEqual({ id: r.id, covered: true });
  });

  test('every row has a breaking case, and every breaking case a row', () => {
    expect(CONSTRAINTS.map(keyOf).filter((k) => !(k in BREAKING))).toEqual([]);
    expect(Object.keys(BREAKING).filter((k) => !CONSTRAINTS.some((c) => keyOf(c) === k))).toEqual([]);
  });

  test('every row with a number in its rule has boundary cases, and every boundary case a row', () => {
    const needed = CONSTRAINTS.map(keyOf).filter((k) => /\d/.test(k.slice(k.indexOf(' ') + 1)) && !NOT_A_LIMIT.has(k));
    expect(needed.filter((k) => !(k in BOUNDARIES))).toEqual([]);
    expect(Object.keys(BOUNDARIES).filter((k) => !CONSTRAINTS.some((c) => keyOf(c) === k))).toEqual([]);
  });
});

describe('(a) the synthesized template passes every row of its types', () => {
  test('the session function carries a realistic environment (an RSA2048 PEM key)', () => {
    const session = RESOLVED.find((r) => r.type === F && JSON.stringify(r.props.EnvironmentVariables ?? {}).includes('PRIVATE KEY'));
    expect(session).toBeDefined();
    expect(PRIVATE_KEY.length).toBeGreaterThan(1600);
    expect(environmentBytes(session!.props.EnvironmentVariables)).toBeGreaterThan(2000);
  });

  const cases = RESOLVED.flatMap((r) => CONSTRAINTS.filter((c) => c.type === r.type).map((c) => [r.id, c.rule, r, c] as const));
  test.each(cases)('%s: %s', (_id, _rule, r, c) => {
    expect(c.check(r.props)).toBeUndefined();
  });
});

describe('(b) a valid resource broken in exactly one way is refused by that row', () => {
  const cases = CONSTRAINTS.filter((c) => keyOf(c) in BREAKING).map((c) => [c.type, c.rule, BREAKING[keyOf(c)].how, c] as const);
  test.each(cases)('%s "%s" refuses %s', (_type, _rule, _how, c) => {
    const breaking = BREAKING[keyOf(c)];
    const props = breaking.props ? breaking.props() : baseFor(c);
    if (breaking.edit) {
      expect(c.check(props)).toBeUndefined(); // valid before the edit
      breaking.edit(props);
    }
    expectRefusal(c, c.check(props));
  });
});

describe('(c) at each limit accepted, one past it refused', () => {
  const cases = Object.entries(BOUNDARIES).flatMap(([key, bs]) => bs.map((b) => [key, b.at[0], b.past[0], b] as const));
  test.each(cases)('%s: %s accepted, %s refused', (key, _at, _past, b) => {
    const row = rowAt(key);
    const at = baseFor(row);
    b.at[1](at);
    expect(row.check(at)).toBeUndefined();
    const past = baseFor(row);
    b.past[1](past);
    expectRefusal(row, row.check(past));
  });
});

describe('an instance name in upper case', () => {
  test('is a valid Tablestore instance, but makes the service role unusable (the runtime row refuses it)', () => {
    const resolved = resolvedResources({ DBInstanceName: 'MiniAppDB' });
    for (const r of resolved.filter((x) => x.type.startsWith('ALIYUN::OTS::Instance'))) {
      for (const c of CONSTRAINTS.filter((x) => x.type === r.type)) expect(c.check(r.props)).toBeUndefined();
    }
    const refusals = resolved
      .filter((r) => r.type === 'ALIYUN::RAM::Role')
      .flatMap((r) => CONSTRAINTS.filter((c) => c.type === r.type).map((c) => [c.phase, c.check(r.props)]))
      .filter(([, problem]) => problem);
    // One refusal per role that names the instance (each payment function's service has its own role).
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) expect(refusal).toEqual(['runtime', expect.stringContaining('"miniappdb"')]);
  });
});

describe('refusals name sizes, never secret values', () => {
  test('an oversized environment holding a private key is reported by size only', () => {
    const row = rowAt('ALIYUN::FC::Function EnvironmentVariables are at most 4 KB in total (counted as the UTF-8 bytes of their JSON)');
    const props = base(F);
    props.EnvironmentVariables.ALIPAY_PRIVATE_KEY = PRIVATE_KEY + PRIVATE_KEY + PRIVATE_KEY;
    const problem = row.check(props)!;
    expect(problem).toMatch(/^EnvironmentVariables are [\d,]+ bytes as JSON; FC allows 4,096 in total\.$/);
    expect(leaksKey(problem)).toBe(false);
  });

  test('a non-string secret value is reported by name and type only', () => {
    const row = rowAt('ALIYUN::FC::Function EnvironmentVariables values are strings');
    const props = base(F);
    props.EnvironmentVariables.ALIPAY_PRIVATE_KEY = { pem: PRIVATE_KEY };
    expect(row.check(props)).toBe('EnvironmentVariables.ALIPAY_PRIVATE_KEY is object; FC takes only string values.');
  });
});

describe('time triggers', () => {
  const schedule = rowAt(TIMER_SCHEDULE);
  const timerRows = CONSTRAINTS.filter((c) => c.rule.startsWith('timer: '));
  const timer = (config: Props): Props => ({ ...base('ALIYUN::FC::Trigger', 'timer'), TriggerConfig: config });
  const problemsOf = (p: Props) =>
    CONSTRAINTS.filter((c) => c.type === 'ALIYUN::FC::Trigger')
      .map((c) => c.check(p))
      .filter(Boolean);

  test.each([
    '@every 1m',
    '@every 4m',
    '@every 2h',
    '0 0 4 * * *',
    '0 */15 9-17 * * MON-FRI',
    '0 0/30 * ? * *',
    '0 0 0 1 jan,Jul ?',
    '0 0 12 ? * SUN',
    '0,30 0 0 1-7 * 1',
    'CRON_TZ=Asia/Shanghai 0 0 4 1 * *',
    '  0 0 4 * * *  ',
  ])('accepts %j', (expression) => {
    expect(problemsOf(timer({ cronExpression: expression, enable: true, payload: '' }))).toEqual([]);
  });

  test.each([
    ['@every 30s', 'shortest interval, 1 minute'],
    ['@every 1d', '@every <n><unit>'],
    ['@every 1.5h', '@every <n><unit>'],
    ['@hourly', 'not a schedule FC documents'],
    ['0 0 4 * *', 'has 5 fields'],
    ['0 ? * * * *', 'FC allows only , - * / in Minutes'],
    ['0 0 0 * * MON/2', 'FC allows only , - * ? in Day-of-week'],
    ['0 0 0 L * *', 'not a Day-of-month value'],
    ['0 0 0 * * 6#3', 'which no cron field takes'],
    ['0 0 0 * * FRI-MON', 'ends before it starts'],
    ['0 0 0 ?,1 * *', '"?" stands alone'],
    ['0 */0 * * * *', 'step "0"'],
    ['0 0 0 * JANUARY *', 'not a Month value'],
    ['CRON_TZ=Mars/Olympus_Mons 0 0 0 * * *', 'not a time zone'],
    ['CRON_TZ=asia/shanghai 0 0 0 * * *', 'case-sensitive'],
    ['CRON_TZ=+08:00 0 0 0 * * *', 'not an IANA time zone name'],
    ['CRON_TZ=Asia/Shanghai @every 1m', 'cron fields only'],
    ['', 'empty'],
  ])('refuses %j (%s)', (expression, why) => {
    const problem = schedule.check(timer({ cronExpression: expression, enable: true }));
    expectRefusal(schedule, problem);
    expect(problem).toContain(why);
  });

  test('reads PascalCase keys as the http rows do, and requires the config and its schedule', () => {
    expect(problemsOf(timer({ CronExpression: '@every 5m', Enable: false, Payload: '{"job":"reconcile"}' }))).toEqual([]);
    expect(schedule.check(timer({ CronExpression: '@every 5s' }))).toContain('shorter than');
    expect(schedule.check({ ...timer({}), TriggerConfig: undefined })).toBe('TriggerConfig is required for a timer trigger.');
    expect(schedule.check(timer({ enable: true }))).toBe('TriggerConfig.cronExpression is required for a timer trigger.');
    expect(schedule.check(timer({ cronExpression: 5 }))).toContain('must be a string');
  });

  test('timer rows leave other triggers alone, and http rows leave timers alone', () => {
    const http = base('ALIYUN::FC::Trigger', 'http');
    for (const c of timerRows) expect(c.check(http)).toBeUndefined();
    expect(problemsOf(timer({ cronExpression: '@every 1m', enable: true, payload: '' }))).toEqual([]);
  });

  test('an oversized payload is reported by size only', () => {
    const row = rowAt(TIMER_PAYLOAD);
    const secretish = 'SECRET-'.repeat(20_000);
    const problem = row.check(timer({ cronExpression: '@every 1m', enable: true, payload: secretish }))!;
    expect(problem).toMatch(/^TriggerConfig\.payload makes a [\d,]+-byte event; an asynchronous invocation takes at most 131,072 bytes\.$/);
    expect(problem).not.toContain('SECRET');
  });

  describe('in a deploy (local/ros/deploy.ts)', () => {
    /** The synthesized template plus one timer trigger on the session function. */
    const withTimer = (config: Props) => {
      const template = structuredClone(TEMPLATE) as Template & { ROSTemplateFormatVersion?: string };
      const http = Object.values(template.Resources).find((r) => r.Type === 'ALIYUN::FC::Trigger' && r.Properties?.TriggerType === 'http')!;
      template.Resources.ExtraTimerTrigger = {
        Type: 'ALIYUN::FC::Trigger',
        Properties: { ...http.Properties, TriggerName: 'extra-timer', TriggerType: 'timer', TriggerConfig: config },
      };
      return template;
    };
    const deploy = (config: Props) =>
      deployStack({
        template: withTimer(config) as never,
        parameters: Object.fromEntries(Object.entries(PARAMETERS).map(([k, v]) => [k, String(v)])),
        accountId: PSEUDO['ALIYUN::AccountId'],
        region: PSEUDO['ALIYUN::Region'],
        stackName: 'miniapp',
      });

    test('a valid timer trigger is created', () => {
      const stack = deploy({ cronExpression: '0 0 4 * * *', enable: true, payload: 'nightly' });
      expect(stack.resources.find((r) => r.logicalId === 'ExtraTimerTrigger')?.props.TriggerConfig).toEqual({
        cronExpression: '0 0 4 * * *',
        enable: true,
        payload: 'nightly',
      });
    });

    test('a schedule FC refuses fails the stack at that trigger, with the reason', () => {
      let error: unknown;
      try {
        deploy({ cronExpression: '@every 10s', enable: true, payload: '' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RosError);
      expect(error).toMatchObject({ code: 'CREATE_FAILED', logicalId: 'ExtraTimerTrigger' });
      expect((error as Error).message).toContain("shorter than FC's shortest interval, 1 minute");
    });
  });
});
