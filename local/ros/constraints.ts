// The local FC parses a time trigger's schedule and sizes its event with these same functions, so
// the local ROS refuses exactly what the local FC could not run.
import { scheduleProblem } from '../fc/schedule';
import { MAX_TIMER_EVENT_BYTES, payloadProblem, timerConfigValue } from '../fc/timer';

/**
 * The documented constraints of every resource type this stack uses, as one table. Each row
 * names its public source. The local ROS (deploy.ts) checks every resource against its rows, so a
 * template the real cloud would refuse fails `npm start` and `npm run preflight` too.
 *
 * `phase` says who refuses in the cloud:
 * - 'validate': ROS itself, at CreateStack, before anything is created (StackValidationFailed);
 * - 'create': the service's API, when ROS creates the resource (the stack ends CREATE_FAILED).
 * - 'runtime': nobody refuses the deploy, but the stack cannot work (e.g. a RAM resource that can
 *   never match); the local ROS refuses it anyway, because a deploy that can't work is a failed deploy.
 *
 * How a phase was chosen: a rule that the ROS resource specification itself checks (the same
 * specification @alicloud/ros-cdk-* generates its `Ros*PropsValidator`s from: ranges, enums, name
 * lengths) is 'validate'; a rule only the service documents (its API reference or limits page) is
 * 'create'. Where ROS checks part of a rule (a name's length) and the service the rest (its
 * characters), the rule is two rows.
 *
 * A check never echoes a value that may be secret: environment variable values (a private key)
 * and policy documents are reported by size only. Names are not secret and are quoted.
 */
export interface Constraint {
  /** ROS resource type the row applies to, e.g. ALIYUN::FC::Function. */
  readonly type: string;
  /** What is checked, in words (the README's constraints table lists these). */
  readonly rule: string;
  /** Public source of the rule (URL). */
  readonly source: string;
  readonly phase: 'validate' | 'create' | 'runtime';
  /** The problem with these resolved properties (one sentence naming the property), or undefined when they satisfy the rule. */
  check(props: Record<string, any>): string | undefined;
}

type Props = Record<string, any>;
type Check = (props: Props) => string | undefined;

// ---------------------------------------------------------------------------------------------
// Sources (one constant per page, so a row says which page without repeating the address).
// ---------------------------------------------------------------------------------------------
const ROS = 'https://www.alibabacloud.com/help/en/ros/developer-reference';
const SRC = {
  rosFcService: `${ROS}/aliyun-fc-service`,
  rosFcFunction: 'https://www.alibabacloud.com/help/doc-detail/115390.htm',
  rosFcTrigger: `${ROS}/aliyun-fc-trigger`,
  fcCreateFunction: 'https://www.alibabacloud.com/help/doc-detail/189984.htm',
  fcLogConfig: 'https://alibabacloud.com/help/en/functioncompute/fc-2-0/developer-reference/api-fc-open-2021-04-06-struct-logconfig',
  fcRuntimes: 'https://alibabacloud.com/help/en/functioncompute/fc-2-0/user-guide/overview-of-runtimes',
  fcInstanceTypes: 'https://www.alibabacloud.com/help/en/function-compute/latest/instance-types-and-instance-modes',
  fcNodeHandler: 'https://alibabacloud.com/help/doc-detail/426946.html',
  fcEnvironment: 'https://help.aliyun.com/document_detail/164217.html',
  fcHttpTriggerConfig: 'https://alibabacloud.com/help/en/functioncompute/fc-2-0/developer-reference/api-fc-open-2021-04-06-struct-httptriggerconfig',
  fcTimeTriggers: 'https://www.alibabacloud.com/help/doc-detail/171746.htm',
  fcTimeTriggerConfig: 'https://alibabacloud.com/help/en/functioncompute/fc-2-0/developer-reference/api-fc-open-2021-04-06-struct-timetriggerconfig',
  fcAsyncPayload: 'https://www.alibabacloud.com/help/doc-detail/2527064.html',
  rosOtsInstance: 'https://www.alibabacloud.com/help/doc-detail/122374.htm',
  rosOtsInstanceV2: `${ROS}/aliyun-ots-instancev2`,
  otsCreateInstance: 'https://www.alibabacloud.com/help/en/tablestore/table-store-service/developer-reference/api-tablestore-2020-12-09-createinstance',
  otsLimits: 'https://www.alibabacloud.com/help/en/tablestore/general-limits-of-tablestore',
  otsTableOptions: 'https://alibabacloud.com/help/en/tablestore/developer-reference/tableoptions',
  otsRamPolicy: 'https://alibabacloud.com/help/en/tablestore/custom-permissions-of-tablestore',
  rosRamRole: 'https://alibabacloud.com/help/en/ros/developer-reference/aliyun-ram-role',
  ramLimits: 'https://www.alibabacloud.com/help/doc-detail/28753.htm',
  ramCreatePolicy: 'https://alibabacloud.com/help/en/resource-management/api-createpolicy',
  ramCreateRoleErrors: 'https://www.alibabacloud.com/help/doc-detail/28710.htm',
  rosSlsProject: 'https://alibabacloud.com/help/en/ros/developer-reference/aliyun-sls-project',
  rosSlsLogstore: 'https://alibabacloud.com/help/en/ros/developer-reference/aliyun-sls-logstore',
  slsLogstore: 'https://www.alibabacloud.com/help/en/sls/developer-reference/logstores',
  rosSlsIndex: 'https://alibabacloud.com/help/en/ros/developer-reference/aliyun-sls-index',
};

