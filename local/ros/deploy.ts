/**
 * The local ROS: deploys a synthesized template the way ROS's CreateStack does, without creating
 * anything in a cloud. It
 * 1. validates the template (size, counts, format version, resource types) and the parameter
 *    values (parameters.ts), and lists every problem at once: StackValidationFailed;
 * 2. orders the resources by their references and DependsOn (order.ts);
 * 3. resolves each resource's properties (intrinsics.ts) with the attributes earlier resources
 *    returned (attributes.ts) and checks the documented constraints of its type (constraints.ts):
 *    ROS's own checks fail validation before anything is created;
 * 4. "creates" each resource in order: what it names must exist by then (references.ts), and the
 *    service's own limits apply; the first refusal fails the stack: CREATE_FAILED.
 * LocalCloud starts its emulators from the result; `npm run preflight` runs steps 1-4 with a
 * deployer's real parameter values.
 */
import { ATTRIBUTES, SUPPORTED_TYPES } from './attributes';
import { constraintsOf } from './constraints';
import { RosError, createFailed, validationFailed } from './errors';
import { resolve, type Scope } from './intrinsics';
import { creationOrder, type TemplateResource } from './order';
import { checkParameters, type ParameterDeclaration } from './parameters';
import { missingReference, type Created } from './references';

export interface RosTemplate {
  ROSTemplateFormatVersion?: string;
  Parameters?: Record<string, ParameterDeclaration>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

export interface DeployInput {
  template: RosTemplate;
  /** Values given at deploy time (`ros-cdk deploy --parameters Key=Value`); the rest take their Default. */
  parameters: Record<string, string>;
  accountId: string;
  region: string;
  stackName: string;
}

export interface DeployedResource extends Created {
  logicalId: string;
}

export interface DeployedStack {
  /** In creation order. */
  resources: DeployedResource[];
  parameters: Record<string, string>;
  outputs: Record<string, unknown>;
}

/**
 * Limits of a whole template, with their sources. Resource-level limits live in constraints.ts.
 * CreateStack: "The template body must be 1 to 524,288 bytes", "up to 200 resources in a stack",
 * Parameters.N "Maximum value of N: 200" (https://www.alibabacloud.com/help/en/ros/developer-reference/api-ros-2019-09-10-createstack).
 */
export const MAX_TEMPLATE_BYTES = 524_288;
export const MAX_RESOURCES = 200;
export const MAX_PARAMETERS = 200;
/** The only format version ROS accepts (ROS template structure). */
export const FORMAT_VERSION = '2015-09-01';

export function deployStack(input: DeployInput): DeployedStack {
  const { template } = input;
  const problems = templateProblems(template);
  const declared = template.Parameters ?? {};
  const params = checkParameters(declared, input.parameters);
  problems.push(...params.problems);
  const { order, problems: orderProblems } = creationOrder(template.Resources, (name) => name in declared);
  problems.push(...orderProblems);
  if (problems.length) throw validationFailed(problems);

  const created = new Map<string, DeployedResource>();
  const scope: Scope = {
    ref: (name) => {
      const pseudo = pseudoParameter(name, input);
      if (pseudo !== undefined) return pseudo;
      if (name in params.values) return params.values[name];
      return attributeOf(name, 'Ref');
    },
    attribute: (id, attr) => attributeOf(id, attr),
  };
  function attributeOf(id: string, attr: string): unknown {
    const r = created.get(id);
    if (!r) throw new RosError('StackValidationFailed', `Resource ${id} is used before it is created.`, id);
    // A Ref to a resource gives its physical name or id; for these types that is the name.
    const value = attr === 'Ref' ? Object.values(r.attributes)[0] : r.attributes[attr];
    if (value === undefined) throw new RosError('StackValidationFailed', `Resource ${id} (${r.type}) has no attribute ${attr}.`, id);
    return value;
  }

  // Resolve everything in creation order and run ROS's own checks before creating anything.
  for (const id of order) {
    const raw = template.Resources[id];
    let props: Record<string, any>;
    try {
      props = resolve(raw.Properties ?? {}, scope) as Record<string, any>;
    } catch (e) {
      if (e instanceof RosError) throw e;
      throw new RosError('StackValidationFailed', `Resource ${id}: ${(e as Error).message}.`, id);
    }
    for (const c of constraintsOf(raw.Type).filter((c) => c.phase === 'validate')) {
      const problem = c.check(props);
      if (problem) problems.push(`Resources.${id} (${raw.Type}): ${problem}`);
    }
    created.set(id, { logicalId: id, type: raw.Type, props, attributes: ATTRIBUTES[raw.Type](props, input) });
  }
  if (problems.length) throw validationFailed(problems);

  // Create in order: what a resource names must exist, and the service's own limits apply.
  const done: DeployedResource[] = [];
  for (const id of order) {
    const r = created.get(id)!;
    const reason = missingReference(r.type, r.props, done) ?? firstProblem(r);
    if (reason) throw createFailed(id, r.type, reason);
    done.push(r);
  }

  const outputs = Object.fromEntries(Object.entries(template.Outputs ?? {}).map(([k, o]) => [k, resolve(o.Value, scope)]));
  return { resources: done, parameters: params.values, outputs };
}

function firstProblem(r: DeployedResource): string | undefined {
  for (const c of constraintsOf(r.type).filter((c) => c.phase !== 'validate')) {
    const problem = c.check(r.props);
    if (problem) return problem;
  }
  return undefined;
}

function templateProblems(template: RosTemplate): string[] {
  const problems: string[] = [];
  const bytes = Buffer.byteLength(JSON.stringify(template));
  if (bytes > MAX_TEMPLATE_BYTES) problems.push(`The template is ${bytes} bytes; ROS accepts at most ${MAX_TEMPLATE_BYTES}.`);
  if (template.ROSTemplateFormatVersion !== FORMAT_VERSION) {
    problems.push(`ROSTemplateFormatVersion is ${JSON.stringify(template.ROSTemplateFormatVersion)}; it must be "${FORMAT_VERSION}".`);
  }
  const resources = Object.entries(template.Resources ?? {});
  if (resources.length > MAX_RESOURCES) problems.push(`The template has ${resources.length} resources; a stack holds at most ${MAX_RESOURCES}.`);
  const parameters = Object.keys(template.Parameters ?? {}).length;
  if (parameters > MAX_PARAMETERS) problems.push(`The template has ${parameters} parameters; ROS accepts at most ${MAX_PARAMETERS}.`);
  for (const [id, r] of resources) {
    if (id.includes('/')) problems.push(`Resource id ${id} contains "/", which ROS refuses.`);
    if (!SUPPORTED_TYPES.has(r.Type))
      problems.push(`Resource ${id} has type ${r.Type}, which the local ROS can't create (add it to local/ros/attributes.ts with its constraints).`);
  }
  return problems;
}

function pseudoParameter(name: string, input: DeployInput): string | undefined {
  switch (name) {
    case 'ALIYUN::AccountId':
    case 'ALIYUN::TenantId':
      return input.accountId;
    case 'ALIYUN::Region':
      return input.region;
    case 'ALIYUN::StackName':
      return input.stackName;
    case 'ALIYUN::StackId':
      return `local-${input.stackName}`;
    default:
      return undefined;
  }
}
