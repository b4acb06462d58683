import type { PolicyDocument, Principal } from './credentials';

const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

/** RAM wildcard match: `*` any run of characters, `?` one character; actions compare case-insensitively. */
function matches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, ignoreCase ? 'i' : '').test(value);
}

/** RAM evaluation of one document: an explicit Deny wins, otherwise any Allow, otherwise implicit deny. */
export function documentAllows(doc: PolicyDocument, action: string, resource: string): boolean {
  let allowed = false;
  for (const s of doc.Statement) {
    const hit = asList(s.Action).some((a) => matches(a, action, true)) && asList(s.Resource).some((r) => matches(r, resource, false));
    if (!hit) continue;
    if (s.Effect === 'Deny') return false;
    allowed = true;
  }
  return allowed;
}

/** What a principal may do: allowed by one of its role's policies and, when it has one, by its session policy. */
export function principalAllows(p: Principal, action: string, resource: string): boolean {
  const byRole = p.rolePolicies.some((d) => documentAllows(d, action, resource));
  const bySession = p.sessionPolicy ? documentAllows(p.sessionPolicy, action, resource) : true;
  return byRole && bySession;
}