// ---------------------------------------------------------------------------------------------
// Check builders. Each returns a check over resolved properties; a property that is absent means
// the service default, so an absent optional property passes.
// ---------------------------------------------------------------------------------------------
const present = (v: unknown): boolean => v !== undefined && v !== null;
const count = (n: number): string => n.toLocaleString('en-US');
const quote = (v: unknown): string => JSON.stringify(v);

/** A string property's length (in characters) within [min, max]; `required` refuses absence. */
function length(prop: string, min: number, max: number, required = true): Check {
  return (p) => {
    const v = p[prop];
    if (!present(v)) return required ? `${prop} is required.` : undefined;
    if (typeof v !== 'string') return `${prop} must be a string, not ${typeof v}.`;
    if (v.length < min || v.length > max) return `${prop} ${quote(v)} is ${count(v.length)} characters; it must be ${min} to ${count(max)}.`;
    return undefined;
  };
}

/** A string property matching `re`; `what` completes "X ... must ..." in the message. */
function pattern(prop: string, re: RegExp, what: string, required = true): Check {
  return (p) => {
    const v = p[prop];
    if (!present(v)) return required ? `${prop} is required.` : undefined;
    if (typeof v !== 'string') return `${prop} must be a string, not ${typeof v}.`;
    return re.test(v) ? undefined : `${prop} ${quote(v)} ${what}.`;
  };
}

/** An integer property within [min, max]. */
function range(prop: string, min: number, max: number, required = false): Check {
  return (p) => {
    const v = p[prop];
    if (!present(v)) return required ? `${prop} is required.` : undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) return `${prop} must be an integer, not ${quote(v)}.`;
    if (v < min || v > max) return `${prop} is ${count(v)}; it must be ${count(min)} to ${count(max)}.`;
    return undefined;
  };
}

/** A string property among `values`. */
function oneOf(prop: string, values: readonly string[], required = false): Check {
  return (p) => {
    const v = p[prop];
    if (!present(v)) return required ? `${prop} is required; it must be one of ${values.join(', ')}.` : undefined;
    return values.includes(v) ? undefined : `${prop} is ${quote(v)}; it must be one of ${values.join(', ')}.`;
  };
}

/** A list property whose items are distinct members of `values`, at most `max` of them. */
function subsetOf(prop: string, values: readonly string[]): Check {
  return (p) => {
    const v = p[prop];
    if (!present(v)) return undefined;
    if (!Array.isArray(v)) return `${prop} must be a list, not ${quote(v)}.`;
    const bad = v.filter((x) => !values.includes(x));
    if (bad.length) return `${prop} contains ${bad.map(quote).join(', ')}; its items must be among ${values.join(', ')}.`;
    if (new Set(v).size !== v.length) return `${prop} lists an item twice.`;
    return undefined;
  };
}

/** A list property with [min, max] items. */
function items(prop: string, min: number, max: number, required = true): Check {
  return (p) => {
    const v = p[prop];
    if (!present(v)) return required ? `${prop} is required.` : undefined;
    if (!Array.isArray(v)) return `${prop} must be a list.`;
    if (v.length < min || v.length > max) return `${prop} has ${v.length} items; it must have ${min} to ${max}.`;
    return undefined;
  };
}

/** The name words Tablestore refuses anywhere in an instance name (case-insensitive, as the names are). */
const OTS_RESERVED_WORDS = ['ali', 'ay', 'ots', 'taobao', 'admin'];
const otsReservedWords: Check = (p) => {
  const v = p.InstanceName;
  if (typeof v !== 'string') return undefined; // the name rows report a missing or non-string name
  const found = OTS_RESERVED_WORDS.filter((w) => v.toLowerCase().includes(w));
  return found.length
    ? `InstanceName ${quote(v)} contains ${found.map(quote).join(', ')}; Tablestore refuses instance names containing ali, ay, ots, taobao or admin.`
    : undefined;
};

// ---------------------------------------------------------------------------------------------
// Sizes as the services count them. Exported so tests can build values exactly at a limit.
// ---------------------------------------------------------------------------------------------

/**
 * The size FC counts against its 4 KB environment limit. FC documents "the total size of all
 * environment variables" without saying how it counts; this counts conservatively: the UTF-8 byte
 * length of the JSON of the whole map, as CreateFunction sends it (keys, values, quotes, colons and
 * commas all count, so it is never less than any plausible count of keys plus values).
 */
export const environmentBytes = (env: Record<string, unknown>): number => Buffer.byteLength(JSON.stringify(env), 'utf8');
export const FC_ENVIRONMENT_MAX_BYTES = 4096;

