/**
 * Test helper (not a test): types for a ROS template and small, generic ways to query it.
 * `resolve` evaluates the intrinsics this stack uses (Ref, Fn::GetAtt, Fn::Sub, Fn::Join) down to plain
 * strings, so a test can say "this ARN is the ARN of that resource" instead of comparing
 * token shapes.
 */

export interface Resource {
  Type: string;
  Properties?: Record<string, any>;
  DependsOn?: string[];
  [key: string]: unknown;
}

export interface Parameter {
  Type: string;
  Default?: unknown;
  NoEcho?: unknown;
  AllowedPattern?: string;
  ConstraintDescription?: unknown;
  MinLength?: number;
  MaxLength?: number;
  [key: string]: unknown;
}

export interface Template {
  Parameters?: Record<string, Parameter>;
  Resources?: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
  [key: string]: unknown;
}

export const resourcesOfType = (template: Template, type: string): Array<[string, Resource]> =>
  Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === type);

/** The one resource of `type` for which `where` holds; fails if there are none or several. */
export function only(template: Template, type: string, where: (r: Resource) => boolean = () => true): [string, Resource] {
  const found = resourcesOfType(template, type).filter(([, r]) => where(r));
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${type} matching, found ${found.length}: ${found.map(([id]) => id).join(', ')}`);
  }
  return found[0];
}

/** `x` or `[x, ...]` as an array (policy Action/Resource may be either). */
export const asArray = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every node of a JSON value, with its path, depth first. */
export function* walk(value: unknown, path: string = '$'): Generator<[string, unknown]> {
  yield [path, value];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* walk(value[i], `${path}[${i}]`);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) yield* walk(v, `${path}.${k}`);
  }
}

/** Paths of all `{"Ref": name}` nodes in `value`. */
export const refsTo = (value: unknown, name: string): string[] =>
  [...walk(value)].filter(([, v]) => isObject(v) && Object.keys(v).length === 1 && v.Ref === name).map(([p]) => p);

export const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Pseudo parameters resolve to these markers. */
export const REGION = '<Region>';
export const ACCOUNT = '<AccountId>';
const PSEUDO: Record<string, string> = { 'ALIYUN::Region': REGION, 'ALIYUN::AccountId': ACCOUNT };

/**
 * What a `Fn::GetAtt` of this stack's resource types evaluates to, from the resource's own
 * properties (resolved in turn). Anything not listed stays an opaque `<GetAtt:Id.Attr>` marker.
 */
const ATTRIBUTES: Record<string, Record<string, (props: Record<string, any>, t: Template) => string>> = {
  'ALIYUN::OTS::InstanceV2': { InstanceName: (p, t) => resolve(t, p.InstanceName) },
  'ALIYUN::OTS::Table': { TableName: (p, t) => resolve(t, p.TableName) },
  'ALIYUN::SLS::Project': { Name: (p, t) => resolve(t, p.Name) },
  'ALIYUN::SLS::Logstore': { LogstoreName: (p, t) => resolve(t, p.LogstoreName), ProjectName: (p, t) => resolve(t, p.ProjectName) },
  'ALIYUN::RAM::Role': { Arn: (p, t) => `acs:ram::${ACCOUNT}:role/${resolve(t, p.RoleName)}`, RoleName: (p, t) => resolve(t, p.RoleName) },
  'ALIYUN::FC::Service': { ServiceName: (p, t) => resolve(t, p.ServiceName) },
  'ALIYUN::FC::Function': { FunctionName: (p, t) => resolve(t, p.FunctionName), ServiceName: (p, t) => resolve(t, p.ServiceName) },
};

/**
 * Evaluates Ref / Fn::GetAtt / Fn::Sub / Fn::Join to a string. A parameter resolves to `<param:Name>`,
 * a pseudo parameter to `<Region>` / `<AccountId>`. Throws on anything else, so a test can't
 * silently compare an unresolved shape.
 */
export function resolve(template: Template, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (!isObject(value) || Object.keys(value).length !== 1) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  if ('Ref' in value) {
    const name = value.Ref as string;
    if (name in PSEUDO) return PSEUDO[name];
    if (template.Parameters && name in template.Parameters) return `<param:${name}>`;
    throw new Error(`Ref to unknown ${name}`);
  }
  if ('Fn::GetAtt' in value) {
    const [id, attr] = value['Fn::GetAtt'] as [string, string];
    const resource = template.Resources?.[id];
    if (!resource) throw new Error(`Fn::GetAtt of unknown resource ${id}`);
    const attribute = ATTRIBUTES[resource.Type]?.[attr];
    return attribute ? attribute(resource.Properties ?? {}, template) : `<GetAtt:${id}.${attr}>`;
  }
  if ('Fn::Join' in value) {
    const [separator, parts] = value['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolve(template, part)).join(separator);
  }
  if ('Fn::Sub' in value) {
    const sub = value['Fn::Sub'];
    const [body, vars] = (Array.isArray(sub) ? sub : [sub, {}]) as [string, Record<string, unknown>];
    return body.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
      if (name in vars) return resolve(template, vars[name]);
      if (name in PSEUDO) return PSEUDO[name];
      throw new Error(`Fn::Sub variable \${${name}} is neither in the variable map nor a pseudo parameter`);
    });
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}
