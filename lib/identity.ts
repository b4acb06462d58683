import * as ros from '@alicloud/ros-cdk-core';
import * as ram from '@alicloud/ros-cdk-ram';

export interface Grant {
  readonly actions: string[];
  readonly resources: string[];
}

export interface IdentityProps {
  readonly namePrefix: string;
  /** Everything the functions do, as exact actions on this stack's resources. */
  readonly serviceGrants: Grant[];
  /** ARN of the only function the client may invoke. */
  readonly clientInvokableFunctionArn: string;
}

export const roleArn = (name: string): string => ros.Fn.sub(`acs:ram::\${ALIYUN::AccountId}:role/${name}`);

const document = (grants: Grant[]) => ({
  version: '1',
  statement: grants.map((g) => ({ effect: 'Allow', action: g.actions, resource: g.resources })),
});

/**
 * Two RAM roles, each with exactly what it needs:
 * - the service role, assumed by Function Compute (trusted by fc.aliyuncs.com only), lets the
 *   functions touch their tables, write their logs and hand out client credentials;
 * - the client role, assumable only by the service role (not by the whole account as in the
 *   original template), can do one thing: invoke the db function.
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

    this.serviceRole = new ram.Role(this, 'ServiceRole', {
      roleName: serviceRoleName,
      description: 'Assumed by Function Compute for the mini-program functions',
      assumeRolePolicyDocument: {
        version: '1',
        statement: [{ action: 'sts:AssumeRole', effect: 'Allow', principal: { service: ['fc.aliyuncs.com'] } }],
      },
      policies: [
        {
          policyName: `${props.namePrefix}-fc-access`,
          description: 'Tables, logstore and client role of this stack only',
          policyDocument: document([...props.serviceGrants, { actions: ['sts:AssumeRole'], resources: [this.clientRoleArn] }]),
        },
      ],
    });

    this.clientRole = new ram.Role(this, 'ClientRole', {
      roleName: clientRoleName,
      description: 'Assumed for mini-program users by the session function; may only invoke the db function',
      maxSessionDuration: 3600,
      assumeRolePolicyDocument: {
        version: '1',
        statement: [{ action: 'sts:AssumeRole', effect: 'Allow', principal: { ram: [this.serviceRoleArn] } }],
      },
      policies: [
        {
          policyName: `${props.namePrefix}-client-invoke-db`,
          description: 'Invoke the db function, nothing else',
          policyDocument: document([{ actions: ['fc:InvokeFunction'], resources: [props.clientInvokableFunctionArn] }]),
        },
      ],
    });
    // The client role's trust names the service role, which RAM checks exists.
    this.clientRole.addDependency(this.serviceRole);
  }
}