/**
 * The length RAM counts against a policy document's character limit, counted conservatively: ROS
 * turns a Map property into the JSON string RAM receives, and ROS (a Python service) would use
 * Python's default `json.dumps`, which puts a space after every ',' and ':' and escapes non-ASCII
 * as \uXXXX. That is longer than compact JSON, so a document within it is within RAM's limit
 * whichever serialization ROS uses.
 */
export function policyChars(doc: unknown): number {
  return pythonJson(doc).length;
}
function pythonJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pythonJson).join(', ')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${asciiJson(k)}: ${pythonJson(x)}`)
      .join(', ')}}`;
  if (typeof v === 'string') return asciiJson(v);
  return JSON.stringify(v) ?? 'null';
}
const asciiJson = (s: string): string => JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A custom policy document (RAM limits page, 2025: 6,144 characters; older pages said 2,048). */
export const RAM_POLICY_MAX_CHARS = 6144;
/**
 * A role's trust policy. RAM has an error for it (InvalidParameter.AssumeRolePolicyDocument.Length)
 * but no page found states the number; 2,048 is the smallest limit RAM has documented for a policy
 * document (custom policies before 2025, session policies today), so a trust policy within it is
 * accepted whatever the real number is.
 */
export const RAM_TRUST_POLICY_MAX_CHARS = 2048;

function documentSize(prop: string, max: number, what: string): Check {
  return (p) => {
    const v = p[prop];
    if (!present(v)) return undefined;
    const n = typeof v === 'string' ? v.length : policyChars(v);
    return n > max ? `${prop} is ${count(n)} characters as JSON; RAM allows ${count(max)} for ${what}.` : undefined;
  };
}

// ---------------------------------------------------------------------------------------------
// Function Compute 2.0 specifics.
// ---------------------------------------------------------------------------------------------

/** Runtimes FC 2.0 lists as supported (runtime overview, FC 2.0 pages), so new functions can be created on them. */
export const FC_RUNTIMES = [
  'nodejs20',
  'nodejs18',
  'nodejs16',
  'nodejs14',
  'nodejs12',
  'python3.10',
  'python3.9',
  'python3',
  'php7.2',
  'java11',
  'java8',
  'dotnetcore3.1',
  'go1',
  'custom.debian10',
  'custom',
  'custom-container',
] as const;
/**
 * Runtimes past phase 1 of FC's deprecation policy ("you can no longer create functions in the
 * runtime"): listed in older runtime pages and the ROS docstring, gone from the current list, and
 * flagged deprecated by Cloud Config's fc-function-runtime-check (except nodejs12, which that rule
 * flags but the runtime page still lists, so it is accepted here).
 */
export const FC_DEPRECATED_RUNTIMES = ['nodejs10', 'nodejs8', 'nodejs6', 'nodejs4.4', 'python2.7', 'dotnetcore2.1'] as const;

const runtime: Check = (p) => {
  const v = p.Runtime;
  if (!present(v)) return 'Runtime is required.';
  if ((FC_DEPRECATED_RUNTIMES as readonly string[]).includes(v))
    return `Runtime ${quote(v)} is deprecated; FC no longer creates functions on it (use nodejs20).`;
  if (!(FC_RUNTIMES as readonly string[]).includes(v)) return `Runtime ${quote(v)} is not an FC 2.0 runtime; it must be one of ${FC_RUNTIMES.join(', ')}.`;
  return undefined;
};

const PERFORMANCE_MEMORY = [4096, 8192, 16384, 32768];
const memorySize: Check = (p) => {
  const v = p.MemorySize;
  if (!present(v)) return undefined; // default 128 MB
  if (typeof v !== 'number' || !Number.isInteger(v)) return `MemorySize must be an integer number of MB, not ${quote(v)}.`;
  const type = p.InstanceType ?? 'e1';
  if (type === 'c1') {
    return PERFORMANCE_MEMORY.includes(v)
      ? undefined
      : `MemorySize is ${count(v)} MB; a performance instance (c1) takes ${PERFORMANCE_MEMORY.map(count).join(', ')} MB.`;
  }
  if (type !== 'e1') return undefined; // GPU instance types have rules of their own, not used here
  if (v < 128 || v > 3072 || v % 64 !== 0) return `MemorySize is ${count(v)} MB; an elastic instance takes 128 to 3,072 MB in steps of 64.`;
  return undefined;
};

/** Node.js, Python and PHP handlers are `<file>.<method>` (Java, Go, .NET and custom runtimes have other forms). */
const handler: Check = (p) => {
  const v = p.Handler;
  if (!present(v)) return 'Handler is required.';
  if (typeof v !== 'string') return `Handler must be a string, not ${typeof v}.`;
  if (!/^(nodejs|python|php)/.test(String(p.Runtime))) return undefined;
  return /^[^\s.][^\s]*\.[A-Za-z_$][\w$]*$/.test(v)
    ? undefined
    : `Handler ${quote(v)} is not <file>.<method> (e.g. index.handler), so every invocation would fail to find it.`;
};

