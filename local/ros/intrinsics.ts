/**
 * ROS intrinsic functions: the ones the synthesized template uses, resolved as ROS resolves them.
 * An unknown function is an error, never passed through: a template local mode can't read would be a
 * template whose meaning we don't know.
 */
export interface Scope {
  /** A parameter, pseudo parameter or resource name (`Ref`). */
  ref(name: string): unknown;
  /** `Fn::GetAtt [logicalId, attribute]`. */
  attribute(logicalId: string, attribute: string): unknown;
}

export function resolve(v: unknown, scope: Scope): unknown {
  if (Array.isArray(v)) return v.map((x) => resolve(x, scope));
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    const [fn] = keys;
    const arg = o[fn];
    switch (fn) {
      case 'Ref':
        return scope.ref(arg as string);
      case 'Fn::GetAtt': {
        const [id, attr] = arg as [string, string];
        return scope.attribute(id, attr);
      }
      case 'Fn::Sub':
        return sub(arg as string | [string, Record<string, unknown>], scope);
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (resolve(parts, scope) as unknown[]).join(sep);
      }
      case 'Fn::Select': {
        const [i, list] = arg as [unknown, unknown];
        return (resolve(list, scope) as unknown[])[Number(resolve(i, scope))];
      }
      default:
        throw new Error(`the local ROS does not implement ${fn}`);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolve(o[k], scope)]));
}

const SUB_VARIABLE = /\$\{([^}]+)\}/g;

function sub(arg: string | [string, Record<string, unknown>], scope: Scope): string {
  const [body, vars] = typeof arg === 'string' ? [arg, {}] : arg;
  return body.replace(SUB_VARIABLE, (_, name: string) => {
    if (name in vars) return String(resolve(vars[name], scope));
    if (name.includes('.')) {
      const [id, attr] = name.split('.');
      return String(scope.attribute(id, attr));
    }
    return String(scope.ref(name));
  });
}

/** Names a value refers to: `Ref`s, `Fn::GetAtt` ids and `${X}` / `${X.Attr}` in `Fn::Sub` (not its own variables). */
export function referencedNames(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) {
    for (const x of v) referencedNames(x, out);
    return out;
  }
  if (v === null || typeof v !== 'object') return out;
  const o = v as Record<string, unknown>;
  for (const [k, arg] of Object.entries(o)) {
    if (k === 'Ref' && typeof arg === 'string') out.add(arg);
    else if (k === 'Fn::GetAtt' && Array.isArray(arg)) out.add(String(arg[0]));
    else if (k === 'Fn::Sub') {
      const [body, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
      for (const [, name] of body.matchAll(SUB_VARIABLE)) if (!(name in vars)) out.add(name.split('.')[0]);
      referencedNames(vars, out);
    } else referencedNames(arg, out);
  }
  return out;
}
