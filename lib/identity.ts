import * as ros from '@alicloud/ros-cdk-core';
import * as ram from '@alicloud/ros-cdk-ram';

export interface Grant {
  readonly actions: string[];
  readonly resources: string[];
}

export interface IdentityProps {
  readonly namePrefix: string;
  /** Everything the main service's functions do, as exact actions on this stack's resources. */
  readonly serviceGrants: Grant[];
  /** ARNs of the only functions the client may invoke. */
  readonly clientInvokableFunctionArns: string[];
}

export const roleArn = (name: string): string => ros.Fn.sub(`acs:ram::\${ALIYUN::AccountId}:role/${name}`);

const document = (grants: Grant[]) => ({
  version: '1',
  statement: grants.map((g) => ({ effect: 'Allow', action: g.actions, resource: g.resources })),
});

/** A role Function Compute assumes for one FC service (trusted by fc.aliyuncs.com only), allowed exactly `grants`. */
export function functionServiceRole(scope: ros.Construct, id: string, props: { roleName: string; description: string; grants: Grant[] }): ram.Role {
  return new ram.Role(scope, id, {
    roleName: props.roleName,
    description: props.description,
    assumeRolePolicyDocument: {
      version: '1',
      statement: [{ action: 'sts:AssumeRole', effect: 'Allow', principal: { service: ['fc.aliyuncs.com'] } }],
    },
    policies: [
      {
        policyName: `${props.roleName}-access`,
        description: "This stack's resources only",
        policyDocument: document(props.grants),
      },
    ],
  });
}

/**
 * The main service's role and the client role, each with exactly what it needs:
 * - the service role, assumed by Function Compute, lets session and db touch their tables, write
 *   their logs and hand out client credentials;
 * - the client role, assumable only by the service role (not by the whole account as in the
 *   original template), can do one thing: invoke the client-facing functions (db, pay).
 * ARNs are built from names so neither role depends on the other's resource (no cycle).
 */
export class Identity extends ros.Construct {
  readonly serviceRole: ram.Role;
  readonly clientRole: ram.Role;
  readonly serviceRoleArn: string;
  readonly clientRoleArn: string;

  constructor(scope: ros.Construct, id: string, props: IdentityProps) {
    super(scope, id);
    const serviceRoleName = `${props.namePrefix}-fc`;
    const clientRoleName = `${props.namePrefix}-client`;
    this.serviceRoleArn = roleArn(serviceRoleName);
    this.clientRoleArn = roleArn(clientRoleName);

    this.serviceRole = functionServiceRole(this, 'ServiceRole', {
      roleName: serviceRoleName,
      description: 'Assumed by Function Compute for the mini-program functions',
      grants: [...props.serviceGrants, { actions: ['sts:AssumeRole'], resources: [this.clientRoleArn] }],
    });

    this.clientRole = new ram.Role(this, 'ClientRole', {
      roleName: clientRoleName,
      description: 'Assumed for mini-program users by the session function; may only invoke the client-facing functions',
      maxSessionDuration: 3600,
      assumeRolePolicyDocument: {
        version: '1',
        statement: [{ action: 'sts:AssumeRole', effect: 'Allow', principal: { ram: [this.serviceRoleArn] } }],
      },
      policies: [
        {
          policyName: `${props.namePrefix}-client-invoke`,
          description: 'Invoke the db and pay functions, nothing else',
          policyDocument: document([{ actions: ['fc:InvokeFunction'], resources: props.clientInvokableFunctionArns }]),
        },
      ],
    });
    // The client role's trust names the service role, which RAM checks exists.
    this.clientRole.addDependency(this.serviceRole);
  }
}