const environmentSize: Check = (p) => {
  const env = p.EnvironmentVariables;
  if (!present(env) || typeof env !== 'object') return undefined;
  const bytes = environmentBytes(env);
  return bytes > FC_ENVIRONMENT_MAX_BYTES
    ? `EnvironmentVariables are ${count(bytes)} bytes as JSON; FC allows ${count(FC_ENVIRONMENT_MAX_BYTES)} in total.`
    : undefined;
};

/** Reserved by FC (FC_* is its own namespace; the others are names FC 2.0 sets itself). */
const FC_RESERVED_ENV = ['accessKeyID', 'accessKeySecret', 'securityToken', 'topic'];
const environmentKeys: Check = (p) => {
  const env = p.EnvironmentVariables;
  if (!present(env)) return undefined;
  if (typeof env !== 'object' || Array.isArray(env)) return 'EnvironmentVariables must be a map of names to values.';
  for (const key of Object.keys(env)) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key))
      return `EnvironmentVariables name ${quote(key)} must start with a letter and contain only letters, digits and underscores.`;
    if (key.startsWith('FC_') || FC_RESERVED_ENV.includes(key))
      return `EnvironmentVariables name ${quote(key)} is reserved by FC (FC_*, ${FC_RESERVED_ENV.join(', ')}).`;
  }
  return undefined;
};

const environmentValues: Check = (p) => {
  const env = p.EnvironmentVariables;
  if (!present(env) || typeof env !== 'object') return undefined;
  for (const [key, value] of Object.entries(env)) {
    // The value itself is never quoted: it may be a private key.
    if (typeof value !== 'string') return `EnvironmentVariables.${key} is ${value === null ? 'null' : typeof value}; FC takes only string values.`;
  }
  return undefined;
};

const code: Check = (p) => {
  const c = p.Code;
  if (!present(c)) return p.Runtime === 'custom-container' ? undefined : 'Code is required (ZipFile, SourceCode, or OssBucketName with OssObjectName).';
  if (typeof c !== 'object') return 'Code must be a map.';
  const bucket = present(c.OssBucketName) && c.OssBucketName !== '';
  const object = present(c.OssObjectName) && c.OssObjectName !== '';
  if (bucket !== object)
    return `Code.${bucket ? 'OssBucketName' : 'OssObjectName'} is set without Code.${bucket ? 'OssObjectName' : 'OssBucketName'}; the two go together.`;
  if (!bucket && !present(c.ZipFile) && !present(c.SourceCode)) return 'Code names no code: set ZipFile, SourceCode, or OssBucketName with OssObjectName.';
  return undefined;
};

const sourceCodeLength: Check = (p) => {
  const s = p.Code?.SourceCode;
  if (!present(s)) return undefined;
  return String(s).length > 4096 ? `Code.SourceCode is ${count(String(s).length)} characters; ROS accepts at most 4,096.` : undefined;
};

const logConfig: Check = (p) => {
  const l = p.LogConfig;
  if (!present(l)) return undefined;
  if (typeof l !== 'object') return 'LogConfig must be a map.';
  const project = present(l.Project) && l.Project !== '';
  const logstore = present(l.Logstore) && l.Logstore !== '';
  if (project !== logstore)
    return `LogConfig.${project ? 'Project' : 'Logstore'} is set without LogConfig.${project ? 'Logstore' : 'Project'}; FC needs both to write logs.`;
  return undefined;
};

/** HTTP trigger config as the template writes it (ROS style, PascalCase) or as the FC API names it (camelCase). */
const httpConfig = (p: Props): Props | undefined =>
  p.TriggerType === 'http' && p.TriggerConfig && typeof p.TriggerConfig === 'object' ? p.TriggerConfig : undefined;
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'];

const httpAuthType: Check = (p) => {
  if (p.TriggerType === 'http' && (!p.TriggerConfig || typeof p.TriggerConfig !== 'object')) return 'TriggerConfig is required for an http trigger.';
  const c = httpConfig(p);
  if (!c) return undefined;
  const v = c.AuthType ?? c.authType;
  if (!present(v)) return undefined; // FC's default is function
  // FC documents lower case; the 2020 template this project succeeds wrote ANONYMOUS, so case is not held against it.
  return typeof v === 'string' && ['anonymous', 'function'].includes(v.toLowerCase())
    ? undefined
    : `TriggerConfig.AuthType is ${quote(v)}; it must be anonymous or function.`;
};

const httpMethods: Check = (p) => {
  const c = httpConfig(p);
  if (!c) return undefined;
  const v = c.Methods ?? c.methods;
  if (!Array.isArray(v) || v.length === 0)
    return 'TriggerConfig.Methods must be a non-empty list of HTTP methods; an http trigger without one accepts no request.';
  const bad = v.filter((m) => !HTTP_METHODS.includes(m));
  if (bad.length) return `TriggerConfig.Methods contains ${bad.map(quote).join(', ')}; methods must be among ${HTTP_METHODS.join(', ')}.`;
  if (new Set(v).size !== v.length) return 'TriggerConfig.Methods lists a method twice.';
  return undefined;
};

