/**
 * The order ROS creates resources in: a resource waits for every resource it names with `Ref`,
 * `Fn::GetAtt`, `Fn::Sub` or `DependsOn`. Nothing else orders creation, so a resource that needs
 * another one (an FC service needs its role) but only names it through a string must say DependsOn.
 * A cycle or a reference to no resource fails validation, as it does in ROS.
 */
import { referencedNames } from './intrinsics';

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
}

/** Logical ids in creation order (template order among independent resources), or the problems. */
export function creationOrder(resources: Record<string, TemplateResource>, isParameter: (name: string) => boolean): { order: string[]; problems: string[] } {
  const problems: string[] = [];
  const needs = new Map<string, string[]>();
  for (const [id, r] of Object.entries(resources)) {
    const deps = new Set<string>();
    for (const name of referencedNames(r.Properties ?? {})) {
      if (name in resources) deps.add(name);
      else if (!isParameter(name) && !name.startsWith('ALIYUN::'))
        problems.push(`Resource ${id} refers to "${name}", which is neither a parameter nor a resource.`);
    }
    for (const d of ([] as string[]).concat(r.DependsOn ?? [])) {
      if (d in resources) deps.add(d);
      else problems.push(`Resource ${id} DependsOn "${d}", which is not a resource of this template.`);
    }
    deps.delete(id);
    needs.set(id, [...deps]);
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      problems.push(`Circular dependency: ${[...path.slice(path.indexOf(id)), id].join(' -> ')}.`);
      return;
    }
    state.set(id, 'visiting');
    for (const d of needs.get(id) ?? []) visit(d, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of Object.keys(resources)) visit(id, []);
  return { order, problems };
}
