/** A role's AssumeRolePolicyDocument (ROS PascalCase keys, as the template declares it). */
export interface TrustStatement {
  Action: string | string[];
  Effect: 'Allow' | 'Deny';
  Principal: { RAM?: string | string[]; Service?: string | string[] };
}
export interface TrustPolicyDocument {
  Version: string;
  Statement: TrustStatement[];
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const ROLE_ARN = /^acs:ram::(\d+):role\/(.+)$/;

/** Splits `acs:ram::<account>:role/<name>`; undefined when malformed. */
export function parseRoleArn(arn: string): { accountId: string; roleName: string } | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? { accountId: m[1]!, roleName: m[2]! } : undefined;
}

const coversAssumeRole = (s: TrustStatement): boolean => asList(s.Action).some((a) => ['sts:assumerole', 'sts:*', '*'].includes(a.toLowerCase()));

/**
 * Whether a trust policy lets a RAM role session assume the role. A `RAM` principal matches when it
 * names the caller's role ARN, or the root of the caller's account (`acs:ram::<acct>:root`), which
 * RAM reads as "any RAM identity of that account". `Service` principals never match an API caller:
 * services assume roles through their own path (local FC issues its service-role credentials
 * directly). An explicit Deny wins.
 */
export function trustAllows(trust: TrustPolicyDocument, callerRoleArn: string): boolean {
  const caller = parseRoleArn(callerRoleArn);
  if (!caller) return false;
  const names = new Set([callerRoleArn, `acs:ram::${caller.accountId}:root`]);
  let allowed = false;
  for (const s of trust.Statement) {
    if (!coversAssumeRole(s) || !asList(s.Principal?.RAM).some((p) => names.has(p))) continue;
    if (s.Effect === 'Deny') return false;
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed;
}