/** Time trigger config (FC's TimeTriggerConfig), its keys read as the local FC reads them (timerConfigValue). */
const timerConfig = (p: Props): Props | undefined =>
  p.TriggerType === 'timer' && p.TriggerConfig && typeof p.TriggerConfig === 'object' ? p.TriggerConfig : undefined;

/** The schedule, read by the local FC's own parser (local/fc/schedule.ts, which cites the field table). */
const timerSchedule: Check = (p) => {
  if (p.TriggerType === 'timer' && (!p.TriggerConfig || typeof p.TriggerConfig !== 'object')) return 'TriggerConfig is required for a timer trigger.';
  const c = timerConfig(p);
  if (!c) return undefined;
  const v = timerConfigValue(c, 'cronExpression');
  if (!present(v)) return 'TriggerConfig.cronExpression is required for a timer trigger.';
  const problem = scheduleProblem(v);
  return problem ? `TriggerConfig.cronExpression ${quote(v)}: ${problem}.` : undefined;
};

const timerEnable: Check = (p) => {
  const c = timerConfig(p);
  const v = c && timerConfigValue(c, 'enable');
  return present(v) && typeof v !== 'boolean' ? `TriggerConfig.enable is ${quote(v)}; it must be true or false.` : undefined;
};

/** The payload is never quoted back: a trigger message may carry anything. */
const timerPayload: Check = (p) => {
  const c = timerConfig(p);
  const v = c && timerConfigValue(c, 'payload');
  if (!present(v)) return undefined;
  const problem = payloadProblem(typeof p.TriggerName === 'string' ? p.TriggerName : '', v);
  return problem ? `TriggerConfig.${problem}.` : undefined;
};

// ---------------------------------------------------------------------------------------------
// Tablestore specifics.
// ---------------------------------------------------------------------------------------------
const OTS_NAME = /^[_a-zA-Z][_a-zA-Z0-9]{0,254}$/; // tables and columns: 1-255, letters digits _, not starting with a digit

const primaryKeyColumns: Check = (p) => {
  const pk = p.PrimaryKey;
  if (!Array.isArray(pk)) return undefined; // the count row reports it
  for (const [i, col] of pk.entries()) {
    if (!['INTEGER', 'STRING', 'BINARY'].includes(col?.Type))
      return `PrimaryKey[${i}].Type is ${quote(col?.Type)}; a primary key column is INTEGER, STRING or BINARY.`;
    if (typeof col?.Name !== 'string' || !OTS_NAME.test(col.Name))
      return `PrimaryKey[${i}].Name ${quote(col?.Name)} must be 1 to 255 letters, digits or underscores, not starting with a digit.`;
  }
  if (new Set(pk.map((c: Props) => c.Name)).size !== pk.length) return 'PrimaryKey names a column twice.';
  return undefined;
};

const timeToLive: Check = (p) => {
  const v = p.TimeToLive;
  if (!present(v)) return undefined; // default -1
  if (typeof v !== 'number' || !Number.isInteger(v)) return `TimeToLive must be an integer number of seconds, not ${quote(v)}.`;
  if (v === -1 || (v >= 86400 && v <= 2147483647)) return undefined;
  return `TimeToLive is ${count(v)} seconds; Tablestore takes -1 (never expire) or 86,400 (one day) to 2,147,483,647.`;
};

const networkTypeAcl: Check = (p) => subsetOf('NetworkTypeACL', ['INTERNET', 'VPC', 'CLASSIC'])({ NetworkTypeACL: p.NetworkTypeACL ?? p.NetworkTypeAcl });
const networkSourceAcl: Check = (p) => subsetOf('NetworkSourceACL', ['TRUST_PROXY'])({ NetworkSourceACL: p.NetworkSourceACL ?? p.NetworkSourceAcl });

// ---------------------------------------------------------------------------------------------
// RAM specifics.
// ---------------------------------------------------------------------------------------------
const policies = (p: Props): Props[] => (Array.isArray(p.Policies) ? p.Policies : []);
const policyLabel = (policy: Props, i: number): string => `Policies[${i}]${typeof policy?.PolicyName === 'string' ? ` (${policy.PolicyName})` : ''}`;

const policyDocumentSize: Check = (p) => {
  for (const [i, policy] of policies(p).entries()) {
    const doc = policy?.PolicyDocument;
    if (!present(doc)) return `${policyLabel(policy, i)}.PolicyDocument is required.`;
    const n = typeof doc === 'string' ? doc.length : policyChars(doc);
    if (n > RAM_POLICY_MAX_CHARS)
      return `${policyLabel(policy, i)}.PolicyDocument is ${count(n)} characters as JSON; RAM allows ${count(RAM_POLICY_MAX_CHARS)} for a custom policy.`;
  }
  return undefined;
};

const policyName: Check = (p) => {
  for (const [i, policy] of policies(p).entries()) {
    const v = policy?.PolicyName;
    if (typeof v !== 'string' || !/^[A-Za-z0-9-]{1,128}$/.test(v)) return `Policies[${i}].PolicyName ${quote(v)} must be 1 to 128 letters, digits or hyphens.`;
  }
  return undefined;
};

