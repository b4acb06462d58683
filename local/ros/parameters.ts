/**
 * Parameter values checked the way ROS checks them at CreateStack: every declared constraint
 * (AllowedPattern, AllowedValues, MinLength/MaxLength, MinValue/MaxValue, Type), defaults included
 * (ROS: "the default value must also conform to the parameter restriction definition"), and every
 * problem reported at once. A NoEcho value never appears in a message.
 * Source: ROS template structure, Parameters (https://www.alibabacloud.com/help/en/ros/user-guide/parameters).
 */
export interface ParameterDeclaration {
  Type: string;
  Default?: unknown;
  NoEcho?: boolean;
  AllowedPattern?: string;
  AllowedValues?: unknown[];
  MinLength?: number;
  MaxLength?: number;
  MinValue?: number;
  MaxValue?: number;
  ConstraintDescription?: string | Record<string, string>;
  Description?: string | Record<string, string>;
}

export interface ParameterCheck {
  /** The value of every declared parameter (given or default), as ROS substitutes it. */
  values: Record<string, string>;
  problems: string[];
}

const TYPES = new Set(['String', 'Number', 'CommaDelimitedList', 'Json', 'Boolean', 'ALIYUN::OOS::Parameter::Value', 'ALIYUN::OOS::SecretParameter::Value']);

export function checkParameters(declared: Record<string, ParameterDeclaration>, given: Record<string, string>): ParameterCheck {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (const name of Object.keys(given)) {
    if (!(name in declared)) problems.push(`Parameter "${name}" is given but the template does not declare it.`);
  }
  for (const [name, p] of Object.entries(declared)) {
    if (!TYPES.has(p.Type)) {
      problems.push(`Parameter "${name}" has an unknown Type "${p.Type}".`);
      continue;
    }
    if (p.Default !== undefined) {
      const issue = violation(p, String(p.Default));
      if (issue) problems.push(`Parameter "${name}": its Default ${shown(p, String(p.Default))} ${issue}.`);
    }
    const value = given[name] ?? (p.Default === undefined ? undefined : String(p.Default));
    if (value === undefined) {
      problems.push(`Parameter "${name}" needs a value: it has no Default.`);
      continue;
    }
    values[name] = value;
    if (name in given) {
      const issue = violation(p, value);
      if (issue) problems.push(`Parameter "${name}": the value ${shown(p, value)} ${issue}.${hint(p)}`);
    }
  }
  return { values, problems };
}

/** How a value may appear in a message or a listing: NoEcho values never do, long ones are cut. */
export function shown(p: Pick<ParameterDeclaration, 'NoEcho'>, value: string): string {
  if (p.NoEcho) return `(NoEcho, ${value.length} characters)`;
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 61)}...` : value);
}

function hint(p: ParameterDeclaration): string {
  const c = p.ConstraintDescription;
  const text = typeof c === 'string' ? c : (c?.en ?? (c ? Object.values(c)[0] : undefined));
  return text ? ` ${text}` : '';
}

/** What is wrong with `value` under the declaration, or undefined. */
function violation(p: ParameterDeclaration, value: string): string | undefined {
  if (p.Type === 'Number') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) return 'is not a Number';
    if (p.MinValue !== undefined && n < p.MinValue) return `is less than MinValue ${p.MinValue}`;
    if (p.MaxValue !== undefined && n > p.MaxValue) return `is greater than MaxValue ${p.MaxValue}`;
  }
  if (p.Type === 'Boolean' && !/^(true|false)$/i.test(value)) return 'is not a Boolean (true or false)';
  if (p.Type === 'Json') {
    try {
      JSON.parse(value);
    } catch {
      return 'is not valid JSON';
    }
  }
  if (p.MinLength !== undefined && value.length < p.MinLength) return `is ${value.length} characters, shorter than MinLength ${p.MinLength}`;
  if (p.MaxLength !== undefined && value.length > p.MaxLength) return `is ${value.length} characters, longer than MaxLength ${p.MaxLength}`;
  if (p.AllowedValues && !p.AllowedValues.map(String).includes(value)) return `is not one of the AllowedValues ${JSON.stringify(p.AllowedValues)}`;
  // The whole value must match, as in CloudFormation-style templates, even if the pattern is not anchored.
  if (p.AllowedPattern !== undefined && !new RegExp(`^(?:${p.AllowedPattern})$`).test(value)) {
    return `does not match the AllowedPattern ${p.AllowedPattern}`;
  }
  return undefined;
}
