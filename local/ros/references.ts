/**
 * What must already exist when ROS creates a resource: the things it names by name or ARN.
 * ROS orders creation only by Ref, GetAtt, Sub and DependsOn (see order.ts); a service that names
 * its role by a built ARN without DependsOn may be created first, and its API call then fails.
 * The local ROS creates in that same order and refuses the resource, so the missing DependsOn
 * shows up locally. It can only know this stack's resources: a name outside the stack is refused
 * too (this stack creates everything it uses).
 */
export interface Created {
  type: string;
  props: Record<string, any>;
  attributes: Record<string, unknown>;
}

interface Reference {
  type: string;
  /** Each thing the resource names, as [what, the value, whether it exists among `created`]. */
  needs(props: Record<string, any>, created: Created[]): [string, unknown, boolean][];
}

const exists = (created: Created[], type: string, match: (c: Created) => boolean): boolean => created.some((c) => c.type === type && match(c));
const instanceTypes = ['ALIYUN::OTS::Instance', 'ALIYUN::OTS::InstanceV2'];

const REFERENCES: Reference[] = [
  {
    type: 'ALIYUN::OTS::Table',
    needs: (p, c) => [['Tablestore instance', p.InstanceName, c.some((x) => instanceTypes.includes(x.type) && sameName(x.props.InstanceName, p.InstanceName))]],
  },
  {
    type: 'ALIYUN::SLS::Logstore',
    needs: (p, c) => [['SLS project', p.ProjectName, exists(c, 'ALIYUN::SLS::Project', (x) => x.props.Name === p.ProjectName)]],
  },
  {
    type: 'ALIYUN::SLS::Index',
    needs: (p, c) => [
      [
        'SLS logstore',
        `${p.ProjectName}/${p.LogstoreName}`,
        exists(c, 'ALIYUN::SLS::Logstore', (x) => x.props.ProjectName === p.ProjectName && x.props.LogstoreName === p.LogstoreName),
      ],
    ],
  },
  {
    type: 'ALIYUN::FC::Service',
    needs: (p, c) => [
      ...(p.Role ? [['RAM role', p.Role, exists(c, 'ALIYUN::RAM::Role', (x) => x.attributes.Arn === p.Role)] as [string, unknown, boolean]] : []),
      ...(p.LogConfig
        ? [
            [
              'SLS logstore',
              `${p.LogConfig.Project}/${p.LogConfig.Logstore}`,
              exists(c, 'ALIYUN::SLS::Logstore', (x) => x.props.ProjectName === p.LogConfig.Project && x.props.LogstoreName === p.LogConfig.Logstore),
            ] as [string, unknown, boolean],
          ]
        : []),
    ],
  },
  {
    type: 'ALIYUN::FC::Function',
    needs: (p, c) => [['FC service', p.ServiceName, exists(c, 'ALIYUN::FC::Service', (x) => x.props.ServiceName === p.ServiceName)]],
  },
  {
    type: 'ALIYUN::FC::Trigger',
    needs: (p, c) => [
      [
        'FC function',
        `${p.ServiceName}/${p.FunctionName}`,
        exists(c, 'ALIYUN::FC::Function', (x) => x.props.ServiceName === p.ServiceName && x.props.FunctionName === p.FunctionName),
      ],
    ],
  },
  {
    // RAM checks that a trusted RAM principal exists when the trust policy is written.
    type: 'ALIYUN::RAM::Role',
    needs: (p, c) =>
      trustedRoleArns(p).map((arn) => ['trusted RAM role', arn, exists(c, 'ALIYUN::RAM::Role', (x) => x.attributes.Arn === arn)] as [string, unknown, boolean]),
  },
];

/** Tablestore instance names are case-insensitive. */
const sameName = (a: unknown, b: unknown): boolean => String(a).toLowerCase() === String(b).toLowerCase();

function trustedRoleArns(props: Record<string, any>): string[] {
  const statements = (props.AssumeRolePolicyDocument?.Statement ?? []) as { Principal?: { RAM?: string | string[] } }[];
  return statements.flatMap((s) => ([] as string[]).concat(s.Principal?.RAM ?? [])).filter((arn) => /:role\//.test(arn));
}

/** Why the resource can't be created yet, or undefined. */
export function missingReference(type: string, props: Record<string, any>, created: Created[]): string | undefined {
  for (const ref of REFERENCES.filter((r) => r.type === type)) {
    for (const [what, value, ok] of ref.needs(props, created)) {
      if (!ok) return `the ${what} ${JSON.stringify(value)} does not exist (not created yet: a DependsOn may be missing, or it is not in this stack)`;
    }
  }
  return undefined;
}