/** Every `Resource` string of the role's inline policies. */
function* policyResources(p: Props): Generator<[string, string]> {
  for (const [i, policy] of policies(p).entries()) {
    const statements = policy?.PolicyDocument?.Statement;
    for (const s of Array.isArray(statements) ? statements : statements ? [statements] : []) {
      for (const r of Array.isArray(s?.Resource) ? s.Resource : [s?.Resource]) if (typeof r === 'string') yield [policyLabel(policy, i), r];
    }
  }
}
const otsInstanceLowerCase: Check = (p) => {
  for (const [label, resource] of policyResources(p)) {
    const name = /^acs:ots:[^:]*:[^:]*:instance\/([^/]+)/.exec(resource)?.[1];
    if (name && name !== name.toLowerCase()) {
      return `${label} names Tablestore instance ${quote(name)} in a Resource; RAM compares instance names in lower case, so it must read ${quote(name.toLowerCase())} or every call to that instance is denied.`;
    }
  }
  return undefined;
};

// ---------------------------------------------------------------------------------------------
// Simple Log Service specifics.
// ---------------------------------------------------------------------------------------------
const indexTypes: Check = (p) => {
  const keys = p.KeyIndices;
  if (!present(keys)) return undefined;
  if (!Array.isArray(keys)) return 'KeyIndices must be a list.';
  for (const [i, k] of keys.entries()) {
    if (!['text', 'long', 'double', 'json'].includes(k?.Type)) return `KeyIndices[${i}].Type is ${quote(k?.Type)}; it must be text, long, double or json.`;
    for (const [j, jk] of (Array.isArray(k.JsonKeyIndices) ? k.JsonKeyIndices : []).entries()) {
      if (!['text', 'long', 'double'].includes(jk?.Type))
        return `KeyIndices[${i}].JsonKeyIndices[${j}].Type is ${quote(jk?.Type)}; it must be text, long or double.`;
    }
  }
  return undefined;
};

const fullTextIndex: Check = (p) => (present(p.FullTextIndex) ? undefined : 'FullTextIndex is required (set Enable: false to index fields only).');

// ---------------------------------------------------------------------------------------------
// The table.
// ---------------------------------------------------------------------------------------------
const row = (type: string, rule: string, source: string, phase: Constraint['phase'], check: Check): Constraint => ({ type, rule, source, phase, check });

const FC_SERVICE = 'ALIYUN::FC::Service';
const FC_FUNCTION = 'ALIYUN::FC::Function';
const FC_TRIGGER = 'ALIYUN::FC::Trigger';
const OTS_INSTANCE = 'ALIYUN::OTS::Instance';
const OTS_INSTANCE_V2 = 'ALIYUN::OTS::InstanceV2';
const OTS_TABLE = 'ALIYUN::OTS::Table';
const RAM_ROLE = 'ALIYUN::RAM::Role';
const SLS_PROJECT = 'ALIYUN::SLS::Project';
const SLS_LOGSTORE = 'ALIYUN::SLS::Logstore';
const SLS_INDEX = 'ALIYUN::SLS::Index';

