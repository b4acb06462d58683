import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The synthesized template, read the way ROS would: parameters, pseudo parameters and intrinsic
 * functions are resolved here, so local mode runs exactly what `ros-cdk deploy` would create.
 */
export interface Template {
  Parameters?: Record<string, { Type: string; Default?: unknown; NoEcho?: boolean; AllowedPattern?: string }>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: unknown }>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

export interface CloudAssembly {
  outdir: string;
  stackName: string;
  template: Template;
  /** OSS object key (`<hash>.zip`) → the staged asset directory that `ros-cdk deploy` would zip. */
  assetDirs: Map<string, string>;
}

/** Reads the one stack of a synthesized app from `outdir` (cdk.out). */
export function readCloudAssembly(outdir: string): CloudAssembly {
  const templates = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'));
  if (templates.length !== 1) throw new Error(`expected one stack template in ${outdir}, found ${templates.length}; run npm run synth`);
  const stackName = templates[0].replace(/\.template\.json$/, '');
  const template = JSON.parse(fs.readFileSync(path.join(outdir, templates[0]), 'utf8')) as Template;
  const assets = JSON.parse(fs.readFileSync(path.join(outdir, `${stackName}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string; packaging: string }; destinations: Record<string, { objectKey: string }> }>;
  };
  const assetDirs = new Map<string, string>();
  for (const file of Object.values(assets.files)) {
    if (file.source.packaging !== 'zip') continue;
    for (const d of Object.values(file.destinations)) assetDirs.set(d.objectKey, path.join(outdir, file.source.path));
  }
  return { outdir, stackName, template, assetDirs };
}

export type AttributeResolver = (logicalId: string, attribute: string, resource: ResolvedResource) => unknown;

export interface ResolvedResource {
  logicalId: string;
  type: string;
  props: Record<string, any>;
}

export interface StackContext {
  parameters: Record<string, string>;
  accountId: string;
  region: string;
  stackName: string;
  /** Attributes that only the running local cloud knows (endpoints, URLs); others default to the same-named property. */
  attribute?: AttributeResolver;
}

export class ResolvedStack {
  private readonly cache = new Map<string, ResolvedResource>();

  constructor(
    readonly template: Template,
    private readonly ctx: StackContext,
  ) {
    for (const [name, p] of Object.entries(template.Parameters ?? {})) {
      const value = ctx.parameters[name] ?? p.Default;
      if (value === undefined) throw new Error(`parameter ${name} has no value and no default`);
      if (p.AllowedPattern && !new RegExp(p.AllowedPattern).test(String(value))) {
        throw new Error(`parameter ${name} does not match its AllowedPattern ${p.AllowedPattern}`);
      }
    }
  }

  resource(logicalId: string): ResolvedResource {
    let r = this.cache.get(logicalId);
    if (!r) {
      const raw = this.template.Resources[logicalId];
      if (!raw) throw new Error(`template has no resource ${logicalId}`);
      r = { logicalId, type: raw.Type, props: this.resolve(raw.Properties ?? {}) as Record<string, any> };
      this.cache.set(logicalId, r);
    }
    return r;
  }

  resourcesOfType(type: string): ResolvedResource[] {
    return Object.entries(this.template.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => this.resource(id));
  }

  outputs(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.template.Outputs ?? {}).map(([k, o]) => [k, this.resolve(o.Value)]));
  }

  resolve(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.resolve(x));
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const [k] = keys;
      const arg = o[k];
      switch (k) {
        case 'Ref':
          return this.ref(arg as string);
        case 'Fn::GetAtt': {
          const [id, attr] = arg as [string, string];
          return this.attribute(id, attr);
        }
        case 'Fn::Sub':
          return this.sub(arg as string | [string, Record<string, unknown>]);
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).join(sep);
        }
        case 'Fn::Select': {
          const [i, list] = arg as [unknown, unknown];
          return (this.resolve(list) as unknown[])[Number(this.resolve(i))];
        }
        default:
          if (k.startsWith('Fn::')) throw new Error(`local mode does not implement ${k}`);
      }
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(o[k])]));
  }

  private ref(name: string): unknown {
    const pseudo: Record<string, string> = {
      'ALIYUN::AccountId': this.ctx.accountId,
      'ALIYUN::Region': this.ctx.region,
      'ALIYUN::StackName': this.ctx.stackName,
      'ALIYUN::StackId': `local-${this.ctx.stackName}`,
      'ALIYUN::TenantId': this.ctx.accountId,
    };
    if (name in pseudo) return pseudo[name];
    const p = this.template.Parameters?.[name];
    if (p) return this.ctx.parameters[name] ?? p.Default;
    if (this.template.Resources[name]) return this.attribute(name, 'Ref');
    throw new Error(`unresolvable Ref ${name}`);
  }

  private attribute(logicalId: string, attr: string): unknown {
    const r = this.resource(logicalId);
    const fromCloud = this.ctx.attribute?.(logicalId, attr, r);
    if (fromCloud !== undefined) return fromCloud;
    if (r.type === 'ALIYUN::RAM::Role' && attr === 'Arn') return `acs:ram::${this.ctx.accountId}:role/${r.props.RoleName}`;
    if (r.type === 'ALIYUN::SLS::Project' && attr === 'Name') return r.props.Name;
    if (attr in r.props) return r.props[attr];
    throw new Error(`local mode can't resolve ${logicalId}.${attr} (${r.type})`);
  }

  private sub(arg: string | [string, Record<string, unknown>]): string {
    const [body, vars] = typeof arg === 'string' ? [arg, {}] : arg;
    return body.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (name in vars) return String(this.resolve(vars[name]));
      if (name.includes('.')) {
        const [id, attr] = name.split('.');
        return String(this.attribute(id, attr));
      }
      return String(this.ref(name));
    });
  }
}