export const CONSTRAINTS: readonly Constraint[] = [
  // Function Compute 2.0: service
  row(FC_SERVICE, 'ServiceName is 1 to 128 characters', SRC.rosFcService, 'validate', length('ServiceName', 1, 128)),
  row(
    FC_SERVICE,
    'ServiceName has only letters, digits, _ and -, and starts with a letter or _',
    SRC.rosFcService,
    'create',
    pattern('ServiceName', /^[A-Za-z_][A-Za-z0-9_-]*$/, 'must contain only letters, digits, underscores and hyphens, and start with a letter or underscore'),
  ),
  row(
    FC_SERVICE,
    'Role, when set, is a RAM role ARN acs:ram::<account>:role/<name>',
    SRC.rosFcService,
    'create',
    pattern('Role', /^acs:ram::\d+:role\/[A-Za-z0-9.-]{1,64}$/, 'is not a RAM role ARN (acs:ram::<account-id>:role/<role-name>)', false),
  ),
  row(FC_SERVICE, 'LogConfig sets Project and Logstore together', SRC.fcLogConfig, 'create', logConfig),

  // Function Compute 2.0: function
  row(
    FC_FUNCTION,
    'FunctionName is 1 to 64 letters, digits, _ or -, not starting with a digit or -',
    SRC.fcCreateFunction,
    'create',
    pattern('FunctionName', /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'must be 1 to 64 letters, digits, underscores or hyphens, not starting with a digit or hyphen'),
  ),
  row(FC_FUNCTION, `Runtime is a supported FC 2.0 runtime (not the deprecated ${FC_DEPRECATED_RUNTIMES.join(', ')})`, SRC.fcRuntimes, 'create', runtime),
  row(
    FC_FUNCTION,
    'MemorySize is 128 to 3,072 MB in steps of 64 on elastic instances (4,096/8,192/16,384/32,768 on c1)',
    SRC.fcInstanceTypes,
    'create',
    memorySize,
  ),
  row(FC_FUNCTION, 'Timeout is 1 to 86,400 seconds', SRC.rosFcFunction, 'validate', range('Timeout', 1, 86400)),
  row(FC_FUNCTION, 'Handler is <file>.<method> for Node.js, Python and PHP runtimes', SRC.fcNodeHandler, 'runtime', handler),
  row(FC_FUNCTION, 'EnvironmentVariables are at most 4 KB in total (counted as the UTF-8 bytes of their JSON)', SRC.fcEnvironment, 'create', environmentSize),
  row(
    FC_FUNCTION,
    'EnvironmentVariables names start with a letter, have only letters, digits and _, and are not reserved (FC_*)',
    SRC.fcEnvironment,
    'create',
    environmentKeys,
  ),
  row(FC_FUNCTION, 'EnvironmentVariables values are strings', SRC.fcEnvironment, 'create', environmentValues),
  row(FC_FUNCTION, 'InstanceConcurrency, when set, is 1 to 100', SRC.rosFcFunction, 'validate', range('InstanceConcurrency', 1, 100)),
  row(FC_FUNCTION, 'Code gives ZipFile, SourceCode, or OssBucketName with OssObjectName', SRC.rosFcFunction, 'create', code),
  row(FC_FUNCTION, 'Code.SourceCode is at most 4,096 characters', SRC.rosFcFunction, 'validate', sourceCodeLength),

  // Function Compute 2.0: trigger
  row(
    FC_TRIGGER,
    'TriggerName is 1 to 128 letters, digits, - or _, starting with a letter or _',
    SRC.rosFcTrigger,
    'create',
    pattern('TriggerName', /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/, 'must be 1 to 128 letters, digits, hyphens or underscores, starting with a letter or underscore'),
  ),
  row(
    FC_TRIGGER,
    'TriggerType is oss, log, tablestore, timer, mns_topic, cdn_events or http',
    SRC.rosFcTrigger,
    'create',
    oneOf('TriggerType', ['oss', 'log', 'tablestore', 'timer', 'mns_topic', 'cdn_events', 'http'], true),
  ),
  row(FC_TRIGGER, 'http: TriggerConfig.AuthType (or authType) is anonymous or function', SRC.fcHttpTriggerConfig, 'create', httpAuthType),
  row(
    FC_TRIGGER,
    `http: TriggerConfig.Methods (or methods) is a non-empty subset of ${HTTP_METHODS.join(', ')}`,
    SRC.fcHttpTriggerConfig,
    'create',
    httpMethods,
  ),
  row(
    FC_TRIGGER,
    'timer: TriggerConfig.cronExpression (or CronExpression) is "@every <n>s|m|h" of at least 1 minute, or six cron fields in UTC (or after CRON_TZ=<zone>)',
    SRC.fcTimeTriggers,
    'create',
    timerSchedule,
  ),
  row(FC_TRIGGER, 'timer: TriggerConfig.enable (or Enable), when set, is true or false', SRC.fcTimeTriggerConfig, 'create', timerEnable),
  row(
    FC_TRIGGER,
    `timer: TriggerConfig.payload (or Payload), when set, is a string that leaves the timer event within ${count(MAX_TIMER_EVENT_BYTES / 1024)} KB (the asynchronous invocation limit; FC documents none for timers)`,
    SRC.fcAsyncPayload,
    'create',
    timerPayload,
  ),

  // Tablestore: instance
  row(
    OTS_INSTANCE,
    'InstanceName is 3 to 16 letters, digits or -, starting with a letter, not ending with -',
    SRC.rosOtsInstance,
    'validate',
    pattern(
      'InstanceName',
      /^[a-zA-Z][-a-zA-Z0-9]{1,14}[a-zA-Z0-9]$/,
      'must be 3 to 16 letters, digits or hyphens, start with a letter and not end with a hyphen',
    ),
  ),
  row(OTS_INSTANCE, 'InstanceName contains none of the words ali, ay, ots, taobao, admin', SRC.otsLimits, 'create', otsReservedWords),
  row(OTS_INSTANCE, 'ClusterType, when set, is SSD or HYBRID', SRC.rosOtsInstance, 'validate', oneOf('ClusterType', ['SSD', 'HYBRID'])),
  row(OTS_INSTANCE, 'Network, when set, is NORMAL, VPC or VPC_CONSOLE', SRC.rosOtsInstance, 'validate', oneOf('Network', ['NORMAL', 'VPC', 'VPC_CONSOLE'])),

  // Tablestore: instance (new API)
  row(OTS_INSTANCE_V2, 'InstanceName is 3 to 16 characters', SRC.rosOtsInstanceV2, 'validate', length('InstanceName', 3, 16)),
  row(
    OTS_INSTANCE_V2,
    'InstanceName has only letters, digits and -, starts with a letter, does not end with -',
    SRC.otsCreateInstance,
    'create',
    pattern(
      'InstanceName',
      /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/,
      'must contain only letters, digits and hyphens, start with a letter and not end with a hyphen',
    ),
  ),
  row(OTS_INSTANCE_V2, 'InstanceName contains none of the words ali, ay, ots, taobao, admin', SRC.otsCreateInstance, 'create', otsReservedWords),
  row(OTS_INSTANCE_V2, 'ClusterType is SSD or HYBRID', SRC.rosOtsInstanceV2, 'validate', oneOf('ClusterType', ['SSD', 'HYBRID'], true)),
  row(OTS_INSTANCE_V2, 'NetworkTypeACL is a subset of INTERNET, VPC, CLASSIC', SRC.rosOtsInstanceV2, 'create', networkTypeAcl),
  row(OTS_INSTANCE_V2, 'NetworkSourceACL is a subset of TRUST_PROXY', SRC.rosOtsInstanceV2, 'create', networkSourceAcl),

  // Tablestore: table
  row(
    OTS_TABLE,
    'TableName is 1 to 255 letters, digits or _, not starting with a digit',
    SRC.otsLimits,
    'validate',
    pattern('TableName', OTS_NAME, 'must be 1 to 255 letters, digits or underscores, not starting with a digit'),
  ),
  row(OTS_TABLE, 'PrimaryKey has 1 to 4 columns', SRC.otsLimits, 'validate', items('PrimaryKey', 1, 4)),
  row(OTS_TABLE, 'PrimaryKey columns are INTEGER, STRING or BINARY, with valid distinct names', SRC.otsLimits, 'validate', primaryKeyColumns),
  row(OTS_TABLE, 'TimeToLive is -1 or 86,400 to 2,147,483,647 seconds', SRC.otsTableOptions, 'create', timeToLive),
  row(OTS_TABLE, 'MaxVersions is 1 to 2,147,483,647', SRC.otsTableOptions, 'validate', range('MaxVersions', 1, 2147483647)),

  // RAM: role
  row(
    RAM_ROLE,
    'RoleName is 1 to 64 letters, digits, . or -',
    SRC.rosRamRole,
    'create',
    pattern('RoleName', /^[A-Za-z0-9.-]{1,64}$/, 'must be 1 to 64 letters, digits, periods or hyphens'),
  ),
  row(RAM_ROLE, 'MaxSessionDuration is 3,600 to 43,200 seconds', SRC.rosRamRole, 'validate', range('MaxSessionDuration', 3600, 43200)),
  row(
    RAM_ROLE,
    `AssumeRolePolicyDocument is at most ${count(RAM_TRUST_POLICY_MAX_CHARS)} characters as JSON (conservative: RAM does not publish the number)`,
    SRC.ramCreateRoleErrors,
    'create',
    documentSize('AssumeRolePolicyDocument', RAM_TRUST_POLICY_MAX_CHARS, 'a trust policy (conservatively)'),
  ),
  row(RAM_ROLE, `each Policies[].PolicyDocument is at most ${count(RAM_POLICY_MAX_CHARS)} characters as JSON`, SRC.ramLimits, 'create', policyDocumentSize),
  row(RAM_ROLE, 'each Policies[].PolicyName is 1 to 128 letters, digits or -', SRC.ramCreatePolicy, 'create', policyName),
  row(
    RAM_ROLE,
    'a policy Resource acs:ots:<region>:<account>:instance/<name>... names the instance in lower case',
    SRC.otsRamPolicy,
    'runtime',
    otsInstanceLowerCase,
  ),

  // Simple Log Service
  row(SLS_PROJECT, 'Name is 3 to 63 characters', SRC.rosSlsProject, 'validate', length('Name', 3, 63)),
  row(
    SLS_PROJECT,
    'Name has only lower-case letters, digits and -, and starts and ends with a letter or digit',
    SRC.rosSlsProject,
    'create',
    pattern('Name', /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'must contain only lower-case letters, digits and hyphens, and start and end with a letter or digit'),
  ),
  row(SLS_LOGSTORE, 'LogstoreName is 3 to 63 characters', SRC.rosSlsLogstore, 'validate', length('LogstoreName', 3, 63)),
  row(
    SLS_LOGSTORE,
    'LogstoreName has only lower-case letters, digits, - and _, and starts and ends with a letter or digit',
    SRC.slsLogstore,
    'create',
    pattern(
      'LogstoreName',
      /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/,
      'must contain only lower-case letters, digits, hyphens and underscores, and start and end with a letter or digit',
    ),
  ),
  row(SLS_LOGSTORE, 'TTL is 1 to 3,600 days', SRC.rosSlsLogstore, 'validate', range('TTL', 1, 3600)),
  row(SLS_LOGSTORE, 'ShardCount is 1 to 100', SRC.rosSlsLogstore, 'validate', range('ShardCount', 1, 100)),
  row(SLS_LOGSTORE, 'MaxSplitShard is 1 to 64', SRC.rosSlsLogstore, 'validate', range('MaxSplitShard', 1, 64)),
  row(SLS_INDEX, 'FullTextIndex is given', SRC.rosSlsIndex, 'validate', fullTextIndex),
  row(SLS_INDEX, 'KeyIndices types are text, long, double or json (JSON keys: text, long, double)', SRC.rosSlsIndex, 'validate', indexTypes),
];

/** The rows for one resource type. */
export const constraintsOf = (type: string): readonly Constraint[] => CONSTRAINTS.filter((c) => c.type === type);
